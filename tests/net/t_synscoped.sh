#!/usr/bin/env bash
# synscoped in the LVS-DR lab: rise/fall with a listener stopped and
# restarted (files change exactly on the right check), files written only
# on change, a real server that never answers ARP among healthy ones,
# spreading of first checks and jitter, SIGHUP reload keeping state (and a
# bad file keeping the running set), the control socket under 100 silent
# and 100 concurrent clients, /metrics with promtool, config errors with
# line numbers, SIGTERM.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
D=$BIN/synscoped
T=$(mktmp)
[ -x "$D" ] || { fail "synscoped not built"; exit 0; }
RS1=$(lab_rs_ip 1); RS2=$(lab_rs_ip 2)

# ---- configuration errors, without any lab
cat >"$T/bad" <<X
# a comment
defaults interval=1s rise=2

eth0 10.0.0.1 10.0.0.100 80 timeout=5
eth0 10.0.0.1 10.0.0.100
defaults fall=0
X
"$D" --check-config "$T/bad" >/dev/null 2>"$T/bad.err"; rc=$?
[ $rc -eq 1 ] && ok "--check-config: a bad file exits 1" || fail "--check-config: exit $rc"
check "--check-config: FILE:4: the timeout without unit" grep -qx "$T/bad:4: invalid timeout '5': expected 1ms to 3600s, with ms or s" "$T/bad.err"
check "--check-config: FILE:5: the short target line" grep -q "^$T/bad:5: expected IFACE REAL_SERVER VIRTUAL_IP PORT" "$T/bad.err"
check "--check-config: FILE:6: fall=0" grep -q "^$T/bad:6: invalid fall '0'" "$T/bad.err"
[ "$(wc -l <"$T/bad.err")" -eq 3 ] && ok "--check-config: one line per error" || fail "--check-config: $(cat "$T/bad.err")"
"$D" -c "$T/bad" --state-dir "$T/x" --socket "$T/x.sock" 2>"$T/bad2.err"; rc=$?
[ $rc -eq 1 ] && grep -q "$T/bad:4:" "$T/bad2.err" && [ ! -e "$T/x.sock" ] && ok "a bad file at start: exit 1, errors with lines, no socket" || fail "bad start: rc $rc"
expect_rc 64 "usage: no -c" "$D" --state-dir "$T/x" 2>/dev/null
expect_rc 1 "--check-config of a missing file exits 1" "$D" --check-config "$T/none" 2>/dev/null

# ---- the lab: rs1 healthy on 8080 and 8081, rs2 healthy, .19 never answers ARP
lab_dr_up 2
lab_rs_vip 1
lab_rs_vip 2
lab_listen 1 8081
lab_listen 2 8080
# a listener we can stop and start: its pid is the python process itself
start_l() {
	ip netns exec "$P-rs1" python3 -m http.server --bind 0.0.0.0 8080 >/dev/null 2>&1 &
	L=$!
	bg_track $L
	wait_listen rs1 8080
}
start_l
NOBODY=$LAB_NET.19
cat >"$T/conf" <<X
defaults interval=300ms timeout=150ms rise=2 fall=3
$LAB_IF $RS1 $LAB_VIP 8080
$LAB_IF $RS1 $LAB_VIP 8081
$LAB_IF $RS2 $LAB_VIP 8080
$LAB_IF $NOBODY $LAB_VIP 8080
$LAB_IF $NOBODY $LAB_VIP 8081
# the same check again (another virtual service): checked once
$LAB_IF $RS2 $LAB_VIP 8080
X
"$D" --check-config "$T/conf" >"$T/cc"; rc=$?
[ $rc -eq 0 ] && grep -qx "$T/conf: 5 targets" "$T/cc" && ok "--check-config: 5 targets (a duplicate merged)" || fail "--check-config: rc $rc $(cat "$T/cc")"
ST=$T/st
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$ST" --socket "$T/s.sock" \
	--metrics-listen 127.0.0.1:9917 >"$T/ev" 2>"$T/err" &
