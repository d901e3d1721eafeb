#!/usr/bin/env bash
# tcpeek live: handshake times and the TIMESTAMP column come from the
# packets' capture times, never from the idle clock.  tcpeek and tcpdump
# watch the same veth in the server's namespace; after a quiet period of
# 2.5 s (tcpeek's idle ticks run its timers' clock meanwhile), 12 real
# kernel handshakes, one per port, each counted by a filter of
# its own so that the filter's exact handshake_us.max is that one
# handshake's time.  tcpeek -r on tcpdump's file must give the same
# times within a few microseconds, and the same TIMESTAMP per handshake
# (live times read 0 us after a quiet period, and TIMESTAMP ran late,
# when packet times were clamped to the idle clock).  The summary at exit
# ends with the pcap stats block.
. "$(dirname "$0")/lib.sh"

for t in python3 tcpdump; do
	if ! command -v "$t" >/dev/null; then
		ok "tcpeek packet times (skipped: $t is not installed, see scripts/install-deps.sh)"
		exit 0
	fi
done
if [ ! -x "$BIN/tcpeek" ]; then
	fail "tcpeek packet times: bin/tcpeek must be built"
	exit 0
fi

T=$(mktmp)
SOCK=$T/tcpeek.sock
SRV=10.78.0.2
CLI=10.78.0.1
N=12
BASE=9001
TOL_US=10           # live vs pcap, per handshake (measured: 0-3)

veth_cli_srv "$CLI" "$SRV"

# one listener process for the 12 ports, accepting and closing
ip netns exec "$P-srv" python3 -c '
import selectors, socket, sys
sel = selectors.DefaultSelector()
for i in range(int(sys.argv[2])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[1]) + i))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
while True:
    for k, _ in sel.select():
        c, _ = k.fileobj.accept()
        c.close()
' "$BASE" "$N" >/dev/null 2>&1 &
bg_track $!
wait_listen srv $((BASE + N - 1)) || { fail "listeners on $BASE.. did not start"; exit 0; }

filters=()
for i in $(seq 1 $N); do filters+=("h$i:RX@%:$((BASE + i - 1))"); done

ip netns exec "$P-srv" tcpdump -i "$P-s" -n -U -w "$T/cap.pcap" tcp >/dev/null 2>"$T/tcpdump.err" &
DPID=$!
bg_track $DPID
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -t 60 "${filters[@]}" \
	>"$T/live.out" 2>"$T/live.err" &
TPID=$!
bg_track $TPID
for _ in $(seq 100); do
	[ -S "$SOCK" ] && grep -q '^listening on' "$T/live.err" &&
		grep -q 'listening on' "$T/tcpdump.err" && break
	sleep 0.1
done
if ! [ -S "$SOCK" ] || ! grep -q 'listening on' "$T/tcpdump.err"; then
	fail "tcpeek and tcpdump did not both start: $(head -1 "$T/live.err") / $(head -1 "$T/tcpdump.err")"
	exit 0
fi

# quiet: tcpeek's idle clock ticks on its own for 2.5 s; then the
# handshakes, 95 ms apart, each after a quiet spell of about one idle
# tick (100 ms): a tick that falls between a frame's capture and its
# delivery (up to the 50 ms block timeout) used to run the clock past that
# frame, which was then clamped to it
sleep 2.5
NS cli python3 -c '
import socket, sys, time
for i in range(int(sys.argv[3])):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2]) + i), timeout=3)
    s.close()
    time.sleep(0.095)
' "$SRV" "$BASE" "$N" || fail "the $N handshakes did not complete"

# GET until every filter has its success (the capture hands frames over
# up to 50 ms late)
get() { sock_request "$SOCK" GET; }
# times FILE.json: "hI MAX" per filter, successes must be 1 each
times() {
	python3 - "$1" "$N" <<'EOF'
import json, sys
d = {k: v for e in json.load(open(sys.argv[1])) for k, v in e.items()}
for i in range(1, int(sys.argv[2]) + 1):
    f = d["h%d" % i]
    print("h%d %d %d" % (i, f["success"]["total"], f["handshake_us"]["max"]))
EOF
}
for _ in $(seq 30); do
	get >"$T/live.json" 2>/dev/null
	[ "$(times "$T/live.json" 2>/dev/null | awk '$2 == 1' | wc -l)" = "$N" ] && break
	sleep 0.1
done
# tcpdump's last frames reach its file: its ring hands a block over after
# 1 s at most (-U then writes each packet at once)
sleep 1.5
kill -INT $DPID
wait $DPID 2>/dev/null
kill -TERM $TPID
wait $TPID
rc=$?
check "tcpeek exits 0 on SIGTERM (got $rc)" test "$rc" = 0

(cd "$T" && "$BIN/tcpeek" -r cap.pcap -t 60 "${filters[@]}" -j >file.json 2>file.err)
check "tcpeek -r reads tcpdump's capture" test -s "$T/file.json"

join <(times "$T/live.json") <(times "$T/file.json") >"$T/both"
echo "# handshake times, us (filter, live count, live, pcap count, pcap):"
sed 's/^/#   /' "$T/both"
got=$(wc -l <"$T/both")
check "$N handshakes, each counted once live and once from the pcap" \
	test "$(awk '$2 == 1 && $4 == 1' "$T/both" | wc -l)" = "$N"
check "every live handshake time is non-zero after the quiet period" \
	test "$(awk '$3 > 0' "$T/both" | wc -l)" = "$N"
worst=$(awk -v n=0 '{ d = $3 - $5; if (d < 0) d = -d; if (d > n) n = d } END { print n }' "$T/both")
check "live times within $TOL_US us of the same packets read from tcpdump's file (worst $worst us of $got)" \
	test "$got" = "$N" -a "$worst" -le "$TOL_US"

# TIMESTAMP column: per handshake (client and server endpoints: a client
# port alone may repeat across servers), live vs file, within 1 ms (the
# same microseconds may round apart at a millisecond boundary)
stamps() {
	awk -F'|' '/\|      success      \|/ {
		split($2, a, " "); split(a[2], t, ":")
		ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000
		split($3, s, " "); print s[1] "-" s[2], int(ms + 0.5) }' "$1" | sort
}
join <(stamps "$T/live.err") <(stamps "$T/file.err") >"$T/stamps"
sd=$(awk -v n=-1 '{ d = $2 - $3; if (d < 0) d = -d; if (d > n) n = d } END { print n }' "$T/stamps")
check "TIMESTAMP column: live equals the pcap's for the $(wc -l <"$T/stamps") handshakes (worst ${sd} ms apart)" \
	test "$(wc -l <"$T/stamps")" = "$N" -a "$sd" -ge 0 -a "$sd" -le 1

# the summary at exit ends with the original's pcap stats block
check "the summary ends with the pcap stats block (recv > 0, drop, ifdrop)" \
	python3 - "$T/live.err" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"-{36}\n pcap stats\n   recv   : (\d+)\n   drop   : (\d+)\n   ifdrop : (\d+)\n={36}\n$", text)
sys.exit(0 if m and int(m.group(1)) > 0 else 1)
EOF
