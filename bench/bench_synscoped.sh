#!/usr/bin/env bash
# The many-target engine, in the LVS-DR lab (real servers with the VIP
# answering on many ports, one listening socket each):
#  1. one round of 1,000 targets with check_tcp_raw --targets against the
#     same 1,000 targets checked by one check_tcp_raw process each
#     (xargs -P 16), measured in the same run; target: the round <= 100 ms.
#  2. synscoped with 10,000 targets at a 1 s interval for BENCH_SECONDS
#     (default 10) after a 3 s warm-up: CPU per check, the distribution of
#     check start lateness, missed or overran checks, RSS per target
#     (target <= 1 KiB).
here=$(cd "$(dirname "$0")" && pwd)
SYNSCOPE_ROOT=$(cd "$here/.." && pwd)
. "$SYNSCOPE_ROOT/tests/net/lib.sh"
. "$SYNSCOPE_ROOT/tests/net/lab_dr.sh"
C=$BIN/check_tcp_raw
D=$BIN/synscoped
SECS=${BENCH_SECONDS:-10}
if [ "$(id -u)" -ne 0 ] || ! command -v hyperfine >/dev/null; then
	echo "bench_synscoped: needs root and hyperfine: skipped"
	exit 0
fi
[ -x "$C" ] && [ -x "$D" ] || { echo "bench_synscoped: build first (make)"; exit 1; }
T=$(mktmp)
NRS=8
lab_dr_up $NRS
# rsK listens on 20000..20000+N-1: the kernel answers SYN/ACK from the
# backlog, and the check's RST frees it, so nothing needs to accept()
listen_many() {
	ip netns exec "$P-rs$1" python3 -c '
import resource, socket, sys, time
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
ss = []
for p in range(20000, 20000 + n):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(64); ss.append(s)
open(sys.argv[2], "w").write("ready")
time.sleep(3600)
' "$2" "$T/ready.$1" &
	bg_track $!
}
for k in $(seq $NRS); do
	lab_rs_vip "$k"
	listen_many "$k" 1250
done
for i in $(seq 100); do [ "$(ls "$T"/ready.* 2>/dev/null | wc -l)" -eq $NRS ] && break; sleep 0.1; done

# ---- 1. one round of 1,000 ----------------------------------------------
: >"$T/t1k"; : >"$T/args1k"
for k in 1 2 3 4; do
	for p in $(seq 20000 20249); do
		echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p" >>"$T/t1k"
		echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p" >>"$T/args1k"
	done
done
NS dir "$C" -t 1000 --targets "$T/t1k" >"$T/r1k" || { echo "bench_synscoped: the round failed: $(grep -v '"success"' "$T/r1k" | head -2)"; exit 1; }
NS dir sh -c "xargs -P 16 -n 4 $C -t 1000 <$T/args1k" || { echo "bench_synscoped: xargs run failed"; exit 1; }
NS dir hyperfine -N --style none --warmup 2 --runs "${BENCH_RUNS:-20}" \
	--export-json "$T/h1.json" "$C -t 1000 --targets $T/t1k" >/dev/null || exit 1
NS dir hyperfine --style none --warmup 1 --runs "${BENCH_XRUNS:-5}" \
	--export-json "$T/h2.json" "xargs -P 16 -n 4 $C -t 1000 <$T/args1k" >/dev/null || exit 1
python3 - "$T/h1.json" "$T/h2.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]
b = json.load(open(sys.argv[2]))["results"][0]
ra, rb = a["median"] * 1000, b["median"] * 1000
print(f"1000 targets, one round (--targets):       median {ra:8.1f} ms ({len(a['times'])} runs)")
print(f"1000 check_tcp_raw processes (xargs -P 16): median {rb:8.1f} ms ({len(b['times'])} runs)")
print(f"ratio processes/round = {rb / ra:.1f}  (target: round <= 100 ms: {'met' if ra <= 100 else 'MISSED'})")
PY

# ---- 2. the daemon at 10,000 targets / 1 s ------------------------------
echo "defaults interval=1s timeout=500ms rise=2 fall=2" >"$T/t10k"
for k in $(seq $NRS); do
	for p in $(seq 20000 21249); do echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p"; done
