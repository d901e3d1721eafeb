#!/usr/bin/env bash
# tcpeek under hostile traffic, live on a veth (cli -> srv, tcpeek in srv):
#   1. malformed frames of every kind that reaches a capture: each counted
#      in pcap.tracker.malformed, none fatal, IPv6 not counted;
#   2. stats-socket requests longer than the limit: closed unanswered,
#      tcpeek serves on;
#   3. a 1 M-SYN flood from distinct sources (two bursts of 500 k) with
#      --max-sessions 100000: the untracked counter rises, every flood SYN
#      is accounted for exactly once (untracked + timeout + open), memory
#      stays within the cap, the capture drops nothing, and real kernel
#      handshakes (before, during and between the bursts) are counted
#      exactly: each is a success or, while the table is full, untracked.
# (100 concurrent + 10 silent socket clients: t_tcpeek_clients.sh; the
# socket's mode against another user: t_tcpeek_live.sh, t_priv_tcpeek.sh.)
. "$(dirname "$0")/lib.sh"
H=$TOOLS/hostile
for x in "$BIN/tcpeek" "$H"; do
	[ -x "$x" ] || { fail "hostile tcpeek: $x not built"; exit 0; }
done
command -v python3 >/dev/null || { fail "hostile tcpeek: python3 is needed"; exit 0; }

T=$(mktmp)
SOCK=$T/tcpeek.sock
CLI=10.79.0.1
SRV=10.79.0.2
CAP=100000
BURST=500000

veth_cli_srv "$CLI" "$SRV"
SRV_MAC=$(NS srv cat /sys/class/net/"$P-s"/address)
# The flood's port is dropped before the kernel's TCP sees it (no SYN/ACK,
# no RST): only tcpeek cares about those SYNs.
NS srv nft -f - <<EOF
table inet $P {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		tcp dport 9999 drop
	}
}
EOF
accept_listener srv 8080 1024 || fail "listener on 8080 did not start"

