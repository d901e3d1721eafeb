#!/usr/bin/env bash
# tcpeek --track-established with real kernel stacks: two namespaces (cli,
# srv) on a veth pair, tcpeek on the client's veth writing --events to a
# file.  One scenario per server port, all at once:
#   9001 fin        data, then both sides close
#   9002-9005       resets by the client / the server, before / after data
#                   (SO_LINGER 0 close: RST|ACK)
#   9006 keepalive  the seed document (seeds/tcp-keepalive-ja.txt): the
#                   client's namespace has tcp_keepalive_time/intvl/probes
#                   2/1/2, its socket SO_KEEPALIVE; one probe is answered,
#                   then an nft rule drops the server's input: two probes
#                   go unanswered and the client resets
#   9007 half-open  the server's FIN and RST are eaten by nft on its way
#                   out; the client sends data and retransmits to its limit
#                   (tcp_retries2=3 in its namespace): silence
#   9008 half-open  the server's FIN is eaten; data from the client reaches
#                   a socket its application closed: RST without ACK
# Then: the per-filter counters (tcpeekstat -j, -p, plain, -T), and a
# second tcpeek whose --events reader is gone (counted as dropped, the
# capture goes on).
. "$(dirname "$0")/lib.sh"

for t in python3 nft; do
	if ! command -v "$t" >/dev/null; then
		ok "tcpeek conn (skipped: $t is not installed)"
		exit 0
	fi
done

T=$(mktmp)
SOCK=$T/tcpeek.sock
SOCK2=$T/tcpeek2.sock
SRV=10.78.0.2
CLI=10.78.0.1

veth_cli_srv "$CLI" "$SRV"
# the seed's kernel settings, in the client's namespace only
NS cli sysctl -qw net.ipv4.tcp_keepalive_time=2 net.ipv4.tcp_keepalive_intvl=1 \
	net.ipv4.tcp_keepalive_probes=2 net.ipv4.tcp_retries2=3 ||
	fail "per-namespace keepalive sysctls"

NS srv nft -f - <<EOF || fail "nft table in srv"
table inet $P {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp sport 9007 tcp flags & (fin | rst) != 0 drop
		tcp sport 9008 tcp flags & fin != 0 drop
	}
	chain in {
		type filter hook input priority 0; policy accept;
	}
}
EOF

# The servers: one python process, one thread per port.
ip netns exec "$P-srv" python3 - <<'EOF' >"$T/srv.log" 2>&1 &
import socket, struct, threading, time

