#!/usr/bin/env bash
# check_tcp_raw's name resolution under -t, against a resolver that never
# answers: `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf (and
# hosts) over /etc's, so the namespace's resolver is an address of its own
# whose DNS traffic an nft rule drops on input (no ICMP, no reply: glibc
# alone would wait 2 x 5 s).  A host name must fail within -t (plus
# start-up), with exit 1, one line naming it and, with -j, one object; a
# numeric address must never reach the resolver; /etc/hosts still works.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
C=$BIN/check_tcp_raw
T=$(mktmp)
NSDNS=10.8.0.53

ns_add a
NS a ip link add e0 type veth peer name e0p
NS a ip addr add 10.8.0.1/24 dev e0
NS a ip link set e0p up
NS a ip link set e0 up
dns_blackhole a $NSDNS || { fail "resolver black hole: could not be set up"; exit 0; }
printf '127.0.0.1 localhost\n10.8.0.2 rs1-hosts.synscope-test\n' >"/etc/netns/$P-a/hosts"
queries() { dns_queries a; }

# run DESC ARGS...: check_tcp_raw -j in the namespace (cut at 30 s); exit
# status in $rc, elapsed ms in $ms, stderr in $T/err, stdout in $T/out.
run() {
	local s
	s=$(now_ms)
	NS a timeout 30 "$C" -j "$@" >"$T/out" 2>"$T/err"; rc=$?
	ms=$(( $(now_ms) - s ))
	echo "# $*: exit $rc in $ms ms" >&2
}
# json_reason PATTERN: stdout is one JSON object, verdict "error" (outcome
# resolution_failed: we could not check) whose reason
# contains PATTERN.
json_reason() {
	[ "$(wc -l <"$T/out")" -eq 1 ] &&
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(o["verdict"] != "error" or o["outcome"] != "resolution_failed" or sys.argv[2] not in o["reason"])' "$T/out" "$1" 2>/dev/null
}

# Precondition: without a deadline the name really waits on the resolver
# (else the test below proves nothing).  -t 0 waits as long as glibc does.
q0=$(queries)
run -t 0 e0 rs1.synscope-test 10.8.0.100 80
q1=$(queries)
if [ "$q1" -gt "$q0" ] && [ "$ms" -ge 2000 ]; then
	ok "black-hole resolver: -t 0 waits on glibc's own limits ($ms ms, $((q1 - q0)) queries dropped), exit $rc"
else
	ok "black-hole resolver (skipped: the resolver was not consulted: $((q1 - q0)) queries, $ms ms)"
	exit 0
fi
[ "$rc" -eq 1 ] && grep -q "REAL_SERVER 'rs1.synscope-test'" "$T/err" && json_reason "rs1.synscope-test" &&
	ok "-t 0: resolution failure gives exit 1, a line naming the host and a -j object" ||
	fail "-t 0 resolution failure: exit $rc: $(cat "$T/err") / $(cat "$T/out")"

run -t 1000 e0 rs1.synscope-test 10.8.0.100 80
if [ "$rc" -eq 1 ] && [ "$ms" -lt 3000 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -q "REAL_SERVER 'rs1.synscope-test': .*1000 ms" "$T/err" && json_reason "rs1.synscope-test"; then
	ok "-t 1000, unanswered REAL_SERVER name: exit 1 in $ms ms, one line naming it, -j object"
else
	fail "-t 1000 unanswered REAL_SERVER: exit $rc in $ms ms: $(cat "$T/err") / $(cat "$T/out")"
fi

run -t 300 e0 10.8.0.2 vip.synscope-test 80
if [ "$rc" -eq 1 ] && [ "$ms" -lt 2300 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -q "VIRTUAL_IP 'vip.synscope-test'" "$T/err" && json_reason "vip.synscope-test"; then
	ok "-t 300, unanswered VIRTUAL_IP name: exit 1 in $ms ms, one line naming it, -j object"
else
	fail "-t 300 unanswered VIRTUAL_IP: exit $rc in $ms ms: $(cat "$T/err") / $(cat "$T/out")"
fi

# Both names unanswered: resolved together under one deadline, not two.
run -t 1000 e0 rs1.synscope-test vip.synscope-test 80
[ "$rc" -eq 1 ] && [ "$ms" -lt 3000 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && json_reason "synscope-test" &&
	ok "-t 1000, both names unanswered: one deadline ($ms ms), one line" ||
	fail "both names unanswered: exit $rc in $ms ms: $(cat "$T/err")"

# BACKUP mode resolves the same way.
echo 0 >"$T/backup"
run -t 500 -r "$T/backup" e0 rs1.synscope-test 10.8.0.100 80
[ "$rc" -eq 1 ] && [ "$ms" -lt 2500 ] && grep -q '"mode":"connect"' "$T/out" && json_reason "rs1.synscope-test" &&
	ok "BACKUP role, unanswered name: exit 1 in $ms ms, -j object in connect mode" ||
	fail "BACKUP unanswered name: exit $rc in $ms ms: $(cat "$T/err") / $(cat "$T/out")"

# Numeric addresses never reach the resolver: no query counted, and the
# check itself runs (nobody answers ARP on e0: it fails on that).
q0=$(queries)
run -t 200 e0 10.8.0.2 10.8.0.100 80
q1=$(queries)
[ "$q1" -eq "$q0" ] && [ "$rc" -eq 1 ] && grep -q 'waiting for ARP' "$T/err" &&
	ok "numeric addresses: no DNS query, the check runs ($ms ms)" ||
	fail "numeric addresses: $((q1 - q0)) queries, exit $rc: $(cat "$T/err")"

# A name from /etc/hosts resolves without the resolver, within -t.
q0=$(queries)
run -t 200 e0 rs1-hosts.synscope-test 10.8.0.100 80
q1=$(queries)
[ "$q1" -eq "$q0" ] && [ "$rc" -eq 1 ] && grep -q 'waiting for ARP' "$T/err" &&
	ok "host name from the hosts file: resolved, no DNS query, the check runs" ||
	fail "hosts-file name: $((q1 - q0)) queries, exit $rc: $(cat "$T/err")"
