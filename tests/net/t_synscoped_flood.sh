#!/usr/bin/env bash
# Isolation under a flood: while forged SYN/ACKs (wrong acknowledgment
# numbers, random ports) pour onto the director's packet socket, every
# healthy target of synscoped keeps succeeding on time; the forgeries are
# counted as rejected by the keyed ISN, before any lookup.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
D=$BIN/synscoped
INJ=$TOOLS/inject
T=$(mktmp)
[ -x "$INJ" ] || { fail "flood: $INJ not built"; exit 0; }
lab_dr_up 2
lab_rs_vip 1
lab_rs_vip 2
lab_listen 1 8080
lab_listen 1 8081
lab_listen 2 8080
RS1=$(lab_rs_ip 1); RS2=$(lab_rs_ip 2)
DIR_MAC=$(lab_mac dir)
cat >"$T/conf" <<X
defaults interval=200ms timeout=150ms rise=1 fall=1
$LAB_IF $RS1 $LAB_VIP 8080
$LAB_IF $RS1 $LAB_VIP 8081
$LAB_IF $RS2 $LAB_VIP 8080
X
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$T/st" --socket "$T/s.sock" >"$T/ev" 2>"$T/err" &
DP=$!
bg_track $DP
sleep 1
# about 50,000 forged frames a second for 3 s, from rs2's port
NS rs2 "$INJ" -i $LAB_IF -d "$DIR_MAC" -S $LAB_VIP:8080 -D $LAB_DIR_IP:40000 -f SA -q 1 -a 12345 -g 20 -t 3000 2>/dev/null &
IP=$!
bg_track $IP
wait $IP
sleep 0.5
NS dir "$D" --status --json --socket "$T/s.sock" >"$T/doc"
python3 - "$T/doc" <<'PY' | tee -a "$RESULTS"
import json, sys
d = json.load(open(sys.argv[1]))
e, s = d["engine"], d["scheduler"]
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
bad = [t for t in d["targets"] if list(t["outcomes"]) != ["synack"] or t["state"] != "up"]
ok(not bad, f"flood: every target still up with only successes ({[t['checks'] for t in d['targets']]} checks)" + (f" {bad}" if bad else ""))
ok(e["rx_forged"] >= 10000, f"flood: {e['rx_forged']} forged frames rejected by the keyed ISN (stale: {e['rx_stale']})")
ok(s["overran"] == 0 and s["late_max_us"] < 100000, f"flood: no check overran, latest start {s['late_max_us']} us late")
ok(min(t["checks"] for t in d["targets"]) >= 15, "flood: no target missed its schedule (>= 15 checks in ~4.5 s at 200 ms)")
PY
kill $DP; wait $DP
