#!/usr/bin/env bash
# tcpeek live against `tcpdump -w /dev/null` (the floor) on the same
# traffic, measured in this run.
#
#   bench/bench_live.sh        (make bench runs it; needs root)
#   BENCH_LIVE_HS=1000000 BENCH_LIVE_SYN=1000000 BENCH_LIVE_RUNS=3 \
#   BENCH_LIVE_RATE=0 bench/bench_live.sh
#   BENCH_LIVE_PERF=DIR bench/bench_live.sh   (perf record -g of each tcpeek
#       run into DIR/WORKLOAD.RUN.data; perf shares the CPUs: slower figures)
#
# Two namespaces joined by a veth pair; build/tools/hostile sends from the
# cli end, as fast as it can (or at most BENCH_LIVE_RATE frames/s), with
# sendmmsg on a packet socket past the qdisc:
#   handshakes  BENCH_LIVE_HS complete handshakes (SYN, SYN/ACK, ACK: 3
#               frames each, 256 in flight) with the srv end's address
#   flood       BENCH_LIVE_SYN SYNs to it from distinct sources, never
#               answered
# The frames carry a foreign destination MAC, so the srv kernel drops them
# on arrival: the capture taps see them all, the TCP stack none.  Each
# program captures on the srv end alone with the generator, with its
# default buffer (2 MiB both), one after the other on the same frames (the
# generator is deterministic), in turn first in every other run.  For
# each: the offered rate (the generator's), the frames received and
# dropped (tcpeek: pcap.stats of its JSON; tcpdump: its "dropped by
# kernel" line), the CPU time it used while the traffic ran (its threads'
# run time from /proc/PID/task/*/schedstat, read after it started and
# after it was done) per frame offered, and the ratio tcpeek/tcpdump.  tcpeek's counts are also
# checked (every handshake a success, every flood SYN open or untracked)
# when it dropped nothing.  Targets print PASS or MISS; a MISS does not
# fail the script (speed is reported, not asserted), a broken run does.
# Without root, ip netns or tcpdump the bench is skipped (exit 0).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export BUILD=${BUILD:-build}
build="$root/$BUILD"
tcpeek="$root/bin/tcpeek"
tcpeekstat="$root/bin/tcpeekstat"
gen="$build/tools/hostile"
jsonq="$build/tools/jsonq"
N_HS=${BENCH_LIVE_HS:-1000000}
N_SYN=${BENCH_LIVE_SYN:-1000000}
RUNS=${BENCH_LIVE_RUNS:-3}
RATE=${BENCH_LIVE_RATE:-0}
PERF_DIR=${BENCH_LIVE_PERF:-}

skip() { echo "bench_live: skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
for f in "$tcpeek" "$tcpeekstat" "$gen" "$jsonq"; do
	if [ ! -x "$f" ]; then
		echo "bench_live: $f is missing (run make)" >&2
		exit 1
	fi
done
for v in N_HS N_SYN RUNS RATE; do
	case ${!v} in
	'' | *[!0-9]*) echo "bench_live: $v must be a number, not '${!v}'" >&2; exit 1 ;;
	esac
done
if [ -n "$PERF_DIR" ]; then
	command -v perf >/dev/null || { echo "bench_live: BENCH_LIVE_PERF needs perf" >&2; exit 1; }
	mkdir -p "$PERF_DIR" || exit 1
fi
[ "$N_HS" -gt 0 ] && [ "$N_SYN" -gt 0 ] && [ "$RUNS" -gt 0 ] ||
	{ echo "bench_live: BENCH_LIVE_HS, BENCH_LIVE_SYN and BENCH_LIVE_RUNS must be > 0" >&2; exit 1; }

# namespaces, background programs and the temp dir, all removed at exit
SYNSCOPE_ROOT=$root
. "$root/tests/net/lib.sh"
T=$(mktmp)
CLI=10.78.0.1
SRV=10.78.0.2
PORT=80
FOREIGN_MAC=02:00:00:00:00:01

ns_add cli
ns_add srv
# no IPv6: its router and listener messages would be frames the
# generator did not send
for n in cli srv; do
	NS $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$P-c" type veth peer name "$P-s" || exit 1
ip link set "$P-c" netns "$P-cli"
ip link set "$P-s" netns "$P-srv"
NS cli ip addr add $CLI/24 dev "$P-c"
NS srv ip addr add $SRV/24 dev "$P-s"
NS cli ip link set "$P-c" up
NS srv ip link set "$P-s" up

# cpu_ns PID: CPU time PID's threads have used, in ns: the first field of
# /proc/PID/task/*/schedstat (the scheduler's own sum; utime + stime in
# /proc/PID/stat is the same sum in 10 ms ticks, too coarse here: a
# million frames at 50 ns is 5 of them)
cpu_ns() {
	local f t s=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r t _ <"$f" 2>/dev/null || return 1
		s=$((s + t))
	done
	echo $s
}

