#!/usr/bin/env bash
# check_tcp_raw's role file: MASTER runs the raw check, BACKUP an ordinary
# connect() to the real server's own address (which keeps -t).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
RS1=$(lab_rs_ip 1)
T=$(mktmp)

chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}

lab_dr_up 1
lab_rs_vip 1
lab_listen 1 8080
lab_rs_counters 1
echo 1 >"$T/master"
echo 0 >"$T/backup"
: >"$T/empty"

chk -j -r "$T/master" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/m" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"raw"' "$T/m" && ok "role MASTER: raw check succeeds" || fail "role MASTER: rc $rc: $(cat "$T/m")"

chk -j -r "$T/backup" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/b" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"connect"' "$T/b" && grep -q '"outcome":"connected"' "$T/b" && grep -q '"real_server_mac":null' "$T/b" && ok "role BACKUP: connect to the real IP succeeds" || fail "role BACKUP: rc $rc: $(cat "$T/b")"

# -r '' as the original: no role file, the raw (MASTER) check
chk -j -r '' -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/none" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"outcome":"synack"' "$T/none" && grep -q '"mode":"raw"' "$T/none" && ok "-r '' means no role file: raw check succeeds" || fail "-r '': rc $rc: $(cat "$T/none")"
chk -v -r '' -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/nonev" >/dev/null
check "-r '': [PARAMS] says role_file: (none)" grep -q 'role_file: (none),' "$T/nonev"

chk -j -r "$T/empty" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 >"$T/e" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"connect"' "$T/e" && ok "empty role file means BACKUP" || fail "empty role file: rc $rc: $(cat "$T/e")"

# BACKUP closes with RST by default, with FIN under -c
sleep 0.1; r0=$(lab_count 1 rst); f0=$(lab_count 1 fin)
chk -c -r "$T/backup" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>/dev/null; rc=$?
sleep 0.2; r1=$(lab_count 1 rst); f1=$(lab_count 1 fin)
[ $rc -eq 0 ] && [ "$f1" -gt "$f0" ] && [ "$r1" -eq "$r0" ] && ok "BACKUP -c: FIN close, no RST" || fail "BACKUP -c: rc $rc fin $f0->$f1 rst $r0->$r1"
chk -r "$T/backup" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>/dev/null; rc=$?
sleep 0.1; r2=$(lab_count 1 rst)
[ $rc -eq 0 ] && [ "$r2" -gt "$r1" ] && ok "BACKUP default: RST close" || fail "BACKUP default: rc $rc rst $r1->$r2"

chk -j -r "$T/backup" -t 500 $LAB_IF "$RS1" $LAB_VIP 8081 2>"$T/br" >"$T/brj"; rc=$?
[ $rc -eq 1 ] && grep -qx 'check_tcp_raw: failure: connection refused' "$T/br" && grep -q '"verdict":"failure","outcome":"refused"' "$T/brj" && ok "role BACKUP: no listener -> refused (outcome refused)" || fail "BACKUP refused: rc $rc: $(cat "$T/br")"

lab_blackhole 1 8082
chk -j -r "$T/backup" -t 400 $LAB_IF "$RS1" $LAB_VIP 8082 2>"$T/bt" >"$T/btj"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q 'timeout after 400 ms waiting for connect' "$T/bt" && grep -q '"outcome":"timeout_connect"' "$T/btj" && [ "$ms" -ge 400 ] && [ "$ms" -le 550 ] && ok "role BACKUP: black hole honours -t (${ms} ms)" || fail "BACKUP black hole: rc $rc ${ms} ms: $(cat "$T/bt")"

chk -r "$T/nonexistent" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/nf"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/nf")" -eq 1 ] && grep -q "role file '$T/nonexistent'" "$T/nf" && ok "missing role file: exit 1, one line naming it" || fail "missing role file: rc $rc: $(cat "$T/nf")"

chk -r "$T" -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/dir"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/dir")" -eq 1 ] && ok "unreadable role file (a directory): exit 1, one line" || fail "role file directory: rc $rc: $(cat "$T/dir")"
