#!/usr/bin/env bash
# The stats socket's path against a local attacker: an unprivileged user
# (nobody) swaps symbolic links in a loop while root starts tcpeek again
# and again (-r on a small capture: each start creates, serves and removes
# the socket).  Before the fix, root chmod'ed or chown'ed the victim by
# name within a few dozen starts.  In every setup the victims (a root-only
# file and a root-only directory) must keep owner, mode and content:
#   A. the socket's directory belongs to the attacker: refused;
#   B. the directory is missing and its parent is writable by the attacker
#      (not sticky): refused, nothing created;
#   C. -u nobody: the directory tcpeek itself created for nobody's group
#      (root-owned, 1770), the attacker racing inside it;
#   D. a root-owned sticky parent (like /tmp) where the attacker races to
#      put a link in place of the missing directory.
. "$(dirname "$0")/lib.sh"
[ -x "$BIN/tcpeek" ] || { fail "socket race: $BIN/tcpeek not built"; exit 0; }
command -v setpriv >/dev/null || { ok "socket race (skipped: no setpriv)"; exit 0; }
id nobody >/dev/null 2>&1 || { ok "socket race (skipped: no user nobody)"; exit 0; }
# the attacker runs as nobody: a python3 nobody may execute (not a shim
# in root's home)
PY=/usr/bin/python3
[ -x "$PY" ] || { ok "socket race (skipped: no $PY)"; exit 0; }
PCAP=$SYNSCOPE_ROOT/tests/data/success.pcap
RUNS=${RACE_RUNS:-60}
NOGROUP=$(id -gn nobody)

T=$(mktmp)
chmod 755 "$T"
V=$T/victim                     # root-only file
VD=$T/victimdir                 # root-only directory
echo "secret" >"$V"
chmod 600 "$V"
mkdir "$VD"
chmod 700 "$VD"
state() { stat -c '%u %g %a' "$V" "$VD" | tr '\n' ' '; cat "$V"; }
before=$(state)

# attacker LINK TARGET: as nobody, wait for root to create LINK (a socket
# or a directory), move it away where the directory allows, put a symbolic
# link to TARGET in its place for a moment, and clear the way for the next
# start; as fast as python can.
attacker() {
	setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups "$PY" -c '
import os, stat, sys, time
link, target = sys.argv[1], sys.argv[2]
def rm(p):
    try:
        if os.path.isdir(p) and not os.path.islink(p):
            os.rmdir(p)
        else:
            os.unlink(p)
    except OSError:
        pass
while True:
    try:
        st = os.lstat(link)
    except OSError:
        continue
    if stat.S_ISLNK(st.st_mode):
        rm(link)
        continue
    try:
        os.rename(link, link + ".moved")
    except OSError:
        rm(link)
    try:
        os.symlink(target, link)
        time.sleep(0.005)
    except OSError:
        pass
    rm(link)
    rm(link + ".moved")
' "$1" "$2" &
	ATT=$!
	bg_track "$ATT"
}
# the attack must have been running all along, or the test proves nothing
stop_attacker() {
	check "$1: the attacker (nobody) was racing throughout" kill -0 "$ATT"
	kill "$ATT" 2>/dev/null; wait "$ATT" 2>/dev/null
}

# starts SOCK N [args]: run tcpeek N times; prints "ran refused other"
starts() {
	local sock=$1 n=$2 i rc ran=0 refused=0 other=0; shift 2
	for i in $(seq "$n"); do
		"$BIN/tcpeek" -q -r "$PCAP" -U "$sock" "$@" >/dev/null 2>"$T/err"; rc=$?
		if [ "$rc" = 0 ]; then ran=$((ran + 1))
		elif [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ]; then refused=$((refused + 1)); cp "$T/err" "$T/last"
		else other=$((other + 1)); cp "$T/err" "$T/other"
		fi
	done
	echo "$ran $refused $other"
}

# A: the directory is the attacker's
mkdir "$T/a"; chown nobody "$T/a"
attacker "$T/a/tcpeek.sock" "$V"
read -r ran refused other < <(starts "$T/a/tcpeek.sock" "$RUNS")
stop_attacker A
check "A: directory owned by nobody: all $RUNS starts refused ($ran ran, $refused refused, $other other)" \
	test "$refused" = "$RUNS"
check "A: the refusal names the directory and why ($(cat "$T/last"))" \
	grep -q "^tcpeek: socket $T/a/tcpeek.sock: $T/a is not owned by root" "$T/last"
check "A: victims untouched" test "$(state)" = "$before"

# B: missing directory, parent writable by all, not sticky
mkdir "$T/b"; chmod 777 "$T/b"
attacker "$T/b/run" "$VD"
read -r ran refused other < <(starts "$T/b/run/tcpeek.sock" "$RUNS" -u nobody)
stop_attacker B
check "B: parent writable by others: all $RUNS starts refused ($ran ran, $refused refused, $other other)" \
	test "$refused" = "$RUNS"
check "B: the refusal says the parent is writable ($(cat "$T/last"))" \
	grep -q "$T/b is writable by users other than root and not sticky" "$T/last"
check "B: victims untouched" test "$(state)" = "$before"
check "B: nothing created in the parent" test -z "$(find "$T/b" -mindepth 1 ! -type l)"

# C: -u nobody, in the directory tcpeek created (nobody's group may write)
mkdir "$T/c"
"$BIN/tcpeek" -q -r "$PCAP" -U "$T/c/run/tcpeek.sock" -u nobody >/dev/null 2>"$T/err"
check "C: first start creates the directory root:$NOGROUP 1770 ($(stat -c '%U:%G %a' "$T/c/run" 2>&1))" \
	test "$(stat -c '%U:%G %a' "$T/c/run" 2>&1)" = "root:$NOGROUP 1770"
attacker "$T/c/run/tcpeek.sock" "$V"
read -r ran refused other < <(starts "$T/c/run/tcpeek.sock" "$RUNS" -u nobody)
stop_attacker C
check "C: $RUNS starts with the attacker inside: each ran or refused with one line ($ran ran, $refused refused, $other other: $(cat "$T/other" 2>/dev/null))" \
	test "$other" = 0
check "C: victims untouched" test "$(state)" = "$before"
check "C: the directory is still root's ($(stat -c '%U:%G %a' "$T/c/run"))" \
	test "$(stat -c '%U:%G %a' "$T/c/run")" = "root:$NOGROUP 1770"

# D: root-owned sticky parent, the attacker races for the missing name
mkdir "$T/d"; chmod 1777 "$T/d"
attacker "$T/d/run" "$VD"
read -r ran refused other < <(starts "$T/d/run/tcpeek.sock" "$RUNS" -u nobody)
stop_attacker D
check "D: sticky parent: each start ran or refused with one line ($ran ran, $refused refused, $other other: $(cat "$T/other" 2>/dev/null))" \
	test "$other" = 0
check "D: victims untouched" test "$(state)" = "$before"
if [ -d "$T/d/run" ] && [ ! -L "$T/d/run" ]; then
	check "D: a directory tcpeek made is root's ($(stat -c '%U:%G %a' "$T/d/run"))" \
		test "$(stat -c '%U:%G %a' "$T/d/run")" = "root:$NOGROUP 1770"
fi
