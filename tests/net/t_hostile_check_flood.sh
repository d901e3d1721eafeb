#!/usr/bin/env bash
# check_tcp_raw under a flood of >= 500 k unrelated frames/s on its
# interface (t_check_forged.sh floods at 10 k/s with a 150 ms margin; this
# is the issue's stronger case).  Two floods, sent from the bridge's port
# facing the director by tools/hostile (sendmmsg, qdisc bypassed), to a
# unicast MAC that is not the director's, as a switch floods unknown
# unicast:
#   tcp: TCP between unrelated addresses: the kernel filter drops them,
#   arp: ARP replies to the director's address: they pass the filter, the
#        check reads every one.
# During each: a black-holed check must time out within deadline + 50 ms
# (wall time, and its own elapsed_us), and checks of a healthy server must
# succeed.  The rate is measured on the director's interface (rx_packets)
# over the black-holed check.  The TCP flood should reach 500 k/s; on a
# loaded host a short run that did not is repeated (at most 8), verdict
# and deadline being asserted on every run; a host that never gets there
# reports the rate claim as skipped, with the best rate, not as a failure.
# The ARP flood, where the
# check reads every frame and so competes with the flooders for the two
# cores, reaches less here (200-450 k/s): its rate is printed, its
# verdicts and deadlines asserted.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
H=$TOOLS/hostile
RS1=$(lab_rs_ip 1)
T=$(mktmp)
RATE_MIN=500000
DEADLINE=500

[ -x "$H" ] || { fail "check flood: $H not built"; exit 0; }
lab_dr_up 1
lab_rs_vip 1
lab_listen 1 8090
lab_blackhole 1 8080

# Under SAN=1 the sanitizers' start-up (30-60 ms a process here) is part
# of the wall time: the check's own elapsed_us keeps the 50 ms margin, the
# wall time gets 150 ms, and the rate (the checks' start-ups compete with
# the flooder for the 2 cores) is printed, not asserted.
WALL_MARGIN=50
[ "${BUILD:-build}" = build-san ] && WALL_MARGIN=150

# One shell in the director runs a check and reads the counters, so no
# "ip netns exec" start-up falls inside the measured window.
#   run_bh TAG [-vv]: the black-holed check; prints "rc wall_ms frames/s",
#     leaves its stderr in $T/bh.TAG and its -j in $T/bh.TAG.j
#   run_ok TAG: 5 checks of the healthy server; prints "rcs frames/s ms..."
run_bh() {
	NS dir bash -c '
		C=$1 T=$2 IF=$3 RS=$4 VIP=$5 DL=$6 tag=$7; shift 7
		rx() { cat /sys/class/net/$IF/statistics/rx_packets; }
		r0=$(rx); t0=$(date +%s%3N)
		"$C" "$@" -j -t "$DL" "$IF" "$RS" "$VIP" 8080 >"$T/bh.$tag.j" 2>"$T/bh.$tag"; rc=$?
		t1=$(date +%s%3N); r1=$(rx)
		echo "$rc $(( t1 - t0 )) $(( (r1 - r0) * 1000 / (t1 > t0 ? t1 - t0 : 1) ))"
	' _ "$C" "$T" $LAB_IF "$RS1" $LAB_VIP $DEADLINE "$@"
}
run_ok() {
	NS dir bash -c '
		C=$1 T=$2 IF=$3 RS=$4 VIP=$5 DL=$6 tag=$7
		rx() { cat /sys/class/net/$IF/statistics/rx_packets; }
		r0=$(rx); t0=$(date +%s%3N)
		rcs="" ms=""
		for i in 1 2 3 4 5; do
			s=$(date +%s%3N); "$C" -t "$DL" "$IF" "$RS" "$VIP" 8090 2>>"$T/ok.$tag"
			rcs="$rcs$?"; ms="$ms $(( $(date +%s%3N) - s ))"
		done
		t1=$(date +%s%3N); r1=$(rx)
		echo "$rcs $(( (r1 - r0) * 1000 / (t1 > t0 ? t1 - t0 : 1) ))$ms"
	' _ "$C" "$T" $LAB_IF "$RS1" $LAB_VIP $DEADLINE "$1"
}
# elapsed TAG: the black-holed check's own elapsed_us, in ms
elapsed() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_us"] // 1000)' "$T/bh.$1.j" 2>/dev/null || echo -1; }
# deadline_ok WALL_MS TAG: wall time and the check's own time within margins
deadline_ok() {
	local e; e=$(elapsed "$2")
	[ "$1" -ge $DEADLINE ] && [ "$1" -le $((DEADLINE + WALL_MARGIN)) ] &&
		[ "$e" -ge $DEADLINE ] && [ "$e" -le $((DEADLINE + 50)) ]
}
# flood KIND N MS: N flooders of KIND for MS ms, in the background (FPIDS);
# the checks start 0.2 s into it
flood() {
	FPIDS=""
	for _ in $(seq "$2"); do
		ip netns exec "$P-br" "$H" flood -i b0 -d 02:00:00:00:99:99 -k "$1" -D "$LAB_DIR_IP:1" -t "$3" 2>>"$T/fl.$1" &
		FPIDS="$FPIDS $!"
		bg_track $!
	done
	sleep 0.2
}
# bh_verdict KIND TAG RC WALL RATE: the black hole's verdict and deadline
bh_verdict() {
	[ "$3" = 1 ] && grep -qx "check_tcp_raw: failure: timeout after $DEADLINE ms waiting for SYN/ACK" "$T/bh.$2" \
		&& ok "$1 flood ($5 frames/s): black hole still a timeout" \
		|| fail "$1 flood ($5 frames/s): black hole rc $3: $(tail -1 "$T/bh.$2")"
	if deadline_ok "$4" "$2"; then
		ok "$1 flood: deadline kept (${4} ms wall, $(elapsed "$2") ms in the check, for -t $DEADLINE)"
	else
		fail "$1 flood: ${4} ms wall (allowed +$WALL_MARGIN), $(elapsed "$2") ms in the check (allowed +50), for -t $DEADLINE"
	fi
}

