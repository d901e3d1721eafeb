#!/usr/bin/env bash
# IPv6 targets next to IPv4 ones, in one synscoped and in one
# check_tcp_raw --targets round, on the LVS-DR lab with an IPv6 subnet:
# healthy, VIP missing on the real server, no listener, black hole, ICMPv6
# unreachable from an nft reject, and a real server that never answers
# while forged Neighbor Advertisements for it arrive (ignored).  Files,
# status document and /metrics name the IPv6 addresses as addr_fmt writes
# them; the Neighbor Solicitation goes to the solicited-node group.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
D=$BIN/synscoped
C=$BIN/check_tcp_raw
T=$(mktmp)
[ -x "$D" ] && [ -x "$C" ] || { fail "synscoped or check_tcp_raw not built"; exit 0; }
if [ ! -e /proc/sys/net/ipv6 ]; then ok "IPv6 targets (skipped: no IPv6 in this kernel)"; exit 0; fi

NET6=fd09:0:0:9
DIR6=$NET6::1
VIP6=$NET6::100
NOBODY6=$NET6::19
rs6() { echo "$NET6::1$1"; }
RS1=$(lab_rs_ip 1)

# IPv6 on the lab: addresses without duplicate address detection (nodad
# and accept_dad=0), the VIP/128 on lo where it belongs; the bridge
# floods multicast, so solicitations reach every port as on a plain switch
lab6_up() {
	local ns
	NS br ip link set br0 type bridge mcast_snooping 0
	for ns in dir "$@"; do
		NS "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.$LAB_IF.accept_dad=0
	done
	NS dir ip -6 addr add "$DIR6/64" dev $LAB_IF nodad
	NS dir ip -6 addr add "$VIP6/128" dev lo nodad
}
lab6_rs() { NS "rs$1" ip -6 addr add "$(rs6 "$1")/64" dev $LAB_IF nodad; }
lab6_vip() { NS "rs$1" ip -6 addr add "$VIP6/128" dev lo nodad; }
# a listener on both families (python's dual-stack server on ::)
lab6_listen() {
	NS "rs$1" python3 -m http.server --bind :: "$2" >/dev/null 2>&1 &
	bg_track $!
	wait_listen "rs$1" "$2" || { fail "no listener on rs$1:$2"; exit 0; }
}

lab_dr_up 4
lab6_up rs1 rs2 rs3 rs4
for k in 1 2 3 4; do lab6_rs $k; done
lab_rs_vip 1
lab6_vip 1
lab6_vip 3            # rs2 has no IPv6 VIP: its kernel drops the SYN
lab6_listen 1 8080
lab6_listen 3 8080
lab6_listen 3 8082
NS rs3 nft -f - <<NFT
table inet ${P}t6 {
	chain in {
		type filter hook input priority -10; policy accept;
		ip6 daddr $VIP6 tcp dport 8080 drop
		ip6 daddr $VIP6 tcp dport 8082 reject with icmpv6 type admin-prohibited
	}
}
NFT
for i in $(seq 50); do
	NS dir ip -6 addr show dev $LAB_IF | grep -q "$DIR6/64" && break
	sleep 0.1
done
DIR_MAC=$(lab_mac dir)

# Forged Neighbor Advertisements for $NOBODY6, from rs4, to the director:
# one with hop limit 64, one without the solicited flag, one whose target
# is another address than its sender.  None may resolve the target.
forge_na() {
	NS rs4 python3 - "$LAB_IF" "$DIR_MAC" "$(lab_mac rs4)" "$NOBODY6" "$DIR6" "$1" <<'PY' &
import socket, struct, sys, time
ifc, dmac, smac, spa, dst, secs = sys.argv[1:7]
mac = lambda s: bytes.fromhex(s.replace(":", ""))
a6 = lambda s: socket.inet_pton(socket.AF_INET6, s)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def na(src, target, hlim, flags):
    body = struct.pack("!BBHI", 136, 0, 0, flags << 24) + a6(target) + b"\x02\x01" + mac(smac)
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(ph + body)) + body[4:]
    ip = struct.pack("!IHBB", 6 << 28, len(body), 58, hlim) + a6(src) + a6(dst)
    return mac(dmac) + mac(smac) + b"\x86\xdd" + ip + body
frames = [na(spa, spa, 64, 0x60),            # hop limit 64: not from the link
          na(spa, spa, 255, 0x20),           # override only, not solicited
          na(spa, "fd09:0:0:9::99", 255, 0x60)]  # another target
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
end = time.time() + float(secs)
while time.time() < end:
    for f in frames:
        s.send(f)
    time.sleep(0.01)
PY
	bg_track $!
}

cat >"$T/conf" <<X
defaults interval=300ms timeout=200ms rise=2 fall=2
$LAB_IF $RS1 $LAB_VIP 8080
$LAB_IF $(rs6 1) $VIP6 8080
$LAB_IF $(rs6 2) $VIP6 8080
$LAB_IF $(rs6 1) $VIP6 8089
$LAB_IF $(rs6 3) $VIP6 8080
$LAB_IF $(rs6 3) $VIP6 8082
$LAB_IF $NOBODY6 $VIP6 8080
X
want='{"'$RS1'/8080": "synack", "'$(rs6 1)'/8080": "synack", "'$(rs6 2)'/8080": "timeout_synack",
"'$(rs6 1)'/8089": "refused", "'$(rs6 3)'/8080": "timeout_synack", "'$(rs6 3)'/8082": "icmp_unreachable",
"'$NOBODY6'/8080": "timeout_arp"}'

