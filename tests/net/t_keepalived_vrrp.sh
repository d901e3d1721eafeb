#!/usr/bin/env bash
# keepalived's start-up race, and the tmpfiles.d entry that closes it.
#
# keepalived starts its checks and runs its VRRP notify script at the same
# time; a check that reads the role file before the notify script has
# written it fails ("No such file or directory"), so every real server
# flapped down at each start.  contrib/keepalived/synscope.tmpfiles
# (installed as tmpfiles.d/synscope.conf) creates the file at boot with
# the bytes lvs-role-notify writes for BACKUP, so such a check makes a
# harmless connect() instead.
#  1. systemd-tmpfiles --create --root=DIR applies the shipped entry for
#     real: DIR/run/lvs.role, mode 0644, byte for byte lvs-role-notify's
#     BACKUP file; a role already written is left alone; the path is the
#     one keepalived.conf's notify and misc_path lines use.
#  2. A check run before any notify: with that file it passes (connect()),
#     without it it fails -- what the entry changes.
#  3. The real keepalived's VRRP process (-P, this kernel has no IPVS for
#     its checker) runs the shipped keepalived.conf from that file, with
#     rs1's MISC_CHECK line as a vrrp_script, so keepalived itself runs
#     the check every second from its start: every check succeeds, connect()
#     while BACKUP and raw once the notify script has written MASTER.
#  4. The same start without the file, for the record (a "#" line: whether
#     the first check beats the notify script is up to the scheduler).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"

K=$SYNSCOPE_ROOT/contrib/keepalived
N=$K/lvs-role-notify
TF=$K/synscope.tmpfiles
for c in keepalived systemd-tmpfiles; do
	if ! command -v $c >/dev/null; then
		ok "keepalived start-up with the tmpfiles.d role file (skipped: no $c)"
		exit 0
	fi
done
T=$(mktmp)
chmod 0755 "$T"                   # enable_script_security: root-owned path
R=$T/root

# ---- 1. the entry, applied by systemd-tmpfiles ---------------------------
mkdir -p "$R/run"
systemd-tmpfiles --create --root="$R" "$TF" 2>"$T/err" ||
	fail "systemd-tmpfiles --create $TF: $(head -1 "$T/err")"
ROLE=$R/run/lvs.role
"$N" "$T/backup.ref" INSTANCE VI_80 BACKUP 150
if [ -f "$ROLE" ] && cmp -s "$ROLE" "$T/backup.ref" && [ "$(stat -c '%a %u' "$ROLE")" = "644 0" ]; then
	ok "systemd-tmpfiles creates /run/lvs.role (0644 root), the very bytes lvs-role-notify writes for BACKUP"
else
	fail "tmpfiles role file: $(stat -c '%a %u' "$ROLE" 2>&1), content '$(od -An -c "$ROLE" 2>/dev/null)', wanted '$(od -An -c "$T/backup.ref")'"
fi
echo 1 >"$ROLE"
systemd-tmpfiles --create --root="$R" "$TF" 2>/dev/null
[ "$(cat "$ROLE")" = 1 ] && ok "systemd-tmpfiles leaves a role already written alone (MASTER stays 1)" ||
	fail "systemd-tmpfiles overwrote a written role: '$(cat "$ROLE")'"
cp "$T/backup.ref" "$ROLE"
path=$(awk '$1 == "f" { print $2 }' "$TF")
n=$(grep -c -- "-r $path \|lvs-role-notify $path\"" "$K/keepalived.conf")
[ "$path" = /run/lvs.role ] && [ "$n" -eq 3 ] &&
	ok "the entry's path is keepalived.conf's role file (notify and both misc_path lines)" ||
	fail "tmpfiles path '$path' appears $n times in keepalived.conf, wanted 3"

# ---- the lab: one director, rs1 serving the VIP's port --------------------
lab_dr_up 1
NS dir ip addr del $LAB_VIP/32 dev lo      # VRRP owns the VIP now
lab_rs_vip 1
lab_listen 1 80

# The shipped file with the lab's addresses and paths.  Each notify and
# each check goes through a logger (start and end times, exit status,
# first line of output) into one events file; rs1's MISC_CHECK line,
# with -j for the mode, becomes a vrrp_script so keepalived's VRRP
# process runs it (weight 1: a failure is logged, and does not FAULT the
# instance).
cat >"$T/logrun" <<'EOS'
#!/bin/sh
log=$1 kind=$2
shift 2
echo "$(date +%s.%N) $kind start" >>"$log"
out=$("$@" 2>&1)
rc=$?
echo "$(date +%s.%N) $kind end rc=$rc $(printf '%s' "$out" | head -1)" >>"$log"
exit $rc
EOS
chmod 0755 "$T/logrun"
CHECK=$(sed -n 's/^ *misc_path "\(.*10\.0\.0\.41.*\)"$/\1/p' "$K/keepalived.conf" |
	sed -e "s|/usr/local/sbin/check_tcp_raw|$BIN/check_tcp_raw|" -e "s|/run/lvs.role|$ROLE|" \
	    -e "s|10\.0\.0\.100|$LAB_VIP|" -e "s|10\.0\.0\.41|$(lab_rs_ip 1)|")
