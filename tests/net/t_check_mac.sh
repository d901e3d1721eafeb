#!/usr/bin/env bash
# Replies count only from the real server's MAC (the one ARP resolved).
#  (a) rs2 has no VIP but forwards (ip_forward=1) what arrives for the VIP
#      to rs3, which has it and answers: the SYN/ACK comes from rs3's MAC.
#      rs2 is broken for LVS-DR (the director sends it traffic it cannot
#      serve itself): the check must fail, naming the MAC that answered.
#  (b) rs1 is healthy but its replies sourced from the VIP are policy-routed
#      through the gateway "gw" (seed lvs-policy-routing): the SYN/ACK
#      arrives from gw's MAC with TTL 63.  By default that fails too; with
#      -A it passes and says which MAC and TTL the reply came with.
# CHECK_TCP_RAW=path runs another binary (an older build, to compare).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=${CHECK_TCP_RAW:-$BIN/check_tcp_raw}
RS1=$(lab_rs_ip 1)
RS2=$(lab_rs_ip 2)
T=$(mktmp)

chk() { NS dir "$C" "$@"; }
# jget FILE KEY: one key of -j's object ("null" for null, "-" if absent)
jget() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); v=o.get(sys.argv[2], "-"); print("null" if v is None else v)' "$1" "$2" 2>/dev/null; }

lab_dr_up 3
lab_gw
lab_rs_vip 1
lab_listen 1 8080
lab_rs_vip 3
lab_listen 3 8080
lab_listen 2 8080          # a listener on rs2 changes nothing: no VIP there
lab_rs_forward 2 3
RS1_MAC=$(lab_mac rs1)
RS2_MAC=$(lab_mac rs2)
RS3_MAC=$(lab_mac rs3)
GW_MAC=$(lab_mac gw)

# Control: rs3 itself passes, with its own MAC and an untouched TTL.
chk -j -t 1000 $LAB_IF "$(lab_rs_ip 3)" $LAB_VIP 8080 >"$T/c.j" 2>"$T/c"; rc=$?
[ "$rc" = 0 ] && [ "$(jget "$T/c.j" reply_mac)" = "$RS3_MAC" ] && [ "$(jget "$T/c.j" reply_ttl)" = 64 ] \
	&& ok "control: rs3 (VIP, listener) passes; -j reply_mac is its MAC, reply_ttl 64" \
	|| fail "control: rc $rc: $(cat "$T/c" "$T/c.j")"

# (a) forwarded: must fail by default
chk -v -j -t 400 $LAB_IF "$RS2" $LAB_VIP 8080 >"$T/a.j" 2>"$T/a"; rc=$?
echo "# (a) forwarded SYN, default: exit $rc, $(jget "$T/a.j" outcome): $(jget "$T/a.j" reason)" >&2
[ "$rc" = 1 ] && ok "(a) real server without the VIP forwarding to another: exit 1" \
	|| fail "(a) forwarding real server without the VIP passed (exit $rc): $(tail -3 "$T/a")"
check "(a) -j: verdict failure, outcome wrong_mac, reply_mac rs3's ($RS3_MAC), reply_ttl 64" \
	test "$(jget "$T/a.j" verdict) $(jget "$T/a.j" outcome) $(jget "$T/a.j" reply_mac) $(jget "$T/a.j" reply_ttl)" = "failure wrong_mac $RS3_MAC 64"
check "(a) -v: the SYN/ACK shown as ignored, from rs3's MAC, not rs2's" \
	grep -q "^ignored: reply from MAC $RS3_MAC, not the real server's $RS2_MAC: ($RS3_MAC) $LAB_VIP:8080 > .* Flags \[S\.\]" "$T/a"
check "(a) the failure line names both MACs" \
	grep -qx "check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK: the SYN/ACK came from MAC $RS3_MAC, not the real server's $RS2_MAC (TTL 64)" "$T/a"
# with -A the same check passes, but says where the reply came from
chk -A -t 400 $LAB_IF "$RS2" $LAB_VIP 8080 2>"$T/aA"; rc=$?
[ "$rc" = 0 ] && grep -qx "check_tcp_raw: SYN/ACK from MAC $RS3_MAC, not the real server's $RS2_MAC, TTL 64" "$T/aA" \
	&& ok "(a) -A: passes and names the MAC that answered ($RS3_MAC)" || fail "(a) -A: rc $rc: $(cat "$T/aA")"

# (b) routed replies
lab_rs_reply_via_gw 1
chk -j -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/b.j" 2>"$T/b"; rc=$?
echo "# (b) routed reply, default: exit $rc, $(jget "$T/b.j" outcome): $(jget "$T/b.j" reason)" >&2
[ "$rc" = 1 ] && [ "$(jget "$T/b.j" outcome)" = wrong_mac ] && [ "$(jget "$T/b.j" reply_mac)" = "$GW_MAC" ] \
	&& [ "$(jget "$T/b.j" reply_ttl)" = 63 ] \
	&& ok "(b) reply routed through gw, default: exit 1, wrong_mac, gw's MAC and TTL 63 reported" \
	|| fail "(b) default: rc $rc: $(cat "$T/b" "$T/b.j")"
chk -A -j -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/bA.j" 2>"$T/bA"; rc=$?
echo "# (b) routed reply, -A: exit $rc: $(cat "$T/bA")" >&2
[ "$rc" = 0 ] && ok "(b) -A: the routed reply passes (exit 0)" || fail "(b) -A: rc $rc: $(cat "$T/bA")"
check "(b) -A: one line names the gateway's MAC, the real server's and the TTL" \
	grep -qx "check_tcp_raw: SYN/ACK from MAC $GW_MAC, not the real server's $RS1_MAC, TTL 63" "$T/bA"
check "(b) -A -j: success, outcome synack, real_server_mac rs1's, reply_mac gw's, reply_ttl 63" \
	test "$(jget "$T/bA.j" verdict) $(jget "$T/bA.j" outcome) $(jget "$T/bA.j" real_server_mac) $(jget "$T/bA.j" reply_mac) $(jget "$T/bA.j" reply_ttl)" = "success synack $RS1_MAC $GW_MAC 63"
