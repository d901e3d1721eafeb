#!/usr/bin/env bash
# Least privilege, read from /proc while the programs run:
#   - tcpeek -u nobody: no capability left (effective, permitted,
#     inheritable, ambient, bounding), no_new_privs, uid/gid
#     nobody/nogroup, nobody's groups only;
#     the socket belongs to nobody, another user is refused, nobody is not;
#   - check_tcp_raw held mid-check (unanswered ARP, long -t), its packet
#     socket open: no capability left in its effective and permitted sets
#     (the bounding set keeps CAP_NET_RAW alone: shrinking it needs
#     CAP_SETPCAP, and it only matters across an execve, which never
#     comes); before it opens its socket (held by a resolver that never
#     answers) only CAP_NET_RAW; in BACKUP mode (held in connect()) none;
#   - missing privileges: one clear line and exit 1 (as nobody without
#     capabilities, both programs; tcpeek -u without CAP_SETUID/SETGID).
# (root without CAP_NET_RAW for check_tcp_raw: t_check_args.sh)
. "$(dirname "$0")/lib.sh"
for x in "$BIN/tcpeek" "$BIN/check_tcp_raw" "$BIN/tcpeekstat"; do
	[ -x "$x" ] || { fail "priv: $x not built"; exit 0; }
done
command -v setpriv >/dev/null || { fail "priv: setpriv (util-linux) is needed"; exit 0; }
id nobody >/dev/null 2>&1 || { fail "priv: user nobody is needed"; exit 0; }
getent passwd daemon >/dev/null || { fail "priv: user daemon is needed"; exit 0; }

T=$(mktmp)
chmod 755 "$T"          # nobody must reach the socket path; its mode decides
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
NOBODY_GROUPS=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
AS_NOBODY=(setpriv --reuid=nobody --regid="$NOBODY_GID" --clear-groups)

ns_add a
NS a ip link add v0 type veth peer name v1
NS a ip addr add 10.5.0.1/24 dev v0
NS a ip link set v0 up
NS a ip link set v1 up

# st PID KEY: a field of /proc/PID/status (all its words)
st() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' /proc/"$1"/status; }

# --- tcpeek -u nobody ---------------------------------------------------------
ip netns exec "$P-a" "$BIN/tcpeek" -i v0 -U "$T/run/tcpeek.sock" -q -u nobody >"$T/o" 2>"$T/e" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do
	[ -S "$T/run/tcpeek.sock" ] && [ "$(st "$TPID" Uid | awk '{ print $1 }')" = "$NOBODY_UID" ] && break
	sleep 0.1
done
if ! kill -0 "$TPID" 2>/dev/null; then
	fail "tcpeek -u nobody did not start: $(cat "$T/e")"
