#!/usr/bin/env bash
# The real ldirectord (Debian's package) drives check_tcp_raw through
# contrib/ldirectord/check_tcp_raw-ldirectord in the LVS-DR lab.
#
# ldirectord runs an external check as CHECKCOMMAND VIP VPORT RIP RPORT,
# without a shell.  This kernel has no IPVS: ldirectord's ipvsadm calls fail
# (and it logs so), but it still runs every check and records each
# decision -- "Deactivated service RIP:PORT" / "Added real server RIP:PORT"
# in its debug log, [down]/[up] per check in its monitorfile.  ipvsadm is
# the real one, nothing is stubbed.
#  1. the wrapper, configured by the shipped example file: rs1 listens and
#     stays up; rs2's listener stops, rs2 goes down (connection refused);
#     it listens again and rs2 comes back;
#  2. a second virtual service with check_tcp_raw itself as checkcommand
#     (the mistake the wrapper exists for): the listening rs1 is down.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"

W=$SYNSCOPE_ROOT/contrib/ldirectord/check_tcp_raw-ldirectord
T=$(mktmp)
chmod 0755 "$T"

# ---- the wrapper's own errors: exit 1 and one line naming the culprit ----
wr() {          # wr EXPECTED_TEXT MSG ENV... -- ARGS...: exit 1 with that text
	local want=$1 msg=$2 rc; shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	env -i PATH="$PATH" "${envs[@]}" "$W" "$@" >"$T/wout" 2>"$T/werr"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$T/werr")" -eq 1 ] && grep -qF -- "$want" "$T/werr"; then
		ok "wrapper: $msg (exit 1: $(cat "$T/werr"))"
	else
		fail "wrapper: $msg: exit $rc, stderr '$(head -2 "$T/werr" | tr '\n' ' ')'"
	fi
}
NOCONF=SYNSCOPE_LDIRECTORD_CONF=$T/none
wr "usage: check_tcp_raw-ldirectord VIRTUAL_IP" "fewer than 4 arguments" "$NOCONF" -- 10.0.0.100 80 10.0.0.41
wr "SYNSCOPE_IFACE is not set" "no interface configured" "$NOCONF" -- 10.0.0.100 80 10.0.0.41 80
wr "virtual service '7' is a firewall mark" "firewall mark without SYNSCOPE_VIP" "$NOCONF" SYNSCOPE_IFACE=eth0 -- 7 0 10.0.0.41 80
wr "$T/no/check_tcp_raw: no such program" "missing program" "$NOCONF" SYNSCOPE_IFACE=eth0 \
	SYNSCOPE_CHECK=$T/no/check_tcp_raw -- 10.0.0.100 80 10.0.0.41 80
printf 'SYNSCOPE_IFACE=eth0\nSYNSCOPE_TIMEOUTT=500\n' >"$T/typo"
wr "$T/typo:2: unknown setting 'SYNSCOPE_TIMEOUTT'" "misspelt setting" SYNSCOPE_LDIRECTORD_CONF=$T/typo -- 10.0.0.100 80 10.0.0.41 80
printf '# x\nSYNSCOPE_IFACE eth0\n' >"$T/noeq"
wr "$T/noeq:2: not NAME=VALUE" "line without =" SYNSCOPE_LDIRECTORD_CONF=$T/noeq -- 10.0.0.100 80 10.0.0.41 80
printf 'SYNSCOPE_IFACE=eth0\nrm -rf / x=1\n' >"$T/cmd"
wr "$T/cmd:2: not NAME=VALUE" "a command in the file is refused, not run" SYNSCOPE_LDIRECTORD_CONF=$T/cmd -- 10.0.0.100 80 10.0.0.41 80

