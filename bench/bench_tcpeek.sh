#!/usr/bin/env bash
# tcpeek file-mode throughput against a bare libpcap read loop (the floor),
# both measured in this run on the same files.
#
#   bench/bench_tcpeek.sh        (make bench runs it)
#   BENCH_N=200000 BENCH_RUNS=5 bench/bench_tcpeek.sh
#
# Then, on the handshakes file (whose handshakes carry on as connections
# the tracker follows): `tcpeek --track-established` against plain
# handshake-only tcpeek, in the same rounds, giving the cost per packet of
# following connections; and, when TCPEEK_BASE names another tcpeek binary
# (one built from an earlier commit), handshake-only tcpeek against it,
# same rounds: the ratio shows whether handshake-only got slower (the
# rounds over the three files time it too: a throughput ratio per file).
#
# Four pcaps are generated into a temp dir (deleted at the end):
#   handshakes  BENCH_N successful handshakes, ~1 k in flight
#   handshakes6 the same over IPv6 (the addresses' IPv6 twins, pcapgen's
#               bench-handshakes6): its own floor, and its rate against
#               the IPv4 file's
#   open400k    BENCH_N successful handshakes, ~400 k in flight
#   flood       BENCH_N SYNs from random sources, never answered
# For each: median wall time of BENCH_RUNS runs of build/tools/pcap_floor
# and of `bin/tcpeek -r FILE -q` (in rounds over the four files),
# packets/s for both, their ratio, and the peak RSS; then the same ratios
# from the fastest run of each ("min") and from the median CPU time (user
# + system, "cpu-time"), both less sensitive to other work on a shared
# machine.  Runs go through build/tools/cputime (bench/cputime.c).  The
# target checks use the median wall times and print PASS or MISS; a MISS
# does not fail the script (speed is reported, not asserted), a broken run
# does.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/${BUILD:-build}"
gen="$build/tools/pcapgen"
floor="$build/tools/pcap_floor"
tcpeek="${TCPEEK:-$root/bin/tcpeek}"   # TCPEEK: another binary to measure
N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
cputime="$build/tools/cputime"

for f in "$gen" "$floor" "$cputime" "$tcpeek"; do
	if [ ! -x "$f" ]; then
		echo "bench_tcpeek: $f is missing (run make)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_tcpeek.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# now in microseconds (bash 5's EPOCHREALTIME, else date)
now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo "$t"
	else
		date +%s%6N
	fi
}

