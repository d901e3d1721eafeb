#!/usr/bin/env bash
# Hostile replies to check_tcp_raw that t_check_forged.sh does not cover
# (it has wrong-ack SYN/ACKs, blind/wrong RSTs and a stale SYN/ACK):
# forged ARP replies from another MAC, runt frames, IP options, forged
# ICMP unreachables.  Each has its verdict; the forgers run in other
# namespaces of the LVS-DR lab (tools/hostile).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
H=$TOOLS/hostile
RS1=$(lab_rs_ip 1)
T=$(mktmp)

chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}
# forge NS ARGS...: tools/hostile in namespace NS, in the background
forge() {
	local n=$1; shift
	ip netns exec "$P-$n" "$H" "$@" 2>>"$T/forge" &
	FPID=$!
	bg_track "$FPID"
}
# jget FILE KEY: one key of check_tcp_raw -j's object
jget() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$1" "$2"; }
TIMEOUT_LINE='check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK'

[ -x "$H" ] || { fail "hostile check: $H not built"; exit 0; }
lab_dr_up 2
lab_rs_vip 1
lab_listen 1 8090
lab_blackhole 1 8080
DIR_MAC=$(NS dir cat /sys/class/net/$LAB_IF/address)
RS1_MAC=$(NS rs1 cat /sys/class/net/$LAB_IF/address)
RS2_MAC=$(NS rs2 cat /sys/class/net/$LAB_IF/address)
FAKE_MAC=02:66:66:66:66:66

# --- forged ARP replies from another MAC ---------------------------------
# rs2 claims "RS1 is at 02:66:..." every 200 µs, from its own Ethernet
# address: the sender address and the frame's source disagree, so the
# check ignores them all and goes on with RS1's genuine reply.  RS1 stays
# silent (arp_ignore 8) for the first ~100 ms, so the forgeries are what
# the check sees first; it answers the retransmitted request (200 ms).
forge rs2 arp -i $LAB_IF -d "$DIR_MAC" -s "$RS1" -T $LAB_DIR_IP -H $FAKE_MAC -E "$RS2_MAC" -g 200 -t 1500
NS rs1 sysctl -qw net.ipv4.conf.$LAB_IF.arp_ignore=8
sleep 0.2
( sleep 0.1; NS rs1 sysctl -qw net.ipv4.conf.$LAB_IF.arp_ignore=1 ) &
chk -vv -j -t 1000 $LAB_IF "$RS1" $LAB_VIP 8090 >"$T/a.j" 2>"$T/a"; rc=$?
wait $!
n=$(grep -c '^ignored: ARP reply whose Ethernet source differs from its sender address' "$T/a")
[ "$rc" -eq 0 ] && [ "$(jget "$T/a.j" real_server_mac)" = "$RS1_MAC" ] \
	&& ok "forged ARP (sender MAC != frame source): success through RS1's own MAC" \
	|| fail "forged ARP: rc $rc, MAC $(jget "$T/a.j" real_server_mac) (RS1 $RS1_MAC): $(tail -3 "$T/a")"
[ "$n" -ge 10 ] && ok "forged ARP: $n forged replies shown as ignored at -vv" || fail "forged ARP: $n shown as ignored"
nsyn=$(grep -c 'Flags \[S\], seq' "$T/a")
nrs1=$(grep -c "($RS1_MAC) Flags \[S\], seq" "$T/a")
[ "$nsyn" -ge 1 ] && [ "$nsyn" -eq "$nrs1" ] && ok "forged ARP: every SYN ($nsyn) went to RS1's MAC" \
	|| fail "forged ARP: $nsyn SYNs, $nrs1 to RS1's MAC"
wait "$FPID"

# A consistent forgery (sender and source both rs2's MAC) cannot be told
# from a real reply: for an address nobody else answers, the check follows
# it, and its SYN reaches rs2, which has no VIP: a failure, never a success.
forge rs2 arp -i $LAB_IF -d "$DIR_MAC" -s 10.9.0.77 -T $LAB_DIR_IP -H "$RS2_MAC" -g 200 -t 1500
sleep 0.2
chk -j -t 400 $LAB_IF 10.9.0.77 $LAB_VIP 8090 >"$T/b.j" 2>"$T/b"; rc=$?
[ "$rc" -eq 1 ] && grep -qx "$TIMEOUT_LINE" "$T/b" \
	&& ok "forged ARP binding to a host without the VIP: failure (timeout waiting for SYN/ACK)" \
	|| fail "consistent forged ARP: rc $rc: $(cat "$T/b")"
