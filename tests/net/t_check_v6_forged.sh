#!/usr/bin/env bash
# Forged and stale IPv6 replies must not validate a check (the IPv4
# counterparts are t_check_arp and t_check_forged):
#  - Neighbor Advertisements for the real server with hop limit 64, the
#    solicited flag clear, another target, or a target link-layer address
#    that is not their Ethernet source are ignored, one line each at -vv;
#    the real server's own advertisement still decides when it comes;
#  - SYN/ACKs and RSTs that do not acknowledge our SYN, and the SYN/ACK of
#    an earlier check replayed, end in a timeout, never a success.
# The forgeries come from tests/net/forge6.py on a packet socket.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
. "$here/lab_dr6.sh"
C=$BIN/check_tcp_raw
F=$here/forge6.py
RS1=$(lab6_rs_ip 1)
VIP=$LAB6_VIP
T=$(mktmp)

chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}
# forge NS ARGS...: forge6.py in namespace NS, in the background, its
# socket open when this returns (up to 10 s on a busy machine)
FN=0
FPIDS=()
forge() {
	local n=$1 i; shift
	FN=$((FN + 1))
	FORGE6_READY="$T/ready.$FN" FORGE6_DSTOPTS=${DSTOPTS:-} NS "$n" python3 "$F" $LAB_IF "$@" 2>>"$T/forge" &
	FPID=$!
	FPIDS+=("$FPID")
	bg_track "$FPID"
	for i in $(seq 100); do [ -e "$T/ready.$FN" ] && return 0; sleep 0.1; done
	fail "forge6.py $* did not start"
}

lab6_up 2
# flood every group to every port: rs2 must see the solicitations for rs1
NS br ip link set br0 type bridge mcast_snooping 0
lab6_rs_vip 1
lab6_listen 1 8090
lab_blackhole 1 8080
RS1_MAC=$(lab_mac rs1)
RS2_MAC=$(lab_mac rs2)
DIR_MAC=$(lab_mac dir)

# 1. rs1's kernel sends no advertisement; rs2 answers each solicitation
#    for rs1 with four forgeries
lab6_no_na 1
forge rs2 na "$RS1" 3
chk -vv -j -t 600 $LAB_IF "$RS1" "$VIP" 8090 >"$T/na.j" 2>"$T/na"; rc=$?
[ $rc -eq 1 ] && grep -q '"outcome":"timeout_arp"' "$T/na.j" && grep -q '"real_server_mac":null' "$T/na.j" \
	&& ok "forged advertisements only: timeout_arp, no MAC taken" || fail "forged NA: rc $rc: $(cat "$T/na.j") $(tail -3 "$T/na")"
for why in "Neighbor Advertisement with hop limit 64, not 255" \
	"unsolicited Neighbor Advertisement" \
	"Neighbor Advertisement for ${LAB6_NET}:44, not the real server" \
	"Neighbor Advertisement whose Ethernet source differs from its target link-layer address"; do
	check "forged advertisement ignored at -vv: $why" grep -q "^ignored: $why: ($RS2_MAC)" "$T/na"
done

# 2. the real server's advertisement among the forgeries decides
NS rs1 nft delete table inet "${P}nona"
chk -j -t 1000 $LAB_IF "$RS1" "$VIP" 8090 >"$T/na2.j" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "\"real_server_mac\":\"$RS1_MAC\"" "$T/na2.j" \
	&& ok "forgeries beside the real advertisement: the real server's MAC, exit 0" || fail "NA with forgeries: rc $rc: $(cat "$T/na2.j")"
wait "$FPID"

# 3. SYN/ACKs and RSTs acknowledging something else (the port is a black
#    hole: the forgeries are the only answers)
forge rs1 synack 8080 0 SA 3      # acks our ISN, not ISN+1
forge rs1 synack 8080 2 SA 3      # one too far
forge rs1 synack 8080 7 RA 3      # RST whose ack is wrong
forge rs1 synack 8080 1 R 3       # the right number without the ACK flag
chk -v -t 400 $LAB_IF "$RS1" "$VIP" 8080 2>"$T/f"; rc=$?
[ $rc -eq 1 ] && grep -qx 'check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK' "$T/f" \
	&& ok "IPv6 forged SYN/ACK and RST: timeout, not success nor refused" || fail "IPv6 forged: exit $rc: $(tail -3 "$T/f")"
