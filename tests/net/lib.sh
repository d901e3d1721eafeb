# Shared helpers for namespace scenarios.  Source it, then use:
#   ns_add NAME            create namespace "$P-NAME" (cleaned up on exit)
#   NS NAME cmd...         run a command inside it
#   ok MSG / fail MSG      record one assertion result
#   check "MSG" cmd...     ok if cmd succeeds, else fail
#   expect_rc N "MSG" cmd... ok if cmd exits with N
#   dns_blackhole NAME ADDR  NAME's resolver never answers (see below)
# Everything created is named with the per-scenario prefix $P and removed
# by the EXIT trap; nothing else on the machine is touched.
set -u
: "${SYNSCOPE_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${RESULTS:=/dev/null}"
BIN="$SYNSCOPE_ROOT/bin"
TOOLS="$SYNSCOPE_ROOT/${BUILD:-build}/tools"
P="ss$$"                      # short: interface names are limited to 15 chars
_NSES=()
_PIDS=()
_TMPS=()
_TMPLIST=$(mktemp /tmp/synscope-tl.XXXXXX)

_cleanup() {
	local pid ns pids
	for pid in "${_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	# a program started in the background through NS is a child of a
	# subshell, not the pid tracked: whatever still runs in our own
	# namespaces is ours to stop
	for ns in "${_NSES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for ns in "${_NSES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for t in "${_TMPS[@]}"; do rm -rf "$t"; done
	while read -r t; do
		case $t in /tmp/synscope-t.*) rm -rf "$t" ;; esac
	done <"$_TMPLIST"
	rm -f "$_TMPLIST"
	[ -z "${_ETC_NETNS:-}" ] || rmdir /etc/netns 2>/dev/null
}
trap _cleanup EXIT

ns_add() {
	ip netns add "$P-$1" || { echo "lib.sh: cannot create netns $P-$1" >&2; exit 1; }
	_NSES+=("$P-$1")
	ip -n "$P-$1" link set lo up
}

NS() {
	local n=$1; shift
	ip netns exec "$P-$n" "$@"
}

# Remember a background pid so it is killed at exit.
bg_track() { _PIDS+=("$1"); }

# A temporary directory, removed at exit.  Called as T=$(mktmp), i.e. in
# a subshell: the path is remembered in a file, not in a variable.
mktmp() {
	local d
	d=$(mktemp -d /tmp/synscope-t.XXXXXX)
	echo "$d" >>"$_TMPLIST"
	echo "$d"
}

ok()   { echo "ok - $*" | tee -a "$RESULTS"; }
fail() { echo "not ok - $*" | tee -a "$RESULTS"; }

check() {
	local msg=$1; shift
	if "$@"; then ok "$msg"; else fail "$msg"; fi
}

expect_rc() {
	local want=$1 msg=$2 rc; shift 2
	"$@"; rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$msg"; else fail "$msg (exit $rc, wanted $want)"; fi
}

# Namespaces "cli" and "srv" joined by a veth pair ($P-c in cli with
# CLI_IP/24, $P-s in srv with SRV_IP/24), both ends up.
veth_cli_srv() {
	ns_add cli
	ns_add srv
	ip link add "$P-c" type veth peer name "$P-s"
	ip link set "$P-c" netns "$P-cli"
	ip link set "$P-s" netns "$P-srv"
	NS cli ip addr add "$1/24" dev "$P-c"
	NS srv ip addr add "$2/24" dev "$P-s"
	NS cli ip link set "$P-c" up
	NS srv ip link set "$P-s" up
}

# A TCP listener on PORT in namespace NS that accepts and closes, so every
# connect to it completes its handshake; BACKLOG defaults to 256.  Tracked
# for cleanup; returns once it listens (1 if it never does).
accept_listener() {
	# "ip netns exec" execs the command: $! is the pid to track and kill.
	ip netns exec "$P-$1" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(int(sys.argv[2]))
while True:
    c, _ = s.accept()
    c.close()
' "$2" "${3:-256}" >/dev/null 2>&1 &
	bg_track $!
	wait_listen "$1" "$2"
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# Wait until a TCP listener on PORT exists in namespace NS (up to 5 s).
wait_listen() {
	local n=$1 port=$2 i
	for i in $(seq 50); do
		NS "$n" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# A resolver that never answers, for namespace NAME: ADDR goes on its lo,
# an nft rule drops (and counts) DNS to it on input, so no reply and no
# ICMP error ever comes back; /etc/netns/$P-NAME/resolv.conf, which
# `ip netns exec` mounts over /etc/resolv.conf, names it with glibc's
# defaults spelt out (5 s per try, 2 tries).  Extra files for /etc (a
# hosts file, say) may go into that directory too.  Removed at exit, and
# /etc/netns itself when this created it.
dns_blackhole() {
	local n=$1 addr=$2
	NS "$n" ip addr add "$addr/32" dev lo
	NS "$n" nft -f - <<NFT || return 1
table inet ${P}dns {
	counter q { }
	chain in {
		type filter hook input priority -10; policy accept;
		ip daddr $addr udp dport 53 counter name q drop
		ip daddr $addr tcp dport 53 counter name q drop
	}
}
NFT
	if [ ! -d /etc/netns ]; then mkdir /etc/netns || return 1; _ETC_NETNS=1; fi
	mkdir "/etc/netns/$P-$n" || return 1
	_TMPS+=("/etc/netns/$P-$n")
	printf 'nameserver %s\noptions timeout:5 attempts:2\n' "$addr" >"/etc/netns/$P-$n/resolv.conf"
}

# DNS queries dropped so far by NAME's dns_blackhole.
dns_queries() {
	NS "$1" nft list counter inet "${P}dns" q | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# sock_request SOCK LINE: send LINE (ended by CRLF) on a stats socket and
# print the whole answer; a silent server is given up after 3 s.
sock_request() {
	python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\r\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
EOF
}
