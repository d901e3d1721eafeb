#!/usr/bin/env bash
# The keepalived recipe (contrib/keepalived, docs/keepalived.md).
#  1. lvs-role-notify writes 1 for MASTER, 0 for BACKUP/FAULT/STOP,
#     refuses an unknown state (64) and an unwritable place (1).
#  2. keepalived -t accepts the shipped keepalived.conf (when installed).
#  3. Namespace lab (root, keepalived): two directors run the shipped
#     configuration, addresses rewritten for the lab, VRRP part only
#     (this kernel has no IPVS, and keepalived's checker exits without
#     it).  VRRP elects dir1; the notify script writes the role files; the
#     MISC_CHECK command lines of the configuration, run as keepalived
#     would, pass for the listening real server and fail for the other,
#     raw on the MASTER and connect() on the BACKUP; when dir1 stops, dir2
#     takes over and its checks turn raw.
. "$(dirname "$0")/common.sh"

K=$SYNSCOPE_ROOT/contrib/keepalived
N=$K/lvs-role-notify
T=$(mktmp)

for st in MASTER:1 BACKUP:0 FAULT:0 STOP:0; do
	"$N" "$T/role" INSTANCE VI_80 "${st%:*}" 150
	rc=$?
	if [ $rc -eq 0 ] && [ "$(cat "$T/role")" = "${st#*:}" ]; then
		ok "lvs-role-notify ${st%:*}: role file holds ${st#*:}"
	else
		fail "lvs-role-notify ${st%:*}: exit $rc, file '$(cat "$T/role" 2>/dev/null)'"
	fi
done
echo 1 >"$T/role"
"$N" "$T/role" INSTANCE VI_80 SLEEPY 150 2>"$T/err"
rc=$?
[ $rc -eq 64 ] && grep -q "unknown state 'SLEEPY'" "$T/err" && [ "$(cat "$T/role")" = 1 ] &&
	ok "lvs-role-notify: unknown state refused (64), file untouched" ||
	fail "lvs-role-notify unknown state: exit $rc, $(cat "$T/err")"
expect_rc 1 "lvs-role-notify: unwritable place exits 1" "$N" "$T/no/such/dir/role" INSTANCE VI_80 MASTER 150
expect_rc 64 "lvs-role-notify: missing arguments exit 64" "$N" "$T/role"
[ -z "$(find "$T" -name '.lvs-role.*')" ] && ok "lvs-role-notify leaves no temporary file" ||
	fail "lvs-role-notify left $(find "$T" -name '.lvs-role.*')"

if ! command -v keepalived >/dev/null; then
	ok "keepalived -t and the VRRP lab (skipped: keepalived not installed)"
	exit 0
fi
kt() { keepalived -t -l -n -f "$1" -p "$T/t.pid" -r "$T/tv.pid" -c "$T/tc.pid"; }
expect_rc 0 "keepalived -t accepts contrib/keepalived/keepalived.conf" kt "$K/keepalived.conf"
sed 's/misc_timeout/misc_timout/' "$K/keepalived.conf" >"$T/bad.conf"
kt "$T/bad.conf" >/dev/null 2>&1
rc=$?
[ $rc -ne 0 ] && ok "keepalived -t rejects a misspelt keyword (exit $rc)" ||
	fail "keepalived -t accepted a misspelt keyword"

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	ok "keepalived VRRP lab (skipped: needs root and network namespaces)"
	exit 0
fi
. "$SYNSCOPE_ROOT/tests/net/lab_dr.sh"
lab_dr_up 2                       # br, dir (10.9.0.1), rs1 (.11), rs2 (.12)
NS dir ip addr del $LAB_VIP/32 dev lo      # VRRP owns the VIP now
ns_add dir2
NS br ip link add b9 type veth peer name $LAB_IF netns "$P-dir2"
NS br ip link set b9 master br0 up
NS dir2 ip addr add $LAB_NET.2/24 dev $LAB_IF
NS dir2 ip link set $LAB_IF up
for k in 1 2; do lab_rs_vip $k; done
lab_listen 1 80                   # rs1 serves the VIP's port, rs2 does not
chmod 0755 "$T"                   # enable_script_security: root-owned path

