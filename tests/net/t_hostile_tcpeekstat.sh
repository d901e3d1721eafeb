#!/usr/bin/env bash
# tcpeekstat against hostile answers: whatever listens on the socket path
# may answer anything up to the 16 MiB read limit.  A python listener (one
# UNIX socket per case, in a temporary directory; no namespace needed)
# serves each attack of issue 9, and each run is measured with cputime
# (wall time, peak RSS) and its output counted:
#   - a 1 MiB filter name, with 1,000 and with 20,000 tiny filters (was:
#     16 GB of table), 80,000 keys for -p (was: quadratic, 14-45 s),
#     1.8 M tiny elements (was: 2.96 GB of RAM): one line, no output;
#   - -g on 2,000 filters (was: 18,000 gmetric runs) and on 200 (1,800
#     runs, over the cap): no run at all; on 16 filters: 144 runs, exit 0;
#   - a gmetric that never ends: killed at the 10 s deadline;
#   - counters 2^64-1 (shown) and 2^64 (refused), an escaped NUL in two
#     names, invalid UTF-8 in a name: refused by name;
#   - "busy\n" and close (tcpeek with every slot taken): one line saying
#     so, after its retries; busy twice then served: the document;
#   - a server that trickles a byte every 0.2 s forever: the 3 s deadline;
#   - the largest answer accepted (60 filters of 250 distinct keys): -p in
#     well under a second, under the output cap.
# TSTAT=path runs another tcpeekstat (e.g. an old build, to see it fail).
. "$(dirname "$0")/lib.sh"

TSTAT=${TSTAT:-$BIN/tcpeekstat}
for x in "$TSTAT" "$TOOLS/cputime"; do
	[ -x "$x" ] || { fail "hostile tcpeekstat: $x not built"; exit 0; }
done
command -v python3 >/dev/null || { fail "hostile tcpeekstat: python3 is needed"; exit 0; }

T=$(mktmp)
# generous: a refusal takes milliseconds; a sanitizer build on a busy
# 2-core machine is far slower, and ASan's shadow memory counts in RSS
MAX_MS=8000
MAX_KB=262144
OUTCAP=33554432         # what is kept of any stdout: an old build prints GBs

cat >"$T/hostile.py" <<'EOF'
import os, socket, sys, time
path, case = sys.argv[1], sys.argv[2]
FZ = ('{"success":{"total":0,"dupsyn":0,"dupsynack":0},'
      '"failure":{"total":0,"timeout":0,"reject":0,"unreach":0,"dupsyn":0,"dupsynack":0},'
      '"other":{"abort":0,"open":0,"untracked":0},"handshake_us":{"p50":0,"p90":0,"p99":0,"max":0}}')
SF = ('{"success":{"total":1,"dupsyn":0,"dupsynack":0},'
      '"failure":{"total":0,"timeout":0,"reject":0,"unreach":0,"dupsyn":0,"dupsynack":0}}')
def doc(elems):
    return ("[" + ",".join(elems) + "]\n").encode()
big = "n" * (1 << 20)
body = {
    "bigname": lambda: doc(['{"%s":%s}' % (big, FZ)] + ['{"f%d":{}}' % i for i in range(1000)]),
    "bigname20k": lambda: doc(['{"%s":%s}' % (big, FZ)] + ['{"f%d":{}}' % i for i in range(20000)]),
    "keys80k": lambda: doc(['{"pcap":{%s}}' % ",".join('"k%d":0' % i for i in range(80000))]),
    "tiny": lambda: doc(['{"a":{}}'] * 1800000),
    "gm2000": lambda: doc(['{"f%d":%s}' % (i, FZ) for i in range(2000)]),
    "gm200": lambda: doc(['{"f%d":%s}' % (i, SF) for i in range(200)]),
    "gm16": lambda: doc(['{"f%d":%s}' % (i, FZ) for i in range(16)]),
    "bigok": lambda: doc(['{"%s":{%s}}' % ("x%02d" % i + "y" * 59,
        ",".join('"k%d_%d":%d' % (i, j, j) for j in range(250))) for i in range(60)]),
    "u64max": lambda: doc(['{"RX":{"success":{"total":18446744073709551615}}}']),
    "u64over": lambda: doc(['{"RX":{"success":{"total":18446744073709551616}}}']),
    "nul": lambda: doc(['{"a\\u0000x":%s}' % FZ, '{"a\\u0000y":%s}' % FZ]),
    "utf8": lambda: b'[{"ok\xff\xfe":' + FZ.encode() + b'}]\n',
    "busy": lambda: b"busy\n",
    "busy2": lambda: doc(['{"RX":%s}' % FZ]),
    "trickle": lambda: b"",
}[case]()
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(16)
n = 0
while True:
    c, _ = s.accept()
    n += 1
    try:
        if case == "busy" or (case == "busy2" and n <= 2):
            # as tcpeek does with every slot taken: answer, close, the
            # request left unread
            time.sleep(0.02)
            c.sendall(b"busy\n")
        else:
            c.settimeout(2)
            req = b""
            while not req.endswith(b"\n"):
                b = c.recv(64)
                if not b:
                    break
                req += b
            c.settimeout(None)
            if case == "trickle":
                while True:
                    c.sendall(b" ")
                    time.sleep(0.2)
            c.sendall(body)
    except OSError:
        pass
    c.close()