# run_timed OUTVAR_US OUTVAR_KB cmd...: one run, wall time and peak RSS;
# the CPU time (user + system) it used goes to RUN_CPU_US
RUN_CPU_US=0
run_timed() {
	local -n _us=$1 _kb=$2
	local w c m
	shift 2
	"$cputime" -o "$tmp/cpu" "$@" >/dev/null 2>"$tmp/err" || return 1
	read -r w c m <"$tmp/cpu" || return 1
	_us=$w
	_kb=$m
	RUN_CPU_US=$c
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

minimum() {
	printf '%s\n' "$@" | sort -n | head -1
}

# Timings are taken round by round (each round runs the floor and tcpeek
# on every file in turn), so that a change in the load of a shared machine
# falls on all files alike and the open400k/handshakes comparison stays fair.
declare -A PKTS TF TP TB RS CF CP CB PPS_FLOOR PPS_PEEK RSS_PEEK MIN_FLOOR MIN_PEEK CPU_FLOOR CPU_PEEK

# count NAME FILE: the packets in FILE, by the floor
count() {
	local name=$1 file=$2 pk
	pk=$("$floor" "$file" | awk '{ print $2 }')
	if [ -z "$pk" ] || [ "$pk" -eq 0 ]; then
		echo "bench_tcpeek: pcap_floor read nothing from $file" >&2
		return 1
	fi
	PKTS[$name]=$pk
}

# round NAME FILE: one timed run of the floor and one of tcpeek
round() {
	local name=$1 file=$2 us kb
	run_timed us kb "$floor" "$file" || { echo "bench_tcpeek: pcap_floor failed on $name" >&2; return 1; }
	TF[$name]+="$us "
	CF[$name]+="$RUN_CPU_US "
	if ! run_timed us kb "$tcpeek" -r "$file" -q; then
		echo "bench_tcpeek: tcpeek failed on $name: $(head -1 "$tmp/err")" >&2
		return 1
	fi
	TP[$name]+="$us "
	CP[$name]+="$RUN_CPU_US "
	RS[$name]+="$kb "
	if [ -n "${TCPEEK_BASE:-}" ] && [ -x "$TCPEEK_BASE" ]; then
		run_timed us kb "$TCPEEK_BASE" -r "$file" -q ||
			{ echo "bench_tcpeek: TCPEEK_BASE failed on $name" >&2; return 1; }
		TB[$name]+="$us "
		CB[$name]+="$RUN_CPU_US "
	fi
}

# base_report NAME: this tcpeek's throughput against TCPEEK_BASE's on the
# same file, same rounds (>= 1: not slower), from wall and CPU medians
base_report() {
	local name=$1
	local -a tp tb cp cb
	[ -n "${TB[$name]:-}" ] || return 0
	read -r -a tp <<<"${TP[$name]}"
	read -r -a tb <<<"${TB[$name]}"
	read -r -a cp <<<"${CP[$name]}"
	read -r -a cb <<<"${CB[$name]}"
	awk -v n="$name" -v tp="$(median "${tp[@]}")" -v tb="$(median "${tb[@]}")" \
	    -v cp="$(median "${cp[@]}")" -v cb="$(median "${cb[@]}")" 'BEGIN {
		printf "base %-11s throughput vs TCPEEK_BASE: %.3fx (wall %.3f s vs %.3f s), %.3fx (cpu %.3f s vs %.3f s)\n",
		    n, tb / tp, tp / 1e6, tb / 1e6, cb / cp, cp / 1e6, cb / 1e6 }'
}

# report NAME: medians (and minima) of its rounds, one line
report() {
	local name=$1 pk=${PKTS[$1]} mf mp mr
	local -a tf tp rss cf cp
	read -r -a tf <<<"${TF[$name]}"
	read -r -a tp <<<"${TP[$name]}"
	read -r -a rss <<<"${RS[$name]}"
	read -r -a cf <<<"${CF[$name]}"
	read -r -a cp <<<"${CP[$name]}"
	CPU_FLOOR[$name]=$(median "${cf[@]}")
	CPU_PEEK[$name]=$(median "${cp[@]}")
	mf=$(median "${tf[@]}")
	mp=$(median "${tp[@]}")
	mr=$(median "${rss[@]}")
	MIN_FLOOR[$name]=$(minimum "${tf[@]}")
	MIN_PEEK[$name]=$(minimum "${tp[@]}")
	PPS_FLOOR[$name]=$(awk -v p="$pk" -v u="$mf" 'BEGIN { printf "%.0f", p / (u / 1e6) }')
	PPS_PEEK[$name]=$(awk -v p="$pk" -v u="$mp" 'BEGIN { printf "%.0f", p / (u / 1e6) }')
	RSS_PEEK[$name]=$mr
	awk -v n="$name" -v p="$pk" -v f="${PPS_FLOOR[$name]}" -v t="${PPS_PEEK[$name]}" \
	    -v mf="$mf" -v mp="$mp" -v r="$mr" 'BEGIN {
		printf "%-11s %9d pkts  floor %6.2f Mpps (%6.3f s)  tcpeek %6.2f Mpps (%6.3f s)  ratio %.2f  rss %.1f MB\n",
		    n, p, f / 1e6, mf / 1e6, t / 1e6, mp / 1e6, t / f, r / 1024 }'
}

# the counts must be right, or the speed means nothing
verify() {
	local name=$1 file=$2 path=$3 want=$4 got
	got=$("$tcpeek" -r "$file" -q -j 2>/dev/null | "$build/tools/jsonq" - "$path" 2>/dev/null)
	if [ "$got" != "$want" ]; then
		echo "bench_tcpeek: $name: $path is '$got', expected $want" >&2
		return 1
	fi
}

