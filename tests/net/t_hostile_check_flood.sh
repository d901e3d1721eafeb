#!/usr/bin/env bash
# check_tcp_raw under a flood of >= 500 k unrelated frames/s on its
# interface (t_check_forged.sh floods at 10 k/s with a 150 ms margin; this
# is the issue's stronger case).  Two floods, sent from the bridge's port
# facing the director by tools/hostile (sendmmsg, qdisc bypassed), to a
# unicast MAC that is not the director's, as a switch floods unknown
# unicast:
#   tcp: TCP between unrelated addresses: the kernel filter drops them,
#   arp: ARP requests: they pass the filter, the check reads every one.
# During each: a black-holed check must time out within deadline + 50 ms,
# and checks of a healthy server must succeed.  The rate is measured on
# the director's interface (rx_packets) over exactly those checks.  The
# TCP flood must reach 500 k/s; on a loaded host a run that did not is
# repeated (at most 4 runs), the verdicts and deadlines being asserted on
# every run.  The ARP flood, where the check itself reads every frame,
# shares the 2 cores with it and reaches less here (300-450 k/s): its rate
# is printed, its verdicts and deadlines asserted.
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

# One shell in the director runs the checks and reads the counters, so no
# "ip netns exec" start-up falls inside the measured window.  It prints:
#   rx0 t0_ms  bh_rc bh_ms  ok_rc... ok_ms...  rx1 t1_ms
# and leaves the black-holed check's stderr in $T/bh.$1.
run_checks() {
	NS dir bash -c '
		C=$1 T=$2 IF=$3 RS=$4 VIP=$5 DL=$6 V=$7 tag=$8
		rx() { cat /sys/class/net/$IF/statistics/rx_packets; }
		r0=$(rx); t0=$(date +%s%3N)
		s=$(date +%s%3N); "$C" $V -t "$DL" "$IF" "$RS" "$VIP" 8080 2>"$T/bh.$tag"; bh=$?
		bms=$(( $(date +%s%3N) - s ))
		oks="" oms=""
		for i in 1 2 3 4 5; do
			s=$(date +%s%3N); "$C" -t "$DL" "$IF" "$RS" "$VIP" 8090 2>>"$T/ok.$tag"
			oks="$oks$?"; oms="$oms $(( $(date +%s%3N) - s ))"
		done
		r1=$(rx); t1=$(date +%s%3N)
		echo "$r0 $t0 $bh $bms $oks $r1 $t1 $oms"
	' _ "$C" "$T" $LAB_IF "$RS1" $LAB_VIP $DEADLINE "$@"
}

for kind in tcp arp; do
	reached=0
	# The ARP flood costs the check a read per frame: two flooders, and
	# its rate is reported, not held to 500 k/s (see the header).
	nfl=1; [ $kind = arp ] && nfl=2
	for attempt in 1 2 3 4; do
		fpids=""
		for _ in $(seq $nfl); do
			ip netns exec "$P-br" "$H" flood -i b0 -d 02:00:00:00:99:99 -k $kind -t 3000 2>>"$T/fl.$kind.$attempt" &
			fpids="$fpids $!"
			bg_track $!
		done
		sleep 0.3
		tag=$kind.$attempt
		read -r r0 t0 bh bms oks r1 t1 oms < <(run_checks "" "$tag")
		wait $fpids
		rate=$(( (r1 - r0) * 1000 / (t1 > t0 ? t1 - t0 : 1) ))
		[ "$bh" = 1 ] && grep -qx "check_tcp_raw: failure: timeout after $DEADLINE ms waiting for SYN/ACK" "$T/bh.$tag" \
			&& ok "$kind flood run $attempt (${rate} frames/s): black hole still a timeout" \
			|| fail "$kind flood run $attempt: black hole rc $bh: $(tail -1 "$T/bh.$tag")"
		if [ "$bms" -ge $DEADLINE ] && [ "$bms" -le $((DEADLINE + 50)) ]; then
			ok "$kind flood run $attempt: deadline kept (${bms} ms for -t $DEADLINE)"
		else
			fail "$kind flood run $attempt: ${bms} ms for -t $DEADLINE (allowed $DEADLINE..$((DEADLINE + 50)))"
		fi
		[ "$oks" = 00000 ] && ok "$kind flood run $attempt: 5 checks of the healthy server succeed (ms:$oms)" \
			|| fail "$kind flood run $attempt: healthy checks exit $oks: $(tail -2 "$T/ok.$tag")"
		if [ $kind = arp ]; then
			echo "# arp flood: ${rate} frames/s on the director's interface during the checks"
			break
		fi
		if [ "$rate" -ge $RATE_MIN ]; then
			reached=1
			break
		fi
		echo "# $kind flood run $attempt: ${rate} frames/s < $RATE_MIN ($(tr '\n' ' ' <"$T/fl.$tag")): again"
	done
	[ $kind = arp ] && continue
	[ $reached = 1 ] && ok "$kind flood: ${rate} frames/s on the director's interface during the checks" \
		|| fail "$kind flood: only ${rate} frames/s after 4 runs (host too loaded?)"
done

# The ARP flood really reaches the check: at -vv it prints every frame it
# ignores (slower still), and must keep its deadline all the same.
ip netns exec "$P-br" "$H" flood -i b0 -d 02:00:00:00:99:99 -k arp -t 1200 2>/dev/null &
fpid=$!
bg_track "$fpid"
sleep 0.3
read -r _ _ bh bms _ < <(run_checks -vv vv)
wait "$fpid"
n=$(grep -c '^ignored: ARP' "$T/bh.vv")
[ "$bh" = 1 ] && [ "$bms" -ge $DEADLINE ] && [ "$bms" -le $((DEADLINE + 50)) ] \
	&& ok "arp flood, -vv: timeout in ${bms} ms for -t $DEADLINE" || fail "arp flood -vv: rc $bh in ${bms} ms"
[ "$n" -ge 1000 ] && ok "arp flood, -vv: $n flood frames reached the check and were ignored" \
	|| fail "arp flood -vv: only $n flood frames reached the check"
