#!/usr/bin/env bash
# check_tcp_raw's ARP in the LVS-DR lab:
#  - a real server whose ARP replies are broadcast (some stacks and
#    appliances do) is resolved and checked: sender = the real server,
#    target = us is what counts;
#  - a broadcast reply whose Ethernet source is not its sender address is
#    still refused;
#  - with -t 0 an unanswered ARP request is resent with a doubling gap, at
#    most one a second (not 5 a second forever).
# CHECK_TCP_RAW=path runs another binary (an older build, to compare).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=${CHECK_TCP_RAW:-$BIN/check_tcp_raw}
H=$TOOLS/hostile
RS1=$(lab_rs_ip 1)
T=$(mktmp)

chk() { NS dir "$C" "$@"; }
forge() {
	local n=$1; shift
	ip netns exec "$P-$n" "$H" "$@" 2>>"$T/forge" &
	FPID=$!
	bg_track "$FPID"
}

[ -x "$H" ] || { fail "check arp: $H not built"; exit 0; }
lab_dr_up 2
lab_rs_vip 1
lab_listen 1 8080
RS1_MAC=$(lab_mac rs1)
RS2_MAC=$(lab_mac rs2)
BCAST=ff:ff:ff:ff:ff:ff
# rs1's kernel answers no ARP at all: only the broadcast replies below
NS rs1 sysctl -qw net.ipv4.conf.$LAB_IF.arp_ignore=8 net.ipv4.conf.all.arp_ignore=8

# rs1 broadcasts "RS1 is at RS1_MAC, to the director" every 50 ms
forge rs1 arp -i $LAB_IF -d $BCAST -s "$RS1" -T $LAB_DIR_IP -H "$RS1_MAC" -g 50000 -t 1500
sleep 0.1
chk -vv -j -t 1000 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/b.j" 2>"$T/b"; rc=$?
[ "$rc" = 0 ] && grep -q "($RS1_MAC) $RS1 ARP reply to $LAB_DIR_IP ($BCAST)" "$T/b" \
	&& grep -q '"outcome":"synack"' "$T/b.j" \
	&& ok "ARP reply sent to broadcast: resolved, checked, exit 0" \
	|| fail "broadcast ARP reply: rc $rc: $(tail -3 "$T/b")"
wait "$FPID"

# the same broadcast, from rs2's Ethernet address: refused
forge rs2 arp -i $LAB_IF -d $BCAST -s "$RS1" -T $LAB_DIR_IP -H "$RS1_MAC" -E "$RS2_MAC" -g 50000 -t 1000
sleep 0.1
chk -vv -j -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/e.j" 2>"$T/e"; rc=$?
[ "$rc" = 1 ] && grep -q '"outcome":"timeout_arp"' "$T/e.j" \
	&& grep -q '^ignored: ARP reply whose Ethernet source differs from its sender address' "$T/e" \
	&& ok "broadcast ARP reply whose Ethernet source is another station: ignored, timeout_arp" \
	|| fail "broadcast ARP from another source: rc $rc: $(tail -3 "$T/e")"
wait "$FPID"

# -t 0, nobody has 10.9.0.77: requests at 0, 0.2, 0.6, 1.4, 2.4 s (then
# every second) within 3.2 s; the fixed 200 ms gap of old made 16.
NS dir timeout 3.2 "$C" -vv -t 0 $LAB_IF 10.9.0.77 $LAB_VIP 8080 2>"$T/z"; rc=$?
n=$(grep -c 'ARP request who has 10.9.0.77' "$T/z")
echo "# -t 0, unanswered ARP: $n requests in 3.2 s (exit $rc)" >&2
[ "$rc" = 124 ] && [ "$n" -ge 4 ] && [ "$n" -le 6 ] \
	&& ok "-t 0, unanswered ARP: $n requests in 3.2 s (backoff up to 1 s), still waiting when killed" \
	|| fail "-t 0, unanswered ARP: $n requests in 3.2 s, exit $rc"