# connects N: N sequential kernel handshakes from cli to srv:8080; prints
# how many completed
connects() {
	NS cli python3 -c '
import socket, sys
ok = 0
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((sys.argv[1], 8080))
        ok += 1
    except OSError:
        pass
    s.close()
print(ok)
' $SRV "$1"
}
# get: the GET document; jq_ EXPR...: python expressions over d (filter
# name -> object) that must all hold
get() { sock_request "$SOCK" GET; }
jq_() {
	local json=$1; shift
	python3 - "$json" "$@" <<'EOF'
import json, sys
d = {k: v for e in json.loads(sys.argv[1]) for k, v in e.items()}
bad = [x for x in sys.argv[2:] if not eval(x, {"d": d})]
for x in bad:
    print("  false: " + x, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
# wait_get SECONDS EXPR...: poll GET until the expressions hold
wait_get() {
	local n=$(( $1 * 10 )) _; shift
	for _ in $(seq $n); do
		jq_ "$(get 2>/dev/null)" "$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# jv JSON EXPR: the value of a python expression over d; field EXPR: over
# the current GET document
jv() { python3 -c 'import json,sys; d={k:v for e in json.loads(sys.argv[1]) for k,v in e.items()}; print(eval(sys.argv[2]))' "$1" "$2"; }
field() { jv "$(get)" "$1"; }
status() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$TPID"/status; }

# The capture runs with the default snaplen (65535) and buffer (2 MB), as
# an operator would start it: the ring must absorb the bursts below with
# no drop (it could not while live capture used libpcap's immediate mode,
# whose fixed 64 KiB slots let a 2 MB ring hold ~32 frames).
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -q -t 1 -c 1 \
	--max-sessions $CAP 'real:RX@*:8080' 'flood:RX@*:9999' >"$T/out" 2>"$T/err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "tcpeek serves its socket" test -S "$SOCK"

# --- 1. malformed frames ---------------------------------------------------
# -c 1 (IPv4 header checksums verified) so the bad-checksum kind counts.
# A second tcpeek on "any" sees the same frames as Linux cooked captures.
ip netns exec "$P-srv" "$BIN/tcpeek" -i any -U "$T/any.sock" -q -c 1 >"$T/out.any" 2>"$T/err.any" &
APID=$!
bg_track "$APID"
for _ in $(seq 50); do [ -S "$T/any.sock" ] && break; sleep 0.1; done
ROUNDS=100
NS cli "$H" malformed -i "$P-c" -d "$SRV_MAC" -S $CLI -D $SRV:9998 -n $ROUNDS -c 1 >"$T/mal"
nmal=$(awk '$1 == "malformed" { print $2 }' "$T/mal")
kinds=$(grep -c ' bytes: ' "$T/mal")
check "hostile sent $kinds kinds x $ROUNDS rounds = $nmal malformed frames" test "$nmal" = $((kinds * ROUNDS)) -a "$kinds" -ge 12
if wait_get 3 "d['pcap']['tracker']['malformed'] == $nmal"; then
	ok "every malformed frame counted: pcap.tracker.malformed == $nmal"
else
	fail "malformed counted $(field "d['pcap']['tracker']['malformed']"), sent $nmal"
	cat "$T/mal"
fi
check "IPv6 frames are not malformed, nothing was taken for a handshake" \
	jq_ "$(get)" "d['pcap']['tracker']['open'] == 0" "d['RX']['success']['total'] == 0" \
	"d['RX']['failure']['total'] == 0" "d['RX']['other']['untracked'] == 0"
check "tcpeek is still running after the malformed frames" kill -0 "$TPID"
SOCK0=$SOCK
SOCK=$T/any.sock
# (a frame with nothing after its Ethernet header never reaches a cooked
# capture: the kernel delivers no empty payload to "any")
nany=$((nmal - ROUNDS))
wait_get 3 "d['pcap']['tracker']['malformed'] == $nany" \
	&& ok "tcpeek -i any (cooked link type): $nany malformed frames counted (all but the empty ones)" \
	|| fail "tcpeek -i any: malformed $(field "d['pcap']['tracker']['malformed']"), expected $nany ($(head -2 "$T/err.any"))"
SOCK=$SOCK0
kill -TERM "$APID"
wait "$APID"; rc=$?
check "tcpeek -i any exits 0 on SIGTERM (got $rc)" test "$rc" = 0

# --- 2. requests longer than the limit (CTL_MAX_REQUEST 128) -------------
long_req() {
	python3 - "$SOCK" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
req = {"129": b"G" * 129, "getpad": b"GET" + b" " * 200 + b"\n",
       "1m": b"GET" + b"x" * (1 << 20) + b"\n"}[sys.argv[2]]
try:
    s.sendall(req)
    got = s.recv(65536)
except (BrokenPipeError, ConnectionResetError):
    got = b""
print("closed" if got == b"" else "answered %d bytes" % len(got))
EOF
}
for r in 129 getpad 1m; do
	res=$(long_req $r 2>&1)
	check "over-long request ($r): connection closed without an answer ($res)" test "$res" = closed
done
check "tcpeek still answers GET after the over-long requests" jq_ "$(get)" "d['pcap']['tracker']['malformed'] == $nmal"

# --- 3. 1 M-SYN flood --------------------------------------------------------
real0=$(connects 10)
check "10 real handshakes before the flood complete" test "$real0" = 10
wait_get 3 "d['real']['success']['total'] == 10" \
	&& ok "before the flood: real.success == 10" || fail "before the flood: $(get)"
anon0=$(status RssAnon)

NS cli "$H" flood -i "$P-c" -d "$SRV_MAC" -k syn -D $SRV:9999 -n $BURST -t 30000 2>"$T/f1" &
fl=$!
sleep 0.2
real1=$(connects 10)
wait "$fl"
check "burst 1: $BURST SYNs sent ($(cat "$T/f1"))" grep -q "^hostile: $BURST frames" "$T/f1"
check "burst 1: the 10 real handshakes during it completed" test "$real1" = 10
# every flood SYN is untracked, timed out, or open; 10 + real1 real ones
# are successes or untracked; nothing else
acct1="d['flood']['other']['untracked'] + d['flood']['failure']['timeout'] + d['flood']['other']['open'] == $BURST"
if wait_get 20 "$acct1"; then
	ok "burst 1: each of the $BURST SYNs counted once (untracked + timeout + open)"
else
	fail "burst 1: flood accounting: $(get)"
fi
J=$(get)
check "burst 1: the untracked counter rose to $(jv "$J" "d['flood']['other']['untracked']")" \
	jq_ "$J" "d['flood']['other']['untracked'] > 0" "d['pcap']['tracker']['untracked'] == d['flood']['other']['untracked'] + d['real']['other']['untracked']"
check "burst 1: real handshakes exact: successes ($(jv "$J" "d['real']['success']['total']")) + untracked ($(jv "$J" "d['real']['other']['untracked']")) == 20, no failure" \
	jq_ "$J" "d['real']['success']['total'] + d['real']['other']['untracked'] == 20" "d['real']['failure']['total'] == 0" \
	"d['real']['other']['abort'] == 0"
check "burst 1: the table never held more than the cap ($CAP)" \
	jq_ "$J" "d['pcap']['tracker']['peak'] <= $CAP" "d['pcap']['tracker']['max_sessions'] == $CAP"

# the flood's sessions time out (-t 1): then real handshakes are all tracked
wait_get 10 "d['flood']['other']['open'] == 0" || fail "flood sessions did not time out: $(get)"
s_before=$(field "d['real']['success']['total']")
real2=$(connects 10)
check "between the bursts: 10 real handshakes complete" test "$real2" = 10
wait_get 3 "d['real']['success']['total'] == $s_before + 10" \
	&& ok "between the bursts: exactly 10 more successes" || fail "between the bursts: $(get)"

NS cli "$H" flood -i "$P-c" -d "$SRV_MAC" -k syn -D $SRV:9999 -n $BURST -t 30000 2>"$T/f2" &
fl=$!
sleep 0.2
real3=$(connects 10)
wait "$fl"
check "burst 2: $BURST more SYNs sent ($(cat "$T/f2"))" grep -q "^hostile: $BURST frames" "$T/f2"
acct2="d['flood']['other']['untracked'] + d['flood']['failure']['timeout'] + d['flood']['other']['open'] == 2 * $BURST"
wait_get 20 "$acct2" && ok "after 1 M SYNs: each counted once (untracked + timeout + open == 1000000)" \
	|| fail "after 1 M SYNs: $(get)"
wait_get 10 "d['flood']['other']['open'] == 0" || true
J=$(get)
check "after 1 M SYNs: real handshakes exact (successes + untracked == 40, no failure)" \
	jq_ "$J" "d['real']['success']['total'] + d['real']['other']['untracked'] == 10 + $real1 + $real2 + $real3" \
	"d['real']['failure']['total'] == 0" "d['real']['other']['open'] == 0"
check "after 1 M SYNs: the kernel dropped no frame (pcap.stats.drop == 0)" \
	jq_ "$J" "d['pcap']['stats']['drop'] == 0" "d['pcap']['stats']['ifdrop'] == 0"
check "after 1 M SYNs: malformed unchanged ($nmal), peak == cap" \
	jq_ "$J" "d['pcap']['tracker']['malformed'] == $nmal" "d['pcap']['tracker']['peak'] == $CAP"
anon1=$(status RssAnon)
hwm=$(status VmHWM)
# The cap's memory: at most 96 bytes a session (the tracker's contract)
# plus 4 MiB for everything else that may grow (heap, JSON buffers).
limit=$(( anon0 + CAP * 96 / 1024 + 4096 ))
if [ "$anon1" -le "$limit" ]; then
	ok "memory within the cap: RssAnon ${anon0} -> ${anon1} kB (limit ${limit} kB; VmHWM ${hwm} kB with the capture ring)"
else
	fail "memory: RssAnon ${anon0} -> ${anon1} kB, over ${limit} kB"
fi
check "tcpeek survived the flood" kill -0 "$TPID"
kill -TERM "$TPID"
wait "$TPID"; rc=$?
check "tcpeek exits 0 on SIGTERM after all that (got $rc)" test "$rc" = 0

# --- 1b. the bad TCP checksum kind, with -c 2 ------------------------------
# (-c 2 cannot watch the real handshakes here: the veth offloads checksums,
# so the kernel's own segments are captured unfinished; see tcpeek(8) -c.)
SOCK=$T/tcpeek2.sock
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -q -c 2 >"$T/out2" 2>"$T/err2" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
NS cli "$H" malformed -i "$P-c" -d "$SRV_MAC" -S $CLI -D $SRV:9998 -n $ROUNDS -c 2 >"$T/mal2"
nmal2=$(awk '$1 == "malformed" { print $2 }' "$T/mal2")
kinds2=$(grep -c ' bytes: ' "$T/mal2")
check "with -c 2 a bad TCP checksum is one more kind ($kinds2 kinds, $nmal2 frames)" \
	test "$kinds2" = $((kinds + 1)) -a "$nmal2" = $((kinds2 * ROUNDS))
wait_get 3 "d['pcap']['tracker']['malformed'] == $nmal2" "d['pcap']['tracker']['open'] == 0" \
	"d['RX']['failure']['total'] + d['RX']['success']['total'] == 0" \
	&& ok "-c 2: every malformed frame counted ($nmal2), none taken for a handshake" \
	|| fail "-c 2: $(get)"
kill -TERM "$TPID"
wait "$TPID"; rc=$?
check "tcpeek -c 2 exits 0 on SIGTERM (got $rc)" test "$rc" = 0
