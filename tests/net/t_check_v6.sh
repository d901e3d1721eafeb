#!/usr/bin/env bash
# check_tcp_raw over IPv6 in the LVS-DR lab, mirroring the IPv4 scenarios
# of t_check_basic: Neighbor Solicitation for the real server, SYN to
# [VIP]:PORT at its MAC, every verdict (success with RST or FIN close,
# refused, VIP missing, black hole, ICMPv6 unreachable from an nft reject,
# unanswered solicitation), -R, -s, -j, -v/-vv lines with [addr]:port,
# names resolved to IPv6, and the source address chosen by default.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
. "$here/lab_dr6.sh"
C=$BIN/check_tcp_raw
RS1=$(lab6_rs_ip 1)
RS2=$(lab6_rs_ip 2)
VIP=$LAB6_VIP
T=$(mktmp)

# chk ARGS...: check_tcp_raw in the director; elapsed ms in $T/ms
chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}
# jget FILE KEY: one field of a -j object
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

lab6_up 2
lab6_rs_vip 1
lab6_listen 1 8080
lab6_rs_counters 1
RS1_MAC=$(lab_mac rs1)
DIR_MAC=$(lab_mac dir)

# 1. healthy, with the verbose lines
chk -vv -t 2000 $LAB_IF "$RS1" "$VIP" 8080 2>"$T/h"; rc=$?
[ $rc -eq 0 ] && ok "IPv6 healthy real server: exit 0" || fail "IPv6 healthy: exit $rc: $(cat "$T/h")"
check "IPv6 -v: [FILTER] line names the IPv6 expression" grep -q "^\[FILTER\] ip6 dst host $LAB6_DIR_IP and ((ip6 src host $VIP and tcp src port 8080 and" "$T/h"
check "IPv6 -vv: Neighbor Solicitation for the real server, to its solicited-node group's MAC" \
	grep -Eq "^\($DIR_MAC\) $LAB6_DIR_IP Neighbor Solicitation who has $RS1 \(33:33:ff:00:00:11\)" "$T/h"
check "IPv6 -vv: the real server's Neighbor Advertisement, to us" \
	grep -Eq "^\($RS1_MAC\) $RS1 Neighbor Advertisement to $LAB6_DIR_IP \($DIR_MAC\)" "$T/h"
check "IPv6 -v: SYN line with [addr]:port" \
	grep -Eq "^\($DIR_MAC\) \[$LAB6_DIR_IP\]:[0-9]+ > \[$VIP\]:8080 \($RS1_MAC\) Flags \[S\], seq [0-9]+, ack 0$" "$T/h"
check "IPv6 -v: SYN/ACK from [VIP]:8080 at the real server's MAC" \
	grep -Eq "^\($RS1_MAC\) \[$VIP\]:8080 > \[$LAB6_DIR_IP\]:[0-9]+ \($DIR_MAC\) Flags \[S\.\]" "$T/h"
check "IPv6 -v: RST/ACK close shown" grep -Eq "Flags \[R\.\]" "$T/h"
sleep 0.2
r=$(lab_count 1 rst)
[ "${r:-0}" -ge 1 ] && ok "IPv6 default close: the server saw an RST ($r)" || fail "IPv6 default close: rst counter ${r:-none}"

chk -v -t 2000 $LAB_IF "$RS1" "$VIP" 8080 2>"$T/v1" >/dev/null
! grep -q 'Neighbor' "$T/v1" && ok "IPv6 -v: no neighbour discovery lines below -vv" || fail "IPv6 -v shows neighbour discovery"

# 2. -j
chk -j -t 2000 $LAB_IF "$RS1" "$VIP" 8080 >"$T/j" 2>"$T/je"; rc=$?
if [ $rc -eq 0 ] && python3 - "$T/j" "$RS1_MAC" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["verdict"] == "success" and o["outcome"] == "synack" and o["mode"] == "raw", o
assert o["real_server_mac"] == sys.argv[2] and o["reply_mac"] == sys.argv[2], o
assert o["reply_ttl"] == 64 and o["rtt_us"] is not None, o
EOF
then ok "IPv6 -j: success, synack, raw mode, the real server's MAC, hop limit 64, RTT"
else fail "IPv6 -j: exit $rc: $(cat "$T/j" "$T/je")"; fi