check "... and -j names the MAC the check was given ($RS2_MAC)" test "$(jget "$T/b.j" real_server_mac)" = "$RS2_MAC"
wait "$FPID"

# --- runt frames -----------------------------------------------------------
# Every SYN to the black-holed 8080 is answered by SYN/ACKs with the right
# acknowledgement, cut to 42 bytes (ports only) and to 50 bytes (ack and
# flags present, checksum and urgent pointer missing): both are truncated
# headers and must be ignored, so the check times out.  They are sent
# from the bridge's port facing the director (b0), as a switch would pass
# them: the bridge itself (br_netfilter) would drop such IPv4 frames.
forge br react -i b0 -p 8080 -k runt -L 42 -t 1500
sleep 0.1
forge br react -i b0 -p 8080 -k runt -L 50 -t 1400
sleep 0.2
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/r"; rc=$?
n=$(grep -c '^ignored: undecodable frame: truncated header' "$T/r")
[ "$rc" -eq 1 ] && grep -qx "$TIMEOUT_LINE" "$T/r" \
	&& ok "runt SYN/ACKs (42 and 50 bytes, right ack): ignored, the check times out" \
	|| fail "runts: rc $rc: $(tail -3 "$T/r")"
[ "$n" -ge 2 ] && ok "runts: $n truncated frames shown as ignored" || fail "runts: $n shown as ignored: $(cat "$T/r")"
sleep 1.2

# --- IP options --------------------------------------------------------------
# SYN/ACKs whose IP header carries 8 bytes of options: the TCP header is
# found after them.  A wrong ack (ISN+2) is read as exactly that...
forge rs1 react -i $LAB_IF -p 8080 -k ipopt -A 2 -t 1000
sleep 0.2
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/o"; rc=$?
isn=$(grep -m1 'Flags \[S\], seq' "$T/o" | sed -E 's/.*seq ([0-9]+),.*/\1/')
exp=$(( (isn + 1) % 4294967296 ))
got=$(( (isn + 2) % 4294967296 ))
[ "$rc" -eq 1 ] && grep -qx "$TIMEOUT_LINE" "$T/o" && grep -q "^ignored: SYN/ACK acknowledges $got, expected $exp " "$T/o" \
	&& ok "IP options, ack ISN+2: ignored as acknowledging $got (read past the options), timeout" \
	|| fail "IP options wrong ack: rc $rc: $(tail -3 "$T/o")"
wait "$FPID"
# ...and the right ack behind options is a valid SYN/ACK: success.
forge rs1 react -i $LAB_IF -p 8080 -k ipopt -t 1000
sleep 0.2
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/o2"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'Flags \[S\.\], seq 195948557,' "$T/o2" \
	&& ok "IP options, right ack: the SYN/ACK is accepted (exit 0)" \
	|| fail "IP options right ack: rc $rc: $(tail -4 "$T/o2")"
wait "$FPID"

# --- forged ICMP unreachables ------------------------------------------------
# Quoting our SYN with a wrong sequence number, or without one: ignored.
forge rs1 react -i $LAB_IF -p 8080 -k icmp -A 1 -t 1000
sleep 0.1
forge rs1 react -i $LAB_IF -p 8080 -k icmpcut -t 1000
sleep 0.2
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/i"; rc=$?
n=$(grep -c '^ignored: ICMP unreachable does not quote our SYN' "$T/i")
[ "$rc" -eq 1 ] && grep -qx "$TIMEOUT_LINE" "$T/i" \
	&& ok "ICMP unreachable quoting a wrong or no sequence number: ignored, timeout" \
	|| fail "forged ICMP: rc $rc: $(tail -3 "$T/i")"
[ "$n" -ge 2 ] && ok "forged ICMP: $n shown as ignored" || fail "forged ICMP: $n shown as ignored"
wait "$FPID"
# The same forger with an exact quote is believed at once (control: the
# forgeries above were delivered and decoded, only their quote was wrong).
forge rs1 react -i $LAB_IF -p 8080 -k icmp -t 1000
sleep 0.2
chk -t 2000 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/i2"; rc=$?
ms=$(cat "$T/ms")
[ "$rc" -eq 1 ] && grep -qx 'check_tcp_raw: failure: ICMP destination unreachable: port unreachable (type 3 code 3)' "$T/i2" && [ "$ms" -lt 1000 ] \
	&& ok "ICMP unreachable quoting our SYN exactly: immediate failure (${ms} ms)" \
	|| fail "exact ICMP: rc $rc ${ms} ms: $(cat "$T/i2")"
wait "$FPID"