done >>"$T/t10k"
echo "defaults interval=1s timeout=500ms" >"$T/t1"
echo "$LAB_IF $(lab_rs_ip 1) $LAB_VIP 20000" >>"$T/t1"
run_daemon() {   # CONF NAME: start, leave running; pid in $T/NAME.pid
	ip netns exec "$P-dir" "$D" -c "$1" --state-dir "$T/st.$2" --socket "$T/$2.sock" >/dev/null 2>"$T/$2.err" &
	echo $! >"$T/$2.pid"
	bg_track $!
}
doc() { NS dir "$D" --status --json --socket "$T/$1.sock"; }
run_daemon "$T/t1" one
run_daemon "$T/t10k" big
sleep 3
rss_pre=$(awk '/^VmRSS/ {print $2}' /proc/$(cat "$T/big.pid")/status)
doc big >"$T/d0"; read -r u0 s0 < <(awk '{print $14, $15}' /proc/$(cat "$T/big.pid")/stat)
sleep "$SECS"
doc big >"$T/d1"; read -r u1 s1 < <(awk '{print $14, $15}' /proc/$(cat "$T/big.pid")/stat)
rss_big=$(awk '/^VmRSS/ {print $2}' /proc/$(cat "$T/big.pid")/status)
rss_one=$(awk '/^VmRSS/ {print $2}' /proc/$(cat "$T/one.pid")/status)
python3 - "$T/d0" "$T/d1" "$((u1 + s1 - u0 - s0))" "$(getconf CLK_TCK)" "$rss_big" "$rss_one" "$SECS" "$rss_pre" <<'PY'
import json, sys
d0, d1 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ticks, hz, rss_big, rss_one, secs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
n = len(d1["targets"])
checks = d1["engine"]["checks_done"] - d0["engine"]["checks_done"]
cpu = ticks / hz
s0, s1 = d0["scheduler"], d1["scheduler"]
hist = [b1["count"] - b0["count"] for b0, b1 in zip(s0["late_hist"], s1["late_hist"])]
bounds = [b["lt_us"] for b in s1["late_hist"]]
tot = sum(hist)
def pct(q):
    acc = 0
    for c, b in zip(hist, bounds):
        acc += c
        if acc >= q * tot:
            return f"< {b} us" if b is not None else "beyond"
    return "-"
up = sum(1 for t in d1["targets"] if t["state"] == "up")
from collections import Counter
oc = Counter()
for t in d1["targets"]:
    oc.update(t["outcomes"])
fails = sum(v for k, v in oc.items() if k != "synack")
rss_pre = int(sys.argv[8])
import datetime
ts = lambda d: datetime.datetime.fromisoformat(d["now"].replace("Z", "+00:00")).timestamp()
secs = ts(d1) - ts(d0)
print(f"synscoped, {n} targets at 1 s, window {secs:.2f} s: {checks} checks ({checks / secs:.0f}/s, expected {n}/s), {up} up, outcomes {dict(oc)}")
print(f"  CPU {cpu:.2f} s = {100 * cpu / secs:.1f} % of one core, {1e6 * cpu / max(checks, 1):.1f} us per check")
print(f"  start lateness: p50 {pct(0.5)}, p90 {pct(0.9)}, p99 {pct(0.99)}, p99.9 {pct(0.999)}, max {s1['late_max_us']} us (whole run); overran {s1['overran'] - s0['overran']}")
print(f"  RSS before any status request {rss_pre} KiB: {1024 * (rss_pre - rss_one) / n:.0f} bytes per target")
print(f"  RSS {rss_big} KiB at {n} targets, {rss_one} KiB at 1: {1024 * (rss_big - rss_one) / n:.0f} bytes per target "
      f"(target <= 1024: {'met' if (rss_big - rss_one) * 1024 / n <= 1024 else 'MISSED'}; {1024 * rss_big / n:.0f} B/target counting everything)")
missed = n * secs - checks
print(f"  checks in the window against {n}/s: {checks - n * secs:+.0f} ({'none missed' if missed <= n * 0.01 else 'SOME MISSED'})")
PY