# 3. -c: FIN exchange seen by the server, no RST
sleep 0.2; f0=$(lab_count 1 fin); r0=$(lab_count 1 rst)
chk -c -j -t 2000 $LAB_IF "$RS1" "$VIP" 8080 >"$T/c" 2>&1; rc=$?
sleep 0.3; f1=$(lab_count 1 fin); r1=$(lab_count 1 rst)
[ $rc -eq 0 ] && grep -q '"outcome":"synack_closed"' "$T/c" && ok "IPv6 -c: exit 0, outcome synack_closed" || fail "IPv6 -c: exit $rc: $(cat "$T/c")"
[ "$f1" -gt "$f0" ] && ok "IPv6 -c: the server saw our FIN" || fail "IPv6 -c: fin $f0 -> $f1"
[ "$r1" -eq "$r0" ] && ok "IPv6 -c: the server saw no RST" || fail "IPv6 -c: rst $r0 -> $r1"

# 4. no listener: refused at once
chk -j -t 2000 $LAB_IF "$RS1" "$VIP" 8081 >"$T/r" 2>"$T/re"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q '"verdict":"failure","outcome":"refused"' "$T/r" && grep -qx 'check_tcp_raw: failure: connection refused' "$T/re" && [ "$ms" -lt 1500 ] \
	&& ok "IPv6 no listener: refused in $ms ms" || fail "IPv6 no listener: exit $rc in $ms ms: $(cat "$T/r" "$T/re")"

# 5. VIP missing on the real server (rs2 has none): timeout waiting for SYN/ACK
lab6_listen 2 8080
chk -j -t 400 $LAB_IF "$RS2" "$VIP" 8080 >"$T/m" 2>"$T/me"; rc=$?
[ $rc -eq 1 ] && grep -q '"outcome":"timeout_synack"' "$T/m" && grep -q 'timeout after 400 ms waiting for SYN/ACK' "$T/me" \
	&& ok "IPv6 VIP missing on the real server: timeout_synack" || fail "IPv6 VIP missing: exit $rc: $(cat "$T/m" "$T/me")"

# 6. black hole: the deadline holds
lab_blackhole 1 8082
chk -t 500 $LAB_IF "$RS1" "$VIP" 8082 2>"$T/b"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q 'timeout after 500 ms waiting for SYN/ACK' "$T/b" && [ "$ms" -ge 500 ] && [ "$ms" -le 900 ] \
	&& ok "IPv6 black hole: timeout in $ms ms" || fail "IPv6 black hole: exit $rc in $ms ms: $(cat "$T/b")"

# 7. -R 2: three identical SYNs within the deadline
chk -v -R 2 -t 600 $LAB_IF "$RS1" "$VIP" 8082 2>"$T/R"; rc=$?
n=$(grep -Ec "Flags \[S\], seq" "$T/R"); u=$(grep -E "Flags \[S\], seq" "$T/R" | sed 's/^([^)]*) //' | sort -u | wc -l)
[ $rc -eq 1 ] && [ "$n" -eq 3 ] && [ "$u" -eq 1 ] && ok "IPv6 -R 2: three identical SYNs then timeout" || fail "IPv6 -R 2: exit $rc, $n SYNs ($u distinct)"

# 8. ICMPv6 port unreachable from an nft reject: at once, type 1 code 4
lab6_reject 1 8083
chk -j -t 2000 $LAB_IF "$RS1" "$VIP" 8083 >"$T/i" 2>"$T/ie"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q '"outcome":"icmp_unreachable"' "$T/i" && [ "$(jget "$T/i" icmp_type)" = 1 ] && [ "$(jget "$T/i" icmp_code)" = 4 ] \
	&& ok "IPv6 ICMPv6 unreachable: outcome icmp_unreachable, type 1 code 4" || fail "IPv6 ICMPv6: exit $rc: $(cat "$T/i" "$T/ie")"
grep -q 'ICMPv6 destination unreachable: port unreachable (type 1 code 4)' "$T/ie" && [ "$ms" -lt 1500 ] \
	&& ok "IPv6 ICMPv6 unreachable: named in words, in $ms ms" || fail "IPv6 ICMPv6 reason: $ms ms: $(cat "$T/ie")"

