#!/usr/bin/env bash
# Golden tests of tcpeek on pcap files with known ground truth.
#
# For every tests/data/NAME.pcap, `TZ=UTC tcpeek -r NAME.pcap -q -j ARGS`
# (ARGS from NAME.args) must exit 0 and:
#   (a) hold every `path=value` line of NAME.truth (ground truth written by
#       tools/pcapgen from construction, checked with tools/jsonq);
#   (b) print exactly NAME.json (a regression guard made from tcpeek's own
#       output after checking it against the truth by hand), where it
#       exists: a scenario may have NAME.table instead (at least one);
#   (c) where NAME.table exists, print exactly it on stderr without -q.
# Then a few option and error-path checks (exit statuses, -t, caps,
# pcapng), and tests/data/regen.sh --check when it exists.
# Prints `ok - ...` / `not ok - ...` and `N passed, N failed`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/${BUILD:-build}"
tcpeek="$root/bin/tcpeek"
jsonq="$build/tools/jsonq"
pass=0
fail=0
tmp=$(mktemp -d /tmp/synscope-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }

for t in "$tcpeek" "$jsonq"; do
	if [ ! -x "$t" ]; then
		echo "golden: $t is missing (run make first)" >&2
		exit 1
	fi
done

# Options of a scenario (NAME.args, whitespace-separated words), plus a
# pinned --max-sessions: the default cap derives from the engine's session
# size, which must not churn every expected document when it changes (the
# default itself is checked below).
GOLDEN_CAP=65536
args_of() {
	local name=$1
	ARGS=()
	[ -f "$here/$name.args" ] && read -r -a ARGS < "$here/$name.args"
	ARGS+=(--max-sessions "$GOLDEN_CAP")
	return 0
}

# Run from tests/data so that file names in the output are relative.
run_tcpeek() {
	(cd "$here" && TZ=UTC "$tcpeek" "$@")
}

