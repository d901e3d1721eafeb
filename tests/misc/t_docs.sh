#!/usr/bin/env bash
# docs/prometheus.md, docs/keepalived.md and README.md kept true to the code:
#  - prometheus.md's metric table = the metrics tcpeekstat -p prints (names,
#    types, label names, both directions) = the formatter's table in
#    src/stat/tstat_fmt.c; its sample's HELP/TYPE lines are the real ones;
#    every tcpeek_* name it uses is a metric; its PromQL parses (promtool);
#    its cron line, run as written, publishes the output atomically and
#    keeps the last good file when tcpeekstat fails.
#  - keepalived.md: every option shown for check_tcp_raw is in --help, every
#    full command line shown gets past the option parser (exit 1 in an empty
#    network namespace, never 64); its configuration excerpt is verbatim
#    contrib/keepalived/keepalived.conf; the no-capability message is the
#    program's own.
#  - README.md: each program's option table lists exactly the options of
#    its --help; every relative link points at an existing file, and the
#    docs are linked.
. "$(dirname "$0")/common.sh"

T=$(mktmp)
D=$SYNSCOPE_ROOT/docs
PM=$D/prometheus.md
KM=$D/keepalived.md
RM=$SYNSCOPE_ROOT/README.md
for f in "$PM" "$KM" "$RM"; do
	[ -f "$f" ] || { fail "missing $f"; exit 0; }
done
command -v python3 >/dev/null || { fail "t_docs needs python3"; exit 0; }

# ---- prometheus.md ------------------------------------------------------
# A real document (with a user filter, for the label checks), served by a
# stand-in for tcpeek's socket: tcpeek -r reads the whole file first.
if ! "$BIN/tcpeek" -r "$SYNSCOPE_ROOT/tests/data/mixed.pcap" -q -j --track-established --events=/dev/null 'web:RX@%:80' \
	>"$T/doc.json" 2>"$T/err"; then
	fail "tcpeek -r mixed.pcap -j: $(head -1 "$T/err")"
	exit 0
fi
S=$T/s.sock
python3 -c '
import socket, sys
doc = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(4)
while True:
    c, _ = s.accept()
    c.recv(64); c.sendall(doc); c.close()
' "$S" "$T/doc.json" &
bg_track $!
for _ in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
"$BIN/tcpeekstat" -p -U "$S" >"$T/prom" 2>"$T/err" || fail "tcpeekstat -p: $(head -1 "$T/err")"

# metric<TAB>type<TAB>labels (sorted, comma-separated) from three sources
python3 - "$T/prom" >"$T/out.tsv" <<'EOF'
import re, sys
types, labels = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"# TYPE tcpeek_(\w+) (\w+)$", line)
    if m:
        types[m.group(1)] = m.group(2)
        continue
    m = re.match(r"tcpeek_(\w+)(?:\{(.*)\})? ", line)
    if m:
        names = re.findall(r'(\w+)="', m.group(2) or "")
        fam = m.group(1)
        # a histogram's series belong to its family
        h = re.match(r"(\w+)_(bucket|sum|count)$", fam)
        if h and types.get(h.group(1)) == "histogram":
            fam = h.group(1)
        labels.setdefault(fam, set()).update(names)
for k in sorted(types):
    print("%s\t%s\t%s" % (k, types[k], ",".join(sorted(labels.get(k, ())))))
EOF
python3 - "$PM" >"$T/doc.tsv" <<'EOF'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"\| `tcpeek_(\w+)` \| (\w+) \| ([^|]*)\|", line)
    if m:
        lab = sorted(x.strip() for x in m.group(3).split(",") if x.strip())
        print("%s\t%s\t%s" % (m.group(1), m.group(2), ",".join(lab)))
EOF
sort -o "$T/doc.tsv" "$T/doc.tsv"
sed -n 's/^[[:space:]]*{ "[a-z_]*", "\([a-z_]*\)", "\([a-z]*\)", ".*/\1\t\2/p' \
	"$SYNSCOPE_ROOT/src/stat/tstat_prom.c" | sort >"$T/src.tsv"

