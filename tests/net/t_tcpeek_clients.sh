#!/usr/bin/env bash
# tcpeek stats socket under load: while real handshakes are captured, 10
# silent clients connect and say nothing and 100 clients ask GET at once.
# Every active client gets a valid document before any silent one is
# dropped (a silent client must not stall the others), the silent ones are
# dropped after about CTL_IDLE_MS (1 s), and the counts stay exact.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	fail "tcpeek clients: python3 is needed (scripts/install-deps.sh)"
	exit 0
fi
if [ ! -x "$BIN/tcpeek" ]; then
	fail "tcpeek clients: bin/tcpeek must be built"
	exit 0
fi

T=$(mktmp)
SOCK=$T/tcpeek.sock
SRV=10.78.0.2
NCONN=40

veth_cli_srv 10.78.0.1 "$SRV"

accept_listener srv 8080 || fail "listener on 8080 did not start"

ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -U "$SOCK" -q -t 2 >"$T/out" 2>"$T/err" &
TPID=$!
bg_track "$TPID"
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "tcpeek is serving its socket" test -S "$SOCK"

# traffic during the queries: NCONN sequential handshakes
(
	for _ in $(seq $NCONN); do
		NS cli timeout 2 bash -c "exec 3<>/dev/tcp/$SRV/8080" 2>/dev/null
	done
) &
traffic=$!

python3 - "$SOCK" "$NCONN" >"$T/report" 2>&1 <<'EOF'
import json, select, socket, sys, threading, time

path, nconn = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()

silent = []
for _ in range(10):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    silent.append(s)

results = [None] * 100

def client(i):
    start = time.monotonic()
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b"GET\r\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        doc = json.loads(data)
        assert isinstance(doc, list) and all(isinstance(e, dict) and len(e) == 1 for e in doc)
        names = [next(iter(e)) for e in doc]
        assert names == ["RX", "TX", "pcap"], names
        ok = doc[0]["RX"]["success"]["total"]
        assert 0 <= ok <= nconn, ok
        results[i] = ("ok", time.monotonic() - t0)
    except Exception as e:
        results[i] = ("error: %r" % (e,), time.monotonic() - t0)

threads = [threading.Thread(target=client, args=(i,)) for i in range(100)]
for t in threads:
    t.start()
for t in threads:
    t.join()

# the silent ones: when does the server close them?
closed = {}
deadline = time.monotonic() + 5
while len(closed) < len(silent) and time.monotonic() < deadline:
    r, _, _ = select.select([s for s in silent if s not in closed], [], [], 0.05)
    for s in r:
        if s.recv(1) == b"":
            closed[s] = time.monotonic() - t0
good = sum(1 for r in results if r[0] == "ok")
for r in results:
    if r[0] != "ok":
        print("client", r[0])
last_answer = max(r[1] for r in results)
drops = sorted(closed.values())
print("answered %d" % good)
print("silent_dropped %d" % len(closed))
print("last_answer %.3f" % last_answer)
print("first_drop %.3f" % (drops[0] if drops else -1))
print("last_drop %.3f" % (drops[-1] if drops else -1))
EOF
wait "$traffic"
sed 's/^/# /' "$T/report"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/report"; }

check "100 concurrent clients all got a valid document" test "$(val answered)" = 100
check "10 silent clients were all dropped" test "$(val silent_dropped)" = 10
check "every active client was answered before any silent one was dropped" \
	awk -v a="$(val last_answer)" -v d="$(val first_drop)" 'BEGIN { exit !(a < d) }'
check "silent clients dropped after about 1 s (between 0.9 and 3 s)" \
	awk -v f="$(val first_drop)" -v l="$(val last_drop)" 'BEGIN { exit !(f >= 0.9 && l <= 3) }'

final=
for _ in $(seq 30); do   # until the capture has delivered the last packets
	final=$(python3 - "$SOCK" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"GET\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
d = {k: v for e in json.loads(data) for k, v in e.items()}
print(d["RX"]["success"]["total"], d["RX"]["failure"]["total"], d["RX"]["other"]["open"],
      d["pcap"]["tracker"]["open"], d["TX"]["success"]["total"])
EOF
)
	[ "${final%% *}" -ge "$NCONN" ] 2>/dev/null && break
	sleep 0.1
done
check "counts exact after the load: $NCONN successes, no failure, nothing open ($final)" \
	test "$final" = "$NCONN 0 0 0 0"
check "tcpeek survived" kill -0 "$TPID"
kill -TERM "$TPID"
wait "$TPID"
rc=$?
check "tcpeek exits 0 and removes its socket (rc $rc)" test "$rc" = 0 -a ! -e "$SOCK"
