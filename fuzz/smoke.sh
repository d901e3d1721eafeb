#!/bin/sh
# Fuzz smoke test (part of make check): each harness given runs for a few
# seconds on its seed corpus fuzz/corpus/NAME; a crash, a sanitizer report
# or a hang (10 s on one input) fails it.  The seeds are only read: new
# inputs go to a temporary directory, reproducers of failures are kept in
# build-fuzz/crashes/.  FUZZ_SECONDS sets the time per harness (default 3).
# Prints `ok - fuzz NAME` / `not ok - fuzz NAME` and `N passed, N failed`.
set -u
secs=${FUZZ_SECONDS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/synscope-fuzz-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	mkdir -p "$tmp/$name" "$tmp/$name-art"
	if "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$tmp/$name-art/" "$tmp/$name" "$root/fuzz/corpus/$name" \
	    >"$tmp/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
		echo "ok - fuzz $name (${runs:-?} runs in ${secs} s)"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $name"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$tmp/$name.log" | head -5 | sed 's/^/# /'
		mkdir -p "$root/build-fuzz/crashes"
		cp "$tmp/$name-art/"* "$root/build-fuzz/crashes/" 2>/dev/null &&
			echo "# reproducer in build-fuzz/crashes/"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
