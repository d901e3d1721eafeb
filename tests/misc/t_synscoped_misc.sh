#!/usr/bin/env bash
# synscoped's surroundings: the unit (systemd-analyze verify; CAP_NET_RAW
# only, its own user, no new privileges, read-only system) and the
# keepalived generator (its output passes keepalived -t; a bad target file
# stops it with the FILE:LINE: error).
. "$(dirname "$0")/common.sh"

T=$(mktmp)
U=$SYNSCOPE_ROOT/contrib/systemd/synscoped.service
G=$SYNSCOPE_ROOT/contrib/keepalived/synscoped-track-files
for kv in User=synscoped AmbientCapabilities=CAP_NET_RAW CapabilityBoundingSet=CAP_NET_RAW \
	NoNewPrivileges=yes ProtectSystem=strict RuntimeDirectory=synscoped \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$kv" "$U" || fail "synscoped.service: no $kv"
done
ok "synscoped.service: user synscoped, CAP_NET_RAW only, NoNewPrivileges, ProtectSystem=strict, reload by SIGHUP"
if command -v systemd-analyze >/dev/null; then
	$M -s install PREFIX="$T/p" >/dev/null 2>&1
	# only what is said about our unit counts (other units of the host may warn)
	MANPATH=$T/p/share/man systemd-analyze verify "$T/p/lib/systemd/system/synscoped.service" \
		>"$T/v" 2>&1
	if ! grep -q 'synscoped' "$T/v"; then
		ok "systemd-analyze verify synscoped.service: nothing about it"
	else
		fail "systemd-analyze verify: $(grep synscoped "$T/v" | head -3)"
	fi
else
	ok "systemd-analyze verify (skipped: not installed)"
fi

cat >"$T/conf" <<X
defaults rise=1 # comment
eth0 10.0.0.42 10.0.0.100 80
eth0 10.0.0.43 10.0.0.100 80 timeout=300ms
eth0 10.0.0.42 10.0.0.101 443
eth0 10.0.0.42 10.0.0.100 80
X
PATH=$BIN:$PATH "$G" -d /run/x "$T/conf" >"$T/ka" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^track_file ' "$T/ka")" -eq 3 ] && [ "$(grep -c '^virtual_server ' "$T/ka")" -eq 2 ] &&
	grep -qF 'file "/run/x/eth0_10.0.0.43_10.0.0.100_80"' "$T/ka" &&
	grep -qF 'track_file eth0_10.0.0.42_10.0.0.101_443' "$T/ka" &&
	ok "generator: 3 track_file blocks (a duplicate once), 2 virtual_server blocks, files in -d" ||
	fail "generator: rc $rc $(cat "$T/err")"
if command -v keepalived >/dev/null; then
	keepalived -t -l -n -f "$T/ka" -p "$T/t.pid" -r "$T/tv.pid" -c "$T/tc.pid" >"$T/kt" 2>&1; rc=$?
	[ $rc -eq 0 ] && ok "generator: keepalived -t accepts its output" || fail "keepalived -t: rc $rc $(head -3 "$T/kt")"
else
	ok "generator: keepalived -t (skipped: keepalived not installed)"
fi
echo "eth0 10.0.0.42 10.0.0.100 80 rise=x" >>"$T/conf"
PATH=$BIN:$PATH "$G" "$T/conf" >"$T/ka2" 2>"$T/err2"; rc=$?
[ $rc -eq 1 ] && grep -qx "$T/conf:6: invalid rise 'x': expected 1 to 1000" "$T/err2" && [ ! -s "$T/ka2" ] &&
	ok "generator: a bad target file exits 1 with FILE:LINE:, prints nothing" || fail "generator bad file: rc $rc $(cat "$T/err2")"
