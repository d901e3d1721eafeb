#!/usr/bin/env bash
# make bench: run every benchmark script in bench/ (bench_*.sh).  Each one
# measures a floor and the program in the same run and prints ratios.
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	bash "$b" || status=1
done
exit $status
