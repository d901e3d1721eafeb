#!/usr/bin/env bash
# check_tcp_raw in the LVS-DR lab: healthy, clean close, refused, no VIP on
# the real server, black hole at the deadline.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
RS1=$(lab_rs_ip 1)
RS2=$(lab_rs_ip 2)
T=$(mktmp)

# Run check_tcp_raw in the director; ms elapsed (measured inside the
# namespace, so `ip netns exec` is not counted) goes to $T/ms, the exit
# status is returned.
chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}

lab_dr_up 2
lab_rs_vip 1
lab_listen 1 8080
lab_rs_counters 1
# rs2 has a listener but no VIP: it drops a SYN for the VIP.
lab_listen 2 8080

# healthy: -v shows the parameters and the handshake
chk -v -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/v"; rc=$?
[ $rc -eq 0 ] && ok "healthy real server: exit 0" || fail "healthy real server: exit $rc"
check "healthy -v: [PARAMS] line" grep -qx "\[PARAMS\] iface: $LAB_IF, real_server: $RS1, virtual_ip: $LAB_VIP, port: 8080, role_file: (none), timeout: 500ms, verbosity: 1" "$T/v"
check "healthy -v: SYN/ACK line in the seed's format" \
	grep -Eq "^\(([0-9a-f]{2}:){5}[0-9a-f]{2}\) $LAB_VIP:8080 > $LAB_DIR_IP:[0-9]+ \(([0-9a-f]{2}:){5}[0-9a-f]{2}\) Flags \[S\.\], seq [0-9]+, ack [0-9]+$" "$T/v"
check "healthy -v: RST/ACK close shown" grep -q 'Flags \[R\.\]' "$T/v"
check "healthy -v: no ARP lines below -vv" bash -c "! grep -q ARP '$T/v'"
chk -vv -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/vv"
check "-vv: ARP request and reply shown" bash -c "grep -q 'ARP request who has $RS1 (ff:ff:ff:ff:ff:ff)' '$T/vv' && grep -q '$RS1 ARP reply to $LAB_DIR_IP' '$T/vv'"
sleep 0.1
rst=$(lab_count 1 rst)
[ "${rst:-0}" -ge 1 ] && ok "default close: the server saw an RST ($rst)" || fail "default close: no RST seen (${rst:-none})"

# -s: another source address of the director
NS dir ip addr add $LAB_NET.5/24 dev $LAB_IF
chk -v -s $LAB_NET.5 -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/s"; rc=$?
[ $rc -eq 0 ] && grep -q "$LAB_NET.5:[0-9]* > $LAB_VIP:8080 .* Flags \[S\]" "$T/s" && grep -q "$LAB_VIP:8080 > $LAB_NET.5:" "$T/s" \
	&& ok "-s: check from a secondary address succeeds" || fail "-s: rc $rc: $(cat "$T/s")"

# -j: one JSON object, success
chk -j -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/j" 2>"$T/je"; rc=$?
RS1_MAC=$(lab_mac rs1)
check "-j: exit 0 and valid JSON with verdict success, outcome synack, raw mode, MAC, reply MAC/TTL and RTT" python3 - "$T/j" "$RS1_MAC" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["verdict"] == "success" and o["outcome"] == "synack" and o["mode"] == "raw", o
assert o["real_server_mac"] == sys.argv[2] and o["reply_mac"] == sys.argv[2], o
assert o["reply_ttl"] == 64 and o["icmp_type"] is None and o["icmp_code"] is None, o
assert 1024 <= o["source_port"] <= 65535 and o["rtt_us"] >= 0 and o["elapsed_us"] >= o["rtt_us"], o
assert list(o) == ["verdict", "outcome", "reason", "mode", "real_server_mac", "reply_mac",
                   "reply_ttl", "icmp_type", "icmp_code", "source_port", "rtt_us", "elapsed_us"], list(o)
PY
[ $rc -eq 0 ] || fail "-j: exit $rc"
check "-j: nothing on stderr on success" test ! -s "$T/je"

# -c: clean close against a real Linux listener: FIN, not RST
rst0=$(lab_count 1 rst); fin0=$(lab_count 1 fin)
chk -c -v -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/c"; rc=$?
[ $rc -eq 0 ] && ok "-c: exit 0" || { fail "-c: exit $rc"; cat "$T/c"; }
sleep 0.1
rst1=$(lab_count 1 rst); fin1=$(lab_count 1 fin)
[ "$fin1" -gt "$fin0" ] && ok "-c: the server saw our FIN" || fail "-c: no FIN seen ($fin0 -> $fin1)"
[ "$rst1" -eq "$rst0" ] && ok "-c: the server saw no RST" || fail "-c: RST seen ($rst0 -> $rst1)"
check "-c: the server's FIN was received and acknowledged" bash -c "grep -q '$LAB_VIP:8080 > .* Flags \[F\.\]' '$T/c' && tail -2 '$T/c' | grep -q 'Flags \[\.\]'"

