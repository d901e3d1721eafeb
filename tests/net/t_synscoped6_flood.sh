#!/usr/bin/env bash
# A flood of forged Neighbor Advertisements for a real server that never
# answers, while 300 of synscoped's targets wait for that server's MAC:
# every forgery is judged once, not once per waiting check, so the healthy
# targets (IPv6 and IPv4) keep succeeding on time and the silent ones time
# out in their neighbour state as they would without the flood.  Also a
# flood of ICMPv6 destination unreachables quoting SYNs from the director
# with forged ports and sequence numbers: rejected by the keyed ISN.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
. "$here/lab_dr6.sh"
D=$BIN/synscoped
T=$(mktmp)
[ -x "$D" ] || { fail "synscoped not built"; exit 0; }
if [ ! -e /proc/sys/net/ipv6 ]; then ok "NA flood (skipped: no IPv6 in this kernel)"; exit 0; fi
NSILENT=300

lab6_up 2
NS br ip link set br0 type bridge mcast_snooping 0
lab_rs_vip 1
lab6_rs_vip 1
lab6_listen 1 8080
RS1=$(lab_rs_ip 1)
SILENT6=${LAB6_NET}:19
DIR_MAC=$(lab_mac dir)

{
	echo "defaults interval=200ms timeout=150ms rise=1 fall=3"
	echo "$LAB_IF $RS1 $LAB_VIP 8080"
	echo "$LAB_IF $(lab6_rs_ip 1) $LAB6_VIP 8080"
	for p in $(seq 10001 $((10000 + NSILENT))); do echo "$LAB_IF $SILENT6 $LAB6_VIP $p"; done
} >"$T/conf"
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$T/st" --socket "$T/s.sock" >/dev/null 2>"$T/err" &
DP=$!
bg_track $DP
status() { NS dir "$D" --status --json --socket "$T/s.sock"; }
for i in $(seq 50); do
	status >"$T/d0" 2>/dev/null && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(t["checks"] >= 2 for t in d["targets"]) else 1)' "$T/d0" && break
	sleep 0.2
done

# From rs2 for SECS seconds, as fast as python sends: advertisements for
# SILENT6 that each fail one rule (hop limit, solicited flag, target,
# Ethernet source against the target link-layer address), and ICMPv6
# unreachables quoting a SYN from us with random ports and sequence.
SECS=4
NS rs2 python3 - "$LAB_IF" "$DIR_MAC" "$(lab_mac rs2)" "$SILENT6" "$LAB6_DIR_IP" "$LAB6_VIP" "$SECS" "$T/sent" <<'PY' &
import os, socket, struct, sys, time
ifc, dmac, smac, spa, dst, vip, secs, out = sys.argv[1:9]
mac = lambda s: bytes.fromhex(s.replace(":", ""))
a6 = lambda s: socket.inet_pton(socket.AF_INET6, s)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip6(src, dst, nxt, hlim, body):
    return struct.pack("!IHBB", 6 << 28, len(body), nxt, hlim) + a6(src) + a6(dst) + body
def icmp6(src, dst, hlim, body):
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(ph + body)) + body[4:]
    return mac(dmac) + mac(smac) + b"\x86\xdd" + ip6(src, dst, 58, hlim, body)
def na(target, hlim, flags, lla):
    body = struct.pack("!BBHI", 136, 0, 0, flags << 24) + a6(target) + b"\x02\x01" + mac(lla)
    return icmp6(target, dst, hlim, body)
def unreach():
    sp, dp, seq = struct.unpack("!HHI", os.urandom(8))
    syn = struct.pack("!HHIIBBHHH", sp, dp, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    body = struct.pack("!BBHI", 1, 4, 0, 0) + ip6(dst, vip, 6, 64, syn)
    return icmp6(spa, dst, 64, body)
frames = [na(spa, 64, 0x60, smac),               # hop limit 64: routed
          na(spa, 255, 0x20, smac),              # not solicited
          na("fd00::99", 255, 0x60, smac),       # another target
          na(spa, 255, 0x60, "02:00:00:00:00:99")]   # TLLA differs from the source
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
n = 0
end = time.time() + float(secs)
while time.time() < end:
    for f in frames:
        s.send(f)
    s.send(unreach())
    n += 5
open(out, "w").write(str(n))
PY
FP=$!
bg_track $FP
wait $FP
status >"$T/d1" || { fail "NA flood: no status document after the flood"; exit 0; }
kill -0 $DP 2>/dev/null && ok "NA flood: the daemon survived" || fail "NA flood: the daemon died: $(tail -2 "$T/err")"
python3 - "$T/d0" "$T/d1" "$(cat "$T/sent" 2>/dev/null || echo 0)" "$SECS" <<'PY' | tee -a "$RESULTS"
import json, sys
d0, d1 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sent, secs = int(sys.argv[3]), float(sys.argv[4])
ok = lambda c, m: print(("ok - " if c else "not ok - ") + m)
t0 = {t["target"]: t for t in d0["targets"]}
healthy = [t for t in d1["targets"] if t["port"] == 8080]
silent = [t for t in d1["targets"] if t["port"] != 8080]
e0, e1 = d0["engine"], d1["engine"]
ok(sent >= 20000, f"NA flood: {sent} forged frames sent in {secs:.0f} s")
# A reply of the real one can still be lost in a full socket buffer under
# the flood (the kernel drops, nothing judges): the healthy targets stay up
# (fall=3) and at least 90 % of their checks succeed.  Before forgeries
# were judged once, every one of their checks timed out.
def share(t):
    n = sum(t["outcomes"].values())
    return t["outcomes"].get("synack", 0) / n if n else 0
bad = [(t["target"], t["state"], t["outcomes"]) for t in healthy
       if t["state"] != "up" or share(t) < 0.9 or set(t["outcomes"]) - {"synack", "timeout_arp", "timeout_synack"}]
ok(not bad, "NA flood: the healthy IPv4 and IPv6 targets stay up, >= 90 % successes" + (f" {bad}" if bad else ""))
# at 200 ms, about 5 checks a second each; allow a loaded machine half
few = [(t["target"], t["checks"] - t0[t["target"]]["checks"]) for t in healthy
       if t["checks"] - t0[t["target"]]["checks"] < 2.5 * secs]
ok(not few, f"NA flood: the healthy targets kept their schedule" + (f" {few}" if few else ""))
wrong = [t["target"] for t in silent if t["state"] != "down" or list(t["outcomes"]) != ["timeout_arp"]]
ok(not wrong, f"NA flood: the {len(silent)} silent targets only time out waiting for the advertisement" + (f" {wrong[:3]}" if wrong else ""))
lag = [t["target"] for t in silent if t["checks"] - t0[t["target"]]["checks"] < 2.5 * secs]
ok(not lag, f"NA flood: the silent targets kept their schedule too ({len(lag)} behind)")
forged = e1["rx_forged"] - e0["rx_forged"]
ok(forged >= sent // 5 * 0.5, f"NA flood: {forged} forged ICMPv6 unreachables rejected by the keyed ISN")
PY
kill $DP; wait $DP