EOF

CASES="bigname bigname20k keys80k tiny gm2000 gm200 gm16 bigok u64max u64over nul utf8 busy busy2 trickle"
for c in $CASES; do
	python3 "$T/hostile.py" "$T/$c.sock" "$c" 2>"$T/$c.srv" &
	bg_track $!
done
for c in $CASES; do
	for _ in $(seq 100); do [ -S "$T/$c.sock" ] && break; sleep 0.1; done
	[ -S "$T/$c.sock" ] || fail "hostile server $c did not start: $(tail -1 "$T/$c.srv")"
done

# fake gmetrics: one counts its runs, one never ends
printf '#!/bin/sh\necho run >>"%s/gm.count"\n' "$T" >"$T/gmcount"
cp "$(command -v sleep)" "$T/gmsleep"
printf '#!/bin/sh\nexec "%s/gmsleep" 1000\n' "$T" >"$T/gmhang"
chmod +x "$T/gmcount" "$T/gmhang"

# run NAME ARGS...: tcpeekstat ARGS measured; sets RC WALL_MS RSS_KB
# OUT_BYTES; stdout (its first OUTCAP bytes) in $T/NAME.out, stderr in
# $T/NAME.err.  A run still going after 60 s is killed (WALL_MS 60000).
run() {
	local name=$1 wall=0 cpu=0
	shift
	rm -f "$T/$name.m"
	timeout 60 "$TOOLS/cputime" -o "$T/$name.m" "$TSTAT" "$@" 2>"$T/$name.err" |
		head -c "$OUTCAP" >"$T/$name.out"
	RC=${PIPESTATUS[0]}
	WALL_MS=60000 RSS_KB=0
	if read -r wall cpu RSS_KB 2>/dev/null <"$T/$name.m"; then
		WALL_MS=$((wall / 1000))
	fi
	: "$cpu"
	OUT_BYTES=$(stat -c %s "$T/$name.out")
	echo "# $name: exit $RC, ${WALL_MS} ms, ${RSS_KB} KB peak RSS, $OUT_BYTES bytes out"
}

# bounded NAME MAX_MS MAX_BYTES: the last run's time, memory and output
bounded() {
	local name=$1 ms=$2 bytes=$3
	if [ "$WALL_MS" -lt "$ms" ] && [ "$RSS_KB" -lt "$MAX_KB" ] && [ "$OUT_BYTES" -le "$bytes" ]; then
		ok "$name: ${WALL_MS} ms (< $ms), ${RSS_KB} KB (< $MAX_KB), $OUT_BYTES bytes out (<= $bytes)"
	else
		fail "$name: ${WALL_MS} ms (< $ms?), ${RSS_KB} KB (< $MAX_KB?), $OUT_BYTES bytes out (<= $bytes?)"
	fi
}

# refused NAME WANT: exit 1 and exactly one line on stderr naming the
# socket and saying WANT
refused() {
	local name=$1 want=$2 sock=$T/$1.sock
	sock=${3:-$sock}
	if [ "$RC" -eq 1 ] && [ "$(wc -l <"$T/$name.err")" -eq 1 ] &&
		grep -qF "tcpeekstat: $sock: " "$T/$name.err" && grep -qF -- "$want" "$T/$name.err"; then
		ok "$name: refused in one line: $(cat "$T/$name.err")"
	else
		fail "$name: exit $RC, wanted 1 and one line with '$want': $(head -c 300 "$T/$name.err")"
	fi
}

