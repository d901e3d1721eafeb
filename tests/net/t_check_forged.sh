#!/usr/bin/env bash
# Forged and stale replies must not validate a check: the real server
# black-holes the port, so the only replies are the injector's forgeries,
# and the check must still end by timeout (not success, not "refused").
# Also: a flood of frames that pass the kernel filter must not stretch -t.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
INJ=$TOOLS/inject
RS1=$(lab_rs_ip 1)
T=$(mktmp)

chk() {
	NS dir bash -c 's=$(date +%s%3N); "$@"; rc=$?; echo $(( $(date +%s%3N) - s )) >'"$T"'/ms; exit $rc' _ "$C" "$@"
}
# inject NAME ARGS...: run the injector in rsNAME in the background
inject() {
	local k=$1; shift
	NS "rs$k" "$INJ" -i $LAB_IF "$@" 2>>"$T/inj" &
	bg_track $!
}

[ -x "$INJ" ] || { fail "forged: $INJ not built"; exit 0; }
lab_dr_up 1
lab_rs_vip 1
lab_listen 1 8090
lab_blackhole 1 8080
DIR_MAC=$(NS dir cat /sys/class/net/$LAB_IF/address)

# 1. wrong-ack SYN/ACK, RST acking something else, RST without ACK flag
inject 1 -r 8080 -f SA -A 0 -t 1500       # acks our ISN, not ISN+1
inject 1 -r 8080 -f SA -A 2 -t 1500       # one too far
inject 1 -r 8080 -f RA -A 7 -t 1500       # RST whose ack is wrong
inject 1 -r 8080 -f R -A 1 -t 1500        # RST with the right number but no ACK flag
sleep 0.3
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/f"; rc=$?
[ $rc -eq 1 ] && ok "forged replies: check fails (exit 1)" || fail "forged replies: exit $rc"
check "forged replies: the verdict is the timeout, not refused" grep -qx 'check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK' "$T/f"
n=$(grep -c '^ignored: SYN/ACK acknowledges' "$T/f")
[ "$n" -ge 2 ] && ok "forged replies: $n wrong-ack SYN/ACKs shown as ignored at -v" || { fail "forged replies: $n wrong-ack SYN/ACKs ignored"; cat "$T/f" "$T/inj"; }
n=$(grep -c '^ignored: RST does not acknowledge our SYN' "$T/f")
[ "$n" -ge 2 ] && ok "forged replies: $n RSTs not acking our SYN shown as ignored" || fail "forged replies: $n RSTs ignored"
sleep 1.3   # let the injectors of step 1 finish

# 2. stale: numbers of an earlier, successful check
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8090 2>"$T/old"; rc=$?
syn=$(grep -m1 'Flags \[S\], seq' "$T/old")
old_sport=$(sed -E 's/^\([^)]*\) [0-9.]+:([0-9]+) .*/\1/' <<<"$syn")
old_isn=$(sed -E 's/.*seq ([0-9]+),.*/\1/' <<<"$syn")
sa=$(grep -m1 'Flags \[S\.\]' "$T/old")
old_srv=$(sed -E 's/.*seq ([0-9]+),.*/\1/' <<<"$sa")
if [ $rc -eq 0 ] && [ -n "$old_isn" ] && [ -n "$old_sport" ]; then ok "stale: earlier check succeeded (port $old_sport, ISN $old_isn)"; else fail "stale: earlier check rc $rc"; fi
NS rs1 nft add rule inet "${P}bh" in tcp dport 8090 drop
# replay the earlier SYN/ACK verbatim, and answer the new SYN with the old ISN+1
inject 1 -d "$DIR_MAC" -S $LAB_VIP:8090 -D $LAB_DIR_IP:"$old_sport" -f SA -q "$old_srv" -a $((old_isn + 1)) -g 500 -t 1200
inject 1 -r 8090 -f SA -a $(( (old_isn + 1) % 4294967296 )) -t 1200
sleep 0.3
chk -v -t 400 $LAB_IF "$RS1" $LAB_VIP 8090 2>"$T/s"; rc=$?
new_sport=$(grep -m1 'Flags \[S\], seq' "$T/s" | sed -E 's/^\([^)]*\) [0-9.]+:([0-9]+) .*/\1/')
[ $rc -eq 1 ] && grep -qx 'check_tcp_raw: failure: timeout after 400 ms waiting for SYN/ACK' "$T/s" \
	&& ok "stale SYN/ACK of an earlier check does not validate a new one" || { fail "stale: exit $rc"; cat "$T/s"; }
[ "$new_sport" != "$old_sport" ] && ok "stale: the new check used a fresh source port ($new_sport)" || fail "stale: same source port reused"
check "stale: the replayed ISN was seen and ignored" grep -q "^ignored: SYN/ACK acknowledges $(( (old_isn + 1) % 4294967296 ))" "$T/s"
sleep 1

# 3. a flood that passes the kernel filter (ARP replies to our IP) cannot stretch -t
inject 1 -d "$DIR_MAC" -D "$LAB_DIR_IP:1" -F -g 100 -t 1500
sleep 0.2
chk -vv -t 500 $LAB_IF "$RS1" $LAB_VIP 8080 2>"$T/fl"; rc=$?
ms=$(cat "$T/ms")
[ $rc -eq 1 ] && grep -q 'timeout after 500 ms' "$T/fl" && ok "ARP flood: still a timeout" || fail "ARP flood: exit $rc: $(tail -1 "$T/fl")"
n=$(grep -c '^ignored: ARP' "$T/fl")
[ "$n" -ge 500 ] && ok "ARP flood: $n flood frames reached the check" || fail "ARP flood: only $n frames reached the check"
if [ "$ms" -ge 500 ] && [ "$ms" -le 650 ]; then ok "ARP flood: deadline kept (${ms} ms)"; else fail "ARP flood: ${ms} ms outside [500, 650]"; fi
