#!/usr/bin/env bash
# check_tcp_raw -r with a role file that is not a regular file: a FIFO
# (no writer, or a writer that never writes), a directory, a device, a
# UNIX socket.  Each must be refused at once (exit 1, one line naming the
# path), never block: keepalived would kill a hung check and mark the
# server down with no reason given.  The check itself never starts, so a
# lone veth end is enough of a network.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
C=$BIN/check_tcp_raw
T=$(mktmp)

ns_add a
NS a ip link add e0 type veth peer name e0p
NS a ip addr add 10.8.0.1/24 dev e0
NS a ip link set e0p up
NS a ip link set e0 up

# refused DESC PATH: exit 1 within 1 s (a hang is cut at 5 s), exactly one
# stderr line naming PATH and "not a regular file", and with -j one JSON
# object on stdout.
refused() {
	local desc=$1 path=$2 rc ms s
	s=$(now_ms)
	NS a timeout 5 "$C" -j -t 300 -r "$path" e0 10.8.0.2 10.8.0.100 80 >"$T/out" 2>"$T/err"; rc=$?
	ms=$(( $(now_ms) - s ))
	echo "# $desc: exit $rc in $ms ms" >&2
	if [ "$rc" -eq 1 ] && [ "$ms" -lt 1000 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
		grep -qF "role file '$path': not a regular file" "$T/err" &&
		python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(o["verdict"] != "error" or o["outcome"] != "role_file_unreadable" or "not a regular file" not in o["reason"])' "$T/out" 2>/dev/null; then
		ok "role file $desc: refused in $ms ms, exit 1, one line naming it, -j object"
	else
		fail "role file $desc: exit $rc in $ms ms: $(head -c 300 "$T/err") / $(head -c 300 "$T/out")"
	fi
}

mkfifo "$T/fifo"
refused "FIFO without a writer" "$T/fifo"

# A writer that holds the FIFO open and never writes: opening for reading
# succeeds at once, the first read would wait forever.
mkfifo "$T/fifo2"
sleep 60 3<>"$T/fifo2" &
bg_track $!
refused "FIFO with a silent writer" "$T/fifo2"

refused "directory" "$T"
refused "device (/dev/zero)" /dev/zero

python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
refused "UNIX socket" "$T/sock"

# A symbolic link to a FIFO is a FIFO too.
ln -s "$T/fifo" "$T/link"
refused "symbolic link to a FIFO" "$T/link"

# Regular files keep their meaning (a check then runs: no peer answers
# ARP on e0, so the raw check fails on its deadline, BACKUP connects to
# nobody): what matters is which mode ran.
echo 1 >"$T/master"
printf '0\n' >"$T/backup"
NS a "$C" -j -t 200 -r "$T/master" e0 10.8.0.2 10.8.0.100 80 >"$T/m" 2>/dev/null
check "role file '1': raw mode" grep -q '"mode":"raw"' "$T/m"
NS a "$C" -j -t 200 -r "$T/backup" e0 10.8.0.2 10.8.0.100 80 >"$T/b" 2>/dev/null
check "role file '0': connect mode" grep -q '"mode":"connect"' "$T/b"
NS a "$C" -j -t 200 -r "$T/missing" e0 10.8.0.2 10.8.0.100 80 >"$T/n" 2>"$T/ne"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/ne")" -eq 1 ] && grep -q "role file '$T/missing': No such file or directory" "$T/ne" &&
	grep -q '"verdict":"error","outcome":"role_file_unreadable"' "$T/n" &&
	ok "missing role file: exit 1, one line naming it, -j object" || fail "missing role file: rc $rc: $(cat "$T/ne")"