# the shipped file, with the lab's addresses, paths and a fast VRRP
lab_conf() {    # lab_conf NAME PRIORITY
	sed -e "s|10\.0\.0\.100|$LAB_VIP|g" -e "s|10\.0\.0\.41|$(lab_rs_ip 1)|g" \
	    -e "s|10\.0\.0\.42|$(lab_rs_ip 2)|g" \
	    -e "s|/usr/local/sbin/check_tcp_raw|$BIN/check_tcp_raw|" \
	    -e "s|/usr/local/libexec/synscope/lvs-role-notify|$N|" \
	    -e "s|/run/lvs.role|$T/$1.role|g" -e "s|router_id lvs1|router_id $1|" \
	    -e "s|priority 150 .*|priority $2|" -e "s|advert_int 1|advert_int 0.2|" \
	    -e "s|^global_defs {|global_defs {\n    vrrp_version 3|" "$K/keepalived.conf"
}
lab_conf dir 150 >"$T/dir.conf"
lab_conf dir2 100 >"$T/dir2.conf"
echo 0 >"$T/dir.role"; echo 0 >"$T/dir2.role"
vrrp() {        # vrrp NAME: keepalived's VRRP part in namespace NAME
	ip netns exec "$P-$1" keepalived -P -n -l -D -f "$T/$1.conf" \
		-p "$T/$1.pid" -r "$T/$1.vpid" -c "$T/$1.cpid" >"$T/$1.log" 2>&1 &
	bg_track $!
}
# dir first: with nopreempt (as shipped) whoever is MASTER stays so,
# and the test wants a known MASTER
vrrp dir
for i in $(seq 100); do
	[ "$(cat "$T/dir.role")" = 1 ] && NS dir ip -br addr show $LAB_IF | grep -q "$LAB_VIP" && break
	sleep 0.1
done
echo x >"$T/dir2.role"            # the BACKUP notify must write it
vrrp dir2
for i in $(seq 100); do [ "$(cat "$T/dir2.role")" = 0 ] && break; sleep 0.1; done
sleep 0.5                          # a wrong election would show by now
if [ "$(cat "$T/dir.role")" = 1 ] && [ "$(cat "$T/dir2.role")" = 0 ]; then
	ok "VRRP elects dir (150): notify wrote role 1 there, 0 on dir2"
else
	fail "VRRP: roles dir=$(cat "$T/dir.role") dir2=$(cat "$T/dir2.role"); $(grep -m2 -i 'state\|error' "$T/dir.log" | tr '\n' ' ')"
fi
NS dir ip -br addr show $LAB_IF | grep -q "$LAB_VIP" && ok "the MASTER holds the VIP on eth0" ||
	fail "VIP not on dir's eth0"

# The MISC_CHECK lines exactly as configured; keepalived splits misc_path
# on blanks and runs it without a shell.
mapfile -t CHECKS < <(sed -n 's/^ *misc_path "\(.*\)"$/\1/p' "$T/dir.conf")
[ ${#CHECKS[@]} -eq 2 ] || fail "expected 2 MISC_CHECK lines, got ${#CHECKS[@]}"
runchk() {      # runchk NS K: exit status of real server K's check (json in $T/j)
	local line=${CHECKS[$(($2 - 1))]}
	[ "$1" = dir2 ] && line=${line//$T\/dir.role/$T/dir2.role}
	# shellcheck disable=SC2086
	ip netns exec "$P-$1" $line -j >"$T/j" 2>/dev/null
}
runchk dir 1;  rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"raw"' "$T/j" && ok "MASTER: rs1 (listening) up, raw check through the VIP" ||
	fail "MASTER rs1: exit $rc $(cat "$T/j")"
runchk dir 2;  rc=$?
[ $rc -eq 1 ] && grep -q '"mode":"raw"' "$T/j" && ok "MASTER: rs2 (nothing on port 80) down, exit 1" ||
	fail "MASTER rs2: exit $rc $(cat "$T/j")"
runchk dir2 1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"connect"' "$T/j" && ok "BACKUP: rs1 up, checked by connect() to its own address" ||
	fail "BACKUP rs1: exit $rc $(cat "$T/j")"
runchk dir2 2; rc=$?
[ $rc -eq 1 ] && grep -q '"mode":"connect"' "$T/j" && ok "BACKUP: rs2 down, exit 1" ||
	fail "BACKUP rs2: exit $rc $(cat "$T/j")"

# failover: stop dir's keepalived, dir2 becomes MASTER
kill -TERM "$(cat "$T/dir.pid")" 2>/dev/null
for i in $(seq 100); do
	[ "$(cat "$T/dir2.role")" = 1 ] && [ "$(cat "$T/dir.role")" = 0 ] && break
	sleep 0.1
done
if [ "$(cat "$T/dir2.role")" = 1 ] && [ "$(cat "$T/dir.role")" = 0 ]; then
	ok "failover: dir stopped (notify STOP: role 0), dir2 MASTER (role 1)"
else
	fail "failover: roles dir=$(cat "$T/dir.role") dir2=$(cat "$T/dir2.role")"
fi
for i in $(seq 50); do NS dir2 ip -br addr show $LAB_IF | grep -q "$LAB_VIP" && break; sleep 0.1; done
runchk dir2 1; rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"raw"' "$T/j" && ok "new MASTER dir2: rs1 checked raw through the VIP" ||
	fail "new MASTER rs1: exit $rc $(cat "$T/j")"
kill -TERM "$(cat "$T/dir2.pid")" 2>/dev/null
for i in $(seq 50); do [ -e "$T/dir2.pid" ] || break; sleep 0.1; done