# ---- one round of check_tcp_raw --targets, the solicitations watched
# where they arrive (the bridge floods multicast to every port)
if command -v tcpdump >/dev/null; then
	ip netns exec "$P-rs1" tcpdump -Uni $LAB_IF -w "$T/ns.pcap" 'icmp6 and ip6[40] = 135' \
		>/dev/null 2>"$T/td.err" &
	TD=$!
	bg_track $TD
	for _ in $(seq 100); do
		grep -q 'listening on' "$T/td.err" && break
		sleep 0.1
	done
fi
forge_na 2
NS dir "$C" -t 400 --targets "$T/conf" >"$T/round" 2>"$T/round.err"; rc=$?
[ $rc -eq 1 ] && ok "--targets with IPv6 lines: exit 1 (some fail)" || fail "--targets: exit $rc $(cat "$T/round.err")"
check "--targets: each IPv4 and IPv6 line gets its outcome, addresses as addr_fmt writes them" python3 - "$T/round" "$want" <<'PY'
import json, sys
want = json.loads(sys.argv[2])
got = {f'{o["real_server"]}/{o["port"]}': o["outcome"] for o in map(json.loads, open(sys.argv[1]))}
assert got == want, (got, want)
PY
check "--targets: the ICMPv6 verdict names type and code" grep -q '"icmp_type":1,"icmp_code":1' "$T/round"
if [ -n "${TD:-}" ]; then
	# -U writes each packet as it comes; give the last one time to land
	sleep 0.5
	kill "$TD"; wait "$TD" 2>/dev/null
	tcpdump -nr "$T/ns.pcap" 2>/dev/null >"$T/ns.txt"
	check "Neighbor Solicitations go to each real server's solicited-node group, from our global address" \
		bash -c "grep -q '$DIR6 > ff02::1:ff00:11: ICMP6, neighbor solicitation, who has $(rs6 1)' $T/ns.txt &&
		         ! grep -v 'ff02::1:ff' $T/ns.txt | grep -q 'neighbor solicitation'" ||
		sed 's/^/# seen: /' "$T/ns.txt" | head -20
else
	ok "Neighbor Solicitation addressing (skipped: tcpdump missing)"
fi

# ---- synscoped with the same targets
forge_na 8
ST=$T/st
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$ST" --socket "$T/s.sock" \
	--metrics-listen "[::1]:9918" >"$T/ev" 2>"$T/err" &
DP=$!
bg_track $DP
status() { NS dir "$D" --status --json --socket "$T/s.sock"; }
for i in $(seq 60); do
	status 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(t["state"]!="unknown" for t in d["targets"]) and all(t["checks"]>=4 for t in d["targets"]) else 1)' 2>/dev/null && break
	sleep 0.2
done
status >"$T/d1"
check "synscoped: IPv6 targets up or down by their outcome, next to an IPv4 one, forged NAs ignored" python3 - "$T/d1" "$want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
st = {f'{t["real_server"]}/{t["port"]}': (t["state"], sorted(t["outcomes"])) for t in d["targets"]}
for k, o in want.items():
    exp = "up" if o == "synack" else "down"
    assert st[k] == (exp, [o]), (k, st[k], o)
assert d["engine"]["rx_ignored"] > 0, d["engine"]
PY
F6=$ST/${LAB_IF}_$(rs6 1)_${VIP6}_8080
check "synscoped: FILE_CHECK files named with the IPv6 addresses, 0 up and 1 down" bash -c "
	[ \"\$(cat '$F6')\" = 0 ] && [ \"\$(cat '$ST/${LAB_IF}_$(rs6 3)_${VIP6}_8082')\" = 1 ] &&
	[ \"\$(cat '$ST/${LAB_IF}_${RS1}_${LAB_VIP}_8080')\" = 0 ] && [ \$(ls '$ST' | wc -l) -eq 7 ]"
check "synscoped: state-change lines carry the IPv6 addresses as JSON strings" python3 - "$T/ev" "$(rs6 1)" "$VIP6" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert any(e["real_server"] == sys.argv[2] and e["vip"] == sys.argv[3] and e["new"] == "up" for e in ev), ev
PY
if command -v curl >/dev/null && command -v promtool >/dev/null; then
	NS dir curl -sfg "http://[::1]:9918/metrics" >"$T/m"; rc=$?
	[ $rc -eq 0 ] && promtool check metrics <"$T/m" >"$T/pt" 2>&1 && ok "/metrics with IPv6 labels: promtool passes" || fail "/metrics: curl $rc, $(head -3 "$T/pt")"
	check "/metrics: IPv6 label values as addr_fmt writes them" grep -q "^synscoped_target_up{iface=\"$LAB_IF\",real_server=\"$(rs6 1)\",vip=\"$VIP6\",port=\"8080\"} 1$" "$T/m"
else
	ok "/metrics with IPv6 labels (skipped: curl or promtool missing)"
fi
check "--status table lists the IPv6 targets" bash -c "NS() { ip netns exec $P-\$1 \"\${@:2}\"; }; NS dir $D --status --socket $T/s.sock | grep -q '^${LAB_IF}_$(rs6 3)_${VIP6}_8082 *down'"
kill $DP; wait $DP; rc=$?
[ $rc -eq 0 ] && ok "synscoped: SIGTERM: exit 0" || fail "synscoped: exit $rc $(tail -3 "$T/err")"