echo "bench_tcpeek: $N handshakes/SYNs per file, median of $RUNS runs"
status=0
for s in handshakes handshakes6 open400k flood; do
	t0=$(now_us)
	case $s in
	handshakes) "$gen" bench-handshakes "$tmp/$s.pcap" "$N" 1000 ;;
	handshakes6) "$gen" bench-handshakes6 "$tmp/$s.pcap" "$N" 1000 ;;
	open400k) "$gen" bench-open400k "$tmp/$s.pcap" "$N" $((N * 2 / 5)) ;;
	flood) "$gen" bench-flood "$tmp/$s.pcap" "$N" ;;
	esac || { echo "bench_tcpeek: pcapgen $s failed" >&2; exit 1; }
	t1=$(now_us)
	printf 'generated %-10s in %.2f s\n' "$s" "$(awk -v u=$((t1 - t0)) 'BEGIN { print u / 1e6 }')"
done
if [ -x "$build/tools/jsonq" ]; then
	verify handshakes "$tmp/handshakes.pcap" RX.success.total "$N" || status=1
	verify handshakes6 "$tmp/handshakes6.pcap" RX.success.total "$N" || status=1
	verify open400k "$tmp/open400k.pcap" RX.success.total "$N" || status=1
	verify flood "$tmp/flood.pcap" pcap.tracker.packets "$N" || status=1
fi
for s in handshakes handshakes6 open400k flood; do
	count "$s" "$tmp/$s.pcap" || status=1
done
for ((i = 0; status == 0 && i < RUNS; i++)); do
	for s in handshakes handshakes6 open400k flood; do
		round "$s" "$tmp/$s.pcap" || { status=1; break; }
	done
done
if [ "$status" -eq 0 ]; then
	for s in handshakes handshakes6 open400k flood; do
		report "$s"
	done
	for s in handshakes handshakes6 open400k flood; do
		base_report "$s"
	done
fi
# the fixed cost inside those times: tcpeek on a file of 3 packets
"$gen" bench-handshakes "$tmp/tiny.pcap" 1 2 >/dev/null || status=1
tt=()
for ((i = 0; i < RUNS; i++)); do
	run_timed us kb "$tcpeek" -r "$tmp/tiny.pcap" -q && tt+=("$us")
done
[ "${#tt[@]}" -gt 0 ] && printf 'startup     tcpeek on a 3-packet file: %.1f ms (median)\n' \
	"$(awk -v u="$(median "${tt[@]}")" 'BEGIN { print u / 1000 }')"
[ "$status" -eq 0 ] || exit "$status"

# connection tracking: cost per packet, and handshake-only against a base
TR_PLAIN=() TR_TRACK=() TR_BASE=()   # set, so that set -u allows ${#TR_BASE[@]} when empty
hf="$tmp/handshakes.pcap"
for ((i = 0; i < RUNS; i++)); do
	run_timed us kb "$tcpeek" -r "$hf" -q && TR_PLAIN+=("$RUN_CPU_US")
	run_timed us kb "$tcpeek" -r "$hf" -q --track-established && TR_TRACK+=("$RUN_CPU_US")
	if [ -n "${TCPEEK_BASE:-}" ] && [ -x "$TCPEEK_BASE" ]; then
		run_timed us kb "$TCPEEK_BASE" -r "$hf" -q && TR_BASE+=("$RUN_CPU_US")
	fi
done
if [ "${#TR_PLAIN[@]}" -gt 0 ] && [ "${#TR_TRACK[@]}" -gt 0 ]; then
	awk -v p="$(median "${TR_PLAIN[@]}")" -v t="$(median "${TR_TRACK[@]}")" -v n="${PKTS[handshakes]}" 'BEGIN {
		printf "tracking  handshakes cpu %.3f s plain, %.3f s --track-established: %.2fx, +%.1f ns a packet (%.1f ns a packet in all)\n",
		    p / 1e6, t / 1e6, t / p, (t - p) * 1000 / n, t * 1000 / n }'
