#!/usr/bin/env bash
# synscoped's schedule measured on the wire: 60 targets with a 1 s
# interval; their first SYNs spread over the first interval (no herd at
# start), and the gaps between a target's checks are 1 s moved by a
# jitter (+-5 %), never the same for every target.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
D=$BIN/synscoped
T=$(mktmp)
command -v tcpdump >/dev/null || { ok "schedule (skipped: tcpdump missing)"; exit 0; }
lab_dr_up 1
RS1=$(lab_rs_ip 1)
echo "defaults interval=1s timeout=200ms rise=1 fall=1" >"$T/conf"
for p in $(seq 9000 9059); do echo "$LAB_IF $RS1 $LAB_VIP $p" >>"$T/conf"; done
ip netns exec "$P-dir" tcpdump -i $LAB_IF -n -tt -l -U 'tcp[tcpflags] == tcp-syn' >"$T/syn" 2>/dev/null &
TD=$!
bg_track $TD
sleep 1
t0=$(date +%s.%N)
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$T/st" --socket "$T/s.sock" >/dev/null 2>"$T/err" &
DP=$!
bg_track $DP
sleep 3.6
kill $DP; wait $DP
sleep 0.3
kill $TD; wait $TD 2>/dev/null
python3 - "$T/syn" "$t0" <<'PY' | tee -a "$RESULTS"
import re, sys, statistics
t0 = float(sys.argv[2])
times = {}
for l in open(sys.argv[1]):
    m = re.match(r"(\d+\.\d+) IP [\d.]+\.\d+ > [\d.]+\.(\d+):", l)
    if m:
        times.setdefault(int(m.group(2)), []).append(float(m.group(1)))
firsts = sorted(v[0] - t0 for v in times.values())
gaps = [(v[1] - v[0]) * 1000 for v in times.values() if len(v) >= 2]
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
ok(len(times) == 60, f"schedule: all 60 targets checked ({len(times)})")
if len(firsts) >= 50:
    spread = (firsts[-1] - firsts[0]) * 1000
    # 10 slices of the first second: a herd would put them all in one
    buckets = [0] * 10
    for f in firsts:
        buckets[min(9, max(0, int((f - firsts[0]) * 10)))] += 1
    ok(spread >= 600 and max(buckets) <= 20,
       f"schedule: first checks spread over {spread:.0f} ms, at most {max(buckets)} of 60 in any 100 ms")
if len(gaps) >= 50:
    sd = statistics.pstdev(gaps)
    ok(all(900 <= g <= 1200 for g in gaps) and sd >= 5,
       f"schedule: gaps between checks {min(gaps):.0f}..{max(gaps):.0f} ms (1 s +- 5 % jitter), stdev {sd:.1f} ms")
PY