def linger0(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

def serve(port, fn):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()

def drain(c):
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass

def fin(c):            # 9001: read to EOF, then close
    drain(c); c.close()
def wait_reset(c):     # 9002: the client resets
    drain(c); c.close()
def echo_wait(c):      # 9003: answer, then the client resets
    c.recv(100); c.sendall(b"y"); drain(c); c.close()
def abort_now(c):      # 9004
    linger0(c); c.close()
def echo_abort(c):     # 9005
    c.recv(100); c.sendall(b"y"); time.sleep(0.3); linger0(c); c.close()
def hold(c):           # 9006: keep it open, silent
    time.sleep(60)
def close_now(c):      # 9007, 9008: the FIN (and RST) never leave
    c.close()

for port, fn in ((9001, fin), (9002, wait_reset), (9003, echo_wait), (9004, abort_now),
                 (9005, echo_abort), (9006, hold), (9007, close_now), (9008, close_now)):
    threading.Thread(target=serve, args=(port, fn), daemon=True).start()
time.sleep(120)
EOF
bg_track $!
for port in 9001 9008; do wait_listen srv $port || fail "server on $port did not start"; done

# start_tcpeek SOCK EVENTS-ARG LOG: tcpeek in cli, waits for its socket
start_tcpeek() {
	ip netns exec "$P-cli" "$BIN/tcpeek" -i "$P-c" -U "$1" -q --track-established \
		--idle-timeout 60 "$2" 'ka:TX@%:9006' >"$3.out" 2>"$3" &
	TPID=$!
	bg_track "$TPID"
	for _ in $(seq 50); do
		[ -S "$1" ] && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
start_tcpeek "$SOCK" "--events=$T/events.jsonl" "$T/tcpeek.log" ||
	{ fail "tcpeek did not start: $(head -2 "$T/tcpeek.log")"; exit 0; }
PEEK1=$TPID

# The clients, all at once; each prints "PORT what happened".
cat >"$T/cli.py" <<'EOF'
import socket, struct, sys, time
port, srv = int(sys.argv[1]), sys.argv[2]
c = socket.socket()
if port == 9006:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
c.settimeout(40)
c.connect((srv, port))
def linger0():
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
try:
    if port == 9001:
        c.sendall(b"hello"); c.shutdown(socket.SHUT_WR); c.recv(10); c.close()
    elif port == 9002:
        time.sleep(0.3); linger0(); c.close()
    elif port == 9003:
        c.sendall(b"x"); c.recv(1); time.sleep(0.3); linger0(); c.close()
    elif port in (9004, 9005):
        if port == 9005:
            c.sendall(b"x")
        while c.recv(100):
            pass
    elif port == 9006:
        c.recv(1)       # the keepalive timer ends it (ETIMEDOUT)
    elif port in (9007, 9008):
        time.sleep(0.5); c.sendall(b"data after the server left"); c.recv(1)
    print(port, "ended without error")
except OSError as e:
    print(port, e)
EOF
cpids=()
for port in 9001 9002 9003 9004 9005 9006 9007 9008; do
	NS cli python3 "$T/cli.py" $port "$SRV" >"$T/cli.$port" 2>&1 &
	cpids+=($!)
done
# the seed: one probe answered (at 2 s), then the server's input dropped
sleep 3
NS srv nft add rule inet "$P" in tcp dport 9006 drop
for pid in "${cpids[@]}"; do wait "$pid"; done
# 9007's silence window (3 x the last retransmission gap) must pass
sleep 8

NS cli "$BIN/tcpeekstat" -U "$SOCK" -j >"$T/doc.json" 2>"$T/stat.err" ||
	fail "tcpeekstat -j: $(head -1 "$T/stat.err")"
NS cli "$BIN/tcpeekstat" -U "$SOCK" >"$T/plain.txt" 2>&1
NS cli "$BIN/tcpeekstat" -U "$SOCK" -T >"$T/table.txt" 2>&1
NS cli "$BIN/tcpeekstat" -U "$SOCK" -p >"$T/prom.txt" 2>&1
kill -TERM "$PEEK1"
wait "$PEEK1" 2>/dev/null

python3 - "$T/events.jsonl" "$T/doc.json" <<'EOF' | tee -a "$RESULTS"
import json, sys
conn = {}
hs = 0
bad = 0
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        bad += 1
        continue
    if e["type"] == "handshake":
        hs += 1
    elif e["type"] == "connection":
        conn.setdefault(e["srv_port"], []).append(e)
def say(ok, msg):
    print(("ok - " if ok else "not ok - ") + msg)
say(bad == 0 and hs >= 8, "events: %d handshake lines, every line JSON (%d bad)" % (hs, bad))
want = {
    9001: dict(end="fin", via="fin"),
    9002: dict(end="reset", by="client", stage="before_data"),
    9003: dict(end="reset", by="client", stage="after_data"),
    9004: dict(end="reset", by="server", stage="before_data"),
    9005: dict(end="reset", by="server", stage="after_data"),
    9006: dict(end="keepalive", by="client", via="rst"),
    9007: dict(end="half-open", by="server", via="silence"),
    9008: dict(end="half-open", by="server", via="rst"),
}
for port, w in sorted(want.items()):
    evs = conn.get(port, [])
    if len(evs) != 1:
        say(False, "port %d: %d connection events, want 1" % (port, len(evs)))
        continue
    e = evs[0]
    diff = ["%s=%s (want %s)" % (k, e.get(k), v) for k, v in w.items() if e.get(k) != v]
    say(not diff, "port %d: %s %s" % (port, " ".join("%s=%s" % kv for kv in w.items()),
                                      "; ".join(diff)))
e = conn.get(9006, [{}])[0]
p, a = e.get("cli_probes", -1), e.get("cli_probes_answered", -1)
say(p - a == 2 and a >= 1,
    "keepalive: %d probes, %d answered: 2 unanswered (tcp_keepalive_probes) after >= 1 answered" % (p, a))
e = conn.get(9007, [{}])[0]
say(e.get("cli_retrans", 0) >= 2 and e.get("srv_bytes", -1) == 0,
    "half-open (silence): the client retransmitted %s times, the server sent %s bytes"
    % (e.get("cli_retrans"), e.get("srv_bytes")))
doc = {}
for el in json.load(open(sys.argv[2])):
    doc.update(el)
tx = doc.get("TX", {}).get("conn", {})
want_tx = dict(fin=1, reset_client_before_data=1, reset_client_after_data=1,
               reset_server_before_data=1, reset_server_after_data=1,
               keepalive=1, half_open=2, open=0)
diff = ["%s=%s (want %s)" % (k, tx.get(k), v) for k, v in want_tx.items() if tx.get(k) != v]
say(not diff, "TX.conn counters: %s" % ("; ".join(diff) or "as the events say"))
ka = doc.get("ka", {}).get("conn", {})
say(ka.get("keepalive") == 1 and ka.get("keepalive_unanswered") == 2 and
    ka.get("keepalive_probes", 0) >= 3,
    "filter ka: keepalive=1, probes=%s, unanswered=%s" % (ka.get("keepalive_probes"),
                                                          ka.get("keepalive_unanswered")))
h = doc.get("TX", {}).get("conn_duration_hist_us", {})
say(h.get("count") == 8 and h.get("le_86400000000") == 8,
    "TX.conn_duration_hist_us: count %s" % h.get("count"))
ct = doc.get("pcap", {}).get("conn_tracker", {})
ev = doc.get("pcap", {}).get("events", {})
say(ct.get("peak", 0) >= 1 and ct.get("overflow") == 0, "pcap.conn_tracker: %s" % ct)
say(ev.get("written", 0) >= 16 and ev.get("dropped") == 0, "pcap.events: %s" % ev)
EOF

# tcpeekstat's other views of the same state, generically
if grep -q '^ conn$' "$T/plain.txt" && grep -q '^     half_open ' "$T/plain.txt" &&
   grep -q '^ conn_duration_hist_us$' "$T/plain.txt"; then
	ok "tcpeekstat (plain) lists the conn sections"
else
	fail "tcpeekstat (plain): no conn section"
fi
if grep -q 'HALFOPEN' "$T/table.txt" && grep -q 'pcap conn_tracker:' "$T/table.txt"; then
	ok "tcpeekstat -T: connection columns and the conn_tracker line"
else
	fail "tcpeekstat -T: $(head -1 "$T/table.txt")"
fi
if grep -q '^tcpeek_conn_duration_seconds_bucket{filter="TX",le="+Inf"} 8$' "$T/prom.txt" &&
   grep -q '^# TYPE tcpeek_conn_half_open_total counter$' "$T/prom.txt" &&
   grep -q '^tcpeek_conn_half_open_total{filter="TX"} 2$' "$T/prom.txt"; then
	ok "tcpeekstat -p: conn counters and the duration histogram"
else
	fail "tcpeekstat -p: conn metrics missing"
fi
if command -v promtool >/dev/null; then
	if promtool check metrics <"$T/prom.txt" >"$T/promtool.out" 2>&1; then
		ok "promtool check metrics accepts tcpeekstat -p with conn metrics"
	else
		fail "promtool: $(head -2 "$T/promtool.out")"
	fi
else
	ok "promtool check (skipped: promtool is not installed)"
fi

# A second tcpeek whose --events reader went away at once: its lines are
# dropped and counted, the capture and the counts go on.
ip netns exec "$P-cli" "$BIN/tcpeek" -i "$P-c" -U "$SOCK2" -q --track-established \
	--events=- > >(exit 0) 2>"$T/tcpeek2.log" &
PEEK2=$!
bg_track "$PEEK2"
for _ in $(seq 50); do [ -S "$SOCK2" ] && break; sleep 0.1; done
for i in 1 2 3; do
	NS cli python3 -c "import socket,sys; c=socket.create_connection((sys.argv[1], 9001)); c.close()" "$SRV" 2>/dev/null
done
sleep 1
NS cli "$BIN/tcpeekstat" -U "$SOCK2" -j >"$T/doc2.json" 2>/dev/null
s=$(python3 -c "
import json,sys
d={}
[d.update(e) for e in json.load(open(sys.argv[1]))]
print(d['TX']['success']['total'], d['pcap']['events']['dropped'], d['pcap']['events']['written'])" "$T/doc2.json" 2>/dev/null)
read -r succ dropped written <<<"${s:-x x x}"
if [ "$succ" = 3 ] && [ "$dropped" -ge 3 ] && [ "$written" = 0 ] && kill -0 "$PEEK2" 2>/dev/null; then
	ok "--events=- with the reader gone: 3 successes counted, $dropped lines dropped, tcpeek runs on"
else
	fail "--events=- with the reader gone: success=$succ dropped=$dropped written=$written"
fi
if grep -q "events to standard output: .*Broken pipe" "$T/tcpeek2.log"; then
	ok "the lost reader is logged once, naming the stream"
else
	fail "no log line for the lost reader: $(head -2 "$T/tcpeek2.log")"
fi
kill -TERM "$PEEK2"
wait "$PEEK2" 2>/dev/null
exit 0