# no listener: RST, fast
chk -j -t 2000 $LAB_IF "$RS1" $LAB_VIP 8081 >"$T/rj" 2>"$T/r"; rc=$?
[ $rc -eq 1 ] && ok "no listener: exit 1" || fail "no listener: exit $rc"
check "no listener: 'connection refused' on one line" grep -qx 'check_tcp_raw: failure: connection refused' "$T/r"
check "no listener -j: failure verdict, outcome refused, with the reason, MAC known, no RTT" python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["verdict"] == "failure" and o["outcome"] == "refused" and o["reason"] == "connection refused", o
assert o["real_server_mac"] and o["reply_mac"] == o["real_server_mac"] and o["rtt_us"] is None, o' "$T/rj"
ms=$(cat "$T/ms")
[ "$ms" -lt 500 ] && ok "no listener: verdict in ${ms} ms, well under the 2000 ms timeout" || fail "no listener: took ${ms} ms"

# VIP missing on the real server: it drops the SYN -> timeout
chk -t 400 $LAB_IF "$RS2" $LAB_VIP 8080 2>"$T/n"; rc=$?
[ $rc -eq 1 ] && ok "VIP missing on the real server: exit 1" || fail "VIP missing: exit $rc"
check "VIP missing: timeout waiting for SYN/ACK" grep -qx 'check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK' "$T/n"

# black hole: nft drop in the real server -> exactly the deadline
lab_blackhole 1 8080
chk -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/b"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && ok "black hole: exit 1" || fail "black hole: exit $rc"
if [ "$ms" -ge 500 ] && [ "$ms" -le 650 ]; then ok "black hole: ${ms} ms within [500, 650]"; else fail "black hole: ${ms} ms outside [500, 650]"; fi
check "black hole: reason names the missing SYN/ACK" grep -q 'timeout after 500 ms waiting for SYN/ACK' "$T/b"
# -R 2 against the black hole: 3 SYNs, same port and ISN, same deadline
chk -v -R 2 -t 450 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/R"; rc=$?
ms=$(cat "$T/ms")
syns=$(grep -c 'Flags \[S\], seq' "$T/R")
uniq=$(grep 'Flags \[S\], seq' "$T/R" | sort -u | wc -l)
[ "$rc" -eq 1 ] && [ "$syns" -eq 3 ] && [ "$uniq" -eq 1 ] && ok "-R 2: three identical SYNs then timeout" || fail "-R 2: rc $rc, $syns SYNs, $uniq distinct"
if [ "$ms" -ge 450 ] && [ "$ms" -le 600 ]; then ok "-R 2: deadline kept (${ms} ms)"; else fail "-R 2: ${ms} ms"; fi

# no ARP answer at all (address nobody has) -> timeout naming ARP
chk -t 300 $LAB_IF 10.9.0.77 $LAB_VIP 8080 2>"$T/a"; rc=$?
[ $rc -eq 1 ] && grep -q 'timeout after 300 ms waiting for ARP reply' "$T/a" && ok "unanswered ARP: timeout naming the ARP reply" || fail "unanswered ARP: rc $rc: $(cat "$T/a")"

# ICMP port unreachable quoting our SYN (nft reject in the real server)
NS rs1 nft insert rule inet "${P}bh" in tcp dport 8083 reject with icmp type port-unreachable
chk -t 2000 $LAB_IF "$RS1" $LAB_VIP 8083 2>"$T/i"; rc=$?
chk -j -t 2000 $LAB_IF "$RS1" $LAB_VIP 8083 >"$T/ij" 2>/dev/null
check "ICMP -j: outcome icmp_unreachable with icmp_type 3, icmp_code 3" python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert (o["verdict"], o["outcome"], o["icmp_type"], o["icmp_code"]) == ("failure", "icmp_unreachable", 3, 3), o' "$T/ij"
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -qx 'check_tcp_raw: failure: ICMP destination unreachable: port unreachable (type 3 code 3)' "$T/i" \
	&& ok "ICMP port unreachable: immediate failure naming type and code" || fail "ICMP: rc $rc: $(cat "$T/i")"
[ "$ms" -lt 500 ] && ok "ICMP: verdict in ${ms} ms, not at the 2000 ms timeout" || fail "ICMP: took ${ms} ms"
