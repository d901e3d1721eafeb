#!/usr/bin/env bash
# Golden tests: for every tests/data/NAME.pcap with NAME.json beside it,
# `tcpeek -r NAME.pcap -q -j` must print exactly that JSON (compared after
# normalising with python's json module is NOT used: byte comparison of a
# canonical pretty print made by tcpeek itself).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pass=0; fail=0
for exp in "$here"/*.json; do
	[ -e "$exp" ] || continue
	name=$(basename "$exp" .json)
	pcap="$here/$name.pcap"
	args=()
	[ -f "$here/$name.args" ] && read -r -a args < "$here/$name.args"
	out=$(TZ=UTC "$root/bin/tcpeek" -r "$pcap" -q -j "${args[@]}" 2>/dev/null)
	if [ "$out" == "$(cat "$exp")" ]; then
		echo "ok - golden $name"; pass=$((pass + 1))
	else
		echo "not ok - golden $name"; fail=$((fail + 1))
		diff <(echo "$out") "$exp" | head -20
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
