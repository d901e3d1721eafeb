#!/usr/bin/env bash
# check_tcp_raw's BACKUP mode over IPv6: an ordinary connect() to
# [REAL_SERVER]:PORT (the real server's own address), with -t, -c and -s
# kept, and the raw check under a MASTER role file.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
. "$here/lab_dr6.sh"
C=$BIN/check_tcp_raw
RS1=$(lab6_rs_ip 1)
VIP=$LAB6_VIP
T=$(mktmp)

chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}

lab6_up 1
lab6_rs_vip 1
lab6_listen 1 8080
lab6_rs_counters 1
echo 1 >"$T/master"
echo 0 >"$T/backup"

chk -j -r "$T/master" -t 1000 $LAB_IF "$RS1" "$VIP" 8080 >"$T/m" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"raw"' "$T/m" && grep -q '"outcome":"synack"' "$T/m" \
	&& ok "IPv6 role MASTER: raw check succeeds" || fail "IPv6 role MASTER: rc $rc: $(cat "$T/m")"

chk -j -v -r "$T/backup" -t 1000 $LAB_IF "$RS1" "$VIP" 8080 >"$T/b" 2>"$T/bv"; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"connect"' "$T/b" && grep -q '"outcome":"connected"' "$T/b" && grep -q '"real_server_mac":null' "$T/b" \
	&& ok "IPv6 role BACKUP: connect to the real server's IPv6 address succeeds" || fail "IPv6 role BACKUP: rc $rc: $(cat "$T/b" "$T/bv")"
check "IPv6 BACKUP -v: 'connect to [addr]:port' line" grep -Eq "^connect to \[$RS1\]:8080 from port [0-9]+: connected$" "$T/bv"

# RST by default, FIN with -c
sleep 0.1; r0=$(lab_count 1 rst); f0=$(lab_count 1 fin)
chk -c -r "$T/backup" -t 1000 $LAB_IF "$RS1" "$VIP" 8080 2>/dev/null; rc=$?
sleep 0.3; r1=$(lab_count 1 rst); f1=$(lab_count 1 fin)
[ $rc -eq 0 ] && [ "$f1" -gt "$f0" ] && [ "$r1" -eq "$r0" ] && ok "IPv6 BACKUP -c: FIN close, no RST" || fail "IPv6 BACKUP -c: rc $rc fin $f0->$f1 rst $r0->$r1"
chk -r "$T/backup" -t 1000 $LAB_IF "$RS1" "$VIP" 8080 2>/dev/null; rc=$?
sleep 0.2; r2=$(lab_count 1 rst)
[ $rc -eq 0 ] && [ "$r2" -gt "$r1" ] && ok "IPv6 BACKUP default: RST close" || fail "IPv6 BACKUP default: rc $rc rst $r1->$r2"

# -s binds the connection's source
NS dir ip addr add "${LAB6_NET}:2/64" dev $LAB_IF nodad
chk -j -s "${LAB6_NET}:2" -r "$T/backup" -t 1000 $LAB_IF "$RS1" "$VIP" 8080 >"$T/s" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"outcome":"connected"' "$T/s" && ok "IPv6 BACKUP -s: connected from the given address" || fail "IPv6 BACKUP -s: rc $rc: $(cat "$T/s")"

# refused, black hole (-t holds)
chk -j -r "$T/backup" -t 1000 $LAB_IF "$RS1" "$VIP" 8081 >"$T/r" 2>"$T/re"; rc=$?
[ $rc -eq 1 ] && grep -q '"verdict":"failure","outcome":"refused"' "$T/r" && ok "IPv6 BACKUP: no listener -> refused" || fail "IPv6 BACKUP refused: rc $rc: $(cat "$T/r" "$T/re")"
lab_blackhole 1 8082
chk -j -r "$T/backup" -t 400 $LAB_IF "$RS1" "$VIP" 8082 >"$T/t" 2>"$T/te"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q '"outcome":"timeout_connect"' "$T/t" && [ "$ms" -ge 400 ] && [ "$ms" -le 900 ] \
	&& ok "IPv6 BACKUP: black hole honours -t (${ms} ms)" || fail "IPv6 BACKUP black hole: rc $rc ${ms} ms: $(cat "$T/te")"