# settle PID: wait until PID has used no CPU for 0.3 s (it has read the
# last frames; both programs get at least 1.5 s, a block timeout of each)
settle() {
	local a b i
	sleep 1.2
	a=$(cpu_ns "$1")
	for i in $(seq 50); do
		sleep 0.3
		b=$(cpu_ns "$1")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
}

# stop SIG PID: send SIG, wait up to 10 s, then kill it (a hung program
# fails the run instead of hanging the bench)
stop() {
	local i
	kill -"$1" "$2" 2>/dev/null
	for i in $(seq 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$2" 2>/dev/null; then
		kill -KILL "$2" 2>/dev/null
		wait "$2" 2>/dev/null
		echo "bench_live: pid $2 did not stop on SIG$1" >&2
		return 1
	fi
	wait "$2" 2>/dev/null
	return 0
}

# generate KIND FRAMES: send them; OFFERED_FPS, OFFERED_N from its report
generate() {
	local line
	local -a rate=()
	[ "$RATE" -gt 0 ] && rate=(-r "$RATE")
	NS cli "$gen" flood -i "$P-c" -d $FOREIGN_MAC -k "$1" -D $SRV:$PORT -n "$2" \
		-t 600000 "${rate[@]}" 2>"$T/gen" || { cat "$T/gen" >&2; return 1; }
	line=$(grep '^hostile: ' "$T/gen")
	OFFERED_N=$(awk '{ print $2 }' <<<"$line")
	OFFERED_FPS=$(sed -n 's/.*(\([0-9]*\) frames\/s).*/\1/p' <<<"$line")
	[ "$OFFERED_N" = "$2" ] || { echo "bench_live: hostile sent $OFFERED_N of $2 frames" >&2; return 1; }
}

# run_tcpdump KIND FRAMES: RECV DROP CPU_T (ns) of one capture
# ("ip netns exec" execs the program: $! is its pid)
run_tcpdump() {
	local pid i c0 c1
	ip netns exec "$P-srv" tcpdump -n -i "$P-s" -w /dev/null 2>"$T/td" &
	pid=$!
	bg_track $pid
	for i in $(seq 300); do grep -q 'listening on' "$T/td" && break; sleep 0.05; done
	grep -q 'listening on' "$T/td" || { echo "bench_live: tcpdump did not start: $(head -2 "$T/td")" >&2; return 1; }
	c0=$(cpu_ns $pid)
	generate "$1" "$2" || return 1
	settle $pid
	c1=$(cpu_ns $pid)
	stop INT $pid || return 1
	RECV=$(awk '/packets received by filter/ { print $1 }' "$T/td")
	DROP=$(awk '/packets dropped by kernel/ { print $1 }' "$T/td")
	IFDROP=$(awk '/packets dropped by interface/ { print $1 }' "$T/td")
	DROP=$(( ${DROP:-0} + ${IFDROP:-0} ))
	CPU_T=$((c1 - c0))
	[ -n "$RECV" ] || { echo "bench_live: no statistics from tcpdump: $(tail -3 "$T/td")" >&2; return 1; }
}

# run_tcpeek KIND FRAMES: the same for tcpeek (default options but -q),
# and OK_COUNTS: whether its handshake counts are exact
run_tcpeek() {
	local pid i c0 c1 sock=$T/tcpeek.sock j want perfpid=
	rm -f "$sock"
	ip netns exec "$P-srv" "$tcpeek" -i "$P-s" -U "$sock" -q 2>"$T/tp" &
	pid=$!
	bg_track $pid
	for i in $(seq 300); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || { echo "bench_live: tcpeek did not start: $(head -2 "$T/tp")" >&2; return 1; }
	c0=$(cpu_ns $pid)
	if [ -n "$PERF_DIR" ]; then
		perf record -q -g -o "$PERF_DIR/$w.$r.data" -p $pid 2>"$T/perf" &
		perfpid=$!
		sleep 0.5
	fi
	generate "$1" "$2" || return 1
	settle $pid
	c1=$(cpu_ns $pid)
	[ -n "$perfpid" ] && { stop INT $perfpid; perfpid=; }
	"$tcpeekstat" -U "$sock" -j >"$T/doc" || { echo "bench_live: tcpeekstat failed" >&2; return 1; }
	stop TERM $pid || return 1
	RECV=$("$jsonq" "$T/doc" pcap.stats.recv)
	DROP=$(( $("$jsonq" "$T/doc" pcap.stats.drop) + $("$jsonq" "$T/doc" pcap.stats.ifdrop) ))
	CPU_T=$((c1 - c0))
	OK_COUNTS=-
	if [ "$DROP" = 0 ]; then
		if [ "$1" = hs ]; then
			j=$("$jsonq" "$T/doc" RX.success.total)
			want=$(($2 / 3))
		else
			j=$(( $("$jsonq" "$T/doc" RX.open) + $("$jsonq" "$T/doc" RX.untracked) ))
			want=$2
		fi
		if [ "$j" = "$want" ]; then OK_COUNTS=exact; else OK_COUNTS="WRONG($j/$want)"; fi
	fi
}

declare -A FPS NSF DRP CNT RATIO DD DP
status=0
printf 'bench_live: %d handshakes (%d frames), %d SYNs, %d run(s), rate %s\n' \
	"$N_HS" $((3 * N_HS)) "$N_SYN" "$RUNS" "$([ "$RATE" -gt 0 ] && echo "<= $RATE frames/s" || echo "as high as the generator goes")"
printf '%-4s %-10s %-8s %9s %12s %9s %7s %9s %s\n' run workload program frames "offered/s" received dropped "ns/frame" counts
for ((r = 1; status == 0 && r <= RUNS; r++)); do
	for w in handshakes flood; do
		if [ $w = handshakes ]; then kind=hs; n=$((3 * N_HS)); else kind=syn; n=$N_SYN; fi
		if ((r % 2)); then order="tcpdump tcpeek"; else order="tcpeek tcpdump"; fi
		for prog in $order; do
			OK_COUNTS=-
			if ! run_$prog $kind $n; then
				status=1
				break 2
			fi
			nsf=$(awk -v t="$CPU_T" -v n="$n" 'BEGIN { printf "%.0f", t / n }')
			printf '%-4s %-10s %-8s %9d %12d %9d %7d %9d %s\n' "$r" $w $prog "$n" \
				"$OFFERED_FPS" "$RECV" "$DROP" "$nsf" "$OK_COUNTS"
			FPS[$w.$prog]+="$OFFERED_FPS "
			NSF[$w.$prog]+="$nsf "
			DRP[$w.$prog]+="$DROP "
			[ $prog = tcpeek ] && CNT[$w]+="$OK_COUNTS "
			case $OK_COUNTS in WRONG*) status=1 ;; esac
		done
	done
