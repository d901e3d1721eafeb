# LVS-DR lab builder for check_tcp_raw scenarios.  Source lib.sh first.
#
#   lab_dr_up [N]        director "dir" + N real servers "rs1".."rsN" (default
#                        1), each with one veth into a bridge living in its
#                        own namespace "br".  Subnet 10.9.0.0/24: director
#                        .1, rsK .1K; VIP 10.9.0.100 on the director's lo.
#   lab_rs_vip K         put the VIP on rsK's lo with the usual DR ARP sysctls
#   lab_listen K PORT    python3 listener on rsK:PORT (0.0.0.0), waited for
#   lab_blackhole K PORT nft table in rsK dropping TCP to PORT
#   lab_rs_counters K    nft counters in rsK of FIN and RST from the director
#   lab_count K NAME     value of counter NAME (fin|rst) in rsK
#   lab_gw               a router "gw" on the bridge, $LAB_GW_IP, forwarding
#   lab_rs_reply_via_gw K  rsK sends what it sources from the VIP through gw
#                        (policy routing: ip rule from VIP, table 100)
#   lab_rs_forward K TO  rsK (no VIP) forwards what arrives for the VIP to
#                        rsTO's own address (ip_forward=1, a host route)
#   lab_mac NS           MAC address of $LAB_IF in namespace NS
#
# The director owns the VIP, so its kernel treats a SYN/ACK sourced from
# the VIP as a martian and drops it silently: only check_tcp_raw's packet
# socket sees it, and no kernel RST interferes with the check.

LAB_NET=10.9.0
LAB_DIR_IP=$LAB_NET.1
LAB_VIP=$LAB_NET.100
LAB_IF=eth0
LAB_GW_IP=$LAB_NET.254

lab_rs_ip() { echo "$LAB_NET.1$1"; }

lab_dr_up() {
	local n=${1:-1} k
	command -v python3 >/dev/null || { echo "lab_dr: python3 missing" >&2; exit 1; }
	ns_add br
	ns_add dir
	NS br ip link add br0 type bridge
	NS br ip link set br0 up
	NS br ip link add b0 type veth peer name $LAB_IF netns "$P-dir"
	NS br ip link set b0 master br0 up
	NS dir ip addr add $LAB_DIR_IP/24 dev $LAB_IF
	NS dir ip link set $LAB_IF up
	NS dir ip addr add $LAB_VIP/32 dev lo
	for k in $(seq "$n"); do
		ns_add "rs$k"
		NS br ip link add "b$k" type veth peer name $LAB_IF netns "$P-rs$k"
		NS br ip link set "b$k" master br0 up
		NS "rs$k" ip addr add "$(lab_rs_ip "$k")/24" dev $LAB_IF
		NS "rs$k" ip link set $LAB_IF up
	done
	# Wait until every link reports carrier (no STP: bridge ports forward
	# at once); the check retransmits its ARP request anyway.
	for k in $(seq 50); do
		! NS br ip -br link show | grep -v '^lo ' | grep -qv ' UP ' &&
			! ip -n "$P-dir" -br link show $LAB_IF | grep -qv ' UP ' && break
		sleep 0.1
	done
}

lab_rs_vip() {
	local k=$1
	NS "rs$k" ip addr add $LAB_VIP/32 dev lo
	NS "rs$k" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.$LAB_IF.arp_ignore=1 net.ipv4.conf.$LAB_IF.arp_announce=2
}

lab_listen() {
	local k=$1 port=$2
	NS "rs$k" python3 -m http.server --bind 0.0.0.0 "$port" >/dev/null 2>&1 &
	bg_track $!
	wait_listen "rs$k" "$port" || { echo "lab_dr: no listener on rs$k:$port" >&2; exit 1; }
}

lab_blackhole() {
	local k=$1 port=$2
	NS "rs$k" nft -f - <<NFT
table inet ${P}bh {
	chain in {
		type filter hook input priority -10; policy accept;
		tcp dport $port drop
	}
}
NFT
}

lab_rs_counters() {
	local k=$1
	NS "rs$k" nft -f - <<NFT
table inet ${P}cnt {
	counter fin { }
	counter rst { }
	chain in {
		type filter hook input priority -20; policy accept;
		ip saddr $LAB_DIR_IP tcp flags & fin == fin counter name fin
		ip saddr $LAB_DIR_IP tcp flags & rst == rst counter name rst
	}
}
NFT
}

lab_count() {
	NS "rs$1" nft list counter inet "${P}cnt" "$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

lab_mac() { NS "$1" cat /sys/class/net/$LAB_IF/address; }

# forwarding without ICMP redirects (they would only add noise)
_lab_router() {
	NS "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.$LAB_IF.send_redirects=0
}

lab_gw() {
	ns_add gw
	NS br ip link add bgw type veth peer name $LAB_IF netns "$P-gw"
	NS br ip link set bgw master br0 up
	NS gw ip addr add $LAB_GW_IP/24 dev $LAB_IF
	NS gw ip link set $LAB_IF up
	_lab_router gw
}

lab_rs_reply_via_gw() {
	local k=$1
	NS "rs$k" ip rule add from $LAB_VIP table 100
	NS "rs$k" ip route add default via $LAB_GW_IP dev $LAB_IF table 100
}

lab_rs_forward() {
	local k=$1 to=$2
	_lab_router "rs$k"
	NS "rs$k" ip route add $LAB_VIP/32 via "$(lab_rs_ip "$to")" dev $LAB_IF
}