else
	check "tcpeek -u nobody: Uid real/effective/saved/fs all $NOBODY_UID ($(st "$TPID" Uid))" \
		test "$(st "$TPID" Uid)" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	check "tcpeek -u nobody: Gid all $NOBODY_GID ($(st "$TPID" Gid))" \
		test "$(st "$TPID" Gid)" = "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
	groups=$(st "$TPID" Groups | tr ' \t' '\n\n' | grep . | sort -n | tr '\n' ' ')
	check "tcpeek -u nobody: supplementary groups are nobody's ($groups)" test "$groups" = "$NOBODY_GROUPS"
	for k in CapEff CapPrm CapInh CapAmb CapBnd; do
		check "tcpeek -u nobody: $k is empty ($(st "$TPID" $k))" test "$(st "$TPID" $k)" = 0000000000000000
	done
	check "tcpeek -u nobody: NoNewPrivs is set (no set-user-ID way back)" test "$(st "$TPID" NoNewPrivs)" = 1
	# the directory stays root's (never given to the -u user): group
	# write for nobody's group, sticky so nobody removes another's file
	check "tcpeek -u nobody: socket nobody's, mode 0660; its directory root:$(id -gn nobody) mode 1770" \
		test "$(stat -c '%U %a' "$T/run/tcpeek.sock") $(stat -c '%U %G %a' "$T/run")" = "nobody 660 root $(id -gn nobody) 1770"
	out=$("${AS_NOBODY[@]}" "$BIN/tcpeekstat" -U "$T/run/tcpeek.sock" -j 2>&1); rc=$?
	check "the socket's owner (nobody) is served" test "$rc" = 0 -a "${out:0:8}" = '[{"RX":{'
	out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$BIN/tcpeekstat" -U "$T/run/tcpeek.sock" 2>&1); rc=$?
	check "another user (daemon) is refused by the socket's mode: exit $rc, '$out'" \
		test "$rc" = 1 -a "$out" = "tcpeekstat: $T/run/tcpeek.sock: Permission denied"
	# still capturing after the drop: a frame on the wire is counted
	NS a ping -c 1 -W 1 10.5.0.2 >/dev/null 2>&1
	for _ in $(seq 30); do
		p=$("$BIN/tcpeekstat" -U "$T/run/tcpeek.sock" -j 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["pcap"]["tracker"]["packets"])' 2>/dev/null)
		[ "${p:-0}" -gt 0 ] && break
		sleep 0.1
	done
	check "tcpeek -u nobody still captures ($p frames seen)" test "${p:-0}" -gt 0
	kill -TERM "$TPID"
	wait "$TPID"; rc=$?
	check "tcpeek -u nobody exits 0 on SIGTERM and removes its socket" test "$rc" = 0 -a ! -e "$T/run/tcpeek.sock"
fi

# --- tcpeek as root without -u ----------------------------------------------------
# It stays uid 0 but gives up every capability once capture and socket are
# open; it must still capture, serve and remove its socket at exit.
ip netns exec "$P-a" "$BIN/tcpeek" -i v0 -U "$T/root/tcpeek.sock" -q >"$T/o2" 2>"$T/e2" &
RPID=$!
bg_track "$RPID"
for _ in $(seq 50); do
	[ -S "$T/root/tcpeek.sock" ] && [ "$(st "$RPID" CapEff)" = 0000000000000000 ] && break
	sleep 0.1
done
if ! kill -0 "$RPID" 2>/dev/null; then
	fail "tcpeek as root did not start: $(cat "$T/e2")"
else
	check "tcpeek as root: CapEff/CapPrm/CapAmb empty once running ($(st "$RPID" CapEff)/$(st "$RPID" CapPrm)/$(st "$RPID" CapAmb))" \
		test "$(st "$RPID" CapEff) $(st "$RPID" CapPrm) $(st "$RPID" CapAmb)" = "0000000000000000 0000000000000000 0000000000000000"
	NS a ping -c 1 -W 1 10.5.0.2 >/dev/null 2>&1
	for _ in $(seq 30); do
		p=$("$BIN/tcpeekstat" -U "$T/root/tcpeek.sock" -j 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["pcap"]["tracker"]["packets"])' 2>/dev/null)
		[ "${p:-0}" -gt 0 ] && break
		sleep 0.1
	done
	check "tcpeek as root without capabilities still captures and serves ($p frames seen)" test "${p:-0}" -gt 0
	kill -TERM "$RPID"
	wait "$RPID"; rc=$?
	check "tcpeek as root exits 0 on SIGTERM and removes its socket" test "$rc" = 0 -a ! -e "$T/root/tcpeek.sock"
fi

