#!/usr/bin/env bash
# Differential: for every lab scenario of check_tcp_raw's suite, the
# outcome of check_tcp_raw alone, of one round of check_tcp_raw --targets
# and of synscoped's checks are the same, and the expected one: healthy,
# clean close, refused, black hole, ICMP unreachable, no VIP, forged
# replies, a reply from another MAC (server without the VIP forwarding),
# no ARP answer.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
D=$BIN/synscoped
INJ=$TOOLS/inject
T=$(mktmp)
[ -x "$D" ] || { fail "synscoped not built"; exit 0; }
[ -x "$INJ" ] || { fail "diff: $INJ not built"; exit 0; }

lab_dr_up 4
lab_rs_vip 1
lab_listen 1 8080
lab_blackhole 1 8082
NS rs1 nft insert rule inet "${P}bh" in tcp dport 8083 reject with icmp type port-unreachable
lab_listen 2 8080                      # no VIP on rs2: it drops the SYN
lab_rs_vip 3
lab_listen 3 8080
lab_blackhole 3 8084                   # only forgeries answer rs3:8084
lab_rs_forward 4 3                     # rs4 lacks the VIP, forwards to rs3
NS rs3 "$INJ" -i $LAB_IF -r 8084 -f SA -A 0 -t 60000 2>/dev/null &
bg_track $!
NS rs3 "$INJ" -i $LAB_IF -r 8084 -f RA -A 7 -t 60000 2>/dev/null &
bg_track $!
RS1=$(lab_rs_ip 1); RS2=$(lab_rs_ip 2); RS3=$(lab_rs_ip 3); RS4=$(lab_rs_ip 4)
NOBODY=$LAB_NET.19

# name|check_tcp_raw options|file options|RS|port|expected outcome
cat >"$T/cases" <<X
healthy||  |$RS1|8080|synack
clean_close|-c|clean-close|$RS1|8081|refused
refused||  |$RS1|8085|refused
black_hole||  |$RS1|8082|timeout_synack
icmp||  |$RS1|8083|icmp_unreachable
no_vip||  |$RS2|8080|timeout_synack
forged||  |$RS3|8084|timeout_synack
wrong_mac||  |$RS4|8080|wrong_mac
no_arp||  |$NOBODY|8080|timeout_arp
closed|-c|clean-close|$RS3|8080|synack_closed
X
echo "defaults timeout=300ms interval=700ms rise=1 fall=1" >"$T/conf"
while IFS='|' read -r name copt fopt rs port want; do
	echo "$LAB_IF $rs $LAB_VIP $port $fopt" >>"$T/conf"
done <"$T/cases"

# 1. check_tcp_raw alone
while IFS='|' read -r name copt fopt rs port want; do
	NS dir "$C" -j -t 300 $copt $LAB_IF "$rs" $LAB_VIP "$port" >"$T/one.$name" 2>/dev/null
done <"$T/cases"
# 2. one round of --targets
NS dir "$C" --targets "$T/conf" >"$T/round" 2>"$T/round.err"; rc=$?
[ $rc -eq 1 ] && ok "--targets: exit 1 when some target fails" || fail "--targets: exit $rc: $(cat "$T/round.err")"
# 3. the daemon, three rounds at least
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$T/st" --socket "$T/s.sock" >"$T/ev" 2>"$T/d.err" &
dpid=$!
bg_track $dpid
for i in $(seq 60); do
	NS dir "$D" --status --json --socket "$T/s.sock" >"$T/doc" 2>/dev/null &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(t["checks"]>=3 for t in d["targets"]) else 1)' "$T/doc" && break
	sleep 0.2
done

python3 - "$T" <<'PY' | tee -a "$RESULTS"
import json, sys, os
T = sys.argv[1]
cases = [l.rstrip("\n").split("|") for l in open(T + "/cases")]
round_ = [json.loads(l) for l in open(T + "/round")]
doc = json.load(open(T + "/doc"))
bykey = {(t["real_server"], t["port"]): t for t in doc["targets"]}
assert len(round_) == len(cases), (len(round_), len(cases))
bad = 0
for (name, copt, fopt, rs, port, want), r in zip(cases, round_):
    one = json.loads(open(f"{T}/one.{name}").read())
    assert (r["real_server"], r["port"], r["iface"], r["vip"]) == (rs, int(port), "eth0", "10.9.0.100"), r
    for k in ("verdict", "outcome", "rtt_us", "elapsed_us"):
        assert k in r, (k, r)
    d = bykey[(rs, int(port))]
    counts = d["outcomes"]
    # every check of the daemon came out the same, not just the last one
    same_daemon = list(counts) == [want]
    res = (one["outcome"], r["outcome"], d["last_outcome"])
    if res == (want, want, want) and same_daemon:
        print(f"ok - diff {name}: check_tcp_raw, --targets and synscoped ({d['checks']} checks) all say {want}")
    else:
        bad += 1
        print(f"not ok - diff {name}: want {want}, got check_tcp_raw {res[0]}, --targets {res[1]}, synscoped {res[2]} {counts}")
PY
NS dir "$D" --status --json --socket "$T/s.sock" >"$T/doc2"
python3 - "$T/doc2" <<'PY' && ok "diff: forged replies were rejected by the keyed ISN before any lookup ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["engine"]["rx_forged"])' "$T/doc2"))" || fail "diff: no forged reply counted"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["engine"]["rx_forged"] >= 3 else 1)
PY
kill "$dpid"; wait "$dpid"; rc=$?
[ $rc -eq 0 ] && ok "diff: synscoped exits 0 on SIGTERM" || fail "diff: synscoped exit $rc: $(cat "$T/d.err")"
