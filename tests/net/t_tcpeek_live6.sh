#!/usr/bin/env bash
# tcpeek live over IPv6: two namespaces (cli, srv) on a veth pair with
# global IPv6 addresses (nodad, accept_dad=0: no DAD wait), tcpeek on the
# server's veth.  Real kernel TCP over IPv6 produces successes (listener),
# rejects (closed port), timeouts (nft drop, after -t 2) and ICMPv6
# unreachables (nft reject: port unreachable and administratively
# prohibited, --icmp); a bracketed-prefix filter counts only its clients;
# without -L the server's own IPv6 addresses (the veth's and a VIP on lo)
# make handshakes to it RX and handshakes it opens TX; the table shows
# IPv6 lines.  Then one capture where IPv4 and IPv6 handshakes interleave
# with the same client ports.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	fail "tcpeek live6: python3 is needed (scripts/install-deps.sh)"
	exit 0
fi
if [ ! -x "$BIN/tcpeek" ]; then
	fail "tcpeek live6: bin/tcpeek must be built"
	exit 0
fi

T=$(mktmp)
SOCK=$T/tcpeek.sock
CLI4=10.78.0.1
SRV4=10.78.0.2
CLI6=2001:db8:78::1
SRV6=2001:db8:78::2
VIP6=2001:db8:78:9::9

veth_cli_srv "$CLI4" "$SRV4"
for n in cli srv; do
	NS $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
NS cli sysctl -qw "net.ipv6.conf.$P-c.accept_dad=0"
NS srv sysctl -qw "net.ipv6.conf.$P-s.accept_dad=0"
NS cli ip addr add "$CLI6/64" dev "$P-c" nodad
NS srv ip addr add "$SRV6/64" dev "$P-s" nodad
# an LVS-DR style VIP on the server's lo: a host address, so local
NS srv ip addr add "$VIP6/128" dev lo nodad
NS cli ip -6 route add "$VIP6/128" via "$SRV6"
# the path works when a connect to a closed port is refused (RST)
path6() {
	NS cli python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.settimeout(3)
try:
    s.connect((sys.argv[1], 1))
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
' "$SRV6"
}
if ! path6; then
	fail "tcpeek live6: no IPv6 path between the namespaces (skipped the rest)"
	exit 0
fi

# A dual-stack listener that accepts and closes (every connect to it
# completes its handshake).
listen6() {
	ip netns exec "$P-$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(256)
while True:
    c, _ = s.accept()
    c.close()
' "$2" >/dev/null 2>&1 &
	bg_track $!
	wait_listen "$1" "$2"
}
listen6 srv 8080 || fail "IPv6 listener on srv:8080 did not start"
listen6 cli 9090 || fail "IPv6 listener on cli:9090 did not start"

# 8082: black hole; 8083: ICMPv6 port unreachable; 8084: administratively
# prohibited (ICMPv6 code 1).  icmpx answers in the packet's own family.
NS srv nft -f - <<EOF
table inet $P {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 8082 drop
		tcp dport 8083 reject with icmpx type port-unreachable
		meta nfproto ipv6 tcp dport 8084 reject with icmpv6 type admin-prohibited
	}
}
EOF

# connect NS ADDR PORT [SECONDS]: one handshake attempt (status ignored)
connect() {
	NS "$1" timeout "${4:-2}" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
	return 0
}

