#!/usr/bin/env bash
# The stats document read the way the original tcpeekstat reads it: a
# client that walks every filter, then every section, then every item,
# prints each line in the original's plain layout, and fails on any
# section that is not an object of integers (the original crashed there,
# after sending REFRESH with -g).  It reads GET and REFRESH from a live
# tcpeek on a veth in a namespace, tcpeek -j at its exit, and -j of a
# golden capture; its output for a GET must also be tcpeekstat's default
# output byte for byte.  Controls: it reproduces the recorded output of
# the original client (tests/data/compat) and fails on the old shape
# (bare "abort", "open", "untracked" in a filter).
# TCPEEK and TSTAT may name other builds (an older tcpeek must fail here).
. "$(dirname "$0")/lib.sh"

TCPEEK=${TCPEEK:-$BIN/tcpeek}
TSTAT=${TSTAT:-$BIN/tcpeekstat}
COMPAT=$SYNSCOPE_ROOT/tests/data/compat
if ! command -v python3 >/dev/null; then
	fail "compat walker: python3 is needed (scripts/install-deps.sh)"
	exit 0
fi
for x in "$TCPEEK" "$TSTAT"; do
	[ -x "$x" ] || { fail "compat walker: $x not built"; exit 0; }
done

T=$(mktmp)
SOCK=$T/run/tcpeek.sock
SRV=10.78.0.2
CLI=10.78.0.1

