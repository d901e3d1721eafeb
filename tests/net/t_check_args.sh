#!/usr/bin/env bash
# check_tcp_raw's input validation: exact exit status (1 for usage errors
# too, unless --usage-exit; never 2..255, which keepalived's misc_dynamic
# reads as "up") and one line on stderr naming the culprit; -j's verdict
# "error" and outcome for what kept us from checking.  Runs in a namespace with a
# working interface so only the bad input can be the cause.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
C=$BIN/check_tcp_raw
T=$(mktmp)

ns_add a
# veth pairs (no dummy module here); RUNNING needs both ends up.
NS a ip link add e0 type veth peer name e0p
NS a ip addr add 10.8.0.1/24 dev e0
NS a ip link set e0p up
NS a ip link set e0 up
NS a ip link add down0 type veth peer name down0p
NS a ip link add noip0 type veth peer name noip0p
NS a ip link set noip0p up
NS a ip link set noip0 up

# bad WANT_RC PATTERN DESC ARGS...: exit WANT_RC, exactly one stderr line
# matching PATTERN, nothing on stdout.
bad() {
	local want=$1 pat=$2 desc=$3 rc lines; shift 3
	NS a "$C" "$@" >"$T/out" 2>"$T/err"; rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -Eq -e "$pat" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$desc: exit $want, one line"
	else
		fail "$desc: exit $rc (wanted $want), $lines lines: $(head -c 300 "$T/err")"
	fi
}

bad 1 "invalid PORT '70000'" "port 70000" e0 10.8.0.2 10.8.0.100 70000
bad 1 "invalid PORT 'abc'" "port abc" e0 10.8.0.2 10.8.0.100 abc
bad 1 "invalid PORT '0'" "port 0" e0 10.8.0.2 10.8.0.100 0
bad 1 "invalid --timeout '-5'" "timeout -5" -t -5 e0 10.8.0.2 10.8.0.100 80
bad 1 "invalid --timeout 'abc'" "timeout abc" --timeout=abc e0 10.8.0.2 10.8.0.100 80
bad 1 "invalid --timeout '3600001'" "timeout too large" -t 3600001 e0 10.8.0.2 10.8.0.100 80
bad 1 "invalid --retries 'x'" "retries x" -R x e0 10.8.0.2 10.8.0.100 80
bad 1 "--source-ip 'nope'" "bad source ip" -s nope e0 10.8.0.2 10.8.0.100 80
# both families are checked, but never mixed in one check
bad 1 "REAL_SERVER '2001:db8::1' and VIRTUAL_IP '10.8.0.100' are not of one address family" "IPv6 real server, IPv4 VIP" e0 2001:db8::1 10.8.0.100 80
bad 1 "REAL_SERVER '10.8.0.2' and VIRTUAL_IP '::1' are not of one address family" "IPv4 real server, IPv6 VIP" e0 10.8.0.2 ::1 80
bad 1 "REAL_SERVER '10.8.0.2' and --source-ip '2001:db8::1' are not of one address family" "IPv6 --source-ip, IPv4 arguments" -s 2001:db8::1 e0 10.8.0.2 10.8.0.100 80
bad 1 "REAL_SERVER '2001:db8::2' and --source-ip '10.8.0.1' are not of one address family" "IPv4 --source-ip, IPv6 arguments" -s 10.8.0.1 e0 2001:db8::2 2001:db8::100 80
bad 64 "are not of one address family" "--usage-exit=64 holds for mixed families" --usage-exit=64 e0 2001:db8::2 10.8.0.100 80
bad 1 "invalid --source-ip '\[2001:db8::1\]'" "bracketed --source-ip" -s '[2001:db8::1]' e0 2001:db8::2 2001:db8::100 80
bad 1 "VIRTUAL_IP 'localhost': cannot resolve to an IPv6 address" "IPv6 literal and a name without IPv6" e0 2001:db8::2 localhost 80
bad 1 "missing argument PORT" "missing PORT" e0 10.8.0.2 10.8.0.100
bad 1 "missing argument SOURCE_IFACE" "no arguments"
bad 1 "too many arguments: 'extra'" "extra argument" e0 10.8.0.2 10.8.0.100 80 extra
bad 1 "VIRTUAL_IP 'no-such-host.invalid': cannot resolve" "unresolvable host" e0 10.8.0.2 no-such-host.invalid 80
bad 1 "SOURCE_IFACE 'nosuch0': no such interface" "unknown interface" nosuch0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'down0': interface is down" "interface down" down0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'noip0': interface has no IPv4 address" "interface without IPv4" noip0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'noip0': interface has no usable IPv6 address" "interface without IPv6" noip0 2001:db8::2 2001:db8::100 80
bad 1 "SOURCE_IFACE 'lo': not an Ethernet interface" "loopback interface" lo 127.0.0.2 10.8.0.100 80
# root without CAP_NET_RAW (bounding set emptied of it)
NS a setpriv --bounding-set=-net_raw --inh-caps=-net_raw "$C" -t 100 e0 10.8.0.2 10.8.0.100 80 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q 'needs CAP_NET_RAW' "$T/err" && grep -q 'setcap cap_net_raw+ep' "$T/err" \
	&& ok "without CAP_NET_RAW: exit 1, one line naming the capability and setcap" \
	|| fail "without CAP_NET_RAW: exit $rc: $(cat "$T/err")"