# --- check_tcp_raw mid-check -----------------------------------------------------
# has_no_packet_socket PID: none of PID's socket descriptors is one of
# its namespace's packet sockets (/proc/PID/net/packet, inode column)
has_no_packet_socket() {
	local i
	for i in $(for l in /proc/"$1"/fd/*; do readlink "$l"; done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'); do
		awk -v i="$i" 'NR > 1 && $9 == i { f = 1 } END { exit !f }' /proc/"$1"/net/packet && return 1
	done
	return 0
}
has_packet_socket() { ! has_no_packet_socket "$1"; }
# 10.5.0.2 never answers ARP: the check waits 3 s, time to read /proc.
ip netns exec "$P-a" "$BIN/check_tcp_raw" -t 3000 v0 10.5.0.2 10.5.0.100 80 2>"$T/c" &
CPID=$!
bg_track "$CPID"
for _ in $(seq 40); do
	[ "$(st "$CPID" CapPrm 2>/dev/null)" = 0000000000000000 ] && has_packet_socket "$CPID" && break
	sleep 0.05
done
if kill -0 "$CPID" 2>/dev/null; then
	check "check_tcp_raw mid-check: its packet socket is open" has_packet_socket "$CPID"
	check "check_tcp_raw mid-check: CapEff empty, CAP_NET_RAW included ($(st "$CPID" CapEff))" test "$(st "$CPID" CapEff)" = 0000000000000000
	check "check_tcp_raw mid-check: CapPrm empty ($(st "$CPID" CapPrm))" test "$(st "$CPID" CapPrm)" = 0000000000000000
	check "check_tcp_raw mid-check: CapBnd only CAP_NET_RAW ($(st "$CPID" CapBnd))" test "$(st "$CPID" CapBnd)" = 0000000000002000
	check "check_tcp_raw mid-check: CapInh and CapAmb empty" \
		test "$(st "$CPID" CapInh) $(st "$CPID" CapAmb)" = "0000000000000000 0000000000000000"
	wait "$CPID"; rc=$?
	check "... and the check still sends, receives and ends with its verdict (exit $rc, timeout waiting for the ARP reply)" \
		bash -c '[ "$1" = 1 ] && grep -q "timeout after 3000 ms waiting for ARP reply" "$2"' _ "$rc" "$T/c"
else
	fail "check_tcp_raw ended before its capabilities could be read: $(cat "$T/c")"
fi

# BACKUP mode: an ordinary connect() to 10.5.0.2 (no ARP answer: it waits
# for -t; its SYN_SENT socket is seen in /proc/PID/net/tcp, remote
# 0200050A:0050) holds no capability at all
echo 0 >"$T/backup"
ip netns exec "$P-a" "$BIN/check_tcp_raw" -t 3000 -r "$T/backup" v0 10.5.0.2 10.5.0.100 80 2>"$T/cb" &
CPID=$!
bg_track "$CPID"
for _ in $(seq 40); do
	[ "$(st "$CPID" CapPrm 2>/dev/null)" = 0000000000000000 ] && grep -q ' 0200050A:0050 ' /proc/"$CPID"/net/tcp 2>/dev/null && break
	sleep 0.05
done
if kill -0 "$CPID" 2>/dev/null && grep -q ' 0200050A:0050 ' /proc/"$CPID"/net/tcp; then
	check "check_tcp_raw BACKUP, in connect(): CapEff/CapPrm empty ($(st "$CPID" CapEff)/$(st "$CPID" CapPrm))" \
		test "$(st "$CPID" CapEff) $(st "$CPID" CapPrm)" = "0000000000000000 0000000000000000"
	wait "$CPID"; rc=$?
	check "... and it ends with its verdict at -t (exit $rc): $(cat "$T/cb")" \
		bash -c '[ "$1" = 1 ] && grep -q "timeout after 3000 ms waiting for connect" "$2"' _ "$rc" "$T/cb"
else
	fail "check_tcp_raw BACKUP was not seen in connect(): $(cat "$T/cb")"
fi

# ... and already before the socket is opened: host names are looked up
# first (after the role file), so a resolver that never answers holds the
# check there until its -t; then it fails naming the host, socket unopened.
ns_add r
NS r ip link add v0 type veth peer name v1
NS r ip addr add 10.5.0.1/24 dev v0
NS r ip link set v0 up
NS r ip link set v1 up
dns_blackhole r 10.5.0.53 || fail "priv: resolver black hole could not be set up"
ip netns exec "$P-r" "$BIN/check_tcp_raw" -t 3000 v0 rs.synscope-test 10.5.0.100 80 2>"$T/c2" &
CPID=$!
bg_track "$CPID"
# held once its first query was sent (dropped), at most 2 s
for _ in $(seq 40); do
	[ "$(dns_queries r)" -ge 1 ] 2>/dev/null && break
	sleep 0.05
done
if kill -0 "$CPID" 2>/dev/null && [ "$(dns_queries r)" -ge 1 ]; then
	check "check_tcp_raw before its socket (waiting for the resolver): CapEff/CapPrm only CAP_NET_RAW ($(st "$CPID" CapEff)/$(st "$CPID" CapPrm))" \
		test "$(st "$CPID" CapEff) $(st "$CPID" CapPrm)" = "0000000000002000 0000000000002000"
	# its sockets (the resolver's UDP one) are none of the namespace's
	# packet sockets
	check "... and no packet socket is open yet" has_no_packet_socket "$CPID"
	wait "$CPID"; rc=$?
	check "... then it fails naming the host at its -t (exit $rc): $(cat "$T/c2")" \
		bash -c '[ "$1" = 1 ] && grep -q "REAL_SERVER .rs.synscope-test.: .*within 3000 ms" "$2"' _ "$rc" "$T/c2"
else
	fail "check_tcp_raw did not wait on the resolver: $(cat "$T/c2")"
fi

# --- missing privileges: one line, exit 1 --------------------------------------------
# one_line RC FILE TEXT: exit status RC and FILE is exactly one line holding TEXT
one_line() { [ "$1" = 1 ] && [ "$(wc -l <"$2")" = 1 ] && grep -qF "$3" "$2"; }
NS a "${AS_NOBODY[@]}" "$BIN/check_tcp_raw" -t 100 v0 10.5.0.2 10.5.0.100 80 >/dev/null 2>"$T/m1"; rc=$?
check "check_tcp_raw as nobody, no capability: exit $rc, '$(cat "$T/m1")'" \
	one_line "$rc" "$T/m1" "check_tcp_raw: opening a packet socket needs CAP_NET_RAW"
NS a "${AS_NOBODY[@]}" "$BIN/tcpeek" -i v0 -U "$T/n.sock" -q >/dev/null 2>"$T/m2"; rc=$?
check "tcpeek as nobody, no capability: exit $rc, '$(cat "$T/m2")'" \
	one_line "$rc" "$T/m2" "tcpeek: v0: permission denied (needs root or CAP_NET_RAW)"
check "... and it left no socket behind" test ! -e "$T/n.sock"
NS a setpriv --bounding-set=-setuid,-setgid --inh-caps=-setuid,-setgid \
	"$BIN/tcpeek" -i v0 -U "$T/u.sock" -q -u nobody >/dev/null 2>"$T/m3"; rc=$?
check "tcpeek -u as root without CAP_SETUID/CAP_SETGID: exit $rc, '$(cat "$T/m3")'" \
	one_line "$rc" "$T/m3" "tcpeek: -u nobody: changing to another user needs root (CAP_SETUID and CAP_SETGID)"
check "... refused before the socket was created" test ! -e "$T/u.sock"
NS a "${AS_NOBODY[@]}" --inh-caps=+net_raw --ambient-caps=+net_raw \
	"$BIN/tcpeek" -i v0 -U "$T/u2.sock" -q -u daemon >/dev/null 2>"$T/m4"; rc=$?
check "tcpeek -u daemon as nobody holding only CAP_NET_RAW: exit $rc, '$(cat "$T/m4")'" \
	one_line "$rc" "$T/m4" "tcpeek: -u daemon: changing to another user needs root"
# a file needs no privilege at all
"${AS_NOBODY[@]}" "$BIN/tcpeek" -r "$SYNSCOPE_ROOT/tests/data/mixed.pcap" -q -j >"$T/f.json" 2>"$T/m5"; rc=$?
check "tcpeek -r as nobody without capabilities works (exit $rc)" test "$rc" = 0 -a -s "$T/f.json"
