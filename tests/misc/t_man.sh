#!/usr/bin/env bash
# The man pages: lint-clean (mandoc -Tlint, groff -ww), rendered by man -l
# without complaint, and in step with the programs: the same options as
# --help in both directions, the exit statuses, the default socket, the
# required sections.
. "$(dirname "$0")/common.sh"

T=$(mktmp)
for p in $PROGRAMS; do
	m=$(man_page "$p")
	if [ ! -f "$m" ]; then
		fail "$p: no man page $m"
		continue
	fi
	if command -v mandoc >/dev/null; then
		if mandoc -Tlint -W warning "$m" >"$T/lint" 2>&1; then
			ok "$(basename "$m"): mandoc -Tlint -W warning is clean"
		else
			fail "$(basename "$m"): mandoc -Tlint: $(head -3 "$T/lint" | tr '\n' ' ')"
		fi
	else
		ok "$(basename "$m"): lint (skipped: no mandoc)"
	fi
	if command -v groff >/dev/null; then
		if groff -ww -z -mandoc "$m" >"$T/groff" 2>&1 && [ ! -s "$T/groff" ]; then
			ok "$(basename "$m"): groff -ww is silent"
		else
			fail "$(basename "$m"): groff -ww: $(head -3 "$T/groff" | tr '\n' ' ')"
		fi
	else
		ok "$(basename "$m"): groff -ww (skipped: no groff)"
	fi
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$m" >"$T/out" 2>"$T/err"
		if [ $? -eq 0 ] && [ ! -s "$T/err" ] && [ "$(wc -l <"$T/out")" -gt 40 ]; then
			ok "$(basename "$m"): man -l renders it without messages"
		else
			fail "$(basename "$m"): man -l: $(head -3 "$T/err" | tr '\n' ' ')"
		fi
	else
		ok "$(basename "$m"): man -l (skipped: no man)"
	fi

	for s in NAME SYNOPSIS DESCRIPTION FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "\.Sh $s" "$m" || fail "$(basename "$m"): no $s section"
	done
	ok "$(basename "$m"): has NAME SYNOPSIS DESCRIPTION FILES EXIT STATUS EXAMPLES SEE ALSO"

	if d=$(list_diff "$(help_opts "$p")" "$(man_opts "$m")"); then
		ok "$(basename "$m"): documents exactly the options of $p --help"
	else
		fail "$(basename "$m") vs $p --help: $d"
	fi
	# every exit status the help names has its item in EXIT STATUS
	codes=$("$BIN/$p" --help | sed -n '/[Ee]xit status\|EXIT STATUS/,$p' |
		grep -oE '\b(0|1|64)\b' | sort -u | tr '\n' ' ')
	missing=
	for c in $codes; do
		sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$m" | grep -qx "\.It $c" || missing="$missing $c"
	done
	if [ -n "$codes" ] && [ -z "$missing" ]; then
		ok "$(basename "$m"): EXIT STATUS lists ${codes% } as --help does"
	else
		fail "$(basename "$m"): exit statuses [${codes% }], missing:$missing"
	fi
done

# defaults both texts state
for p in tcpeek tcpeekstat; do
	m=$(man_page "$p")
	def=$("$BIN/$p" --help | grep -oE '/[a-z/]*tcpeek\.sock' | head -1)
	if [ -n "$def" ] && grep -q "$def" "$m"; then
		ok "$(basename "$m"): default socket $def as in --help"
	else
		fail "$(basename "$m"): default socket '$def' of --help not in the page"
	fi
done
m=$(man_page check_tcp_raw)
if "$BIN/check_tcp_raw" --help | grep -q 'Default: 1000' && grep -q 'default is 1000' "$m"; then
	ok "check_tcp_raw.8: timeout default 1000 ms as in --help"
else
	fail "check_tcp_raw.8: timeout default differs from --help"
fi
m=$(man_page tcpeek)
for kv in "timeout:default 60" "buffer:default 2" "snaplen:65535"; do
	word=${kv#*:}
	if "$BIN/tcpeek" --help | grep -q -- "$word" && grep -qi -- "${word/default/default is}" "$m"; then
		ok "tcpeek.8: ${kv%%:*} ($word) as in --help"
	else
		fail "tcpeek.8: ${kv%%:*} default differs from --help ($word)"
	fi
done

# tcpeek(8) carries the socket's JSON schema: every key of a real document
if "$BIN/tcpeek" -r "$SYNSCOPE_ROOT/tests/data/mixed.pcap" -q -j >"$T/doc.json" 2>/dev/null &&
	command -v python3 >/dev/null; then
	keys=$(python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
print("\n".join(sorted(set(walk(json.load(open(sys.argv[1])))))))' "$T/doc.json")
	missing=
	for k in $keys; do
		case $k in RX|TX|pcap) ;; *) grep -q "\"$k\"" "$(man_page tcpeek)" || missing="$missing $k" ;; esac
	done
	if [ -n "$keys" ] && [ -z "$missing" ]; then
		ok "tcpeek.8: the JSON schema names every key of a real document"
	else
		fail "tcpeek.8: JSON keys not in the schema:$missing"
	fi
else
	fail "tcpeek.8 schema check: could not produce a document from mixed.pcap"
fi

# tcpeekstat(1) lists every metric -p prints.  The document tcpeek -j
# printed above is served by a stand-in for tcpeek's socket (tcpeek -r
# reads the whole file before it would answer).
S=$T/s.sock
python3 -c '
import os, socket, sys
doc = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(4)
while True:
    c, _ = s.accept()
    c.recv(64); c.sendall(doc); c.close()
' "$S" "$T/doc.json" &
bg_track $!
for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
prom=$("$BIN/tcpeekstat" -p -U "$S" 2>&1)
metrics=$(echo "$prom" | sed -n 's/^# TYPE tcpeek_\([a-z_]*\) .*/\1/p')
missing=
for x in $metrics; do
	grep -qE "^\.It $x Ta " "$(man_page tcpeekstat)" || missing="$missing $x"
done
if [ "$(echo "$metrics" | grep -c .)" -ge 20 ] && [ -z "$missing" ]; then
	ok "tcpeekstat.1: lists all $(echo "$metrics" | grep -c .) metrics tcpeekstat -p prints, with their types"
else
	fail "tcpeekstat.1: metrics of -p missing from the page:$missing (got $(echo "$metrics" | grep -c .))"
fi
bad=
for x in $metrics; do
	t=$(echo "$prom" | sed -n "s/^# TYPE tcpeek_$x //p")
	grep -qE "^\.It $x Ta $t Ta" "$(man_page tcpeekstat)" || bad="$bad $x:$t"
done
if [ -n "$metrics" ] && [ -z "$bad" ]; then ok "tcpeekstat.1: every metric's type as printed"
else fail "tcpeekstat.1: types differ:$bad"; fi
