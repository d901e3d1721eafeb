#!/usr/bin/env bash
# tcpeek --metrics-listen, against a live tcpeek in a namespace:
#  - curl: GET /metrics is 200 with the Prometheus content type and a body
#    byte for byte equal to `tcpeekstat -p` on the same state; HEAD too;
#    other paths 404, other methods 405 with Allow; a port below 1024 is
#    opened before -u drops root; IPv6 [::1], and [::] from another
#    namespace; bad values, a port in use and
#    a port below 1024 without root each get one line and their exit code;
#    idle HTTP clients never hold up the capture; SIGTERM closes the port.
#  - as the systemd unit runs it (an unprivileged user with CAP_NET_RAW
#    only, a loopback port): served, and no capability left.
#  - a real Prometheus (Debian's package, its own config, storage and
#    loopback port in the namespace) scrapes tcpeek, and its HTTP API
#    returns tcpeek's success total after N handshakes.
. "$(dirname "$0")/lib.sh"

for tool in curl python3 setpriv; do
	if ! command -v $tool >/dev/null; then
		fail "metrics: $tool is needed (scripts/install-deps.sh)"
		exit 0
	fi
done
id nobody >/dev/null 2>&1 || { fail "metrics: user nobody is needed"; exit 0; }

T=$(mktmp)
chmod 755 "$T"
SOCK=$T/tcpeek.sock
SRV=10.79.0.2
N=5
PORT=90                         # below 1024: only root may bind it
MURL=http://127.0.0.1:$PORT/metrics
CT='text/plain; version=0.0.4; charset=utf-8'

veth_cli_srv 10.79.0.1 "$SRV"
accept_listener srv 8080 || fail "listener on 8080 did not start"

# one handshake from cli to srv:8080
hs() { NS cli timeout 2 bash -c "exec 3<>/dev/tcp/$SRV/8080" 2>/dev/null; }
# RX success total as tcpeekstat reads it from the socket
rx_ok() { NS srv "$BIN/tcpeekstat" -p -U "$SOCK" 2>/dev/null |
	sed -n 's/^tcpeek_success_total{filter="RX"} //p'; }
wait_rx() {
	local want=$1 i
	for i in $(seq 50); do [ "$(rx_ok)" = "$want" ] && return 0; sleep 0.1; done
	return 1
}

# ---- option errors: one line, exit 64 -----------------------------------
for v in 127.0.0.1:0 127.0.0.1:65536 localhost:80 ::1:80 2001:db8::1:9100 "[::1]" \
	"[10.0.0.1]:80" 127.0.0.1 ""; do
	"$BIN/tcpeek" -r "$SYNSCOPE_ROOT/tests/data/success.pcap" -q --metrics-listen="$v" \
		>/dev/null 2>"$T/e"
	rc=$?
	if [ $rc -eq 64 ] && [ "$(wc -l <"$T/e")" -eq 1 ] &&
		grep -qF "invalid --metrics-listen value '$v'" "$T/e"; then
		ok "--metrics-listen '$v': exit 64, $(cat "$T/e")"
	else
		fail "--metrics-listen '$v': exit $rc, $(head -2 "$T/e" | tr '\n' ' ')"
	fi
done

# ---- the live tcpeek: root, port 90, then -u nobody ------------------------
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -q -u nobody \
	--metrics-listen 127.0.0.1:$PORT >"$T/out" 2>"$T/err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do
	[ -S "$SOCK" ] && NS srv curl -s -o /dev/null "$MURL" && break
	sleep 0.1
done
if ! NS srv curl -s -o /dev/null "$MURL"; then
	fail "tcpeek -u nobody --metrics-listen 127.0.0.1:$PORT: not serving: $(head -2 "$T/err" | tr '\n' ' ')"
	exit 0
fi
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$TPID/status")
check "port $PORT opened before the drop: tcpeek now runs as nobody (uid $uid) and serves it" \
	test "$uid" = "$(id -u nobody)"

for _ in $(seq $N); do hs; done
if wait_rx $N; then ok "$N handshakes counted (tcpeekstat -p: RX success $N)"
else fail "RX success total '$(rx_ok)', wanted $N"; fi

# GET: status, content type, body = tcpeekstat -p on the same state (the
# capture may see a stray frame between the two reads: a few tries)
same=
for _ in $(seq 5); do
	NS srv curl -sS -D "$T/h" -o "$T/body" "$MURL" 2>"$T/cerr"
	NS srv "$BIN/tcpeekstat" -p -U "$SOCK" >"$T/p" 2>>"$T/cerr"
	if cmp -s "$T/body" "$T/p"; then same=1; break; fi
	sleep 0.2
