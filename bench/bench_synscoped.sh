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
# Both with IPv6 targets too (BENCH_IP6=0 leaves them out; skipped without
# IPv6 in the kernel): the same real servers and ports over the lab's IPv6
# subnet.
#
# BASE=DIR names a checkout whose bin/ holds synscoped and check_tcp_raw
# built from an earlier commit (IPv4 only is fine).  Then, in the same run:
# the IPv4 round of (1) with both binaries (one hyperfine invocation), and
# (2) repeated BENCH_ROUNDS times (default 2) in the order new IPv4, base
# IPv4, new IPv6, then reversed, so drift of a shared machine falls on both
# sides.  Ratios are base/new (time or CPU per check): >= 0.95 means the new
# build is at most 5 % slower; IPv6 is held to the same floor against the
# base's IPv4.  Speed is reported, not asserted; a broken run fails.
#
#   BASE=/tmp/base bench/bench_synscoped.sh
#   BENCH_SECONDS=20 BENCH_ROUNDS=3 BENCH_RUNS=30 BASE=... bench/bench_synscoped.sh
here=$(cd "$(dirname "$0")" && pwd)
SYNSCOPE_ROOT=$(cd "$here/.." && pwd)
. "$SYNSCOPE_ROOT/tests/net/lib.sh"
. "$SYNSCOPE_ROOT/tests/net/lab_dr.sh"
. "$SYNSCOPE_ROOT/tests/net/lab_dr6.sh"
C=$BIN/check_tcp_raw
D=$BIN/synscoped
SECS=${BENCH_SECONDS:-10}
BASE=${BASE:-}
IP6=${BENCH_IP6:-1}
if [ "$(id -u)" -ne 0 ] || ! command -v hyperfine >/dev/null; then
	echo "bench_synscoped: needs root and hyperfine: skipped"
	exit 0
fi
[ -x "$C" ] && [ -x "$D" ] || { echo "bench_synscoped: build first (make)"; exit 1; }
if [ -n "$BASE" ]; then
	BC=$BASE/bin/check_tcp_raw
	BD=$BASE/bin/synscoped
	[ -x "$BC" ] && [ -x "$BD" ] || { echo "bench_synscoped: BASE=$BASE has no bin/synscoped and bin/check_tcp_raw"; exit 1; }
	ROUNDS=${BENCH_ROUNDS:-2}
else
	ROUNDS=${BENCH_ROUNDS:-1}
fi
if [ "$IP6" = 1 ] && [ ! -e /proc/sys/net/ipv6 ]; then
	echo "bench_synscoped: IPv6 runs skipped (no IPv6 in this kernel)"
	IP6=0
fi
T=$(mktmp)
NRS=8
if [ "$IP6" = 1 ]; then
	lab6_up $NRS
	# solicitations to solicited-node groups reach every port, as on a
	# switch without MLD snooping
	NS br ip link set br0 type bridge mcast_snooping 0
else
	lab_dr_up $NRS
fi
# rsK listens on 20000..20000+N-1 (on ::, so for both families): the
# kernel answers SYN/ACK from the backlog.  The check ACKs the SYN/ACK and
# then resets: with TCP_DEFER_ACCEPT the bare ACK leaves the connection a
# request, which the RST frees, so nothing needs to accept(); without it
# every check would leave a dead child in the accept queue, which fills
# after 64 checks of one port and then drops SYNs
listen_many() {
	ip netns exec "$P-rs$1" python3 -c '
import resource, socket, sys, time
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
ss = []
for p in range(20000, 20000 + n):
    s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
    s.bind(("::", p)); s.listen(64); ss.append(s)
open(sys.argv[2], "w").write("ready")
time.sleep(3600)
' "$2" "$T/ready.$1" &
	bg_track $!
}
for k in $(seq $NRS); do
	lab_rs_vip "$k"
	[ "$IP6" = 1 ] && lab6_rs_vip "$k"
	listen_many "$k" 1250
done
for i in $(seq 100); do [ "$(ls "$T"/ready.* 2>/dev/null | wc -l)" -eq $NRS ] && break; sleep 0.1; done