# ---- per-scenario checks ------------------------------------------------
shopt -s nullglob
for pcap in "$here"/*.pcap; do
	name=$(basename "$pcap" .pcap)
	args_of "$name"
	out="$tmp/$name.json"
	err="$tmp/$name.err"
	run_tcpeek -r "$name.pcap" -q -j "${ARGS[@]}" > "$out" 2> "$err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		notok "$name: tcpeek exited $rc: $(head -1 "$err")"
		continue
	fi

	# (a) ground truth
	if [ -f "$here/$name.truth" ]; then
		bad=0
		nlines=0
		while IFS= read -r line || [ -n "$line" ]; do
			case "$line" in ''|'#'*) continue ;; esac
			path=${line%=*}
			want=${line##*=}
			nlines=$((nlines + 1))
			got=$("$jsonq" "$out" "$path" 2>&1)
			if [ "$got" != "$want" ]; then
				[ "$bad" -lt 5 ] && echo "#   $name: $path = $got, truth says $want"
				bad=$((bad + 1))
			fi
		done < "$here/$name.truth"
		if [ "$bad" -eq 0 ] && [ "$nlines" -gt 0 ]; then
			ok "$name: $nlines truth values hold"
		else
			notok "$name: $bad of $nlines truth values differ"
		fi
	else
		notok "$name: no $name.truth beside the pcap"
	fi

	# (b) whole document
	if [ -f "$here/$name.json" ]; then
		if cmp -s "$out" "$here/$name.json"; then
			ok "$name: JSON document matches $name.json"
		else
			notok "$name: JSON document differs from $name.json"
			diff <(tr ',' '\n' < "$here/$name.json") <(tr ',' '\n' < "$out") | head -10 | sed 's/^/#   /'
		fi
	elif [ ! -f "$here/$name.table" ]; then
		# a scenario with a .table has that as its whole-output guard
		notok "$name: no expected $name.json (nor $name.table)"
	fi

	# (d) the --events stream, where NAME.events exists
	if [ -f "$here/$name.events" ]; then
		run_tcpeek -r "$name.pcap" -q "${ARGS[@]}" --events=- > "$tmp/$name.events" 2>/dev/null
		if cmp -s "$tmp/$name.events" "$here/$name.events"; then
			ok "$name: --events stream matches $name.events"
		else
			notok "$name: --events stream differs from $name.events"
			diff "$here/$name.events" "$tmp/$name.events" | head -6 | sed 's/^/#   /'
		fi
	fi

	# (c) table and summary on stderr
	if [ -f "$here/$name.table" ]; then
		run_tcpeek -r "$name.pcap" "${ARGS[@]}" > /dev/null 2> "$tmp/$name.table"
		if cmp -s "$tmp/$name.table" "$here/$name.table"; then
			ok "$name: table and summary match $name.table"
		else
			notok "$name: table and summary differ from $name.table"
			diff "$here/$name.table" "$tmp/$name.table" | head -10 | sed 's/^/#   /'
		fi
	fi
done

# ---- behaviour of options, from the same files ----------------------------
# Each check: expect_rc RC "what" args... ; stderr must be exactly one line
# for a failure (the one-line error contract).
expect_rc() {
	local want=$1 what=$2
	shift 2
	run_tcpeek "$@" > "$tmp/rc.out" 2> "$tmp/rc.err"
	local rc=$? lines
	lines=$(wc -l < "$tmp/rc.err")
	if [ "$rc" -ne "$want" ]; then
		notok "$what: exit $rc, want $want ($(head -1 "$tmp/rc.err"))"
	elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
		notok "$what: exit $rc but $lines lines on stderr, want one"
	else
		ok "$what: exit $rc"
	fi
}

some=$(cd "$here" && ls *.pcap 2>/dev/null | head -1)
: "${some:=none.pcap}"
expect_rc 64 "bad -t value" -r "$some" -q -t 0
expect_rc 64 "-t above 86400" -r "$some" -q -t 86401
expect_rc 64 "bad -c value" -r "$some" -q -c 3
expect_rc 64 "bad -B value" -r "$some" -q -B 0
expect_rc 64 "bad -s value" -r "$some" -q -s 63
expect_rc 64 "bad -l value" -r "$some" -q -l loud
expect_rc 64 "bad -L value" -r "$some" -q -L 10.0.0.0/33
expect_rc 64 "bad --max-sessions" -r "$some" -q --max-sessions 0
expect_rc 64 "unknown option" -r "$some" -q --frobnicate
expect_rc 64 "missing option value" -r "$some" -q -t
expect_rc 64 "bad filter expression" -r "$some" -q 'web:XX@*:80'
expect_rc 64 "-i with -r" -r "$some" -q -i lo
expect_rc 1 "missing file" -r no-such-file.pcap -q
printf 'this is not a capture file\n' > "$tmp/garbage.pcap"
expect_rc 1 "not a pcap file" -r "$tmp/garbage.pcap" -q
# a valid pcap header of link type USER0 (147), which tcpeek cannot decode
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x93\0\0\0' > "$tmp/user0.pcap"
expect_rc 1 "unsupported link type" -r "$tmp/user0.pcap" -q
if grep -q "user0.pcap: link-type DLT 147 (unknown) is not supported" "$tmp/rc.err"; then
	ok "unsupported link type: the message names the file and the link type"
else
	notok "unsupported link type message: $(head -1 "$tmp/rc.err")"
fi
expect_rc 0 "-h" -h
expect_rc 0 "--version" --version
if grep -qx "tcpeek [0-9][0-9.]*" "$tmp/rc.out"; then
	ok "--version prints 'tcpeek VERSION'"
else
	notok "--version printed '$(head -1 "$tmp/rc.out")'"
fi
run_tcpeek -h > "$tmp/help.txt" 2>&1
missing=""
for o in --user --interface --socket --checksum --timeout --buffer --loglevel \
         --quiet --promisc --icmp --help --version --read --local --json \
         --snaplen --max-sessions; do
	grep -q -- "$o" "$tmp/help.txt" || missing="$missing $o"
done
if [ -z "$missing" ]; then ok "-h lists every long option"; else notok "-h misses$missing"; fi

# Messages that quote what the user typed: exact, one line.
# expect_msg "what" "expected first line of stderr" args...
expect_msg() {
	local what=$1 want=$2
	shift 2
	run_tcpeek "$@" > /dev/null 2> "$tmp/msg.err"
	local got
	got=$(head -1 "$tmp/msg.err")
	if [ "$got" = "$want" ]; then
		ok "$what: '$got'"
	else
		notok "$what: got '$got', want '$want'"
	fi
}
for o in -u -i -r -U; do
	case $o in -u) l=-u/--user ;; -i) l=-i/--interface ;; -r) l=-r/--read ;; -U) l=-U/--socket ;; esac
	expect_msg "$o '' says it is empty" \
		"tcpeek: invalid $l value '': empty (try 'tcpeek -h')" "$o" ""
done
expect_msg "a filter name that is not UTF-8 is refused, naming the filter" \
	"tcpeek: filter \"w\\xffb:RX@%:80\": name \"w\\xffb\" is not valid UTF-8 (try 'tcpeek -h')" \
	-r "$some" -q "$(printf 'w\377b:RX@%%:80')"
expect_msg "a filter name with a C1 control character is refused" \
	"tcpeek: filter \"a\\xc2\\x9b:RX@%:80\": name \"a\\xc2\\x9b\" contains a control character (try 'tcpeek -h')" \
	-r "$some" -q "$(printf 'a\302\233:RX@%%:80')"
expect_rc 64 "a filter name that is not UTF-8: exit 64, one line" -r "$some" -q "$(printf 'w\377b:RX@%%:80')"
# a long bad expression: one line, cut with a marker, the complaint whole
long="web:RX@$(printf '10.0.0.1:80,%.0s' $(seq 40))10.0.0.1/33:80"
expect_rc 64 "a 500-byte bad filter: exit 64, one line" -r "$some" -q "$long"
if grep -q '^tcpeek: filter "web:RX@10\.0\.0\.1:80,.*\.\.\.": prefix length "33" is not 0-32 (try .tcpeek -h.)$' "$tmp/rc.err" &&
   [ "$(wc -c < "$tmp/rc.err")" -lt 300 ]; then
	ok "a long filter error is cut with '...' and keeps its complaint"
else
	notok "long filter error: $(head -c 300 "$tmp/rc.err")"
fi
# libpcap's read errors name the file (a record cut 5 bytes short), from
# a file and from standard input
if [ -f "$here/success.pcap" ]; then
	sz=$(stat -c %s "$here/success.pcap")
	head -c $((sz - 5)) "$here/success.pcap" > "$tmp/cut.pcap"
	(cd "$tmp" && "$tcpeek" -r cut.pcap -q) > /dev/null 2> "$tmp/cut.err"
	rc=$?
	line=$(head -1 "$tmp/cut.err")
	if [ "$rc" = 1 ] && [[ $line == "tcpeek: cut.pcap: truncated dump file; "* ]] &&
	   grep -q '^========== TCPEEK SUMMARY' "$tmp/cut.err"; then
		ok "a file cut mid-record: exit 1, the error names it, the summary follows ($line)"
	else
		notok "a file cut mid-record: exit $rc, '$line'"
	fi
	"$tcpeek" -r - -q < "$tmp/cut.pcap" > /dev/null 2> "$tmp/cut.err"
	line=$(head -1 "$tmp/cut.err")
	cat "$tmp/cut.pcap" | "$tcpeek" -r - -q > /dev/null 2> "$tmp/cut2.err"
	line2=$(head -1 "$tmp/cut2.err")
	if [[ $line == "tcpeek: standard input: truncated dump file; "* ]] &&
	   [[ $line2 == "tcpeek: standard input: truncated dump file; "* ]]; then
		ok "the same from standard input (file and pipe): 'standard input: ...'"
	else
		notok "cut capture on standard input: '$line' / '$line2'"
	fi
fi

# Option arithmetic: -t 4295 s is more microseconds than 32 bits hold
# (4295000000 > 4294967295; wrapped it would be 33 ms), so the handshakes
# timeout.pcap times out after 60 s must stay open; --max-sessions and -s
# read back as given.
if [ -f "$here/timeout.pcap" ] && [ -f "$here/timeout.truth" ]; then
	args_of timeout
	run_tcpeek -r timeout.pcap -q -j "${ARGS[@]}" -t 4295 > "$tmp/t4295.json" 2>/dev/null
	want_open=$(( $(grep '^RX.failure.timeout=' "$here/timeout.truth" | cut -d= -f2) + \
	              $(grep '^RX.other.open=' "$here/timeout.truth" | cut -d= -f2) ))
	got_to=$("$jsonq" "$tmp/t4295.json" RX.failure.timeout)
	got_open=$("$jsonq" "$tmp/t4295.json" RX.other.open)
	if [ "$got_to" = 0 ] && [ "$got_open" = "$want_open" ]; then
		ok "-t 4295 (beyond 32 bits of microseconds): no timeouts, $got_open open"
	else
		notok "-t 4295: timeout=$got_to open=$got_open, want 0 and $want_open"
	fi
fi
run_tcpeek -r "$some" -q -j --max-sessions 100000000 > "$tmp/ms.json" 2>/dev/null
m=$("$jsonq" "$tmp/ms.json" pcap.tracker.max_sessions)
if [ "$m" = 100000000 ]; then ok "--max-sessions 100000000 reads back exactly"; else notok "--max-sessions 100000000 read back as '$m'"; fi
expect_rc 64 "--max-sessions above the table's limit (1073741825) is a usage error" \
	-r "$some" -q --max-sessions 1073741825
expect_rc 64 "--max-sessions 4294967295 is a usage error" -r "$some" -q --max-sessions 4294967295

# -t is a promise: with a timeout longer than the file, the handshakes the
# truth calls timeouts are still open at the end, never failures.
if [ -f "$here/timeout.pcap" ] && [ -f "$here/timeout.truth" ]; then
	args_of timeout
	run_tcpeek -r timeout.pcap -q -j "${ARGS[@]}" -t 86400 > "$tmp/t.json" 2>/dev/null
	want_open=$(( $(grep '^RX.failure.timeout=' "$here/timeout.truth" | cut -d= -f2) + \
	              $(grep '^RX.other.open=' "$here/timeout.truth" | cut -d= -f2) ))
	got_to=$("$jsonq" "$tmp/t.json" RX.failure.timeout)
	got_open=$("$jsonq" "$tmp/t.json" RX.other.open)
	if [ "$got_to" = 0 ] && [ "$got_open" = "$want_open" ] && [ "$want_open" -gt 0 ]; then
		ok "-t 86400: no timeouts, $got_open handshakes open"
	else
		notok "-t 86400: timeout=$got_to open=$got_open, want 0 and $want_open"
	fi
fi

# --max-sessions: beyond the cap SYNs are untracked, per filter and overall.
if [ -f "$here/mixed.pcap" ]; then
	args_of mixed
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" --max-sessions 1 > "$tmp/cap.json" 2>/dev/null
	u=$("$jsonq" "$tmp/cap.json" pcap.tracker.untracked)
	ru=$("$jsonq" "$tmp/cap.json" RX.other.untracked)
	peak=$("$jsonq" "$tmp/cap.json" pcap.tracker.peak)
	if [ "${u:-0}" -gt 0 ] && [ "$ru" = "$u" ] && [ "$peak" = 1 ]; then
		ok "--max-sessions 1: $u SYNs untracked, peak 1"
	else
		notok "--max-sessions 1: untracked=$u RX.other.untracked=$ru peak=$peak"
	fi
	# -L decides the direction.  mixed's servers sit in 10.0.0.0/8, its
	# clients elsewhere: servers local -> all RX as without -L; an
	# unrelated local address -> neither direction, nothing counted;
	# the clients' 172.16.0.0/12 local -> those handshakes become TX.
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" -L 10.0.0.0/8 > "$tmp/l1.json" 2>/dev/null
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" -L 192.0.2.1 > "$tmp/l2.json" 2>/dev/null
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" -L 172.16.0.0/12 > "$tmp/l3.json" 2>/dev/null
	rx1=$("$jsonq" "$tmp/l1.json" RX.success.total)
	tx1=$("$jsonq" "$tmp/l1.json" TX.success.total)
	rx2=$("$jsonq" "$tmp/l2.json" RX.success.total)
	tx2=$("$jsonq" "$tmp/l2.json" TX.success.total)
	rx3=$("$jsonq" "$tmp/l3.json" RX.success.total)
	tx3=$("$jsonq" "$tmp/l3.json" TX.success.total)
	want=$("$jsonq" "$tmp/mixed.json" RX.success.total)
	if [ "$rx1" = "$want" ] && [ "$tx1" = 0 ] && [ "$rx2" = 0 ] && [ "$tx2" = 0 ] &&
	   [ "$rx3" = 0 ] && [ "${tx3:-0}" -gt 0 ] && [ "$tx3" -lt "$want" ]; then
		ok "-L: servers local RX=$rx1; unrelated 0/0; clients' net local TX=$tx3"
	else
		notok "-L: RX=$rx1 TX=$tx1 (want $want, 0); unrelated $rx2/$tx2 (want 0/0); clients' net RX=$rx3 TX=$tx3"
	fi
	# -L with IPv6 prefixes (mixed6): its IPv6 servers sit in
	# 2001:db8:10::/48, its IPv6 clients in 2001:db8:{192:168,172:16,
	# 198:51}::/64.  Servers' prefix local: every IPv6 handshake stays
	# RX and the IPv4 ones count nowhere; the 2001:db8:192:168::/64
	# clients local: exactly the lan filter's IPv6 handshakes turn TX.
	if [ -f "$here/mixed6.pcap" ]; then
		args_of mixed6
		run_tcpeek -r mixed6.pcap -q -j "${ARGS[@]}" -L 2001:db8:10::/48 > "$tmp/l6a.json" 2>/dev/null
		run_tcpeek -r mixed6.pcap -q -j "${ARGS[@]}" -L 2001:db8:192:168::/64 > "$tmp/l6b.json" 2>/dev/null
		run_tcpeek -r mixed6.pcap -q -j "${ARGS[@]}" > "$tmp/l6c.json" 2>/dev/null
		v6ok=$("$jsonq" "$tmp/l6c.json" v6.success.total)
		rxa=$("$jsonq" "$tmp/l6a.json" RX.success.total)
		txa=$("$jsonq" "$tmp/l6a.json" TX.success.total)
		v4a=$("$jsonq" "$tmp/l6a.json" v4.success.total)
		txb=$("$jsonq" "$tmp/l6b.json" TX.success.total)
		rxb=$("$jsonq" "$tmp/l6b.json" RX.success.total)
		lan=$("$jsonq" "$tmp/l6c.json" lan.success.total)
		lan_all=$(python3 - "$here/mixed6.events" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["result"] == "success" and e["cli_addr"].startswith("2001:db8:192:168:"):
        n += 1
print(n)
PY
)
		if [ "$rxa" = "$v6ok" ] && [ "$txa" = 0 ] && [ "$v4a" = 0 ] &&
		   [ "$txb" = "$lan_all" ] && [ "${txb:-0}" -ge "${lan:-1}" ] && [ "$rxb" = 0 ]; then
			ok "-L IPv6: servers' /48 local RX=$rxa (IPv4 none); clients' /64 local TX=$txb"
		else
			notok "-L IPv6: /48 RX=$rxa TX=$txa v4=$v4a (want $v6ok, 0, 0); /64 TX=$txb RX=$rxb (want $lan_all, 0)"
		fi
	fi
	args_of mixed
	# pcapng input gives the same document as the pcap it was made from.
	if [ -x "$build/tools/pcap2ng" ]; then
		"$build/tools/pcap2ng" "$here/mixed.pcap" "$tmp/mixed.pcapng"
		(cd "$tmp" && TZ=UTC "$tcpeek" -r mixed.pcapng -q -j "${ARGS[@]}") > "$tmp/ng.json" 2>/dev/null
		if cmp -s "$tmp/ng.json" "$tmp/mixed.json"; then
			ok "pcapng input: same document as the pcap"
		else
			notok "pcapng input: document differs from the pcap's"
		fi
	fi
fi

# Link types: the same traffic as raw IP, Linux cooked v1 (-i any) and v2,
# BSD loopback NULL (family big-endian) and LOOP gives the same document
# (mixed: the same filters; its short Ethernet frame and, in raw IP, NULL
# and LOOP, its ARP frame cannot be carried over).  The IPv6 files carry
# only IP frames (their trailing frame is a Neighbor Solicitation), so
# their documents must match whole, extension headers and fragments
# (ext6) and both families interleaved (mixed6) included.
if [ -x "$build/tools/pcaprelink" ]; then
	for link in raw sll sll2 null loop; do
		for name in success filters vlan mixed success6 filters6 vlan6 ext6 mixed6; do
			[ -f "$here/$name.pcap" ] && [ -f "$here/$name.json" ] || continue
			args_of "$name"
			"$build/tools/pcaprelink" "$link" "$here/$name.pcap" "$tmp/$name-$link.pcap" 2>/dev/null
			(cd "$tmp" && TZ=UTC "$tcpeek" -r "$name-$link.pcap" -q -j "${ARGS[@]}") \
				> "$tmp/$name-$link.json" 2>/dev/null
			if [ "$name" = mixed ]; then
				same=1
				for f in RX TX; do
					[ "$("$jsonq" "$tmp/$name-$link.json" "$f")" = "$("$jsonq" "$here/$name.json" "$f")" ] || same=0
				done
			else
				cmp -s "$tmp/$name-$link.json" "$here/$name.json" && same=1 || same=0
			fi
			if [ "$same" = 1 ]; then
				ok "link $link: $name gives the Ethernet capture's counts"
			else
				notok "link $link: $name differs from the Ethernet capture's counts"
			fi
		done
	done
fi

# The default cap: 128 MiB of table at <= 96 bytes a session (track.h)
# gives at least 1398101 sessions, and never more than 128 Mi.
if [ -n "$some" ] && [ -f "$here/$some" ]; then
	run_tcpeek -r "$some" -q -j > "$tmp/def.json" 2>/dev/null
	m=$("$jsonq" "$tmp/def.json" pcap.tracker.max_sessions)
	if [ "${m:-0}" -ge 1398101 ] && [ "$m" -le 134217728 ]; then
		ok "default --max-sessions sizes 128 MiB of table: $m"
	else
		notok "default --max-sessions is '$m'"
	fi
fi

# --events: one line per finished handshake (mixed: every success, failure
# and abort), each a JSON object whose fields agree with the document; a
# file that cannot take them (/dev/full: ENOSPC) costs lines, counted as
# dropped, never the run.
if [ -f "$here/mixed.pcap" ]; then
	args_of mixed
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" --events="$tmp/mixed.events" > "$tmp/ev.json" 2>/dev/null
	got=$(python3 - "$tmp/mixed.events" "$tmp/ev.json" <<'PY'
import json, sys
n = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["type"] == "handshake" and e["filters"] == ["RX"], line
    assert e["handshake_us"] == e["end_us"] - e["start_us"], line
    assert ("icmp_type" in e) == (e["result"] == "unreach"), line
    n[e["result"]] = n.get(e["result"], 0) + 1
d = {}
[d.update(x) for x in json.load(open(sys.argv[2]))]
rx = d["RX"]
want = {"success": rx["success"]["total"], "timeout": rx["failure"]["timeout"],
        "reject": rx["failure"]["reject"], "unreach": rx["failure"]["unreach"],
        "abort": rx["other"]["abort"]}
ev = d["pcap"]["events"]
print("same" if n == want and ev["written"] == sum(want.values()) and ev["dropped"] == 0
      else "events %s, document %s, %s" % (n, want, ev))
PY
)
	if [ "$got" = same ]; then
		ok "--events: one line per finished handshake, results as the document counts them"
	else
		notok "--events on mixed: $got"
	fi
	run_tcpeek -r mixed.pcap -q -j "${ARGS[@]}" --events=/dev/full > "$tmp/full.json" 2> "$tmp/full.err"
	rc=$?
	d=$("$jsonq" "$tmp/full.json" pcap.events.dropped)
	w=$("$jsonq" "$tmp/full.json" pcap.events.written)
	if [ "$rc" = 0 ] && [ "$d" = 204 ] && [ "$w" = 0 ] &&
	   grep -q "events to /dev/full: .*No space left on device" "$tmp/full.err"; then
		ok "--events=/dev/full: exit 0, 204 lines dropped and counted, logged"
	else
		notok "--events=/dev/full: exit $rc, dropped=$d written=$w: $(head -1 "$tmp/full.err")"
	fi
	expect_rc 1 "--events into a missing directory" -r mixed.pcap -q --events=/nonexistent/dir/ev
	if grep -q "^tcpeek: --events '/nonexistent/dir/ev': No such file or directory$" "$tmp/rc.err"; then
		ok "--events error names the file"
	else
		notok "--events error: $(head -1 "$tmp/rc.err")"
	fi
	expect_rc 64 "--max-connections without --track-established" -r mixed.pcap -q --max-connections 5
	expect_rc 64 "--idle-timeout 0" -r mixed.pcap -q --track-established --idle-timeout 0
	# the connection cap: beyond it, successes are counted as overflow
	if [ -f "$here/conn.pcap" ]; then
		args_of conn
		run_tcpeek -r conn.pcap -q -j "${ARGS[@]}" --max-connections 1 > "$tmp/cc.json" 2>/dev/null
		o=$("$jsonq" "$tmp/cc.json" pcap.conn_tracker.overflow)
		ro=$("$jsonq" "$tmp/cc.json" RX.conn.overflow)
		pk=$("$jsonq" "$tmp/cc.json" pcap.conn_tracker.peak)
		if [ "${o:-0}" -gt 0 ] && [ "$ro" = "$o" ] && [ "$pk" = 1 ]; then
			ok "--max-connections 1: $o connections not followed, counted as overflow, peak 1"
		else
			notok "--max-connections 1: overflow=$o RX.conn.overflow=$ro peak=$pk"
		fi
	fi
fi

# ---- the generator's own reproducibility check ---------------------------
if [ -x "$here/regen.sh" ]; then
	if BUILD="${BUILD:-build}" "$here/regen.sh" --check > "$tmp/regen.out" 2>&1; then
		ok "regen.sh --check: pcaps and truth are reproducible"
	else
		notok "regen.sh --check failed: $(tail -1 "$tmp/regen.out")"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