run bigname -U "$T/bigname.sock"
refused bigname 'element 0: name longer than 63 bytes (1048576)'
bounded bigname $MAX_MS 0
run bigname20k -U "$T/bigname20k.sock"
refused bigname20k 'more than 1024 elements'
bounded bigname20k $MAX_MS 0
run keys80k -p -U "$T/keys80k.sock"
refused keys80k 'filter "pcap": more than 256 members in one object'
bounded keys80k $MAX_MS 0
run tiny -U "$T/tiny.sock"
refused tiny 'more than 1024 elements'
bounded tiny $MAX_MS 0

rm -f "$T/gm.count"
run gm2000 -g --gmetric-path="$T/gmcount" -U "$T/gm2000.sock"
refused gm2000 'more than 16384 values'
check "gm2000: gmetric never ran" test ! -e "$T/gm.count"
run gm200 -g --gmetric-path="$T/gmcount" -U "$T/gm200.sock"
refused gm200 'the answer makes 1800 gmetric runs, more than 1024: refused'
check "gm200: gmetric never ran" test ! -e "$T/gm.count"
rm -f "$T/gm.count"
run gm16 -g --gmetric-path="$T/gmcount" -U "$T/gm16.sock"
runs=$(wc -l <"$T/gm.count" 2>/dev/null || echo 0)
if [ "$RC" -eq 0 ] && [ "$runs" -eq 144 ] && [ "$(wc -l <"$T/gm16.out")" -eq 144 ]; then
	ok "gm16: 144 gmetric runs, each printed, exit 0"
else
	fail "gm16: exit $RC, $runs runs, wanted 0 and 144: $(head -c 300 "$T/gm16.err")"
fi

# a gmetric that never ends: killed at the run's deadline (10 s), the
# other 143 not started, nothing left running
run gmhang -g --gmetric-path="$T/gmhang" -U "$T/gm16.sock"
if [ "$RC" -eq 1 ] && [ "$WALL_MS" -ge 9500 ] && [ "$WALL_MS" -lt 20000 ] &&
	grep -q 'still running at the deadline, killed (metric tcpeek_f0_success_total)' "$T/gmhang.err" &&
	grep -q 'deadline passed, 143 of 144 calls not run' "$T/gmhang.err"; then
	ok "gmhang: hung gmetric killed at the deadline after ${WALL_MS} ms, the rest not run"
else
	fail "gmhang: exit $RC after ${WALL_MS} ms: $(head -c 400 "$T/gmhang.err")"
fi
if pgrep -f "$T/gm[s]leep" >/dev/null; then
	fail "gmhang: a gmetric is left running"
else
	ok "gmhang: no gmetric left running"
fi

run u64max -p -U "$T/u64max.sock"
check "u64max: 2^64-1 accepted and shown exactly" \
	grep -qx 'tcpeek_success_total{filter="RX"} 18446744073709551615' "$T/u64max.out"
run u64over -p -U "$T/u64over.sock"
refused u64over 'filter "RX": counter success.total is above 18446744073709551615'
bounded u64over $MAX_MS 0
run nul -p -U "$T/nul.sock"
refused nul 'element 0: name contains an escaped NUL'
bounded nul $MAX_MS 0
run utf8 -p -U "$T/utf8.sock"
refused utf8 'element 0: name is not valid UTF-8: "ok\xff\xfe"'
bounded utf8 $MAX_MS 0

run busy -U "$T/busy.sock"
refused busy 'tcpeek is busy (too many clients), try again'
bounded busy $MAX_MS 0
run busy2 -U "$T/busy2.sock"
if [ "$RC" -eq 0 ] && grep -qx ' RX' "$T/busy2.out" && [ ! -s "$T/busy2.err" ]; then
	ok "busy2: busy twice, then the summary on the third try"
else
	fail "busy2: exit $RC: $(head -c 300 "$T/busy2.err")"
fi

run trickle -U "$T/trickle.sock"
refused trickle 'timed out after 3.000 s'
if [ "$WALL_MS" -ge 2900 ] && [ "$WALL_MS" -lt "$MAX_MS" ]; then
	ok "trickle: a byte every 0.2 s forever ends at the deadline (${WALL_MS} ms)"
else
	fail "trickle: ${WALL_MS} ms, wanted 3 s"
fi

# the largest accepted answer: formatted, under the output cap
run bigok -p -U "$T/bigok.sock"
n=$(grep -c '^tcpeek_' "$T/bigok.out")
if [ "$RC" -eq 0 ] && [ "$n" -eq 15000 ]; then
	ok "bigok: 60 filters x 250 distinct keys: $n samples"
else
	fail "bigok: exit $RC, $n samples, wanted 0 and 15000: $(head -c 300 "$T/bigok.err")"
fi
bounded bigok $MAX_MS 8388608