# ---- 1. one round of 1,000 ----------------------------------------------
part1() {
: >"$T/t1k"; : >"$T/args1k"; : >"$T/t1k6"
for k in 1 2 3 4; do
	for p in $(seq 20000 20249); do
		echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p" >>"$T/t1k"
		echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p" >>"$T/args1k"
		echo "$LAB_IF $(lab6_rs_ip "$k") $LAB6_VIP $p" >>"$T/t1k6"
	done
done
round_ok() {   # BIN FILE LABEL: one round must succeed before it is timed
	NS dir "$1" -t 1000 --targets "$2" >"$T/r1k" ||
		{ echo "bench_synscoped: the $3 round failed: $(grep -v '"success"' "$T/r1k" | head -2)"; exit 1; }
}
cmds=("$C -t 1000 --targets $T/t1k")
round_ok "$C" "$T/t1k" IPv4
if [ -n "$BASE" ]; then
	round_ok "$BC" "$T/t1k" "base IPv4"
	cmds+=("$BC -t 1000 --targets $T/t1k")
fi
if [ "$IP6" = 1 ]; then
	round_ok "$C" "$T/t1k6" IPv6
	cmds+=("$C -t 1000 --targets $T/t1k6")
fi
NS dir sh -c "xargs -P 16 -n 4 $C -t 1000 <$T/args1k" || { echo "bench_synscoped: xargs run failed"; exit 1; }
NS dir hyperfine -N --style none --warmup 2 --runs "${BENCH_RUNS:-20}" \
	--export-json "$T/h1.json" "${cmds[@]}" >"$T/h1.out" 2>&1 || { echo "bench_synscoped: hyperfine: $(tail -3 "$T/h1.out")"; exit 1; }
NS dir hyperfine --style none --warmup 1 --runs "${BENCH_XRUNS:-5}" \
	--export-json "$T/h2.json" "xargs -P 16 -n 4 $C -t 1000 <$T/args1k" >/dev/null || exit 1
python3 - "$T/h1.json" "$T/h2.json" "${BASE:+1}" "$IP6" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
b = json.load(open(sys.argv[2]))["results"][0]
has_base, ip6 = sys.argv[3] == "1", sys.argv[4] == "1"
a = rs.pop(0)
ra, rb = a["median"] * 1000, b["median"] * 1000
print(f"1000 targets, one round (--targets):       median {ra:8.1f} ms ({len(a['times'])} runs)")
print(f"1000 check_tcp_raw processes (xargs -P 16): median {rb:8.1f} ms ({len(b['times'])} runs)")
print(f"ratio processes/round = {rb / ra:.1f}  (target: round <= 100 ms: {'met' if ra <= 100 else 'MISSED'})")
floor = lambda r: "met" if r >= 0.95 else "MISSED"
rbase = None
if has_base:
    rbase = rs.pop(0)["median"] * 1000
    print(f"  base IPv4 round: median {rbase:8.1f} ms; base/new = {rbase / ra:.3f}  (floor 0.95: {floor(rbase / ra)})")
if ip6:
    r6 = rs.pop(0)["median"] * 1000
    ref, what = (rbase, "base IPv4") if rbase is not None else (ra, "IPv4")
    print(f"  IPv6 round:      median {r6:8.1f} ms; {what}/IPv6 = {ref / r6:.3f}  (floor 0.95: {floor(ref / r6)})")
PY

}
case " ${BENCH_PARTS:-1 2} " in *" 1 "*) part1 ;; esac
case " ${BENCH_PARTS:-1 2} " in *" 2 "*) ;; *) exit 0 ;; esac

# ---- 2. the daemon at 10,000 targets / 1 s ------------------------------
echo "defaults interval=1s timeout=500ms rise=2 fall=2" >"$T/t10k"
cp "$T/t10k" "$T/t10k6"
for k in $(seq $NRS); do
	for p in $(seq 20000 21249); do echo "$LAB_IF $(lab_rs_ip "$k") $LAB_VIP $p"; done