fi
if [ "${#TR_BASE[@]}" -gt 0 ]; then
	awk -v p="$(median "${TR_PLAIN[@]}")" -v b="$(median "${TR_BASE[@]}")" 'BEGIN {
		printf "base      handshake-only cpu %.3f s, TCPEEK_BASE %.3f s: %.3fx the base'"'"'s time\n", p / 1e6, b / 1e6, p / b }'
else
	echo "base      handshake-only against an earlier tcpeek (skipped: TCPEEK_BASE not set)"
fi

check() {   # check LABEL COND(awk) 
	if awk "BEGIN { exit !($2) }"; then echo "PASS  $1"; else echo "MISS  $1"; fi
}
h=${PPS_PEEK[handshakes]} hf=${PPS_FLOOR[handshakes]}
o=${PPS_PEEK[open400k]} f=${PPS_PEEK[flood]} fr=${RSS_PEEK[flood]}
check "handshakes: tcpeek $(awk -v a="$h" -v b="$hf" 'BEGIN { printf "%.2f", a / b }')x floor (target >= 0.6x)" "$h >= 0.6 * $hf"
# IPv6: the same floor target on its own file, and its rate beside IPv4's
h6=${PPS_PEEK[handshakes6]} h6f=${PPS_FLOOR[handshakes6]}
check "handshakes6: tcpeek $(awk -v a="$h6" -v b="$h6f" 'BEGIN { printf "%.2f", a / b }')x floor (target >= 0.6x, as IPv4); $(awk -v a="$h6" -v b="$h" 'BEGIN { printf "%.2f", a / b }')x the IPv4 handshakes rate" "$h6 >= 0.6 * $h6f"
check "open400k: $(awk -v a="$o" -v b="$h" 'BEGIN { printf "%.2f", a / b }')x the 1k-open rate (target >= 0.8x)" "$o >= 0.8 * $h"
check "flood: $(awk -v a="$f" 'BEGIN { printf "%.2f", a / 1e6 }') Mpps (target >= 5 Mpps)" "$f >= 5000000"
check "flood: peak RSS $(awk -v a="$fr" 'BEGIN { printf "%.1f", a / 1024 }') MB (target <= 128 MB)" "$fr <= 131072"
# the same ratios from the fastest run of each (wall times in µs)
awk -v hf="${MIN_FLOOR[handshakes]}" -v hp="${MIN_PEEK[handshakes]}" -v op="${MIN_PEEK[open400k]}" \
    -v fp="${MIN_PEEK[flood]}" -v n="$N" 'BEGIN {
	printf "min-of-%s  handshakes %.2fx floor (%.3f s vs %.3f s), open400k %.2fx the 1k-open rate, flood %.2f Mpps\n",
	    "'"$RUNS"'", hf / hp, hp / 1e6, hf / 1e6, hp / op, n / (fp / 1e6) / 1e6 }'
# and from the CPU time (user + system) the runs used, median of each: the
# wall time of a run on a busy machine also holds the time it waited for a CPU
awk -v hf="${CPU_FLOOR[handshakes]}" -v hp="${CPU_PEEK[handshakes]}" -v op="${CPU_PEEK[open400k]}" \
    -v fp="${CPU_PEEK[flood]}" -v n="$N" 'BEGIN {
	printf "cpu-time  handshakes %.2fx floor (%.3f s vs %.3f s), open400k %.2fx the 1k-open rate, flood %.2f Mpps\n",
	    hf / hp, hp / 1e6, hf / 1e6, hp / op, n / (fp / 1e6) / 1e6 }'
awk -v hf="${CPU_FLOOR[handshakes6]}" -v hp="${CPU_PEEK[handshakes6]}" -v h4="${CPU_PEEK[handshakes]}" 'BEGIN {
	printf "cpu-time  handshakes6 %.2fx floor (%.3f s vs %.3f s), %.2fx the IPv4 handshakes rate\n",
	    hf / hp, hp / 1e6, hf / 1e6, h4 / hp }'
exit 0
