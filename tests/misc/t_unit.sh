#!/usr/bin/env bash
# tcpeek@.service: systemd-analyze verify accepts the installed unit (and
# rejects a broken copy, so the check can fail); the hardening the unit
# promises is there; the sysusers snippet creates the user.  Then, as root
# in a namespace, tcpeek runs the way the unit runs it: an unprivileged
# user whose only capability is CAP_NET_RAW, --promisc and a 64 MiB
# buffer, socket in a 0750 directory -- and a member of the group reads it.
. "$(dirname "$0")/common.sh"

T=$(mktmp)
U=$SYNSCOPE_ROOT/contrib/systemd/tcpeek@.service

# installed under a real PREFIX (no DESTDIR) so ExecStart and the
# Documentation= man pages resolve
$M -s install PREFIX="$T/p" >"$T/log" 2>&1 || fail "install PREFIX=$T/p: $(tail -1 "$T/log")"
IU=$T/p/lib/systemd/system/tcpeek@.service
if command -v systemd-analyze >/dev/null; then
	# verify also loads every unit installed on this machine and warns
	# about theirs (Debian's ldirectord.service: "KillMode=none"): judge
	# only the lines about our files, and say what was left aside
	verify_own() {  # verify_own UNIT...: clean when nothing is said about ours
		local rc
		MANPATH=$T/p/share/man systemd-analyze verify "$@" >"$T/v" 2>&1
		rc=$?
		grep -E '^/' "$T/v" | grep -vF "$T/p/" >"$T/vforeign"
		grep -vE '^/' "$T/v" >"$T/vown"
		grep -F "$T/p/" "$T/v" >>"$T/vown"
		[ -s "$T/vforeign" ] && echo "# systemd-analyze verify, not ours: $(cut -d: -f1 "$T/vforeign" | sort -u | tr '\n' ' ')"
		[ ! -s "$T/vown" ] && { [ $rc -eq 0 ] || [ -s "$T/vforeign" ]; }
	}
	if verify_own "$(dirname "$IU")/tcpeek@eth0.service"; then
		ok "systemd-analyze verify tcpeek@eth0.service: clean"
	else
		fail "systemd-analyze verify: $(head -3 "$T/vown" | tr '\n' ' ')"
	fi
	SD=$(dirname "$IU")
	if verify_own "$SD/tcpeek-textfile@eth0.service" "$SD/tcpeek-textfile@eth0.timer"; then
		ok "systemd-analyze verify tcpeek-textfile@eth0.service and .timer: clean"
	else
		fail "systemd-analyze verify textfile units: $(head -3 "$T/vown" | tr '\n' ' ')"
	fi
	# and the filter keeps what is said about our own files
	mkdir -p "$T/p/lib/systemd/system2"
	sed 's/^NoNewPrivileges=yes/NoNewPrivileges=yes\nKillMode=none/' "$IU" >"$T/p/lib/systemd/system2/tcpeek@.service"
	if ! verify_own "$T/p/lib/systemd/system2/tcpeek@eth0.service" >/dev/null &&
		grep -q 'KillMode=none' "$T/vown"; then
		ok "systemd-analyze verify: a warning about our own unit still fails the check"
	else
		fail "systemd-analyze verify filter hid a warning about our unit"
	fi
	rm -rf "$T/p/lib/systemd/system2"
	mkdir -p "$T/bad"
	sed -e "s|^ExecStart=$T/p/sbin/tcpeek|ExecStart=$T/nowhere/tcpeek|" \
	    -e 's/^ProtectSystem=strict/ProtectSystm=strict/' "$IU" >"$T/bad/tcpeek@.service"
	MANPATH=$T/p/share/man systemd-analyze verify "$T/bad/tcpeek@eth0.service" >"$T/v" 2>&1
	if grep -q 'nowhere/tcpeek' "$T/v" && grep -q 'ProtectSystm' "$T/v"; then
		ok "systemd-analyze verify reports a missing ExecStart and an unknown key"
	else
		fail "systemd-analyze verify missed the broken copy: $(head -3 "$T/v" | tr '\n' ' ')"
	fi
	if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
		score=$(systemd-analyze security --offline=yes "$(dirname "$IU")/tcpeek@eth0.service" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		if [ -n "$score" ] && awk "BEGIN { exit !($score <= 3.0) }"; then
			ok "systemd-analyze security: exposure $score (<= 3.0)"
		else
			fail "systemd-analyze security: exposure '${score:-?}', wanted <= 3.0"
		fi
	fi
else
	ok "systemd-analyze verify (skipped: no systemd-analyze)"
fi

# what the unit promises (tcpeek(8) FILES says so too)
for kv in User=tcpeek Group=tcpeek AmbientCapabilities=CAP_NET_RAW \
	CapabilityBoundingSet=CAP_NET_RAW NoNewPrivileges=yes ProtectSystem=strict \
	ProtectHome=yes PrivateTmp=yes PrivateDevices=yes RuntimeDirectory=tcpeek \
	RuntimeDirectoryMode=0750 RuntimeDirectoryPreserve=yes; do
	grep -qx "$kv" "$U" || fail "tcpeek@.service: no $kv"
done
ok "tcpeek@.service: user tcpeek, CAP_NET_RAW only, ProtectSystem=strict, PrivateTmp, NoNewPrivileges, RuntimeDirectory"
# the textfile unit: tcpeekstat itself replaces the file (-o), labelled
# with the instance; systemd's truncate: output is published empty under a
# real systemd 252 (tests/misc/t_systemd_boot.sh runs one)
TU=$SYNSCOPE_ROOT/contrib/systemd/tcpeek-textfile@.service
if grep -qx 'ExecStart=/usr/local/bin/tcpeekstat -p -U /run/tcpeek/%i.sock --label iface=%i -o /var/lib/prometheus/node-exporter/tcpeek_%i.prom' "$TU" &&
	grep -qx 'ReadWritePaths=-/var/lib/prometheus/node-exporter' "$TU" &&
	grep -qx 'User=tcpeek' "$TU" && grep -qx 'CapabilityBoundingSet=' "$TU" &&
	grep -qx 'ProtectSystem=strict' "$TU" && ! grep -qE '^(StandardOutput|ExecStartPost)=' "$TU"; then
	ok "tcpeek-textfile@.service: tcpeekstat -p --label iface=%i -o, user tcpeek, no capability, one writable path"
else
	fail "tcpeek-textfile@.service: not the -o/--label form with its hardening"
fi
if grep -qx 'd /var/lib/prometheus/node-exporter 1775 root tcpeek -' "$SYNSCOPE_ROOT/contrib/systemd/tcpeek.tmpfiles"; then
	ok "tmpfiles.d: textfile directory root:tcpeek 1775"
else
	fail "tmpfiles.d: no line for the textfile directory"
fi
if grep -E '^(PrivateUsers|PrivateNetwork)=yes' "$U" >/dev/null; then
	fail "tcpeek@.service: PrivateUsers/PrivateNetwork would blind the capture"
else
	ok "tcpeek@.service: no PrivateNetwork/PrivateUsers (the capture needs the host's view)"
fi

if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$T/root/etc"
	if systemd-sysusers --root="$T/root" "$SYNSCOPE_ROOT/contrib/systemd/tcpeek.sysusers" >/dev/null 2>&1 &&
		grep -q '^tcpeek:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$T/root/etc/passwd" &&
		grep -q '^tcpeek:x:' "$T/root/etc/group"; then
		ok "sysusers: creates system user and group tcpeek (nologin)"
	else
		fail "sysusers: tcpeek user not created: $(cat "$T/root/etc/passwd" 2>/dev/null)"
	fi
else
	ok "sysusers (skipped: no systemd-sysusers)"
fi

# ---- the unit's privileges, for real ------------------------------------
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || ! command -v python3 >/dev/null ||
	! ip netns list >/dev/null 2>&1; then
	ok "tcpeek as the unit runs it (skipped: needs root, setpriv, python3, netns)"
	exit 0
fi
RUN_UID=$(id -u nobody) RUN_GID=$(getent group nogroup | cut -d: -f3)
READER=65531                      # any uid without an account
[ -n "$RUN_UID" ] && [ -n "$RUN_GID" ] || { fail "no user nobody / group nogroup"; exit 0; }
chmod 0755 "$T"
mkdir "$T/run"
chown "$RUN_UID:$RUN_GID" "$T/run"
chmod 0750 "$T/run"              # RuntimeDirectoryMode=0750
S=$T/run/lo.sock
ns_add u
AS_UNIT="setpriv --reuid=$RUN_UID --regid=$RUN_GID --clear-groups --inh-caps=-all,+net_raw --ambient-caps=+net_raw --bounding-set=-all,+net_raw --no-new-privs"

# without the capability: refused, with the reason
ip netns exec "$P-u" setpriv --reuid=$RUN_UID --regid=$RUN_GID --clear-groups \
	"$BIN/tcpeek" -i lo -q -U "$T/run/x.sock" >"$T/nocap" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'CAP_NET_RAW' "$T/nocap"; then
	ok "without CAP_NET_RAW tcpeek exits 1 naming the capability"
else
	fail "without CAP_NET_RAW: exit $rc, $(head -1 "$T/nocap")"
fi

ip netns exec "$P-u" $AS_UNIT "$BIN/tcpeek" -i lo -q --promisc -B 64 -U "$S" >/dev/null 2>"$T/err" &
tp=$!
bg_track $tp
for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
if [ -S "$S" ]; then
	ok "tcpeek with CAP_NET_RAW only (+ --promisc, -B 64) captures and serves its socket"
else
	fail "tcpeek with CAP_NET_RAW only did not start: $(head -2 "$T/err" | tr '\n' ' ')"
	exit 0
fi
if NS u ip -d link show lo | grep -q 'promiscuity [1-9]'; then
	ok "--promisc took effect without CAP_NET_ADMIN"
else
	fail "--promisc: interface not promiscuous"
fi
st=$(stat -c '%a %u %g' "$S")
if [ "$st" = "660 $RUN_UID $RUN_GID" ]; then ok "socket mode 0660, owned by the service user"
else fail "socket: mode/owner '$st', wanted '660 $RUN_UID $RUN_GID'"; fi
# The unit grants CAP_NET_RAW to open the capture; once capture and socket
# are open tcpeek gives it up too (it is created just before the drop, so
# allow it a moment).
for i in $(seq 20); do
	caps=$(grep -E '^Cap(Eff|Prm|Amb):' "/proc/$tp/status" | awk '{print $2}' | sort -u)
	[ "$caps" = "0000000000000000" ] && break
	sleep 0.05
done
if [ "$caps" = "0000000000000000" ]; then ok "running tcpeek has given up CAP_NET_RAW too: no capability left"
else fail "running tcpeek capabilities: $(echo $caps)"; fi

# one handshake on lo, seen by tcpeek
ip netns exec "$P-u" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8765)); s.listen(8)
while True:
    c, _ = s.accept(); c.close()
