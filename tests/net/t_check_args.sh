#!/usr/bin/env bash
# check_tcp_raw's input validation: exact exit status (64 usage, 1 runtime)
# and one line on stderr naming the culprit.  Runs in a namespace with a
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

bad 64 "invalid PORT '70000'" "port 70000" e0 10.8.0.2 10.8.0.100 70000
bad 64 "invalid PORT 'abc'" "port abc" e0 10.8.0.2 10.8.0.100 abc
bad 64 "invalid PORT '0'" "port 0" e0 10.8.0.2 10.8.0.100 0
bad 64 "invalid --timeout '-5'" "timeout -5" -t -5 e0 10.8.0.2 10.8.0.100 80
bad 64 "invalid --timeout 'abc'" "timeout abc" --timeout=abc e0 10.8.0.2 10.8.0.100 80
bad 64 "invalid --timeout '3600001'" "timeout too large" -t 3600001 e0 10.8.0.2 10.8.0.100 80
bad 64 "invalid --retries 'x'" "retries x" -R x e0 10.8.0.2 10.8.0.100 80
bad 64 "--source-ip 'nope'" "bad source ip" -s nope e0 10.8.0.2 10.8.0.100 80
bad 64 "REAL_SERVER '2001:db8::1': IPv6 is not supported" "IPv6 real server" e0 2001:db8::1 10.8.0.100 80
bad 64 "VIRTUAL_IP '::1': IPv6 is not supported" "IPv6 virtual IP" e0 10.8.0.2 ::1 80
bad 64 "missing argument PORT" "missing PORT" e0 10.8.0.2 10.8.0.100
bad 64 "missing argument SOURCE_IFACE" "no arguments"
bad 64 "too many arguments: 'extra'" "extra argument" e0 10.8.0.2 10.8.0.100 80 extra
bad 1 "VIRTUAL_IP 'no-such-host.invalid': cannot resolve" "unresolvable host" e0 10.8.0.2 no-such-host.invalid 80
bad 1 "SOURCE_IFACE 'nosuch0': no such interface" "unknown interface" nosuch0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'down0': interface is down" "interface down" down0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'noip0': interface has no IPv4 address" "interface without IPv4" noip0 10.8.0.2 10.8.0.100 80
bad 1 "SOURCE_IFACE 'lo': not an Ethernet interface" "loopback interface" lo 127.0.0.2 10.8.0.100 80
# root without CAP_NET_RAW (bounding set emptied of it)
NS a setpriv --bounding-set=-net_raw --inh-caps=-net_raw "$C" -t 100 e0 10.8.0.2 10.8.0.100 80 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q 'needs CAP_NET_RAW' "$T/err" && grep -q 'setcap cap_net_raw+ep' "$T/err" \
	&& ok "without CAP_NET_RAW: exit 1, one line naming the capability and setcap" \
	|| fail "without CAP_NET_RAW: exit $rc: $(cat "$T/err")"
# unknown option: argp's message (plus its hint), exit 64
NS a "$C" --bogus e0 10.8.0.2 10.8.0.100 80 >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 64 ] && grep -q "^check_tcp_raw: unrecognized option '--bogus'" "$T/err" && ok "unknown option: exit 64" || fail "unknown option: exit $rc"

expect_rc 0 "--help exits 0" bash -c "'$C' --help | grep -q '^Usage: check_tcp_raw \[OPTION...\] SOURCE_IFACE REAL_SERVER VIRTUAL_IP PORT'"
expect_rc 0 "--usage exits 0" bash -c "'$C' --usage >/dev/null"
check "--version prints the version" bash -c "'$C' --version | grep -Eqx 'check_tcp_raw [0-9]+\.[0-9]+\.[0-9]+'"
check "--help has EXIT STATUS, PARAMETERS and OPTIONS sections" bash -c "'$C' --help | grep -q '^EXIT STATUS' && '$C' --help | grep -q '^PARAMETERS' && '$C' --help | grep -q '^OPTIONS'"