# 9. nobody answers the solicitation: timeout naming the advertisement
chk -j -vv -t 400 $LAB_IF "${LAB6_NET}:77" "$VIP" 8080 >"$T/n" 2>"$T/ne"; rc=$?
[ $rc -eq 1 ] && grep -q '"outcome":"timeout_arp"' "$T/n" && grep -q 'timeout after 400 ms waiting for Neighbor Advertisement' "$T/ne" \
	&& ok "IPv6 unanswered solicitation: timeout_arp naming the Neighbor Advertisement" || fail "IPv6 unanswered NS: exit $rc: $(cat "$T/n" "$T/ne")"
n=$(grep -c "Neighbor Solicitation who has ${LAB6_NET}:77" "$T/ne")
[ "$n" -ge 2 ] && ok "IPv6 unanswered solicitation: resent ($n solicitations in 400 ms)" || fail "IPv6 unanswered NS: $n solicitations"

# 10. the source address: -s, the kernel's choice, no usable address
NS dir ip addr add "${LAB6_NET}:2/64" dev $LAB_IF nodad
chk -v -s "${LAB6_NET}:2" -t 2000 $LAB_IF "$RS1" "$VIP" 8080 2>"$T/s"; rc=$?
[ $rc -eq 0 ] && grep -Eq "^\($DIR_MAC\) \[${LAB6_NET}:2\]:[0-9]+ > \[$VIP\]:8080" "$T/s" \
	&& ok "IPv6 -s: check from a second address succeeds" || fail "IPv6 -s: exit $rc: $(cat "$T/s")"
want=$(NS dir ip -6 route get "$RS1" oif $LAB_IF | sed -n 's/.* src \([0-9a-f:]*\).*/\1/p')
chk -v -t 2000 $LAB_IF "$RS1" "$VIP" 8080 2>"$T/k"; rc=$?
[ $rc -eq 0 ] && [ -n "$want" ] && grep -Eq "^\($DIR_MAC\) \[$want\]:[0-9]+ > \[$VIP\]:8080" "$T/k" \
	&& ok "IPv6 default source: the kernel's choice for the real server ($want)" || fail "IPv6 default source: exit $rc, kernel says '$want': $(grep 'Flags \[S\]' "$T/k")"

# 11. names: an IPv6-only name; a name with both families takes the family
# of the literal beside it; two names with both families take IPv4
dns_blackhole dir 10.9.0.53 || { fail "IPv6 names: resolver black hole not set up"; exit 0; }
printf '127.0.0.1 localhost\n%s rs1-v6.synscope-test\n%s rs1-both.synscope-test\n%s rs1-both.synscope-test\n%s vip-both.synscope-test\n%s vip-both.synscope-test\n' \
	"$RS1" "$(lab_rs_ip 1)" "$RS1" $LAB_VIP "$VIP" >"/etc/netns/$P-dir/hosts"
lab_rs_vip 1
lab_listen 1 8090
chk -j -t 1000 $LAB_IF rs1-v6.synscope-test "$VIP" 8080 >"$T/n1" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"outcome":"synack"' "$T/n1" && ok "IPv6 name (hosts file, AAAA only): checked over IPv6" || fail "IPv6 name: exit $rc: $(cat "$T/n1")"
chk -v -t 1000 $LAB_IF rs1-both.synscope-test "$VIP" 8080 2>"$T/n2"; rc=$?
[ $rc -eq 0 ] && grep -Eq "> \[$VIP\]:8080" "$T/n2" && ok "name with both families beside an IPv6 literal: IPv6" || fail "both-family name + IPv6 VIP: exit $rc: $(tail -2 "$T/n2")"
chk -v -t 1000 $LAB_IF rs1-both.synscope-test vip-both.synscope-test 8090 2>"$T/n3"; rc=$?
[ $rc -eq 0 ] && grep -Eq "> $LAB_VIP:8090 " "$T/n3" && ok "two names with both families: IPv4 first" || fail "two dual names: exit $rc: $(tail -2 "$T/n3")"
chk -t 1000 $LAB_IF rs1-v6.synscope-test $LAB_VIP 8090 2>"$T/n4"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/n4")" -eq 1 ] && grep -q "REAL_SERVER 'rs1-v6.synscope-test': cannot resolve to an IPv4 address" "$T/n4" \
	&& ok "IPv6-only name beside an IPv4 literal: one line, exit 1" || fail "v6 name + v4 VIP: exit $rc: $(cat "$T/n4")"