n=$(grep -c . "$T/doc.tsv")
if [ "$n" -ge 20 ] && d=$(list_diff "$(cut -f1 "$T/out.tsv")" "$(cut -f1 "$T/doc.tsv")"); then
	ok "prometheus.md lists exactly the $n metrics tcpeekstat -p prints"
else
	fail "prometheus.md metric list vs tcpeekstat -p (out first, $n rows): $d"
fi
if d=$(list_diff "$(cut -f1,2 "$T/out.tsv")" "$(cut -f1,2 "$T/doc.tsv")"); then
	ok "prometheus.md: every metric's type as printed"
else
	fail "prometheus.md types (out first): $d"
fi
if d=$(list_diff "$(cat "$T/out.tsv")" "$(cat "$T/doc.tsv")"); then
	ok "prometheus.md: every metric's label names as printed"
else
	fail "prometheus.md labels (out first): $d"
fi
if [ -s "$T/src.tsv" ] && d=$(list_diff "$(cat "$T/src.tsv")" "$(cut -f1,2 "$T/doc.tsv")"); then
	ok "prometheus.md: same names and types as the formatter's table (tstat_prom.c)"
else
	fail "prometheus.md vs tstat_prom.c (source first): ${d:-no table found in the source}"
fi

# Prometheus naming, checked without promtool (CI has none): every counter
# ends in _total, and no gauge carries a quantile label (that is a summary)
bad=$(awk '$1 == "#" && $2 == "TYPE" && $4 == "counter" && $3 !~ /_total$/ { print $3 }
	$1 == "#" && $2 == "TYPE" { type[$3] = $4 }
	$1 !~ /^#/ && /quantile="/ { n = $1; sub(/\{.*/, "", n); if (type[n] != "summary") print n " (" type[n] ")" }' "$T/prom" | sort -u)
check "tcpeekstat -p: counters end in _total, quantiles only in summaries${bad:+: $bad}" test -z "$bad" -a -s "$T/prom"

# the sample: real HELP/TYPE lines, well-formed samples of listed metrics
python3 - "$PM" "$T/prom" "$T/doc.tsv" <<'EOF' >"$T/sample.err"
import re, sys
doc = open(sys.argv[1]).read()
real = set(open(sys.argv[2]).read().splitlines())
rows = [l.split("\t") for l in open(sys.argv[3]).read().splitlines()]
known = {r[0] for r in rows}
# a summary's _count series and a histogram's series belong to its family
known |= {r[0] + "_count" for r in rows if r[1] == "summary"}
known |= {r[0] + s for r in rows if r[1] == "histogram" for s in ("_bucket", "_sum", "_count")}
m = re.search(r"<!-- sample: tcpeekstat -p -->\n```\n(.*?)\n```", doc, re.S)
if not m:
    print("no sample block"); sys.exit(1)
bad, n = [], 0
for line in m.group(1).splitlines():
    if line == "...":
        continue
    n += 1
    if line.startswith("#"):
        if line not in real:
            bad.append(line)
        continue
    s = re.match(r'tcpeek_(\w+)(\{(\w+="[^"]*")(,\w+="[^"]*")*\})? [0-9.]+$', line)
    if line.startswith("tcpeek_") and ' iface="eth0"' not in line.replace(",", " ").replace("{", " "):
        s = None        # the sample is the output of --label iface=eth0
    if not s or s.group(1) not in known:
        bad.append(line)
if n < 20 or bad:
    print("%d lines; not real or not well-formed: %s" % (n, " | ".join(bad[:3])))
    sys.exit(1)
EOF
[ -s "$T/sample.err" ] && fail "prometheus.md sample: $(cat "$T/sample.err")" ||
	ok "prometheus.md: the sample's HELP/TYPE lines are tcpeekstat's, its samples well-formed"

# every metric name the prose and the queries use exists (file names and
# placeholders in capitals, like tcpeek_SECTION_KEY, are not metrics)
used=$(grep -oE 'tcpeek_[A-Za-z][A-Za-z0-9_]*(\.(prom|tmp))?' "$PM" | grep -vE '\.(prom|tmp)$|[A-Z]' |
	sed 's/^tcpeek_//' | sort -u)
# (a family's name, or a series -p prints, like a summary's _count)
unknown=$(comm -23 <(printf '%s\n' "$used") <({ cut -f1 "$T/doc.tsv"; sed -n 's/^tcpeek_\([a-z_]*\).*/\1/p' "$T/prom"; } | sort -u))
if [ -n "$used" ] && [ -z "$unknown" ]; then
	ok "prometheus.md names only real metrics ($(echo "$used" | wc -l) distinct)"
else
	fail "prometheus.md names unknown metrics: $(echo "$unknown" | tr '\n' ' ')"
fi

# the queries parse
awk '/^```promql$/ { q = 1; next } /^```$/ { q = 0 } q && NF' "$PM" >"$T/queries"
nq=$(grep -c . "$T/queries")
if [ "$nq" -lt 5 ]; then
	fail "prometheus.md: only $nq PromQL queries found"
elif command -v promtool >/dev/null; then
	{
		echo "groups:"; echo "  - name: docs"; echo "    rules:"
		i=0
		while IFS= read -r q; do
			i=$((i + 1))
			printf '      - record: docs:q%d\n        expr: %s\n' "$i" \
				"$(printf '%s' "$q" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"
		done <"$T/queries"
	} >"$T/rules.yml"
	if promtool check rules "$T/rules.yml" >"$T/pt" 2>&1; then
		ok "prometheus.md: all $nq PromQL queries parse (promtool check rules)"
	else
		fail "prometheus.md PromQL: $(grep -m2 -i 'err' "$T/pt" | tr '\n' ' ')"
	fi
	# a broken query must be caught, or the check above proves nothing
	printf 'groups:\n  - name: x\n    rules:\n      - record: x:y\n        expr: "rate(tcpeek_abort[5m]"\n' >"$T/bad.yml"
	promtool check rules "$T/bad.yml" >/dev/null 2>&1 &&
		fail "promtool accepted an unbalanced query"
	# the exposition parses and follows the naming conventions (a lint
	# remark makes promtool exit 3)
	promtool check metrics <"$T/prom" >"$T/pm" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q . "$T/pm"; then
		ok "tcpeekstat -p output passes promtool check metrics without a remark"
	else
		fail "promtool check metrics: $(head -2 "$T/pm" | tr '\n' ' ')"
	fi
else
	ok "prometheus.md: PromQL parse (skipped: no promtool; Debian package prometheus)"
fi

# the cron line as written, with this checkout's paths
line=$(grep -m1 -E '^\* \* \* \* \* root ' "$PM" | sed 's/^\* \* \* \* \* root //')
TF=$T/textfile
mkdir -p "$TF"
run_cron() {
	local l=${line//\/var\/lib\/prometheus\/node-exporter/$TF}
	l=${l//\/run\/tcpeek\/eth0.sock/$1}
	l=${l//\/usr\/local\/bin\/tcpeekstat/$BIN/tcpeekstat}
	sh -c "$l" 2>/dev/null
}
if [ -z "$line" ]; then
	fail "prometheus.md: no cron line found"
else
	run_cron "$S"
	if cmp -s "$TF/tcpeek_eth0.prom" "$T/prom" && [ "$(ls -A "$TF")" = tcpeek_eth0.prom ]; then
		ok "prometheus.md cron line publishes tcpeekstat -p's output, no temporary left"
	else
		fail "prometheus.md cron line: $(ls -A "$TF" | tr '\n' ' ')"
	fi
	run_cron "$T/no.sock"
	if cmp -s "$TF/tcpeek_eth0.prom" "$T/prom"; then
		ok "prometheus.md cron line keeps the last good file when tcpeekstat fails"
	else
		fail "prometheus.md cron line damaged the published file on failure"
	fi
fi

# the units the doc describes, as shipped
U=$SYNSCOPE_ROOT/contrib/systemd/tcpeek-textfile@.service
ES='tcpeekstat -p -U /run/tcpeek/%i.sock --label iface=%i -o /var/lib/prometheus/node-exporter/tcpeek_%i.prom'
if grep -qx "ExecStart=/usr/local/bin/$ES" "$U" && grep -qxF "$ES" "$PM" &&
	grep -qx 'ReadWritePaths=-/var/lib/prometheus/node-exporter' "$U" &&
	grep -q 'root:tcpeek 1775' "$PM" &&
	grep -qx 'OnUnitActiveSec=15s' "${U%.service}.timer" &&
	grep -q 'every 15 s' "$PM" && grep -q '/var/lib/prometheus/node-exporter/' "$PM"; then
	ok "prometheus.md: textfile service and timer as shipped (command, writable path, 15 s)"
else
	fail "prometheus.md and contrib/systemd/tcpeek-textfile@ differ"
fi

# ---- keepalived.md ------------------------------------------------------
# check_tcp_raw's options from --help: NAME<TAB>1 when it takes a value
"$BIN/check_tcp_raw" --help >"$T/help" || fail "check_tcp_raw --help failed"
python3 - "$T/help" "$KM" >"$T/kcmds" 2>"$T/kerr" <<'EOF'
import re, sys
helptext = open(sys.argv[1]).read()
arg = {}
for m in re.finditer(r"^\s+(?:(-[\w?]), )?(--[\w-]+)(=\w+)?", helptext, re.M):
    for o in (m.group(1), m.group(2)):
        if o:
            arg[o] = bool(m.group(3))
doc = open(sys.argv[2]).read()
bad, full, n = [], [], 0
for m in re.finditer(r"check_tcp_raw((?: +[^ \s;|\"'`#)]+)+)", doc):
    toks, pos, i = m.group(1).split(), 0, 0
    while i < len(toks):
        t = toks[i]
        if t.startswith("--"):
            name = t.split("=")[0]
            n += 1
            if name not in arg:
                bad.append(t)
            elif arg[name] and "=" not in t:
                i += 1
        elif t.startswith("-") and len(t) > 1:
            for j, c in enumerate(t[1:]):
                n += 1
                o = "-" + c
                if o not in arg:
                    bad.append(t); break
                if arg[o]:
                    if j == len(t) - 2:
                        i += 1
                    break
        else:
            pos += 1
        i += 1
    if pos >= 4:
        full.append(" ".join(toks))
if bad or n < 5:
    print("%d options; unknown: %s" % (n, " ".join(bad)), file=sys.stderr)
print("\n".join(sorted(set(full))))
EOF
[ -s "$T/kerr" ] && fail "keepalived.md check_tcp_raw options: $(cat "$T/kerr")" ||
	ok "keepalived.md: every option shown for check_tcp_raw is in its --help"
nk=$(grep -c . "$T/kcmds")
if [ "$(id -u)" -eq 0 ] && [ "$nk" -ge 3 ]; then
	bad=
	while IFS= read -r c; do
		# an empty network namespace: nothing can be sent, eth0 does not
		# exist; a command line the parser accepts ends with 1, not 64
		# shellcheck disable=SC2086
		W=$T unshare -n "$BIN/check_tcp_raw" ${c} >/dev/null 2>"$T/e"
		rc=$?
		[ $rc -eq 1 ] || bad="$bad [$c: exit $rc $(head -1 "$T/e")]"
	done < <(sed "s|\$W|$T|g" "$T/kcmds")
	[ -z "$bad" ] && ok "keepalived.md: all $nk check_tcp_raw command lines pass the option parser" ||
		fail "keepalived.md command lines refused:$bad"
	# and the check is able to fail: a misspelt option is a usage error
	unshare -n "$BIN/check_tcp_raw" --time-out=5 eth0 10.0.0.41 10.0.0.100 80 2>/dev/null
	[ $? -eq 1 ] || fail "check_tcp_raw accepted --time-out: the parse check above proves nothing"
else
	ok "keepalived.md command lines through the parser (skipped: needs root for unshare -n; $nk lines)"
fi

python3 - "$KM" "$SYNSCOPE_ROOT/contrib/keepalived/keepalived.conf" >"$T/ex" <<'EOF'
import re, sys
doc = open(sys.argv[1]).read()
conf = set(open(sys.argv[2]).read().splitlines())
blocks = re.findall(r"<!-- excerpt: contrib/keepalived/keepalived.conf -->\n```\n(.*?)\n```", doc, re.S)
lines = [l for b in blocks for l in b.splitlines() if l.strip()]
bad = [l for l in lines if l not in conf]
if not lines or bad:
    print("%d lines, not in the file: %s" % (len(lines), " | ".join(bad[:3])))
EOF
[ -s "$T/ex" ] && fail "keepalived.md excerpt: $(cat "$T/ex")" ||
	ok "keepalived.md: the configuration excerpt is verbatim contrib/keepalived/keepalived.conf"
for s in "misc_timeout 3" "-t 500" "lvs-role-notify /run/lvs.role"; do
	grep -qF -- "$s" "$SYNSCOPE_ROOT/contrib/keepalived/keepalived.conf" && grep -qF -- "$s" "$KM" ||
		fail "keepalived.md and keepalived.conf disagree on '$s'"
done

# the tmpfiles.d line shown is the shipped entry's
tl=$(grep -m1 '^f /run/lvs.role ' "$SYNSCOPE_ROOT/contrib/keepalived/synscope.tmpfiles")
if [ -n "$tl" ] && grep -qxF -- "$tl" "$KM"; then
	ok "keepalived.md shows the shipped tmpfiles.d entry"
else
	fail "keepalived.md does not show the tmpfiles.d entry '$tl'"
fi

# the message shown for a missing CAP_NET_RAW is what the program prints
want=$(grep -m1 '^check_tcp_raw: opening a packet socket' "$KM")
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	ns_add cap
	NS cap ip link add d0 type veth peer name d1
	NS cap ip addr add 10.99.0.1/24 dev d0
	NS cap ip link set d0 up
	NS cap ip link set d1 up
	got=$(NS cap setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$BIN/check_tcp_raw" -t 100 d0 10.99.0.2 10.99.0.100 80 2>&1 >/dev/null)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "keepalived.md: the no-capability message is the program's"
	else
		fail "keepalived.md no-capability message: doc '$want', program '$got'"
	fi
else
	ok "keepalived.md no-capability message (skipped: needs root and setpriv)"
fi

# ---- ldirectord.md -------------------------------------------------------
LM=$D/ldirectord.md
LC=$SYNSCOPE_ROOT/contrib/ldirectord/ldirectord.cf
if [ -f "$LM" ]; then
	python3 - "$LM" "$LC" >"$T/lex" <<'EOF2'
import re, sys
doc = open(sys.argv[1]).read()
conf = set(open(sys.argv[2]).read().splitlines())
blocks = re.findall(r"<!-- excerpt: contrib/ldirectord/ldirectord.cf -->\n```\n(.*?)\n```", doc, re.S)
lines = [l for b in blocks for l in b.splitlines() if l.strip()]
bad = [l for l in lines if l not in conf]
if len(lines) < 5 or bad:
    print("%d lines, not in the file: %s" % (len(lines), " | ".join(bad[:3])))
EOF2
	[ -s "$T/lex" ] && fail "ldirectord.md excerpt: $(cat "$T/lex")" ||
		ok "ldirectord.md: the ldirectord.cf excerpt is verbatim contrib/ldirectord/ldirectord.cf"
	# every setting named in its table is one the wrapper knows, and back
	W=$SYNSCOPE_ROOT/contrib/ldirectord/check_tcp_raw-ldirectord
	docset=$(grep -oE '^\| `SYNSCOPE_[A-Z_]+`' "$LM" | grep -oE 'SYNSCOPE_[A-Z_]+' | sort -u)
	wrset=$(sed -n 's/^names="\(.*\)"$/\1/p' "$W" | tr ' ' '\n' | sort -u)
	fileset=$(grep -oE '^#?SYNSCOPE_[A-Z_]+=' "$SYNSCOPE_ROOT/contrib/ldirectord/synscope-ldirectord.default" |
		tr -d '#=' | sort -u)
	if [ -n "$wrset" ] && d=$(list_diff "$wrset" "$docset") && d=$(list_diff "$wrset" "$fileset"); then
		ok "ldirectord.md and the shipped settings file name exactly the wrapper's settings"
	else
		fail "ldirectord settings (wrapper first): $d"
	fi
	# the command line the doc says the wrapper runs is the one it runs:
	# same parameters in check_tcp_raw's -v line
	if [ "$(id -u)" -eq 0 ]; then
		line=$(grep -m1 '^/usr/local/sbin/check_tcp_raw -t 500 eth0 ' "$LM" | sed "s|^/usr/local/sbin/check_tcp_raw|$BIN/check_tcp_raw|")
		# shellcheck disable=SC2086
		want=$(unshare -n $line -v 2>&1 | grep '^\[PARAMS\]')
		got=$(SYNSCOPE_LDIRECTORD_CONF=$T/none SYNSCOPE_IFACE=eth0 SYNSCOPE_CHECK=$BIN/check_tcp_raw \
			SYNSCOPE_OPTIONS=-v unshare -n "$W" 10.0.0.100 80 10.0.0.41 80 2>&1 | grep '^\[PARAMS\]')
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			ok "ldirectord.md: the wrapper runs the check_tcp_raw line the doc shows"
		else
			fail "ldirectord.md mapping: doc '$want', wrapper '$got'"
		fi
	fi
else
	fail "missing $LM"
fi

# ---- README.md ------------------------------------------------------------
# option names in the table rows of one "## PROGRAM" section
readme_opts() {
	sed -n "/^## $1\$/,/^## /p" "$RM" | grep '^| `-' | cut -d'|' -f2 |
		grep -oE -- '--[a-z][a-z-]*[a-z]|(^|[ `])-[A-Za-z?]' | sed 's/^[ `]//' | sort -u
}
for p in $PROGRAMS; do
	if d=$(list_diff "$(help_opts "$p")" "$(readme_opts "$p")"); then
		ok "README.md: the $p option table lists exactly the options of --help"
	else
		fail "README.md $p options vs --help (help first): $d"
	fi
done
missing=
for l in $(grep -oE '\]\([^)#:]+\)' "$RM" | sed -E 's/^\]\(//; s/\)$//' | sort -u); do
	[ -e "$SYNSCOPE_ROOT/$l" ] || missing="$missing $l"
done
[ -z "$missing" ] && ok "README.md: every relative link points at a file" ||
	fail "README.md links to missing files:$missing"
nolink=
for f in docs/keepalived.md docs/ldirectord.md docs/prometheus.md docs/tcpeek-json.md SECURITY.md; do
	grep -qF "]($f)" "$RM" || nolink="$nolink $f"
done
[ -z "$nolink" ] && ok "README.md links the docs" || fail "README.md does not link:$nolink"

# the LVS-DR lab block, pasted as is: in private network and mount
# namespaces, so its fixed names (sw, dir, rs1, v-dir) meet nobody else's;
# then the clean-up block
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v python3 >/dev/null; then
	awk -v lab="$T/lab.sh" -v clean="$T/clean.sh" '
		/^## An LVS-DR lab/ { in_lab = 1 }
		in_lab && /^## / && !/^## An LVS-DR lab/ { exit }
		in_lab && /^```sh$/ { n++; inb = 1; next }
		inb && /^```$/ { inb = 0; next }
		inb { print > (n == 1 ? lab : clean) }' "$RM"
	(cd "$SYNSCOPE_ROOT" && timeout 60 unshare --mount --net --propagation private bash -c '
		trap "kill \$(ip netns pids rs1 2>/dev/null) 2>/dev/null" EXIT
		mkdir -p /run/netns && mount -t tmpfs synscope-lab /run/netns || exit 99
		bash "$1" >"$3" 2>&1
		bash "$2" >"$3.clean" 2>&1
		echo "clean-up exit $?" >>"$3.clean"
		ip netns list >>"$3.clean"
	' _ "$T/lab.sh" "$T/clean.sh" "$T/lab.out")
	last=$(grep '^exit ' "$T/lab.out" | tail -1)
	if [ "$last" = "exit 0" ] && grep -q 'SYN/ACK\|SYN-ACK\|success' "$T/lab.out"; then
		ok "README.md: the LVS-DR lab block, pasted as is, ends with 'exit 0'"
	else
		fail "README.md lab block: '${last:-no exit line}': $(grep -i 'check_tcp_raw\|refused\|timeout' "$T/lab.out" | head -2 | tr '\n' ' ')"
	fi
	if [ "$(cat "$T/lab.out.clean" 2>/dev/null)" = "clean-up exit 0" ]; then
		ok "README.md: the lab's clean-up block stops the listener and removes every namespace"
	else
		fail "README.md lab clean-up: $(tr '\n' ' ' <"$T/lab.out.clean" 2>/dev/null)"
	fi
else
	ok "README.md lab block (skipped: needs root, unshare and python3)"
fi