# The generic client: walk.py (--socket PATH REQUEST | --file PATH).
# Exit 1 with one line on stderr when a member of a filter is not an
# object of integers; nothing on stdout then.
cat >"$T/walk.py" <<'EOF'
import json, socket, sys
if sys.argv[1] == "--socket":
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[2])
    s.sendall(sys.argv[3].encode() + b"\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
else:
    data = open(sys.argv[2], "rb").read()
out = ["====== TCPEEK SUMMARY ======"]
for element in json.loads(data):
    for name, sections in element.items():
        out += ["-" * 28, " " + name, "-" * 28]
        for section, items in sections.items():
            if not isinstance(items, dict):
                sys.exit("walk: filter %s: %s is not an object" % (name, section))
            out.append(" " + section)
            for item, value in items.items():
                if type(value) is not int:
                    sys.exit("walk: filter %s: %s.%s is not an integer" % (name, section, item))
                out.append("     %-10s %10d" % (item, value))
out.append("=" * 28)
sys.stdout.write("\n".join(out) + "\n")
EOF
walk() { python3 "$T/walk.py" "$@"; }

# --- controls: the walker is the original client, and it can fail ------
if walk --file "$COMPAT/tcpeek-original-get.json" >"$T/orig.out" 2>"$T/orig.err" &&
	cmp -s "$T/orig.out" "$COMPAT/tcpeekstat-plain.txt"; then
	ok "the walker prints the original tcpeekstat's recorded output for the original's document"
else
	fail "the walker differs from the recorded original output: $(head -c 200 "$T/orig.err")"
fi
printf '%s' '[{"RX":{"success":{"total":1,"dupsyn":0,"dupsynack":0},"failure":{"total":0,"timeout":0,"reject":0,"unreach":0,"dupsyn":0,"dupsynack":0},"abort":0,"open":0,"untracked":0,"handshake_us":{"p50":9,"p90":9,"p99":9,"max":9}}}]' >"$T/old.json"
walk --file "$T/old.json" >"$T/old.out" 2>"$T/old.err"; rc=$?
check "the walker fails on the old shape (bare abort): exit $rc, '$(cat "$T/old.err")'" \
	test "$rc" = 1 -a ! -s "$T/old.out" -a "$(cat "$T/old.err")" = "walk: filter RX: abort is not an object"

# walked NAME WHAT: the walk into $T/NAME.out passed
walked() {
	if [ "$WRC" = 0 ] && [ -s "$T/$1.out" ]; then
		ok "$2: walked, $(grep -c '^     ' "$T/$1.out") items"
	else
		fail "$2: exit $WRC: $(head -c 300 "$T/$1.err")"
	fi
}
# item NAME FILTER SECTION ITEM: the value the walk printed
item() {
	awk -v f="$2" -v s="$3" -v i="$4" '
		/^-/ { getline; cur = substr($0, 2); getline; sec = ""; next }
		/^ [^ ]/ { sec = substr($0, 2); next }
		cur == f && sec == s && $1 == i { print $2 }' "$T/$1.out"
}

# --- a live tcpeek ---------------------------------------------------------
veth_cli_srv "$CLI" "$SRV"
accept_listener srv 8080 || fail "listener on 8080 did not start"
connect() {
	NS cli timeout 2 bash -c "exec 3<>/dev/tcp/$SRV/$1" 2>/dev/null
	return 0
}
ip netns exec "$P-srv" "$TCPEEK" -i "$P-s" -U "$SOCK" -j 'web:RX@10.78.0.0/24:8080' \
	>"$T/tcpeek.out" 2>"$T/tcpeek.err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do
	[ -S "$SOCK" ] && grep -q '^listening on' "$T/tcpeek.err" && break
	sleep 0.1
done
if [ ! -S "$SOCK" ]; then
	fail "tcpeek did not start: $(head -c 300 "$T/tcpeek.err")"
	exit 0
fi
for _ in 1 2 3; do connect 8080; done
for _ in 1 2; do connect 8081; done
# the capture delivers within its block timeout: poll (up to 5 s)
for _ in $(seq 50); do
	walk --socket "$SOCK" GET >"$T/get.out" 2>"$T/get.err"; WRC=$?
	[ "$(item get RX success total)" = 3 ] && [ "$(item get RX failure reject)" = 2 ] && break
	sleep 0.1
done
walked get "GET from a live tcpeek"
check "GET: RX 3 successes, 2 rejects; web 3; other and pcap sections walked" test \
	"$(item get RX success total) $(item get RX failure reject) $(item get web success total) $(item get RX other open) $(item get pcap tracker open)" = "3 2 3 0 0"

# tcpeekstat's default output is the walker's output for the same answer
# (two requests: a packet between them, an IPv6 router solicitation say,
# may move pcap.stats, so a few tries)
same=0
for _ in 1 2 3 4 5; do
	walk --socket "$SOCK" GET >"$T/get2.out" 2>/dev/null
	NS srv "$TSTAT" -U "$SOCK" >"$T/tstat.out" 2>"$T/tstat.err"
	cmp -s "$T/get2.out" "$T/tstat.out" && { same=1; break; }
	sleep 0.2
done
if [ "$same" = 1 ]; then
	ok "tcpeekstat without options prints what the original's walk prints, byte for byte ($(wc -l <"$T/tstat.out") lines)"
else
	fail "tcpeekstat's default output differs from the walk: $(diff "$T/get2.out" "$T/tstat.out" | head -4 | tr '\n' ' ')"
fi

walk --socket "$SOCK" REFRESH >"$T/refresh.out" 2>"$T/refresh.err"; WRC=$?
walked refresh "REFRESH from a live tcpeek (as the original's -g sends it)"
check "REFRESH: RX 3 successes and 2 rejects since start, no pcap element" test \
	"$(item refresh RX success total) $(item refresh RX failure reject) $(grep -c '^ pcap$' "$T/refresh.out")" = "3 2 0"
connect 8080
for _ in $(seq 50); do
	walk --socket "$SOCK" GET >"$T/get3.out" 2>/dev/null
	[ "$(item get3 RX success total)" = 4 ] && break
	sleep 0.1
done
walk --socket "$SOCK" REFRESH >"$T/refresh2.out" 2>"$T/refresh2.err"; WRC=$?
walked refresh2 "a second REFRESH"
check "second REFRESH: only the 1 handshake since the first, no reject" test \
	"$(item refresh2 RX success total) $(item refresh2 RX failure reject)" = "1 0"

kill -TERM "$TPID"
wait "$TPID" 2>/dev/null
walk --file "$T/tcpeek.out" >"$T/exit.out" 2>"$T/exit.err"; WRC=$?
walked exit "tcpeek -j at exit"
check "-j at exit: RX 4 successes, 2 rejects (totals)" test \
	"$(item exit RX success total) $(item exit RX failure reject)" = "4 2"

# --- a capture with every kind of handshake, open ones included -----------
read -r -a ARGS <"$SYNSCOPE_ROOT/tests/data/mixed.args"
"$TCPEEK" -r "$SYNSCOPE_ROOT/tests/data/mixed.pcap" -q -j "${ARGS[@]}" >"$T/mixed.json" 2>/dev/null
walk --file "$T/mixed.json" >"$T/mixed.out" 2>"$T/mixed.err"; WRC=$?
walked mixed "tcpeek -r mixed.pcap -j"
check "mixed.pcap: the 3 open handshakes are read under other" test "$(item mixed RX other open)" = 3