# start_tcpeek LOG ARGS...: tcpeek on the server's veth; sets TPID
start_tcpeek() {
	local log=$1
	shift
	rm -f "$SOCK"
	ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" "$@" >"$log.out" 2>"$log" &
	TPID=$!
	bg_track "$TPID"
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && grep -q '^listening on' "$log" && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

stat_json() { sock_request "$SOCK" GET; }

# jcheck JSON EXPR...: python expressions over d (filter name -> object)
jcheck() {
	local json=$1; shift
	python3 - "$json" "$@" <<'EOF'
import json, sys
arr = json.loads(sys.argv[1])
d = {k: v for e in arr for k, v in e.items()}
d["_names"] = [next(iter(e)) for e in arr]
bad = [x for x in sys.argv[2:] if not eval(x, {"d": d})]
for x in bad:
    print("  false: " + x, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# wait_json EXPR...: poll GET (up to 5 s) until the expressions hold
wait_json() {
	local _
	for _ in $(seq 50); do
		jcheck "$(stat_json)" "$@" 2>/dev/null && return 0
		sleep 0.1
	done
	jcheck "$(stat_json)" "$@"
}

# ---- IPv6 only ---------------------------------------------------------------
check "tcpeek starts live on the veth (no -L, bracketed filters)" \
	start_tcpeek "$T/err1" --icmp -t 2 \
	"web6:RX@[2001:db8:78::/64]:8080" "far:RX@[2001:db8:99::/48]:%" ":RX@[2001:db8:78::1]:7"

for _ in 1 2 3 4; do connect cli "$SRV6" 8080; done
for _ in 1 2 3; do connect cli "$SRV6" 8081; done
connect cli "$SRV6" 8083
connect cli "$SRV6" 8084
for _ in 1 2; do connect cli "$VIP6" 8080; done
for _ in 1 2; do connect srv "$CLI6" 9090; done
connect srv "$CLI6" 9091
connect cli "$SRV6" 7          # excluded by the :RX@...:7 filter
t_syn=$(now_ms)
connect cli "$SRV6" 8082 0.5 &
b1=$!
bg_track $b1

check "before -t: 6 RX successes (4 to the veth address, 2 to the VIP on lo), 2 TX, 1 open" \
	wait_json 'd["RX"]["success"]["total"] == 6' 'd["TX"]["success"]["total"] == 2' \
	'd["RX"]["other"]["open"] == 1'
while [ $(( $(now_ms) - t_syn )) -lt 2500 ]; do sleep 0.1; done
check "RX over IPv6: 6 ok, 3 reject, 2 unreach (port, admin-prohibited), 1 timeout after -t 2" \
	wait_json 'd["RX"]["success"]["total"] == 6' 'd["RX"]["failure"]["reject"] == 3' \
	'd["RX"]["failure"]["unreach"] == 2' 'd["RX"]["failure"]["timeout"] == 1' \
	'd["RX"]["other"]["open"] == 0' 'd["RX"]["handshake_us"]["max"] > 0'
J=$(stat_json)
check "TX over IPv6 (the server's own client): 2 ok, 1 reject, without -L" \
	jcheck "$J" 'd["TX"]["success"]["total"] == 2' 'd["TX"]["failure"]["reject"] == 1' \
	'd["TX"]["failure"]["total"] == 1'
check "filter web6:RX@[2001:db8:78::/64]:8080 counts its 6 successes, nothing else" \
	jcheck "$J" 'd["web6"]["success"]["total"] == 6' 'd["web6"]["failure"]["total"] == 0'
check "filter far:RX@[2001:db8:99::/48]:% counts nothing" \
	jcheck "$J" 'd["far"]["success"]["total"] == 0' 'd["far"]["failure"]["total"] == 0'
check "the exclusion :RX@[2001:db8:78::1]:7 kept port 7's reject out of RX (3 rejects, not 4) and is no filter of its own" \
	jcheck "$J" 'd["RX"]["failure"]["reject"] == 3' 'd["_names"] == ["RX", "TX", "web6", "far", "pcap"]'
n6=$(grep -c "\[$CLI6\]:[0-9]* *\[$SRV6\]:8080 *|      success      |" "$T/err1")
check "table: 4 IPv6 success lines [$CLI6]:port -> [$SRV6]:8080 ($n6)" test "$n6" = 4
n6=$(grep -c "\[$CLI6\]:[0-9]* *\[$VIP6\]:8080 *|      success      |" "$T/err1")
check "table: 2 IPv6 success lines to the VIP on lo ($n6)" test "$n6" = 2
n6=$(grep -c "\[$SRV6\]:[0-9]* *\[$CLI6\]:9090 *|      success      |" "$T/err1")
check "table: 2 TX lines from the server's own address ($n6)" test "$n6" = 2
line=$(grep "| failure (unreach) |" "$T/err1" | head -1)
check "table: an unreach line in the IPv6 layout ($line)" \
	grep -q "^ *[0-9.]* | [0-9-]* [0-9:.]* | *\[$CLI6\]:[0-9]* *\[$SRV6\]:808[34] *| failure (unreach) |" <<<"$line"
kill -TERM "$TPID"
wait "$TPID"
rc=$?
check "tcpeek exits 0 on SIGTERM (got $rc)" test "$rc" = 0
wait "$b1" 2>/dev/null

# ---- IPv4 and IPv6 in one capture, the same client ports ----------------------
check "tcpeek starts for the mixed run" \
	start_tcpeek "$T/err2" --icmp -t 2 "v4:RX@0.0.0.0/0:%" "v6:RX@[::/0]:%"
NS cli python3 - "$CLI4" "$SRV4" "$CLI6" "$SRV6" <<'EOF'
import socket, sys
cli4, srv4, cli6, srv6 = sys.argv[1:5]
# each client port used over IPv4 then over IPv6: success, then reject
for i, port in enumerate((8080, 8080, 8080, 8081, 8081)):
    for fam, cli, srv in ((socket.AF_INET, cli4, srv4), (socket.AF_INET6, cli6, srv6)):
        s = socket.socket(fam)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(2)
        s.bind((cli, 41000 + i))
        try:
            s.connect((srv, port))
        except OSError:
            pass
        s.close()
EOF
check "mixed: 3 ok and 2 reject in each family, RX the sum" \
	wait_json 'd["v4"]["success"]["total"] == 3' 'd["v6"]["success"]["total"] == 3' \
	'd["v4"]["failure"]["reject"] == 2' 'd["v6"]["failure"]["reject"] == 2' \
	'd["RX"]["success"]["total"] == 6' 'd["RX"]["failure"]["total"] == 4' \
	'd["TX"]["success"]["total"] == 0'
n4=$(grep -c "^ *[0-9.]* | [0-9-]* [0-9:.]* | *$CLI4:4100[0-4] *$SRV4:808[01] *|" "$T/err2")
n6=$(grep -c "\[$CLI6\]:4100[0-4] *\[$SRV6\]:808[01] *|" "$T/err2")
check "mixed: 5 IPv4 lines and 5 IPv6 lines with the same client ports ($n4, $n6)" \
	test "$n4 $n6" = "5 5"
kill -TERM "$TPID"
wait "$TPID"
if [ -n "${SYNSCOPE_DEBUG:-}" ]; then
	for f in "$T"/err*; do echo "== $f"; cat "$f"; done
fi
