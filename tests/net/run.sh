#!/usr/bin/env bash
# Run every namespace scenario (tests/net/t_*.sh) and print the totals.
# Each scenario sources lib.sh, creates its own namespaces (named with a
# per-run prefix) and removes exactly those on exit.  Needs root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export SYNSCOPE_ROOT=$(cd "$here/../.." && pwd)
export RESULTS=$(mktemp /tmp/synscope-net.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "tests/net: needs root and network namespaces: skipped"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
only=${NETTESTS:-}
for t in "$here"/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "$only" ] && ! [[ " $only " == *" $name "* ]]; then continue; fi
	echo "== $name"
	if ! timeout 300 bash "$t"; then
		echo "not ok - $name: scenario script exited non-zero" | tee -a "$RESULTS"
	fi
done
pass=$(grep -c '^ok ' "$RESULTS")
fail=$(grep -c '^not ok ' "$RESULTS")
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
