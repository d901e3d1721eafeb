#!/usr/bin/env bash
# check_tcp_raw against its floor (bench/check_floor.c: same socket, filter
# and exchange, nothing else), healthy real server in the LVS-DR lab.
# Prints both medians and the ratio; targets: <= 6.5 ms and <= 1.3x.
here=$(cd "$(dirname "$0")" && pwd)
SYNSCOPE_ROOT=$(cd "$here/.." && pwd)
. "$SYNSCOPE_ROOT/tests/net/lib.sh"
. "$SYNSCOPE_ROOT/tests/net/lab_dr.sh"
RUNS=${BENCH_RUNS:-200}
C=$BIN/check_tcp_raw
F=$TOOLS/check_floor

if [ "$(id -u)" -ne 0 ] || ! command -v hyperfine >/dev/null; then
	echo "bench_check: needs root and hyperfine: skipped"
	exit 0
fi
[ -x "$C" ] && [ -x "$F" ] || { echo "bench_check: build first (make)"; exit 1; }
T=$(mktmp)
lab_dr_up 1
lab_rs_vip 1
lab_listen 1 8080
RS1=$(lab_rs_ip 1)
args="$LAB_IF $RS1 $LAB_VIP 8080"
# Both must actually succeed before their time means anything.
NS dir "$F" $args || { echo "bench_check: floor check failed"; exit 1; }
NS dir "$C" -t 1000 $args || { echo "bench_check: check_tcp_raw failed"; exit 1; }
# hyperfine runs inside the director namespace, so `ip netns exec` is not
# part of what is measured; -N: no shell in between.
NS dir hyperfine -N --style none --warmup 10 --runs "$RUNS" \
	--export-json "$T/h.json" "$F $args" "$C -t 1000 $args" >/dev/null || exit 1
# For the record: the floor with a synchronous close() of the packet socket.
NS dir env CHECK_FLOOR_SYNC_CLOSE=1 hyperfine -N --style none --warmup 5 --runs 50 \
	--export-json "$T/s.json" "$F $args" >/dev/null || exit 1
python3 - "$T/h.json" "$T/s.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
sync = json.load(open(sys.argv[2]))["results"][0]
floor, prog = (x["median"] * 1000 for x in r)
ratio = prog / floor
print(f"check_floor    median {floor:7.3f} ms  ({len(r[0]['times'])} runs)")
print(f"check_tcp_raw  median {prog:7.3f} ms  ({len(r[1]['times'])} runs)")
print(f"(floor with a synchronous close of the packet socket: median "
      f"{sync['median'] * 1000:.3f} ms, {len(sync['times'])} runs)")
print(f"ratio check_tcp_raw/floor = {ratio:.2f}  "
      f"(targets: <= 1.30 and <= 6.5 ms: "
      f"{'met' if ratio <= 1.3 and prog <= 6.5 else 'MISSED'})")
PY