[ -n "$CHECK" ] || { fail "no misc_path line for 10.0.0.41 in keepalived.conf"; exit 0; }
sed -e "s|10\.0\.0\.100|$LAB_VIP|g" -e "s|10\.0\.0\.41|$(lab_rs_ip 1)|g" \
    -e "s|10\.0\.0\.42|$(lab_rs_ip 2)|g" \
    -e "s|/usr/local/sbin/check_tcp_raw|$BIN/check_tcp_raw|" \
    -e "s|\"/usr/local/libexec/synscope/lvs-role-notify|\"$T/logrun $T/events notify $N|" \
    -e "s|/run/lvs.role|$ROLE|g" \
    -e "s|^vrrp_instance VI_80 {|vrrp_script chk_rs1 {\n    script \"$T/logrun $T/events check $CHECK -j\"\n    interval 1\n    weight 1\n}\n\nvrrp_instance VI_80 {\n    track_script {\n        chk_rs1\n    }|" \
    "$K/keepalived.conf" >"$T/k.conf"
grep -q 'notify "'"$T/logrun" "$T/k.conf" && grep -q "chk_rs1" "$T/k.conf" ||
	fail "keepalived.conf rewrite: notify or vrrp_script missing"
keepalived -t -l -n -f "$T/k.conf" -p "$T/t.pid" -r "$T/tv.pid" -c "$T/tc.pid" >"$T/t.log" 2>&1 ||
	fail "keepalived -t refuses the lab configuration: $(grep -m2 -i 'error\|unknown' "$T/t.log" | tr '\n' ' ')"

# ---- 2. a check before any notify -----------------------------------------
# shellcheck disable=SC2086
NS dir $CHECK -j >"$T/j" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '"mode":"connect"' "$T/j" &&
	ok "a check before the first notify, tmpfiles role file: success by connect()" ||
	fail "check before notify with the role file: exit $rc $(cat "$T/j")"
# shellcheck disable=SC2086
NS dir ${CHECK/$ROLE/$T/missing.role} >"$T/j" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'No such file or directory' "$T/j" &&
	ok "the same check without the file fails (exit $rc: $(head -1 "$T/j"))" ||
	fail "check without a role file: exit $rc $(cat "$T/j")"

# ---- 3. keepalived from the tmpfiles-created file --------------------------
vrrp_run() {    # vrrp_run TAG: keepalived -P until the MASTER notify and 3 checks after it
	local i
	: >"$T/events"
	ip netns exec "$P-dir" keepalived -P -n -l -D -f "$T/k.conf" \
		-p "$T/$1.pid" -r "$T/$1.vpid" -c "$T/$1.cpid" >"$T/$1.log" 2>&1 &
	KA=$!
	bg_track $KA
	for i in $(seq 300); do
		[ "$(cat "$ROLE" 2>/dev/null)" = 1 ] &&
			[ "$(sed -n '/notify end/,$p' "$T/events" | grep -c ' check end .*"mode":"raw"')" -ge 3 ] && break
		kill -0 $KA 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM $KA 2>/dev/null
	wait $KA 2>/dev/null
	for i in $(seq 50); do [ -e "$T/$1.pid" ] || break; sleep 0.1; done
}
vrrp_run with
ends=$(grep -c ' check end ' "$T/events")
bad=$(grep ' check end ' "$T/events" | grep -vc ' rc=0 ')
conn=$(grep -c ' check end rc=0 .*"mode":"connect"' "$T/events")
raw=$(grep -c ' check end rc=0 .*"mode":"raw"' "$T/events")
first=$(grep -m1 ' check end ' "$T/events" | cut -d' ' -f3-)
if [ "$ends" -ge 4 ] && [ "$bad" -eq 0 ] && [ "$conn" -ge 1 ] && [ "$raw" -ge 3 ]; then
	ok "keepalived -P from the tmpfiles role file: all $ends checks from start succeed ($conn connect() as BACKUP, $raw raw as MASTER)"
else
	fail "keepalived run: $ends checks, $bad failed, $conn connect, $raw raw; first: $first"
fi
grep -q 'Entering MASTER STATE' "$T/with.log" && [ "$(cat "$ROLE")" = 0 ] &&
	ok "VRRP became MASTER (notify wrote 1), and STOP wrote 0 again" ||
	fail "keepalived: $(grep -m3 -i 'state\|error' "$T/with.log" | tr '\n' ' '); role '$(cat "$ROLE")'"
grep -q 'VRRP_Script(chk_rs1) failed' "$T/with.log" &&
	fail "keepalived logged a failed check: $(grep -m1 'VRRP_Script(chk_rs1)' "$T/with.log")" ||
	ok "keepalived's log has no failed check"
# the order of events, for the record
before=$(awk '/ notify end / { exit } / check end / { n++ } END { print n + 0 }' "$T/events")
echo "# with the entry: first check '$first'; $before check(s) ended before the first notify ended"
cp "$T/events" "$T/events.with"

# ---- 4. without the file, for the record ------------------------------------
rm -f "$ROLE"
vrrp_run without
nb=$(grep ' check end ' "$T/events" | grep -vc ' rc=0 ')
echo "# without the entry: $nb of $(grep -c ' check end ' "$T/events") checks failed;" \
	"first: $(grep -m1 ' check end ' "$T/events" | cut -d' ' -f3- | cut -c1-90)"
exit 0