DP=$!
bg_track $DP
status() { NS dir "$D" --status --json --socket "$T/s.sock"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
F1=$ST/${LAB_IF}_${RS1}_${LAB_VIP}_8080
# wait for every target to leave UNKNOWN
for i in $(seq 50); do
	status 2>/dev/null | jq_ 'sys.exit(0 if all(t["state"]!="unknown" for t in d["targets"]) else 1)' 2>/dev/null && break
	sleep 0.2
done
status >"$T/d1"
check "all 5 targets reach a state; healthy ones up, the ARP-silent ones down" jq_ '
st = {(t["real_server"], t["port"]): t["state"] for t in d["targets"]}
assert len(st) == 5, st
assert st[("'$RS1'", 8080)] == st[("'$RS1'", 8081)] == st[("'$RS2'", 8080)] == "up", st
assert st[("'$NOBODY'", 8080)] == st[("'$NOBODY'", 8081)] == "down", st' <"$T/d1"
check "files: 0 for the up targets, 1 for the down ones, named IFACE_RS_VIP_PORT" bash -c "
	[ \"\$(cat $F1)\" = 0 ] && [ \"\$(cat $ST/${LAB_IF}_${RS2}_${LAB_VIP}_8080)\" = 0 ] &&
	[ \"\$(cat $ST/${LAB_IF}_${NOBODY}_${LAB_VIP}_8081)\" = 1 ] && [ \$(ls $ST | wc -l) -eq 5 ]"
check "the table of --status lists every target" bash -c "NS() { ip netns exec $P-\$1 \"\${@:2}\"; }; NS dir $D --status --socket $T/s.sock | grep -c '^${LAB_IF}_' | grep -qx 5"

# isolation: the healthy targets saw only successes while .19 never answered ARP
sleep 1.5
status >"$T/d2"
check "a real server that never answers ARP changes nothing for the others (only successes, no late schedule)" jq_ '
for t in d["targets"]:
    if t["real_server"] != "'$NOBODY'":
        assert list(t["outcomes"]) in (["synack"],), t
        assert t["checks"] >= 5, t
    else:
        assert list(t["outcomes"]) == ["timeout_arp"], t
assert d["scheduler"]["overran"] == 0, d["scheduler"]' <"$T/d2"

# files only on change: same inode and content while nothing changes
ino1=$(stat -c %i "$F1"); sleep 1; ino2=$(stat -c %i "$F1")
[ "$ino1" = "$ino2" ] && ok "files: not rewritten while the state holds (inode $ino1)" || fail "files: rewritten ($ino1 -> $ino2)"

# rise/fall: stop the listener; DOWN exactly at the 3rd failure in a row
kill "$L"; wait "$L" 2>/dev/null
for i in $(seq 40); do grep -q '"new":"down".*8080' <(grep "\"real_server\":\"$RS1\",\"vip\":\"$LAB_VIP\",\"port\":8080" "$T/ev") && break; sleep 0.2; done
down=$(grep "\"real_server\":\"$RS1\",\"vip\":\"$LAB_VIP\",\"port\":8080" "$T/ev" | grep '"new":"down"' | head -1)
check "listener stopped: up -> down after exactly fall=3 refusals, file 1" python3 -c '
import json, sys
e = json.loads(sys.argv[1])
assert (e["old"], e["new"], e["outcome"]) == ("up", "down", "refused"), e
assert e["outcomes"]["refused"] == 3, e
assert e["checks"] == e["outcomes"]["refused"] + e["outcomes"]["synack"], e
assert set(e) >= {"time", "target", "old", "new", "outcome", "rtt_us"}, e
' "$down"
[ "$(cat "$F1")" = 1 ] && ok "listener stopped: the file says 1" || fail "file: $(cat "$F1")"
start_l
for i in $(seq 40); do [ "$(grep -c "\"port\":8080.*\"new\":\"up\"" <(grep "\"real_server\":\"$RS1\"" "$T/ev"))" -ge 2 ] && break; sleep 0.2; done
up=$(grep "\"real_server\":\"$RS1\",\"vip\":\"$LAB_VIP\",\"port\":8080" "$T/ev" | grep '"new":"up"' | tail -1)
check "listener back: down -> up after exactly rise=2 successes, file 0" python3 -c '
import json, sys
d, u = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert (u["old"], u["new"], u["outcome"]) == ("down", "up", "synack"), u
assert u["outcomes"]["synack"] == d["outcomes"]["synack"] + 2, (d, u)
assert u["rtt_us"] is not None
' "$down" "$up"
[ "$(cat "$F1")" = 0 ] && ok "listener back: the file says 0" || fail "file: $(cat "$F1")"

# spreading and jitter, from the start times recorded in the status document
check "checks never late by more than 50 ms, none overran" jq_ '
s = d["scheduler"]
assert s["overran"] == 0, s
assert s["late_max_us"] < 50000, s' < <(status)

# /metrics
if command -v curl >/dev/null && command -v promtool >/dev/null; then
	NS dir curl -sf http://127.0.0.1:9917/metrics >"$T/m"; rc=$?
	[ $rc -eq 0 ] && promtool check metrics <"$T/m" >"$T/pt" 2>&1 && ok "/metrics: promtool check metrics passes" || fail "/metrics: curl $rc, promtool: $(head -3 "$T/pt")"
	check "/metrics: up gauge, outcome counters, RTT histogram with _sum, labelled" bash -c "
		grep -q '^synscoped_target_up{iface=\"$LAB_IF\",real_server=\"$RS2\",vip=\"$LAB_VIP\",port=\"8080\"} 1$' $T/m &&
		grep -q '^synscoped_checks_total{iface=\"$LAB_IF\",real_server=\"$NOBODY\",vip=\"$LAB_VIP\",port=\"8081\",outcome=\"timeout_arp\"} [1-9]' $T/m &&
		grep -q '^synscoped_check_rtt_seconds_sum{iface=\"$LAB_IF\",real_server=\"$RS2\"' $T/m &&
		grep -q '^synscoped_check_rtt_seconds_bucket{.*le=\"+Inf\"}' $T/m"
	code=$(NS dir curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9917/other)
	[ "$code" = 404 ] && ok "/metrics: other paths 404" || fail "/metrics: /other gave $code"
else
	ok "/metrics (skipped: curl or promtool missing)"
fi

# the control socket under 100 silent clients and 100 concurrent ones
# (threads of one process, so that what is measured is the daemon, not
# how fast this machine starts 100 programs)
NS dir python3 - "$T/s.sock" <<'PY' | tee -a "$RESULTS"
import json, socket, sys, threading, time
path = sys.argv[1]
silent = []
for i in range(100):
    s = socket.socket(socket.AF_UNIX); s.connect(path); silent.append(s)
res = [None] * 100
def ask(i):
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(path)
        s.sendall(b"GET\n"); buf = b""
        while True:
            b = s.recv(65536)
            if not b: break
            buf += b
        res[i] = len(json.loads(buf)["targets"])
    except Exception as e:
        res[i] = repr(e)
t0 = time.time()
th = [threading.Thread(target=ask, args=(i,)) for i in range(100)]
for t in th: t.start()
for t in th: t.join()
ms = (time.time() - t0) * 1000
good = sum(1 for r in res if r == 5)
print(("ok" if good == 100 else "not ok") +
      f" - control socket: {good} of 100 concurrent clients answered in {ms:.0f} ms while 100 silent ones hold connections" +
      ("" if good == 100 else f" ({[r for r in res if r != 5][:3]})"))
PY
kill -0 $DP && ok "control socket: the daemon survived" || fail "the daemon died"

# reload: unchanged targets keep state and counts, a changed one restarts,
# a removed one stops (its file stays), a new one appears
before=$(status)
sed -i "s/^$LAB_IF $RS1 $LAB_VIP 8081\$/$LAB_IF $RS1 $LAB_VIP 8081 rise=1/; /^$LAB_IF $NOBODY $LAB_VIP 8081\$/d" "$T/conf"
echo "$LAB_IF $RS2 $LAB_VIP 8081" >>"$T/conf"
kill -HUP $DP
sleep 0.3
after=$(status)
check "reload: unchanged targets keep their state, since and counts; the changed one restarts unknown; removed gone, new added" python3 -c '
import json, sys
b = {t["target"]: t for t in json.loads(sys.argv[1])["targets"]}
a = {t["target"]: t for t in json.loads(sys.argv[2])["targets"]}
rs1, rs2, nob, vip, ifc = sys.argv[3:8]
k = lambda rs, p: f"{ifc}_{rs}_{vip}_{p}"
for key in (k(rs1, 8080), k(rs2, 8080), k(nob, 8080)):
    assert a[key]["state"] == b[key]["state"] and a[key]["since"] == b[key]["since"], (a[key], b[key])
    assert a[key]["checks"] >= b[key]["checks"], key
assert a[k(rs1, 8081)]["state"] == "unknown" or a[k(rs1, 8081)]["checks"] <= 2, a[k(rs1, 8081)]
assert k(nob, 8081) not in a and k(rs2, 8081) in a, list(a)
' "$before" "$after" "$RS1" "$RS2" "$NOBODY" "$LAB_VIP" "$LAB_IF"
[ -e "$ST/${LAB_IF}_${NOBODY}_${LAB_VIP}_8081" ] && ok "reload: a removed target's file stays" || fail "reload: removed target's file gone"
grep -q "reloaded $T/conf: 5 targets" "$T/err" && ok "reload: logged" || fail "reload: $(tail -2 "$T/err")"
cp "$T/conf" "$T/conf.good"
echo "$LAB_IF 1.2.3.4 $LAB_VIP 99999" >>"$T/conf"
kill -HUP $DP
sleep 0.3
n=$(grep -c "reload: $T/conf:9: invalid PORT '99999'.*keeping the running configuration" "$T/err")
[ "$n" -eq 1 ] && ok "reload of a bad file: one line naming FILE:LINE, the running set kept" || fail "bad reload: $(tail -2 "$T/err")"
status | jq_ 'assert len(d["targets"]) == 5' && ok "bad reload: still 5 targets" || fail "bad reload changed the set"

# SIGTERM: exit 0, socket removed, files stay
kill $DP; wait $DP; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"
[ ! -e "$T/s.sock" ] && ok "SIGTERM: socket removed" || fail "SIGTERM: socket left"
[ "$(cat "$F1")" = 0 ] && ok "SIGTERM: files stay as they are" || fail "SIGTERM: file $(cat "$F1" 2>&1)"
