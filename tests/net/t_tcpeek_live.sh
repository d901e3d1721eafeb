#!/usr/bin/env bash
# tcpeek live: two namespaces (cli, srv) on a veth pair, tcpeek on the
# server's veth.  Real kernel TCP produces successes (listener), rejects
# (closed port), timeouts (nft drop, after -t 2) and unreachables (nft
# reject with ICMP port-unreachable, --icmp).  Then tcpeekstat reads the
# counts (table, -j, -p, -g), raw GET/REFRESH over the socket, the socket
# mode, a second tcpeek refused, SIGTERM cleanup and stale socket reuse.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	fail "tcpeek live: python3 is needed (scripts/install-deps.sh)"
	exit 0
fi
if [ ! -x "$BIN/tcpeek" ] || [ ! -x "$BIN/tcpeekstat" ]; then
	fail "tcpeek live: bin/tcpeek and bin/tcpeekstat must be built"
	exit 0
fi

T=$(mktmp)
SOCK=$T/run/tcpeek.sock
SRV=10.77.0.2
CLI=10.77.0.1

veth_cli_srv "$CLI" "$SRV"

# Background processes are started with "ip netns exec" itself (it execs
# the command), so $! is the real pid that bg_track and kill must see.
# A listener that accepts and closes: every connect to it is a success.
accept_listener srv 8080 || fail "listener on 8080 did not start"

# 8082: black hole (SYN dropped after capture saw it); 8083: ICMP reject.
NS srv nft -f - <<EOF
table inet $P {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 8082 drop
		tcp dport 8083 reject with icmp type port-unreachable
	}
}
EOF

# connect PORT [SECONDS]: one client handshake from cli (exit status ignored)
connect() {
	NS cli timeout "${2:-2}" bash -c "exec 3<>/dev/tcp/$SRV/$1" 2>/dev/null
	return 0
}

