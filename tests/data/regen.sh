#!/usr/bin/env bash
# Regenerate the golden pcaps (and their .truth / .args) with pcapgen.
#   tests/data/regen.sh           write them into tests/data/
#   tests/data/regen.sh --check   regenerate into a temp dir and compare
#                                 byte for byte with the committed files
#   tests/data/regen.sh --truth   run bin/tcpeek -r on each pcap and compare
#                                 its -j document with the .truth values
# BUILD (default build) names the build directory holding tools/pcapgen.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gen="$root/${BUILD:-build}/tools/pcapgen"
mode=${1:-write}

case $mode in
write|--check|--truth) ;;
*) echo "usage: $0 [--check|--truth]" >&2; exit 64 ;;
esac

if [ ! -x "$gen" ]; then
	echo "not ok - $gen is missing (run make)"
	exit 1
fi
mapfile -t scen < <("$gen" --list | cut -f1 | grep -v '^bench-')
if [ "${#scen[@]}" -eq 0 ]; then
	echo "not ok - pcapgen --list gave no scenario"
	exit 1
fi

if [ "$mode" = write ]; then
	for s in "${scen[@]}"; do
		"$gen" "$s" "$here/$s.pcap" || { echo "regen: $s failed" >&2; exit 1; }
	done
	echo "regen: ${#scen[@]} scenarios written to $here"
	exit 0
fi

if [ "$mode" = --truth ]; then
	# The .truth values are known from construction; this compares them
	# with what tcpeek reports (python3 only reads the JSON).
	pass=0; fail=0
	for s in "${scen[@]}"; do
		args=()
		[ -f "$here/$s.args" ] && read -r -a args < "$here/$s.args"
		json=$(TZ=UTC "$root/bin/tcpeek" -r "$here/$s.pcap" -q -j "${args[@]}" 2>/dev/null) || true
		bad=$(python3 - "$here/$s.truth" "$json" <<'PY'
import json, sys
try:
    doc = json.loads(sys.argv[2])
    flat = {}
    for elem in doc:
        for k, v in elem.items():
            flat[k] = v
except Exception as e:
    print("no JSON document (%s)" % e)
    sys.exit(0)
for line in open(sys.argv[1]):
    path, want = line.strip().split("=")
    node = flat
    try:
        for part in path.split("."):
            node = node[part]
    except (KeyError, TypeError):
        print("%s missing" % path)
        continue
    if str(node) != want:
        print("%s=%s, truth %s" % (path, node, want))
PY
)
		if [ -z "$bad" ]; then
			echo "ok - truth $s"; pass=$((pass + 1))
		else
			echo "not ok - truth $s"; fail=$((fail + 1))
			echo "$bad" | head -10 | sed 's/^/#   /'
		fi
	done
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# --check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for s in "${scen[@]}"; do
	if ! "$gen" "$s" "$tmp/$s.pcap" 2>"$tmp/err"; then
		echo "not ok - pcapgen $s failed: $(head -1 "$tmp/err")"
		bad=$((bad + 1))
		continue
	fi
	for ext in pcap truth args; do
		new="$tmp/$s.$ext" old="$here/$s.$ext"
		if [ -e "$new" ] && ! cmp -s "$new" "$old"; then
			echo "not ok - $s.$ext differs from a fresh regeneration"
			bad=$((bad + 1))
		elif [ ! -e "$new" ] && [ "$ext" != args ] && [ -e "$old" ]; then
			echo "not ok - $s.$ext is committed but no longer generated"
			bad=$((bad + 1))
		fi
	done
done
# a second run must give the same bytes as the first
mkdir "$tmp/again"
for s in "${scen[@]}"; do
	"$gen" "$s" "$tmp/again/$s.pcap" 2>/dev/null || continue
	if ! cmp -s "$tmp/again/$s.pcap" "$tmp/$s.pcap"; then
		echo "not ok - pcapgen $s is not deterministic"
		bad=$((bad + 1))
	fi
done
if [ "$bad" -eq 0 ]; then
	echo "ok - pcaps regenerate identically (${#scen[@]} scenarios)"
fi
[ "$bad" -eq 0 ]