done >>"$T/t10k"
for k in $(seq $NRS); do
	for p in $(seq 20000 21249); do echo "$LAB_IF $(lab6_rs_ip "$k") $LAB6_VIP $p"; done
done >>"$T/t10k6"
echo "defaults interval=1s timeout=500ms" >"$T/t1"
echo "$LAB_IF $(lab_rs_ip 1) $LAB_VIP 20000" >>"$T/t1"
# the one-target daemon, the RSS every daemon has anyway
ip netns exec "$P-dir" "$D" -c "$T/t1" --state-dir "$T/st.one" --socket "$T/one.sock" >/dev/null 2>"$T/one.err" &
one_pid=$!
bg_track $one_pid

# the status document; a busy daemon may miss the client's 3 s deadline
# (the base serializes 10,000 targets more slowly): ask up to 3 times
status() {
	local i
	for i in 1 2 3; do
		NS dir "$1" --status --json --socket "$T/big.sock" 2>"$T/status.err" && return 0
	done
	cat "$T/status.err" >&2
	return 1
}
# measure LABEL DAEMON CONF: run it for BENCH_WARMUP (3) s + SECS, stop it, print its
# figures (all of them the first time LABEL runs) and keep them in
# $T/res.LABEL (one JSON line per round)
measure() {
	local label=$1 d=$2 conf=$3 pid rss_pre rss_big rss_one u0 s0 u1 s1 first=0
	[ -e "$T/res.$label" ] || first=1
	rm -rf "$T/st.big" "$T/big.sock"
	ip netns exec "$P-dir" "$d" -c "$conf" --state-dir "$T/st.big" --socket "$T/big.sock" >/dev/null 2>"$T/big.err" &
	pid=$!
	bg_track $pid
	sleep "${BENCH_WARMUP:-3}"
	rss_pre=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	status "$d" >"$T/d0" || { echo "bench_synscoped: $label: no status: $(head -2 "$T/big.err")"; exit 1; }
	read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
	sleep "$SECS"
	status "$d" >"$T/d1" || { echo "bench_synscoped: $label: no status"; exit 1; }
	read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
	rss_big=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	rss_one=$(awk '/^VmRSS/ {print $2}' /proc/$one_pid/status)
	kill "$pid"; wait "$pid" 2>/dev/null
	python3 - "$T/d0" "$T/d1" "$((u1 + s1 - u0 - s0))" "$(getconf CLK_TCK)" "$rss_big" "$rss_one" "$SECS" "$rss_pre" "$label" "$first" "$((u1 - u0))" >>"$T/res.$label" <<'PY' || exit 1
import json, sys
d0, d1 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ticks, hz, rss_big, rss_one, secs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
label, first = sys.argv[9], sys.argv[10] == "1"
out = sys.stderr     # the figures; stdout is the result line
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
# checks of the window that failed: a disturbed run (a busy machine makes
# some checks time out; their retries and re-resolutions cost more CPU)
fails = lambda d: sum(v for t in d["targets"] for k, v in t["outcomes"].items() if k != "synack")
wfail = fails(d1) - fails(d0)
clean = wfail <= 0.001 * max(checks, 1) and up == n
from collections import Counter
oc = Counter()
for t in d1["targets"]:
    oc.update(t["outcomes"])
rss_pre = int(sys.argv[8])
import datetime
ts = lambda d: datetime.datetime.fromisoformat(d["now"].replace("Z", "+00:00")).timestamp()
secs = ts(d1) - ts(d0)
us = 1e6 * cpu / max(checks, 1)
uus = 1e6 * int(sys.argv[11]) / hz / max(checks, 1)
if first:
    print(f"synscoped ({label}), {n} targets at 1 s, window {secs:.2f} s: {checks} checks ({checks / secs:.0f}/s, expected {n}/s), {up} up, outcomes {dict(oc)}", file=out)
    print(f"  CPU {cpu:.2f} s = {100 * cpu / secs:.1f} % of one core, {us:.1f} us per check ({uus:.1f} in user space)", file=out)
    print(f"  start lateness: p50 {pct(0.5)}, p90 {pct(0.9)}, p99 {pct(0.99)}, p99.9 {pct(0.999)}, max {s1['late_max_us']} us (whole run); overran {s1['overran'] - s0['overran']}", file=out)
    print(f"  RSS before any status request {rss_pre} KiB: {1024 * (rss_pre - rss_one) / n:.0f} bytes per target", file=out)
    print(f"  RSS {rss_big} KiB at {n} targets, {rss_one} KiB at 1: {1024 * (rss_big - rss_one) / n:.0f} bytes per target "
          f"(target <= 1024: {'met' if (rss_big - rss_one) * 1024 / n <= 1024 else 'MISSED'}; {1024 * rss_big / n:.0f} B/target counting everything)", file=out)
    missed = n * secs - checks
    print(f"  checks in the window against {n}/s: {checks - n * secs:+.0f} ({'none missed' if missed <= n * 0.01 else 'SOME MISSED'}); {wfail} failed", file=out)
else:
    print(f"synscoped ({label}) again: {us:.1f} us per check ({uus:.1f} user), {checks / secs:.0f} checks/s, {up} up, {wfail} failed in the window, p99 lateness {pct(0.99)}", file=out)
print(json.dumps({"us": us, "uus": uus, "clean": clean, "rate": checks / secs, "n": n, "up": up,
                  "rss_pre_b": 1024 * (rss_pre - rss_one) / n}))
PY
}
order=(new_ip4)
[ -n "$BASE" ] && order+=(base_ip4)
[ "$IP6" = 1 ] && order+=(new_ip6)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 0 ]; then
		list=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do list+=("${order[i]}"); done
	else
		list=("${order[@]}")
	fi
	for l in "${list[@]}"; do
		case $l in
		new_ip4) measure "new IPv4" "$D" "$T/t10k" ;;
		base_ip4) measure "base IPv4" "$BD" "$T/t10k" ;;
		new_ip6) measure "new IPv6" "$D" "$T/t10k6" ;;
		esac
	done