' >/dev/null 2>&1 &
bg_track $!
wait_listen u 8765 || fail "listener on 127.0.0.1:8765 did not start"
NS u bash -c 'exec 3<>/dev/tcp/127.0.0.1/8765; exec 3>&-' 2>/dev/null
got=
for i in $(seq 30); do
	got=$(setpriv --reuid=$READER --regid=$READER --groups=$RUN_GID "$BIN/tcpeekstat" -j -U "$S" 2>&1)
	echo "$got" | grep -q '"success":{"total":[1-9]' && break
	sleep 0.1
done
if echo "$got" | grep -q '"success":{"total":[1-9]'; then
	ok "a member of the service group reads the socket (tcpeekstat -j) and sees the handshake"
else
	fail "group member: $(echo "$got" | head -c 200)"
fi
out=$(setpriv --reuid=$READER --regid=$READER --clear-groups "$BIN/tcpeekstat" -U "$S" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -qi 'permission denied'; then
	ok "a user outside the group is refused (exit 1, permission denied)"
else
	fail "non-member: exit $rc: $out"
fi
kill -TERM $tp
wait $tp
rc=$?
if [ $rc -eq 0 ] && [ ! -e "$S" ]; then ok "SIGTERM (systemctl stop): exit 0, socket removed"
else fail "SIGTERM: exit $rc, socket $( [ -e "$S" ] && echo left || echo removed)"; fi
