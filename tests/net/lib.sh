# Shared helpers for namespace scenarios.  Source it, then use:
#   ns_add NAME            create namespace "$P-NAME" (cleaned up on exit)
#   NS NAME cmd...         run a command inside it
#   ok MSG / fail MSG      record one assertion result
#   check "MSG" cmd...     ok if cmd succeeds, else fail
#   expect_rc N "MSG" cmd... ok if cmd exits with N
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

_cleanup() {
	local pid ns
	for pid in "${_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in "${_NSES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for t in "${_TMPS[@]}"; do rm -rf "$t"; done
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

mktmp() {
	local d
	d=$(mktemp -d /tmp/synscope-t.XXXXXX)
	_TMPS+=("$d")
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
