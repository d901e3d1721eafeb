#!/bin/sh
# make demo: show tcpeek on a recorded capture, no network and no root
# needed.  tests/data/mixed.pcap holds about 200 interleaved handshakes
# of every kind (successes, rejects, timeouts, ICMP unreachables, aborts,
# retransmissions, a few still open at the end, malformed frames);
# tests/data/mixed6.pcap interleaves IPv6 and IPv4 handshakes.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pcap=tests/data/mixed.pcap
tcpeek=bin/tcpeek
for f in "$tcpeek" "$pcap" tests/data/mixed6.pcap; do
	if [ ! -e "$f" ]; then
		echo "demo: $f is missing (run 'make' first)" >&2
		exit 1
	fi
done

# Timestamps in the capture are UTC; show them as such.
export TZ=UTC

say() { printf '\n\033[1m== %s\033[0m\n\n' "$*"; }
[ -t 1 ] || say() { printf '\n== %s\n\n' "$*"; }

say "1/4  one line per finished handshake (stderr), then the summary"
echo "\$ tcpeek -r $pcap --icmp"
"$tcpeek" -r "$pcap" --icmp 2>&1 | sed -n '1,14p'
echo "   ... (more lines) ..."
"$tcpeek" -r "$pcap" --icmp 2>&1 | sed -n '/TCPEEK SUMMARY/,$p' | sed -n '1,19p'
echo "   ... (TX block) ..."

say "2/4  per-filter counters: web ports, and one subnet excluded"
echo "\$ tcpeek -r $pcap --icmp -q web:RX@%:80:443 :RX@192.168.1.0/24:%"
"$tcpeek" -r "$pcap" --icmp -q 'web:RX@%:80:443' ':RX@192.168.1.0/24:%' 2>&1 |
	sed -n '/^ web$/,/Handshake/p'

say "3/4  the same data as JSON (what the stats socket and tcpeekstat serve)"
echo "\$ tcpeek -r $pcap --icmp -q -j"
if command -v python3 >/dev/null 2>&1; then
	"$tcpeek" -r "$pcap" --icmp -q -j 2>/dev/null | python3 -m json.tool --indent 1 | sed -n '1,60p'
	echo " ..."
else
	"$tcpeek" -r "$pcap" --icmp -q -j 2>/dev/null
fi

say "4/4  IPv6 beside IPv4: bracketed prefixes in filters, wider lines for IPv6"
p6=tests/data/mixed6.pcap
f6='v6:RX@[::/0]:%'
flan='lan:RX@[2001:db8:192:168::/64]:80:443'
echo "\$ tcpeek -r $p6 --icmp '$f6' '$flan'"
"$tcpeek" -r "$p6" --icmp "$f6" "$flan" 2>&1 | sed -n '2,8p'
echo "   ... (more lines) ..."
"$tcpeek" -r "$p6" --icmp -q "$f6" "$flan" 2>&1 | sed -n '/^ v6$/,/Handshake/p'

echo
echo "Next: 'sudo bin/tcpeek -i eth0' to watch live (Ctrl-C for the summary), and 'sudo bin/tcpeekstat' while it runs."