# start_tcpeek LOG: tcpeek in srv, waits for its socket; sets TPID
start_tcpeek() {
	ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" --icmp -t 2 \
		'web:RX@10.77.0.0/24:8080' >"$1.out" 2>"$1" &
	TPID=$!
	bg_track "$TPID"
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && grep -q '^listening on' "$1" && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

quiet() { "$@" >/dev/null 2>&1; }

# stat_json: the GET document through tcpeekstat -j
stat_json() { NS srv "$BIN/tcpeekstat" -U "$SOCK" -j; }

# raw REQUEST: one request over the socket, the answer on stdout
raw() { sock_request "$SOCK" "$1"; }

# jcheck JSON EXPR...: each python expression over d (the parsed document,
# a dict of filter name -> object) must be true
jcheck() {
	local json=$1; shift
	python3 - "$json" "$@" <<'EOF'
import json, sys
arr = json.loads(sys.argv[1])
assert isinstance(arr, list) and all(isinstance(e, dict) and len(e) == 1 for e in arr)
names = [next(iter(e)) for e in arr]
d = {k: v for e in arr for k, v in e.items()}
d["_names"] = names
bad = [x for x in sys.argv[2:] if not eval(x, {"d": d})]
for x in bad:
    print("  false: " + x, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# wait_json EXPR...: poll GET (up to 3 s) until the expressions hold, so
# assertions never race the capture's delivery of the last packets
wait_json() {
	local _
	for _ in $(seq 30); do
		jcheck "$(stat_json)" "$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

check "tcpeek starts live on the veth and creates its socket" start_tcpeek "$T/err1"
check "socket mode is 0660" test "$(stat -c %a "$SOCK")" = 660
check "socket directory is 0755" test "$(stat -c %a "$T/run")" = 755

# --- traffic ----------------------------------------------------------
for _ in 1 2 3 4 5; do connect 8080; done
for _ in 1 2 3; do connect 8081; done
connect 8083
connect 8083
t_syn=$(now_ms)
connect 8082 0.5 &      # two black-holed SYNs: timeouts 2 s after them
b1=$!
connect 8082 0.5 &
b2=$!
wait_json 'd["RX"]["success"]["total"] == 5' 'd["RX"]["failure"]["unreach"] == 2' \
	'd["RX"]["other"]["open"] == 2'

# the -t deadline: before it the black-holed handshakes are open...
j=$(stat_json)
if [ $(( $(now_ms) - t_syn )) -lt 1500 ]; then
	check "before -t 2 expires the 2 black-holed handshakes are open, not failed" \
		jcheck "$j" 'd["RX"]["other"]["open"] == 2' 'd["RX"]["failure"]["timeout"] == 0'
else
	fail "traffic took too long to test the state before -t (host overloaded?)"
fi
check "5 successes, 3 rejects, 2 unreachables counted live" \
	jcheck "$j" 'd["RX"]["success"]["total"] == 5' 'd["RX"]["failure"]["reject"] == 3' \
	'd["RX"]["failure"]["unreach"] == 2'

# ...and after it (plus the time a timer tick may take) they are timeouts
while [ $(( $(now_ms) - t_syn )) -lt 3200 ]; do sleep 0.1; done
J=$(stat_json)
check "tcpeekstat -j prints a valid document in the schema's order" \
	jcheck "$J" 'd["_names"] == ["RX", "TX", "web", "pcap"]' \
	'set(d["pcap"]) == {"stats", "tracker"}' 'd["pcap"]["stats"]["recv"] > 0'
check "-j: RX counts exact after -t (5 ok, 3 reject, 2 timeout, 2 unreach)" \
	jcheck "$J" 'd["RX"]["success"]["total"] == 5' 'd["RX"]["failure"]["total"] == 7' \
	'd["RX"]["failure"]["timeout"] == 2' 'd["RX"]["failure"]["reject"] == 3' \
	'd["RX"]["failure"]["unreach"] == 2' 'd["RX"]["other"]["open"] == 0' 'd["RX"]["other"]["abort"] == 0' \
	'd["RX"]["handshake_us"]["max"] > 0'
check "-j: user filter web counts only the 5 successes to port 8080" \
	jcheck "$J" 'd["web"]["success"]["total"] == 5' 'd["web"]["failure"]["total"] == 0' \
	'd["web"]["other"]["open"] == 0'
check "-j: nothing is TX (the server side is local)" \
	jcheck "$J" 'd["TX"]["success"]["total"] == 0' 'd["TX"]["failure"]["total"] == 0'
check "table lines on stderr: 5 success, 3 reject, 2 timeout, 2 unreach" \
	test "$(grep -c '|      success      |' "$T/err1") $(grep -c '| failure (reject)  |' "$T/err1") $(grep -c '| failure (timeout) |' "$T/err1") $(grep -c '| failure (unreach) |' "$T/err1")" = "5 3 2 2"
line=$(grep '| failure (timeout) |' "$T/err1" | head -1)
secs=$(echo "$line" | awk '{print $1}')
check "a timeout line reports about 2 s (-t 2): $secs" \
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.9 && s <= 3.5) }'

out=$(NS srv "$BIN/tcpeekstat" -U "$SOCK" -T)
check "-T table: RX row 5 ok, 7 failed (2 timeout, 3 reject, 2 unreach)" \
	awk '$1 == "RX" && $2 == 5 && $5 == 7 && $6 == 2 && $7 == 3 && $8 == 2 && $10 == 0 { f = 1 } END { exit !f }' <<<"$out"
check "-T table: web row and pcap line" \
	bash -c 'awk '\''$1 == "web" && $2 == 5 && $5 == 0 { f = 1 } END { exit !f }'\'' <<<"$1" && grep -q "^pcap stats: recv [1-9]" <<<"$1"' _ "$out"

prom=$(NS srv "$BIN/tcpeekstat" -U "$SOCK" -p)
check "-p: tcpeek_success_total{filter=\"RX\"} 5" grep -qx 'tcpeek_success_total{filter="RX"} 5' <<<"$prom"
check "-p: failure counters, web filter and pcap stats" bash -c '
	grep -qx "tcpeek_failure_timeout_total{filter=\"RX\"} 2" <<<"$1" &&
	grep -qx "tcpeek_failure_unreach_total{filter=\"RX\"} 2" <<<"$1" &&
	grep -qx "tcpeek_success_total{filter=\"web\"} 5" <<<"$1" &&
	grep -qx "# TYPE tcpeek_success_total counter" <<<"$1" &&
	grep -qx "# TYPE tcpeek_open gauge" <<<"$1" &&
	grep -qx "tcpeek_handshake_seconds_bucket{filter=\"RX\",le=\"+Inf\"} 5" <<<"$1" &&
	grep -q "^tcpeek_handshake_seconds_sum{filter=\"RX\"} 0\.[0-9]*[1-9][0-9]*$" <<<"$1" &&
	grep -qx "tcpeek_handshake_seconds_count{filter=\"RX\"} 5" <<<"$1" &&
	grep -qx "# TYPE tcpeek_handshake_seconds histogram" <<<"$1" &&
	grep -q "^tcpeek_pcap_recv_total [1-9]" <<<"$1" &&
	test "$(grep -c "^# TYPE tcpeek_success_total " <<<"$1")" = 1' _ "$prom"

# --- GET / REFRESH semantics over the raw socket ------------------------
g=$(raw GET)
r1=$(raw REFRESH)
r2=$(raw REFRESH)
check "raw GET over the socket: cumulative counts" \
	jcheck "$g" 'd["RX"]["success"]["total"] == 5' '"pcap" in d'
check "first REFRESH: deltas since start, unreach folded into reject, no pcap" \
	jcheck "$r1" 'd["RX"]["success"]["total"] == 5' 'd["RX"]["failure"]["reject"] == 5' \
	'd["RX"]["failure"]["unreach"] == 0' 'd["RX"]["failure"]["timeout"] == 2' \
	'd["RX"]["failure"]["total"] == 7' 'd["_names"] == ["RX", "TX", "web"]'
check "second REFRESH: all zeros" \
	jcheck "$r2" 'd["RX"]["success"]["total"] == 0' 'd["RX"]["failure"]["total"] == 0' \
	'd["web"]["success"]["total"] == 0' 'd["RX"]["failure"]["reject"] == 0'
for _ in 1 2; do connect 8080; done
connect 8081
wait_json 'd["RX"]["success"]["total"] == 7' 'd["RX"]["failure"]["reject"] == 4'

# -g sends REFRESH and runs gmetric per success/failure item
cat >"$T/gmetric" <<EOF
#!/bin/sh
printf '%s\\n' "\$*" >>"$T/gm.log"
EOF
chmod 755 "$T/gmetric"
gout=$(NS srv "$BIN/tcpeekstat" -U "$SOCK" -g --gmetric-path="$T/gmetric"); grc=$?
got="$grc $(wc -l <"$T/gm.log") $(grep -c "^$T/gmetric -n tcpeek_" <<<"$gout")"
check "-g exits 0, runs and prints gmetric 27 times (3 filters x 9 items): $got" \
	test "$got" = "0 27 27"
check "-g: REFRESH deltas since the last REFRESH (2 ok, 1 reject)" bash -c '
	grep -qx -- "-n tcpeek_RX_success_total -v 2 -t uint32" "$1" &&
	grep -qx -- "-n tcpeek_RX_failure_reject -v 1 -t uint32" "$1" &&
	grep -qx -- "-n tcpeek_web_success_total -v 2 -t uint32" "$1" &&
	grep -qx -- "-n tcpeek_TX_failure_total -v 0 -t uint32" "$1"' _ "$T/gm.log"
expect_rc 1 "-g with a failing gmetric exits 1" \
	quiet NS srv "$BIN/tcpeekstat" -U "$SOCK" -g --gmetric-path=/bin/false
connect 8080
wait_json 'd["RX"]["success"]["total"] == 8'
expect_rc 1 "-g with a missing gmetric exits 1 before sending REFRESH" \
	quiet NS srv "$BIN/tcpeekstat" -U "$SOCK" -g --gmetric-path="$T/no-such-gmetric"
check "... so the next REFRESH still holds the delta (1 success)" \
	jcheck "$(raw REFRESH)" 'd["RX"]["success"]["total"] == 1' 'd["RX"]["failure"]["total"] == 0'
check "GET stays cumulative after REFRESHes (8 ok, 4 reject)" \
	jcheck "$(stat_json)" 'd["RX"]["success"]["total"] == 8' 'd["RX"]["failure"]["reject"] == 4' \
	'd["RX"]["failure"]["unreach"] == 2'

# any other request line is answered as GET (as the original tcpeek)
check "unknown request answered as GET" jcheck "$(raw PUT)" 'd["RX"]["success"]["total"] == 8'
check "lower-case refresh is a GET, not a reset" jcheck "$(raw refresh)" 'd["RX"]["success"]["total"] == 8'
check "tcpeek still serves after bad requests" test -n "$(raw GET)"

# --- client errors: permission denied, and the 3 s deadline --------------
chmod 755 "$T"          # only the socket's own mode (0660, root) keeps nobody out
perm=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$BIN/tcpeekstat" -U "$SOCK" 2>&1); prc=$?
check "tcpeekstat as another user: exit 1, permission denied ($perm)" \
	test "$prc" = 1 -a "$perm" = "tcpeekstat: $SOCK: Permission denied"
kill -STOP "$TPID"        # a stuck tcpeek: connect works, no answer ever comes
t0=$(now_ms)
stuck=$("$BIN/tcpeekstat" -U "$SOCK" -j 2>&1); src=$?
dt=$(( $(now_ms) - t0 ))
kill -CONT "$TPID"
check "tcpeekstat gives up on a stuck tcpeek after 3 s (${dt} ms, exit $src)" \
	test "$src" = 1 -a "$dt" -ge 2900 -a "$dt" -lt 6000
check "and says so: $stuck" test "$stuck" = "tcpeekstat: $SOCK: timed out after 3.000 s"
check "tcpeek serves again after SIGCONT" \
	jcheck "$(stat_json)" 'd["RX"]["success"]["total"] == 8'

# --- a second tcpeek on the same path is refused -------------------------
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -q >/dev/null 2>"$T/err2" &
p2=$!
bg_track $p2
for _ in $(seq 30); do kill -0 "$p2" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$p2" 2>/dev/null; then
	fail "second tcpeek on the same socket is still running"
	kill "$p2"
else
	wait "$p2"
	rc2=$?
	check "second tcpeek refused with exit 1 (got $rc2)" test "$rc2" = 1
	check "second tcpeek names the socket: $(head -1 "$T/err2")" \
		grep -q "another tcpeek is listening on $SOCK" "$T/err2"
fi
check "the first tcpeek still answers" \
	jcheck "$(stat_json)" 'd["RX"]["success"]["total"] == 8'

# --- stray signals: ignored, as by the original tcpeek --------------------
for sig in USR1 USR2 ALRM PIPE; do
	kill -"$sig" "$TPID"
	sleep 0.2
	if kill -0 "$TPID" 2>/dev/null; then
		check "SIG$sig does not end tcpeek: it still answers GET" \
			jcheck "$(stat_json)" 'd["RX"]["success"]["total"] == 8'
	else
		fail "SIG$sig ended tcpeek"
		start_tcpeek "$T/err1b" || break
	fi
done
connect 8080
check "... and still counts handshakes after them" \
	wait_json 'd["RX"]["success"]["total"] == 9'

# --- SIGTERM: summary, socket removed, exit 0 ---------------------------
kill -TERM "$TPID"
wait "$TPID"
rc=$?
check "tcpeek exits 0 on SIGTERM (got $rc)" test "$rc" = 0
check "socket file removed at exit" test ! -e "$SOCK"
check "summary printed at exit" grep -q '========== TCPEEK SUMMARY ==========' "$T/err1"
check "the summary ends with the pcap stats block, recv > 0" bash -c '
	tail -6 "$1" | head -3 | tr "\n" "|" |
	grep -qx -- "-\{36\}| pcap stats|   recv   : [1-9][0-9]*|"' _ "$T/err1"
expect_rc 1 "tcpeekstat against a stopped tcpeek exits 1" \
	NS srv "$BIN/tcpeekstat" -U "$SOCK"
check "tcpeekstat names the path and the reason" bash -c \
	'"$1" -U "$2" 2>&1 | grep -qx "tcpeekstat: $2: No such file or directory"' _ "$BIN/tcpeekstat" "$SOCK"

# --- kill -9 leaves a stale socket: the next start replaces it -----------
check "tcpeek restarts" start_tcpeek "$T/err3"
kill -KILL "$TPID"
wait "$TPID" 2>/dev/null
check "kill -9 leaves the socket file behind" test -S "$SOCK"
expect_rc 1 "tcpeekstat on the stale socket: refused, exit 1" \
	NS srv "$BIN/tcpeekstat" -U "$SOCK"
check "a new tcpeek replaces the stale socket" start_tcpeek "$T/err4"
connect 8080
wait_json 'd["RX"]["success"]["total"] >= 1'
check "the new tcpeek answers with fresh counts" \
	jcheck "$(stat_json)" 'd["RX"]["success"]["total"] == 1'
check "the replaced socket has mode 0660" test "$(stat -c %a "$SOCK")" = 660
kill -TERM "$TPID"
wait "$TPID"
check "socket removed again" test ! -e "$SOCK"
wait "$b1" "$b2"

# --- an LVS-DR real server: the VIP lives on lo --------------------------
# tcpeek -i on the veth, no -L: the VIP is one of the host's addresses
# (on lo), so handshakes to it are RX; the client is not local, nothing
# is TX.  (Only the veth's own address counted once: the VIP's handshakes
# were then transit, counted nowhere.)
VIP=10.77.9.9
NS srv ip addr add "$VIP/32" dev lo
NS srv sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
NS cli ip route add "$VIP/32" via "$SRV"
check "DR real server: tcpeek starts on the veth with the VIP on lo, no -L" start_tcpeek "$T/err5"
for _ in 1 2 3; do NS cli timeout 2 bash -c "exec 3<>/dev/tcp/$VIP/8080" 2>/dev/null; done
check "DR real server: 3 handshakes to the VIP on lo are RX successes, none TX" \
	wait_json 'd["RX"]["success"]["total"] == 3' 'd["TX"]["success"]["total"] == 0' \
	'd["RX"]["failure"]["total"] == 0'
check "DR real server: the table shows them to the VIP" \
	test "$(grep -c "$VIP:8080 *|      success" "$T/err5")" = 3
kill -TERM "$TPID"
wait "$TPID"
if [ -n "${SYNSCOPE_DEBUG:-}" ]; then
	for f in "$T"/err*; do echo "== $f"; cat "$f"; done
fi

# --- option arithmetic read back: -B (the ring libpcap maps) and -s -----
# The ring is the one mapping of a packet socket in /proc/PID/maps.  -B
# 2048 once overflowed an int (MiB -> bytes) and silently got libpcap's
# default ring (2 MiB).  The ring is real kernel memory while it exists:
# the 2 GiB case runs only with room to spare.
ring_kib() {
	local r n
	while read -r r _ _ _ _ n; do
		case $n in socket:*) echo $(( (16#${r#*-} - 16#${r%-*}) / 1024 )); return ;; esac
	done <"/proc/$1/maps"
	echo 0
}
avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
for mb in 1 2 2047 2048; do
	if [ "$mb" -ge 2047 ] && [ "${avail:-0}" -lt 6144 ]; then
		ok "-B $mb maps a $mb MiB ring (skipped: only ${avail} MiB available)"
		continue
	fi
	SOCKB=$T/b$mb.sock
	ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCKB" -B "$mb" -s 262144 \
		>/dev/null 2>"$T/b$mb.err" &
	bp=$!
	bg_track "$bp"
	for _ in $(seq 100); do [ -S "$SOCKB" ] && break; sleep 0.1; done
	got=$(ring_kib "$bp")
	check "-B $mb maps a $mb MiB ring ($got KiB)" test "$got" = $((mb * 1024))
	if [ "$mb" = 2 ]; then
		check "-s 262144 is the capture size in effect" \
			grep -q "capture size 262144 bytes" "$T/b$mb.err"
	fi
	kill -TERM "$bp"
	wait "$bp"; rc=$?
	check "tcpeek -B $mb exits 0 on SIGTERM (got $rc)" test "$rc" = 0
done
