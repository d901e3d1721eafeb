# IPv6 LVS-DR lab for check_tcp_raw scenarios: the IPv4 lab of lab_dr.sh
# with IPv6 added on the same links.  Source lib.sh and lab_dr.sh first.
#
#   lab6_up [N]          lab_dr_up N, then IPv6 on every link: prefix
#                        2001:db8:9::/64, director ::1, rsK ::1K; VIP6
#                        2001:db8:9::100/128 on the director's lo
#   lab6_rs_vip K        put VIP6 on rsK's lo
#   lab6_listen K PORT   python3 listener on rsK:PORT ([::], both families)
#   lab6_rs_counters K   nft counters in rsK of FIN and RST from the
#                        director's IPv6 address (read with lab_count)
#   lab6_reject K PORT   nft table in rsK answering TCP to PORT with an
#                        ICMPv6 port unreachable
#   lab6_no_na K         rsK's kernel sends no Neighbor Advertisement
#
# Every address is added with nodad and DAD is off on the lab links: a
# tentative address can neither be a source nor be answered for, and
# waiting out DAD would cost a second or more per namespace.  A real
# server does not answer Neighbor Solicitations for an address on lo, so
# VIP6 there needs no counterpart of the IPv4 ARP sysctls; it answers a
# SYN to [VIP6]:PORT sent to its MAC with a SYN/ACK from VIP6.  The
# director owns VIP6 too, so its own stack never takes the SYN/ACK for a
# connection of its own (whatever it answers goes to VIP6, i.e. to
# itself).

LAB6_NET=2001:db8:9:
LAB6_DIR_IP=${LAB6_NET}:1
LAB6_VIP=${LAB6_NET}:100

lab6_rs_ip() { echo "${LAB6_NET}:1$1"; }

_lab6_nodad() {
	NS "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.$LAB_IF.accept_dad=0 net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.$LAB_IF.disable_ipv6=0
}

lab6_up() {
	local n=${1:-1} k
	lab_dr_up "$n"
	NS br sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	_lab6_nodad dir
	NS dir ip addr add "$LAB6_DIR_IP/64" dev $LAB_IF nodad
	NS dir ip addr add "$LAB6_VIP/128" dev lo nodad
	for k in $(seq "$n"); do
		_lab6_nodad "rs$k"
		NS "rs$k" ip addr add "$(lab6_rs_ip "$k")/64" dev $LAB_IF nodad
	done
}

lab6_rs_vip() {
	NS "rs$1" ip addr add "$LAB6_VIP/128" dev lo nodad
}

lab6_listen() {
	local k=$1 port=$2
	NS "rs$k" python3 -m http.server --bind :: "$port" >/dev/null 2>&1 &
	bg_track $!
	wait_listen "rs$k" "$port" || { echo "lab_dr6: no listener on rs$k:$port" >&2; exit 1; }
}

lab6_rs_counters() {
	local k=$1
	NS "rs$k" nft -f - <<NFT
table inet ${P}cnt {
	counter fin { }
	counter rst { }
	chain in {
		type filter hook input priority -20; policy accept;
		ip6 saddr $LAB6_DIR_IP tcp flags & fin == fin counter name fin
		ip6 saddr $LAB6_DIR_IP tcp flags & rst == rst counter name rst
	}
}
NFT
}

lab6_reject() {
	local k=$1 port=$2
	NS "rs$k" nft -f - <<NFT
table inet ${P}rj {
	chain in {
		type filter hook input priority -10; policy accept;
		meta nfproto ipv6 tcp dport $port reject with icmpv6 type port-unreachable
	}
}
NFT
}

lab6_no_na() {
	NS "rs$1" nft -f - <<NFT
table inet ${P}nona {
	chain out {
		type filter hook output priority 0; policy accept;
		icmpv6 type nd-neighbor-advert drop
	}
}
NFT
}