n=$(grep -c '^ignored: SYN/ACK acknowledges' "$T/f")
[ "$n" -ge 2 ] && ok "IPv6 forged: $n wrong-ack SYN/ACKs shown as ignored" || { fail "IPv6 forged: $n wrong-ack SYN/ACKs ignored"; cat "$T/f" "$T/forge"; }
n=$(grep -c '^ignored: RST does not acknowledge our SYN' "$T/f")
[ "$n" -ge 2 ] && ok "IPv6 forged: $n RSTs not acking our SYN shown as ignored" || fail "IPv6 forged: $n RSTs ignored"
wait "${FPIDS[@]}"

# 4. stale: the numbers of an earlier, successful check
chk -v -t 1000 $LAB_IF "$RS1" "$VIP" 8090 2>"$T/old"; rc=$?
syn=$(grep -m1 'Flags \[S\], seq' "$T/old")
old_sport=$(sed -E 's/^\([^)]*\) \[[0-9a-f:]+\]:([0-9]+) .*/\1/' <<<"$syn")
old_isn=$(sed -E 's/.*seq ([0-9]+),.*/\1/' <<<"$syn")
old_srv=$(grep -m1 'Flags \[S\.\]' "$T/old" | sed -E 's/.*seq ([0-9]+),.*/\1/')
if [ $rc -eq 0 ] && [ -n "$old_isn" ] && [ -n "$old_sport" ] && [ -n "$old_srv" ]; then
	ok "IPv6 stale: earlier check succeeded (port $old_sport, ISN $old_isn)"
else
	fail "IPv6 stale: earlier check rc $rc: $(cat "$T/old")"
fi
NS rs1 nft add rule inet "${P}bh" in tcp dport 8090 drop
old_ack=$(( (old_isn + 1) % 4294967296 ))
forge rs1 replay "$DIR_MAC" "$VIP" 8090 "$LAB6_DIR_IP" "$old_sport" "$old_srv" "$old_ack" 100 3
forge rs1 synack 8090 "=$old_ack" SA 3
chk -v -t 400 $LAB_IF "$RS1" "$VIP" 8090 2>"$T/s"; rc=$?
new_sport=$(grep -m1 'Flags \[S\], seq' "$T/s" | sed -E 's/^\([^)]*\) \[[0-9a-f:]+\]:([0-9]+) .*/\1/')
[ $rc -eq 1 ] && grep -qx 'check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK' "$T/s" \
	&& ok "IPv6 stale SYN/ACK of an earlier check does not validate a new one" || fail "IPv6 stale: exit $rc: $(tail -3 "$T/s")"
[ -n "$new_sport" ] && [ "$new_sport" != "$old_sport" ] && ok "IPv6 stale: fresh source port ($new_sport)" || fail "IPv6 stale: source port '$new_sport' (old $old_sport)"
check "IPv6 stale: the replayed ISN was seen and ignored" grep -q "^ignored: SYN/ACK acknowledges $old_ack" "$T/s"
wait "${FPIDS[@]}"

# 5. a reply behind an extension header (libpcap's port primitives cannot
#    see past one: the kernel filter lets such packets through for the
#    codec): a right SYN/ACK after a destination options header counts
NS rs1 nft add rule inet "${P}bh" in tcp dport 8091 drop
DSTOPTS=1 forge rs1 synack 8091 1 SA 3
chk -v -j -t 1000 $LAB_IF "$RS1" "$VIP" 8091 >"$T/x.j" 2>"$T/x"; rc=$?
[ $rc -eq 0 ] && grep -q '"outcome":"synack"' "$T/x.j" && grep -q "\"reply_mac\":\"$RS1_MAC\"" "$T/x.j" \
	&& ok "SYN/ACK behind a destination options header: through the kernel filter, judged, exit 0" \
	|| fail "SYN/ACK behind an extension header: rc $rc: $(cat "$T/x.j") $(tail -3 "$T/x")"
