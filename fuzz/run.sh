#!/bin/sh
# Long fuzzing campaign of one harness, in one process (no -jobs):
#   fuzz/run.sh NAME RUNS [SECONDS [LIBFUZZER-FLAG...]]
# runs build-fuzz/fuzz_NAME for RUNS executions (or SECONDS, whichever
# comes first; 0 = no limit) on a working corpus in $FUZZ_WORK (default /tmp/synscope-fuzz)
# seeded from fuzz/corpus/NAME, and prints libFuzzer's final statistics.
# Crash reproducers land in $FUZZ_WORK/NAME-crashes/.  The committed seed
# corpus is never written to.
set -eu
name=$1 runs=$2 secs=${3:-0}
shift $(($# < 3 ? $# : 3))
# a smaller quarantine and shorter allocation stacks: ~20 % more runs a
# second on the allocation-heavy harnesses, same checks
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:malloc_context_size=4}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${FUZZ_WORK:-/tmp/synscope-fuzz}
mkdir -p "$work/$name" "$work/$name-crashes"
case $name in
ctl) maxlen=512 ;;
track) maxlen=512 ;;    # ~80 records: cost grows with the length
*) maxlen=4096 ;;
esac
exec "$root/build-fuzz/fuzz_$name" -runs="$runs" -max_total_time="$secs" \
    -max_len="$maxlen" -print_final_stats=1 \
    -artifact_prefix="$work/$name-crashes/" "$@" "$work/$name" "$root/fuzz/corpus/$name"
