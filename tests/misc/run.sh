#!/usr/bin/env bash
# tests/misc: what surrounds the programs -- make install/uninstall, the man
# pages, the systemd unit, bash completion, the keepalived recipe and the
# capability set the unit grants.  Runs every tests/misc/t_*.sh (each
# sources tests/net/lib.sh and prints ok/not ok lines) and prints the
# totals.  Parts that need root or a tool that is absent say so on their
# own "ok - ... (skipped: ...)" line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export SYNSCOPE_ROOT=$(cd "$here/../.." && pwd)
export RESULTS=$(mktemp /tmp/synscope-misc.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT

only=${MISCTESTS:-}
for t in "$here"/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "$only" ] && ! [[ " $only " == *" $name "* ]]; then continue; fi
	echo "== misc/$name"
	if ! timeout 120 bash "$t"; then
		echo "not ok - $name: script exited non-zero" | tee -a "$RESULTS"
	fi
done
pass=$(grep -c '^ok ' "$RESULTS")
fail=$(grep -c '^not ok ' "$RESULTS")
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