# --- TCP flood, filtered by the kernel: >= 500 k frames/s ------------------
# Short runs until one reaches the rate (at most 8, on a loaded host; from
# the fourth on with two flooders, which helps when other work shares the
# cores); every run's verdict and deadline are asserted.
reached=0
best=0
for run in 1 2 3 4 5 6 7 8; do
	nfl=1; [ $run -ge 4 ] && nfl=2
	flood tcp $nfl 900
	read -r rc wall rate < <(run_bh tcp$run)
	wait $FPIDS
	bh_verdict "tcp (run $run)" tcp$run "$rc" "$wall" "$rate"
	if [ "$WALL_MARGIN" != 50 ]; then
		echo "# tcp flood (SAN build): $rate frames/s, not held to $RATE_MIN"
		reached=san
		break
	fi
	[ "$rate" -gt "$best" ] && best=$rate
	if [ "$rate" -ge $RATE_MIN ]; then
		reached=1
		break
	fi
	echo "# tcp flood run $run: $rate frames/s < $RATE_MIN: again"
done
# The rate is the test's precondition, not the check's verdict: a host
# that cannot generate it (busy cores) skips the claim, saying so; the
# verdicts and deadlines above were asserted at whatever rate was reached.
case $reached in
1) ok "tcp flood: $rate frames/s on the director's interface during the black-holed check" ;;
0) ok "tcp flood: $RATE_MIN frames/s (skipped: this host generated at most $best frames/s in 8 runs; verdicts and deadlines were asserted at that rate)" ;;
esac
flood tcp 1 1500
read -r rcs rate ms < <(run_ok tcp)
wait $FPIDS
[ "$rcs" = 00000 ] && ok "tcp flood ($rate frames/s): 5 checks of the healthy server succeed (ms: $ms)" \
	|| fail "tcp flood: healthy checks exit $rcs: $(tail -2 "$T/ok.tcp")"

# --- ARP flood, read by the check: two flooders, rate printed ----------------
flood arp 2 900
read -r rc wall rate < <(run_bh arp)
wait $FPIDS
bh_verdict arp arp "$rc" "$wall" "$rate"
echo "# arp flood: $rate frames/s on the director's interface during the black-holed check"
flood arp 2 1500
read -r rcs rate ms < <(run_ok arp)
wait $FPIDS
[ "$rcs" = 00000 ] && ok "arp flood ($rate frames/s): 5 checks of the healthy server succeed (ms: $ms)" \
	|| fail "arp flood: healthy checks exit $rcs: $(tail -2 "$T/ok.arp")"

# The ARP flood really reaches the check: at -vv it prints every frame it
# ignores (slower still), and must keep its deadline all the same.
flood arp 1 900
read -r rc wall rate < <(run_bh vv -vv)
wait $FPIDS
bh_verdict "arp (-vv)" vv "$rc" "$wall" "$rate"
n=$(grep -c '^ignored: ARP' "$T/bh.vv")
[ "$n" -ge 1000 ] && ok "arp flood, -vv: $n flood frames reached the check and were ignored" \
	|| fail "arp flood -vv: only $n flood frames reached the check"