done
[ "$status" -eq 0 ] || { echo "bench_live: a run failed or counted wrong" >&2; exit 1; }

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
sum() {
	printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'
}
check() {   # check LABEL COND(awk)
	if awk "BEGIN { exit !($2) }"; then echo "PASS  $1"; else echo "MISS  $1"; fi
}
echo "median of $RUNS run(s):"
for w in handshakes flood; do
	read -r -a a <<<"${NSF[$w.tcpdump]}"; d=$(median "${a[@]}")
	read -r -a a <<<"${NSF[$w.tcpeek]}"; p=$(median "${a[@]}")
	read -r -a a <<<"${FPS[$w.tcpdump]}"; fd=$(median "${a[@]}")
	read -r -a a <<<"${FPS[$w.tcpeek]}"; fp=$(median "${a[@]}")
	read -r -a a <<<"${DRP[$w.tcpdump]}"; dd=$(sum "${a[@]}")
	read -r -a a <<<"${DRP[$w.tcpeek]}"; dp=$(sum "${a[@]}")
	awk -v w=$w -v d="$d" -v p="$p" -v fd="$fd" -v fp="$fp" -v dd="$dd" -v dp="$dp" 'BEGIN {
		printf "%-10s offered %4.0f / %4.0f kframes/s  drops %d / %d  ns/frame %d / %d  (tcpdump / tcpeek)  ratio %.2f\n",
		    w, fd / 1e3, fp / 1e3, dd, dp, d, p, (d > 0 ? p / d : 0) }'
	RATIO[$w]=$(awk -v d="$d" -v p="$p" 'BEGIN { printf "%.2f", (d > 0 ? p / d : 99) }')
	DD[$w]=$dd
	DP[$w]=$dp
done
# drops: tcpeek none where tcpdump dropped none (over all runs)
for w in handshakes flood; do
	if [ "${DD[$w]}" = 0 ]; then
		check "$w: tcpeek dropped ${DP[$w]} frames where tcpdump dropped none (target 0)" "${DP[$w]} == 0"
	else
		echo "----  $w: tcpdump dropped ${DD[$w]} frames (tcpeek ${DP[$w]}): no drop target at this rate"
	fi
done
check "handshakes: tcpeek CPU/frame ${RATIO[handshakes]}x tcpdump's (target <= 1.5x)" "${RATIO[handshakes]} <= 1.5"
check "flood: tcpeek CPU/frame ${RATIO[flood]}x tcpdump's (target <= 2x)" "${RATIO[flood]} <= 2"
exit 0
