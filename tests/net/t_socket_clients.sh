#!/usr/bin/env bash
# The stats socket against clients that try to keep others out, on a live
# tcpeek (capturing lo in its own namespace):
#   1. 256 slow clients, each sending one byte every 0.9 s and reconnecting
#      when dropped (before the fix: each held a slot for up to 128 s and a
#      probe failed 206 times of 207): a probe GET by tcpeekstat keeps
#      succeeding every time;
#   2. a low descriptor limit (ulimit -n 24) with 40 such clients: no
#      spinning (CPU time of tcpeek stays low), the log stays short, and
#      every probe is answered, with the counters or with "busy".
. "$(dirname "$0")/lib.sh"
for x in "$BIN/tcpeek" "$BIN/tcpeekstat"; do
	[ -x "$x" ] || { fail "socket clients: $x not built"; exit 0; }
done
command -v python3 >/dev/null || { fail "socket clients: python3 is needed"; exit 0; }
T=$(mktmp)
ns_add x

# slow CLIENTS SECONDS: CLIENTS connections trickling a byte every 0.9 s,
# reconnecting when dropped; prints how often they were dropped.
slow() {
	python3 - "$SOCK" "$1" "$2" >"$T/drops" <<'EOF' &
import socket, sys, time, selectors
path, n, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + secs
sel = selectors.DefaultSelector()
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except (BlockingIOError, OSError):
        pass
    return s
socks = [conn() for _ in range(n)]
drops = 0
while time.monotonic() < end:
    for i, s in enumerate(socks):
        try:
            s.send(b"G")
        except OSError:
            drops += 1
            s.close()
            socks[i] = conn()
    time.sleep(0.9)
print(drops)
EOF
	SLOW=$!
	bg_track "$SLOW"
}

# probe N: N tcpeekstat GETs 0.1 s apart; prints "answered busy other"
probe() {
	local i a=0 b=0 o=0 out
	for i in $(seq "$1"); do
		out=$("$BIN/tcpeekstat" -j -U "$SOCK" 2>&1)
		case $out in
		'[{"RX":{'*) a=$((a + 1)) ;;
		*busy*) b=$((b + 1)) ;;
		*) o=$((o + 1)); echo "$out" >"$T/probe-other" ;;
		esac
		sleep 0.1
	done
	echo "$a $b $o"
}

# CPU ticks (user + system) of a process
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- 1. slow clients ------------------------------------------------------
SOCK=$T/a.sock
# "ip netns exec" execs the program: $! is tcpeek itself
ip netns exec "$P-x" "$BIN/tcpeek" -i lo -q -U "$SOCK" 2>"$T/a.err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "tcpeek runs as the process we watch ($(cat /proc/$TPID/comm))" test "$(cat /proc/$TPID/comm)" = tcpeek
slow 256 6
sleep 1.5                       # every slot taken, trickling
read -r a b o < <(probe 30)
check "256 slow clients: all 30 probe GETs answered ($a answered, $b busy, $o other: $(cat "$T/probe-other" 2>/dev/null))" \
	test "$a" = 30
wait "$SLOW"
kill -TERM "$TPID"; wait "$TPID"; rc=$?
check "tcpeek ends cleanly after the slow clients (exit $rc)" test "$rc" = 0

# --- 2. descriptor limit --------------------------------------------------
SOCK=$T/b.sock
ip netns exec "$P-x" bash -c 'ulimit -n 24 && exec "$@"' sh "$BIN/tcpeek" -i lo -q -U "$SOCK" 2>"$T/b.err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
slow 40 6
sleep 1
t0=$(ticks "$TPID")
read -r a b o < <(probe 20)
t1=$(ticks "$TPID")
wait "$SLOW"
hz=$(getconf CLK_TCK)
lines=$(grep -c . "$T/b.err")
check "ulimit -n 24, 40 slow clients: every probe answered or told busy ($a answered, $b busy, $o other: $(cat "$T/probe-other" 2>/dev/null))" \
	test "$o" = 0 -a "$a" -gt 0
# the probes take >= 2 s of wall time; a spinning loop burns all of it
check "no spinning: tcpeek used $((t1 - t0)) ticks of CPU (hz $hz) over 20 probes, under half a second" \
	test $(( (t1 - t0) * 2 )) -lt "$hz"
check "the log stays short ($lines lines: $(head -c 300 "$T/b.err" | tr '\n' ' '))" test "$lines" -le 3
kill -TERM "$TPID"; wait "$TPID"; rc=$?
check "tcpeek ends cleanly under the descriptor limit (exit $rc)" test "$rc" = 0