# the arguments reach check_tcp_raw in its order, the file's values and the
# environment's (which win) with them: its own messages name them
if [ "$(id -u)" -eq 0 ]; then
	printf 'SYNSCOPE_IFACE="nosuch0"\nSYNSCOPE_CHECK=%s\nSYNSCOPE_OPTIONS=-j\n' "$BIN/check_tcp_raw" >"$T/conf"
	out=$(SYNSCOPE_LDIRECTORD_CONF=$T/conf unshare -n "$W" 10.0.0.100 80 10.0.0.41 8080 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "SOURCE_IFACE 'nosuch0'" && echo "$out" | grep -q '"verdict"'; then
		ok "wrapper: settings file read (quoted interface, -j from SYNSCOPE_OPTIONS)"
	else
		fail "wrapper with settings file: exit $rc: $out"
	fi
	out=$(SYNSCOPE_LDIRECTORD_CONF=$T/conf SYNSCOPE_IFACE=lo SYNSCOPE_OPTIONS="-v -t 200" \
		unshare -n "$W" 10.0.0.100 80 10.0.0.41 8080 2>&1)
	if echo "$out" | grep -q 'iface: lo, real_server: 10.0.0.41, virtual_ip: 10.0.0.100, port: 8080' &&
		echo "$out" | grep -q 'timeout: 200ms'; then
		ok "wrapper: environment overrides the file; VIP VPORT RIP RPORT -> IFACE RIP VIP RPORT"
	else
		fail "wrapper argument mapping: $(echo "$out" | head -3 | tr '\n' ' ')"
	fi
fi

if ! command -v ldirectord >/dev/null || ! command -v ipvsadm >/dev/null; then
	ok "ldirectord lab (skipped: ldirectord not installed; Debian package ldirectord)"
	exit 0
fi
RS1=$(lab_rs_ip 1) RS2=$(lab_rs_ip 2)

lab_dr_up 2
for k in 1 2; do lab_rs_vip "$k"; done
lab_listen 1 80
lab_listen 1 8080
# rs2's listener, stopped and started again below
rs2_listen() {
	# "ip netns exec" execs python3: $! is the listener itself
	ip netns exec "$P-rs2" python3 -m http.server --bind 0.0.0.0 80 >/dev/null 2>&1 &
	RS2PID=$!
	bg_track $RS2PID
	wait_listen rs2 80
}
rs2_listen || { fail "no listener on rs2:80"; exit 0; }

# the shipped settings file, with this lab's interface and program
sed -e "s|^SYNSCOPE_IFACE=.*|SYNSCOPE_IFACE=$LAB_IF|" \
    -e "s|^#SYNSCOPE_CHECK=.*|SYNSCOPE_CHECK=$BIN/check_tcp_raw|" \
    "$SYNSCOPE_ROOT/contrib/ldirectord/synscope-ldirectord.default" >"$T/settings"
grep -q "^SYNSCOPE_CHECK=$BIN/check_tcp_raw\$" "$T/settings" || fail "settings: no SYNSCOPE_CHECK line to rewrite"

# the shipped ldirectord.cf excerpt, with the lab's addresses and paths
# (and a faster checkinterval)
sed -e "s|10\.0\.0\.100|$LAB_VIP|g" -e "s|10\.0\.0\.41|$RS1|g" -e "s|10\.0\.0\.42|$RS2|g" \
    -e "s|/usr/local/libexec/synscope/check_tcp_raw-ldirectord|$W|" \
    -e "s|^\(\tcheckcommand=.*\)|\1\n\tmonitorfile=\"$T/mon.log\"|" \
    -e "s|^checkinterval=.*|checkinterval=1|" \
    "$SYNSCOPE_ROOT/contrib/ldirectord/ldirectord.cf" >"$T/ld.cf"
grep -q "checkcommand=$W\$" "$T/ld.cf" || fail "ldirectord.cf: no checkcommand line to rewrite"
cat >>"$T/ld.cf" <<EOF2

# check_tcp_raw itself as the checkcommand: it gets VIP VPORT RIP RPORT
virtual=$LAB_VIP:8080
	real=$RS1:8080 gate
	checktype=external
	checkcommand=$BIN/check_tcp_raw
	monitorfile="$T/mon8080.log"
EOF2

# -d: debug, in the foreground, the log on stderr (no pid file, no syslog)
NS dir env SYNSCOPE_LDIRECTORD_CONF="$T/settings" ldirectord -d "$T/ld.cf" start >"$T/ld.log" 2>&1 &
LD=$!
bg_track $LD

# monitorfile lines: "... external CMD tcp RIP PORT WEIGHT gate ... [up] -"
state_of() {    # state_of RIP: the last [up]/[down] recorded for it
	grep " tcp $1 80 " "$T/mon.log" 2>/dev/null | tail -1 | sed -n 's/.*\[\(up\|down\)\].*/\1/p'
}
count_of() {    # count_of RIP STATE
	local n
	n=$(grep -c " tcp $1 80 .*\[$2\]" "$T/mon.log" 2>/dev/null)
	echo "${n:-0}"
}
wait_state() {  # wait_state RIP STATE [AFTER_N]: until more than AFTER_N such lines (30 s)
	local i
	for i in $(seq 300); do
		[ "$(count_of "$1" "$2")" -gt "${3:-0}" ] && return 0
		kill -0 $LD 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

if wait_state "$RS1" up 2 && wait_state "$RS2" up 2; then
	ok "ldirectord: both listening real servers up through the wrapper (3 checks each)"
else
	fail "ldirectord start: rs1 $(state_of "$RS1"), rs2 $(state_of "$RS2"); $(grep -m3 -i 'error\|fail\|check_tcp_raw' "$T/ld.log" | tr '\n' ' ')"
	exit 0
fi
[ "$(count_of "$RS1" down)$(count_of "$RS2" down)" = 00 ] && ok "ldirectord: no check failed while both listened" ||
	fail "ldirectord: a check failed before the listener stopped: $(grep -m2 '\[down\]' "$T/mon.log")"

# rs2's listener stops: deactivated, with check_tcp_raw's own reason
kill "$RS2PID"; wait "$RS2PID" 2>/dev/null
t0=$(now_ms)
if wait_state "$RS2" down; then
	ok "listener on rs2 stopped: ldirectord deactivated rs2 after $(( $(now_ms) - t0 )) ms"
else
	fail "rs2 never went down: $(tail -2 "$T/mon.log")"
fi
if grep -q "Deactivated service $RS2:80: .* with result 1" "$T/ld.log" &&
	grep -q 'check_tcp_raw: failure: connection refused' "$T/ld.log"; then
	ok "ldirectord logs 'Deactivated service $RS2:80' (exit 1, connection refused)"
else
	fail "ldirectord log lacks the deactivation: $(grep -m2 "$RS2" "$T/ld.log" | tr '\n' ' ')"
fi
up1=$(count_of "$RS1" up)
wait_state "$RS1" up $((up1 + 1)) && [ "$(count_of "$RS1" down)" = 0 ] &&
	ok "rs1 stays up meanwhile" || fail "rs1 changed: $(state_of "$RS1")"

# and returns
added=$(grep -c "Added real server: $RS2:80" "$T/ld.log")
rs2_listen || fail "rs2 listener did not come back"
up2=$(count_of "$RS2" up)
t0=$(now_ms)
if wait_state "$RS2" up "$up2" && [ "$(state_of "$RS2")" = up ]; then
	ok "listener on rs2 back: ldirectord reactivated rs2 after $(( $(now_ms) - t0 )) ms"
else
	fail "rs2 never came back: $(tail -2 "$T/mon.log")"
fi
if [ "$(grep -c "Added real server: $RS2:80" "$T/ld.log")" -gt "$added" ]; then
	ok "ldirectord logs 'Added real server: $RS2:80' (its ipvsadm -a fails here: no IPVS)"
else
	fail "ldirectord log lacks the re-addition of $RS2"
fi
grep -q "Can't initialize ipvs" "$T/ld.log" && ok "ldirectord ran without IPVS (ipvsadm's own error logged, not stubbed)" ||
	fail "ldirectord: no ipvsadm error seen; is IPVS here after all?"

# check_tcp_raw as checkcommand directly: VIP taken for SOURCE_IFACE
if [ "$(grep -c " tcp $RS1 8080 .*\[down\]" "$T/mon8080.log" 2>/dev/null)" -gt 0 ] &&
	[ "$(grep -c " tcp $RS1 8080 .*\[up\]" "$T/mon8080.log" 2>/dev/null)" -eq 0 ] &&
	grep -q "SOURCE_IFACE '$LAB_VIP'" "$T/ld.log"; then
	ok "without the wrapper the listening rs1:8080 is down (SOURCE_IFACE '$LAB_VIP')"
else
	fail "check_tcp_raw as checkcommand: $(tail -1 "$T/mon8080.log" 2>/dev/null) $(grep -m1 SOURCE_IFACE "$T/ld.log")"
fi
echo "# monitorfile: rs1 $(count_of "$RS1" up) up $(count_of "$RS1" down) down," \
	"rs2 $(count_of "$RS2" up) up $(count_of "$RS2" down) down"

kill -TERM $LD 2>/dev/null
wait $LD 2>/dev/null
exit 0