done
[ -n "$BASE" ] || [ "$IP6" = 1 ] || exit 0
python3 - "$T" <<'PY'
import json, os, statistics, sys
res = {}
for l in ("new IPv4", "base IPv4", "new IPv6"):
    p = os.path.join(sys.argv[1], "res." + l)
    if os.path.exists(p):
        res[l] = [json.loads(x) for x in open(p)]
def stat(v, key, f):
    v = [r[key] for r in v]
    return f(v) if v else None
med = {l: stat(v, "us", statistics.median) for l, v in res.items()}
low = {l: stat(v, "us", min) for l, v in res.items()}
umed = {l: stat(v, "uus", statistics.median) for l, v in res.items()}
cmed = {l: stat([r for r in v if r["clean"]], "us", statistics.median) for l, v in res.items()}
nclean = {l: sum(1 for r in v if r["clean"]) for l, v in res.items()}
floor = lambda r: "met" if r >= 0.95 else "MISSED"
for l in med:
    c = f"{cmed[l]:.2f}" if cmed[l] is not None else "-"
    print(f"{l}: CPU per check over {len(res[l])} runs: median {med[l]:.2f} us, min {low[l]:.2f}, "
          f"user space {umed[l]:.2f}; median of the {nclean[l]} undisturbed runs {c}")
def ratio(what, a, b):
    r = med[a] / med[b]
    parts = [f"medians {r:.3f}", f"minima {low[a] / low[b]:.3f}", f"user space {umed[a] / umed[b]:.3f}"]
    if cmed[a] is not None and cmed[b] is not None:
        parts.append(f"undisturbed runs {cmed[a] / cmed[b]:.3f}")
    print(f"  {what}: " + ", ".join(parts) + f"  (floor 0.95 on the medians: {floor(r)})")
ref = "base IPv4" if "base IPv4" in med else "new IPv4"
if "base IPv4" in med:
    ratio("IPv4 base/new", "base IPv4", "new IPv4")
if "new IPv6" in med:
    ratio(f"{ref}/new IPv6", ref, "new IPv6")
PY