done
check "GET /metrics: HTTP 200" grep -q '^HTTP/1.1 200 ' "$T/h"
ctype=$(sed -n 's/^Content-Type: \(.*\)\r$/\1/Ip' "$T/h")
check "GET /metrics: Content-Type '$ctype'" test "$ctype" = "$CT"
if [ -n "$same" ] && [ -s "$T/body" ]; then
	ok "GET /metrics body is byte for byte tcpeekstat -p -U sock ($(wc -c <"$T/body") bytes)"
else
	fail "GET /metrics differs from tcpeekstat -p: $(diff "$T/body" "$T/p" | head -4 | tr '\n' ' ')"
fi
check "the body carries the count: tcpeek_success_total{filter=\"RX\"} $N" \
	grep -qx "tcpeek_success_total{filter=\"RX\"} $N" "$T/body"

code=$(NS srv curl -s -I -o "$T/hh" -w '%{http_code}' "$MURL")
check "HEAD /metrics: 200 with the same content type, no body ($code)" \
	bash -c "[ $code = 200 ] && grep -qi '^Content-Type: $CT' '$T/hh'"
for path in / /metric /metrics/ /favicon.ico; do
	code=$(NS srv curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
	check "GET $path: 404 ($code)" test "$code" = 404
done
for m in POST PUT DELETE OPTIONS; do
	code=$(NS srv curl -s -D "$T/h" -o /dev/null -w '%{http_code}' -X $m --data-binary x "$MURL")
	check "$m /metrics: 405 with Allow: GET, HEAD ($code)" \
		bash -c "[ $code = 405 ] && grep -qi '^Allow: GET, HEAD' '$T/h'"
done

# idle HTTP clients (the most one address may hold) do not hold up the
# capture nor the stats socket ("ip netns exec" execs: $! is python)
ip netns exec "$P-srv" python3 -c '
import socket, sys, time
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
sys.stdout.write("connected\n"); sys.stdout.flush()
time.sleep(30)
' $PORT >"$T/idle" 2>&1 &
IDLE=$!
bg_track $IDLE
for _ in $(seq 50); do grep -q connected "$T/idle" && break; sleep 0.1; done
t0=$(now_ms)
for _ in $(seq $N); do hs; done
if wait_rx $((2 * N)); then
	ok "8 idle HTTP clients: $N more handshakes counted at once ($(( $(now_ms) - t0 )) ms)"
else
	fail "with idle HTTP clients the count is '$(rx_ok)', wanted $((2 * N))"
fi
kill $IDLE 2>/dev/null; wait $IDLE 2>/dev/null
code=
for _ in $(seq 30); do
	code=$(NS srv curl -s -o /dev/null -w '%{http_code}' "$MURL")
	[ "$code" = 200 ] && break
	sleep 0.1
done
check "idle clients gone: /metrics answers again ($code)" test "$code" = 200

# a second tcpeek on the same port: one line, exit 1
NS srv "$BIN/tcpeek" -i "$P-s" -U "$T/two.sock" -q --metrics-listen 127.0.0.1:$PORT \
	>/dev/null 2>"$T/e2"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$T/e2")" -eq 1 ] &&
	grep -q -- "--metrics-listen 127.0.0.1:$PORT: bind: Address already in use" "$T/e2" &&
	[ ! -e "$T/two.sock" ]; then
	ok "port in use: exit 1, $(cat "$T/e2"), its socket removed"
else
	fail "port in use: exit $rc, $(head -2 "$T/e2" | tr '\n' ' ')"
fi

# ---- IPv6 loopback --------------------------------------------------------
NS srv "$BIN/tcpeek" -i "$P-s" -U "$T/six.sock" -q --metrics-listen '[::1]:9741' \
	>/dev/null 2>"$T/e6" &
SIX=$!
bg_track $SIX
code=
for _ in $(seq 50); do
	code=$(NS srv curl -s -g -o "$T/b6" -w '%{http_code}' 'http://[::1]:9741/metrics')
	[ "$code" = 200 ] && break
	sleep 0.1
done
check "--metrics-listen [::1]:9741: served over IPv6 ($code)" \
	bash -c "[ '$code' = 200 ] && grep -q '^tcpeek_success_total' '$T/b6'"
kill -TERM $SIX; wait $SIX

# [::] listens on every IPv6 address: scraped from the client namespace
# over the veth's global IPv6 addresses (nodad: no DAD wait)
NS cli ip addr add 2001:db8:79::1/64 dev "$P-c" nodad
NS srv ip addr add 2001:db8:79::2/64 dev "$P-s" nodad
NS srv "$BIN/tcpeek" -i "$P-s" -U "$T/any6.sock" -q --metrics-listen '[::]:9742' \
	>/dev/null 2>"$T/ea6" &