# unknown option, missing option value: argp's message (plus its hint), exit 1
NS a "$C" --bogus e0 10.8.0.2 10.8.0.100 80 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^check_tcp_raw: unrecognized option '--bogus'" "$T/err" && ok "unknown option: exit 1" || fail "unknown option: exit $rc"
NS a "$C" e0 10.8.0.2 10.8.0.100 80 -t >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "^check_tcp_raw: option requires an argument -- 't'" "$T/err" && ok "-t without a value: exit 1" || fail "-t without a value: exit $rc: $(cat "$T/err")"

# --usage-exit: asked-for status for usage errors, wherever it stands
# (before or after the culprit), argp's own errors included
bad 64 "invalid PORT '0'" "--usage-exit=64, port 0" --usage-exit=64 e0 10.8.0.2 10.8.0.100 0
bad 64 "invalid --timeout 'abc'" "--usage-exit 64 given after the bad -t" -t abc e0 10.8.0.2 10.8.0.100 80 --usage-exit 64
bad 1 "invalid --usage-exit '0'" "--usage-exit=0 refused (a usage error must not look like success)" --usage-exit=0 e0 10.8.0.2 10.8.0.100 80
bad 1 "invalid --usage-exit '256'" "--usage-exit=256" --usage-exit=256 e0 10.8.0.2 10.8.0.100 80
NS a "$C" --bogus --usage-exit=64 e0 10.8.0.2 10.8.0.100 80 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 64 ] && ok "--usage-exit=64 holds for argp's own error (unknown option)" || fail "--usage-exit=64 with an unknown option: exit $rc"
# a runtime error is not a usage error: 1 whatever --usage-exit says
bad 1 "SOURCE_IFACE 'nosuch0': no such interface" "--usage-exit=64 leaves runtime errors at 1" --usage-exit=64 nosuch0 10.8.0.2 10.8.0.100 80

# -j: what kept us from checking is verdict "error" with its outcome
jerr() {
	local want=$1 desc=$2 rc; shift 2
	NS a "$C" -j "$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ "$rc" -eq 1 ] && python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["verdict"] == "error" and o["outcome"] == sys.argv[2], o
assert o["reply_mac"] is None and o["reply_ttl"] is None, o' "$T/out" "$want"; then
		ok "-j $desc: exit 1, verdict error, outcome $want"
	else
		fail "-j $desc: exit $rc: $(cat "$T/out" "$T/err")"
	fi
}
jerr no_such_interface "unknown interface" nosuch0 10.8.0.2 10.8.0.100 80
jerr interface_down "interface down" down0 10.8.0.2 10.8.0.100 80
jerr interface_without_ipv4 "interface without IPv4" noip0 10.8.0.2 10.8.0.100 80
jerr interface_without_ipv6 "interface without IPv6" noip0 2001:db8::2 2001:db8::100 80
jerr interface_not_ethernet "loopback" lo 127.0.0.2 10.8.0.100 80
jerr resolution_failed "unresolvable host" e0 10.8.0.2 no-such-host.invalid 80
jerr role_file_unreadable "missing role file" -r "$T/missing" e0 10.8.0.2 10.8.0.100 80
NS a setpriv --bounding-set=-net_raw --inh-caps=-net_raw "$C" -j -t 100 e0 10.8.0.2 10.8.0.100 80 >"$T/out" 2>/dev/null
check "-j without CAP_NET_RAW: verdict error, outcome no_capability" grep -q '"verdict":"error","outcome":"no_capability"' "$T/out"
# and what the server did (nobody answers ARP here) is a failure, not an error
NS a "$C" -j -t 100 e0 10.8.0.2 10.8.0.100 80 >"$T/out" 2>/dev/null
check "-j unanswered ARP: verdict failure, outcome timeout_arp" grep -q '"verdict":"failure","outcome":"timeout_arp"' "$T/out"

expect_rc 0 "--help exits 0" bash -c "'$C' --help | grep -q '^Usage: check_tcp_raw \[OPTION...\] SOURCE_IFACE REAL_SERVER VIRTUAL_IP PORT'"
expect_rc 0 "--usage exits 0" bash -c "'$C' --usage >/dev/null"
check "--version prints the version" bash -c "'$C' --version | grep -Eqx 'check_tcp_raw [0-9]+\.[0-9]+\.[0-9]+'"
check "--help: the exit status paragraph says 1 for everything but success" bash -c "'$C' --help | grep -q '^0 when the check succeeds, 1 for everything else'"
check "--help has EXIT STATUS, PARAMETERS and OPTIONS sections" bash -c "'$C' --help | grep -q '^EXIT STATUS' && '$C' --help | grep -q '^PARAMETERS' && '$C' --help | grep -q '^OPTIONS'"