ANY6=$!
bg_track $ANY6
code=
for _ in $(seq 50); do
	code=$(NS cli curl -s -g -o "$T/ba6" -w '%{http_code}' 'http://[2001:db8:79::2]:9742/metrics')
	[ "$code" = 200 ] && break
	sleep 0.1
done
check "--metrics-listen [::]:9742: served to another host over IPv6 ($code)" \
	bash -c "[ '$code' = 200 ] && grep -q '^tcpeek_success_total' '$T/ba6'"
kill -TERM $ANY6; wait $ANY6

# ---- as the systemd unit runs it --------------------------------------------
mkdir "$T/run"
chown nobody "$T/run"
chmod 0750 "$T/run"
AS_UNIT="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups --inh-caps=-all,+net_raw --ambient-caps=+net_raw --bounding-set=-all,+net_raw --no-new-privs"
ip netns exec "$P-srv" $AS_UNIT "$BIN/tcpeek" -i "$P-s" -q -U "$T/run/u.sock" \
	--metrics-listen 127.0.0.1:9740 >/dev/null 2>"$T/eu" &
UPID=$!
bg_track $UPID
code=
for _ in $(seq 50); do
	code=$(NS srv curl -s -o "$T/bu" -w '%{http_code}' http://127.0.0.1:9740/metrics)
	[ "$code" = 200 ] && break
	sleep 0.1
done
caps=$(grep -E '^Cap(Eff|Prm|Amb):' "/proc/$UPID/status" 2>/dev/null | awk '{ print $2 }' | sort -u)
check "as the unit runs it (nobody, CAP_NET_RAW only): /metrics on 127.0.0.1:9740 ($code), no capability left ($caps)" \
	bash -c "[ '$code' = 200 ] && [ '$caps' = 0000000000000000 ]"
kill -TERM $UPID; wait $UPID
# and without root, a port below 1024 is refused at start, in one line
ip netns exec "$P-srv" $AS_UNIT "$BIN/tcpeek" -i "$P-s" -q -U "$T/run/v.sock" \
	--metrics-listen 127.0.0.1:91 >/dev/null 2>"$T/ev"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$T/ev")" -eq 1 ] &&
	grep -q -- '--metrics-listen 127.0.0.1:91: bind: Permission denied' "$T/ev"; then
	ok "unprivileged, port 91: exit 1, $(cat "$T/ev")"
else
	fail "unprivileged, port 91: exit $rc, $(head -2 "$T/ev" | tr '\n' ' ')"
fi

# ---- a real Prometheus scrapes tcpeek ---------------------------------------
PROM=$(command -v prometheus)
if [ -z "$PROM" ]; then
	ok "prometheus scrape (skipped: prometheus not installed; apt-get install prometheus)"
else
	mkdir "$T/tsdb"
	cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tcpeek
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	ip netns exec "$P-srv" "$PROM" --config.file="$T/prom.yml" \
		--storage.tsdb.path="$T/tsdb" --web.listen-address=127.0.0.1:9091 \
		>"$T/prom.log" 2>&1 &
	bg_track $!
	API=http://127.0.0.1:9091/api/v1/query
	q() { NS srv curl -s -G --data-urlencode "query=$1" "$API"; }
	val=
	t0=$(now_ms)
	for _ in $(seq 250); do
		val=$(q 'tcpeek_success_total{filter="RX",job="tcpeek"}' |
			python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null)
		[ "$val" = $((2 * N)) ] && break
		sleep 0.1
	done
	if [ "$val" = $((2 * N)) ]; then
		ok "prometheus scraped tcpeek: /api/v1/query tcpeek_success_total{filter=\"RX\"} = $val after $((2 * N)) handshakes ($(( $(now_ms) - t0 )) ms)"
	else
		fail "prometheus query: '$val', wanted $((2 * N)); $(grep -i 'err' "$T/prom.log" | tail -2 | tr '\n' ' ')"
	fi
	up=$(q 'up{job="tcpeek"}' | python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null)
	check "prometheus: up{job=\"tcpeek\"} = 1 ($up)" test "$up" = 1
	# the scrape itself took no REFRESH: the socket's GET still has them all
	check "scrapes reset nothing: tcpeekstat still reads $((2 * N))" test "$(rx_ok)" = $((2 * N))
fi

# ---- SIGTERM: exit 0, the port is closed ------------------------------------
kill -TERM "$TPID"
wait "$TPID"
rc=$?
code=$(NS srv curl -s -o /dev/null -w '%{http_code}' "$MURL")
check "SIGTERM: exit $rc, /metrics port closed (curl: $code)" \
	bash -c "[ $rc = 0 ] && [ '$code' = 000 ]"
