#!/usr/bin/env bash
# check_tcp_raw --targets: exit 0 only when every target succeeds, one JSON
# line per target in file order with the documented keys; a bad file,
# positional arguments, -s or -t 0 are usage errors (exit 1, one line).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
C=$BIN/check_tcp_raw
T=$(mktmp)
lab_dr_up 2
lab_rs_vip 1
lab_rs_vip 2
lab_listen 1 8080
lab_listen 2 8080
RS1=$(lab_rs_ip 1); RS2=$(lab_rs_ip 2)
printf '%s\n' "# two healthy real servers, one twice" "$LAB_IF $RS2 $LAB_VIP 8080" \
	"$LAB_IF $RS1 $LAB_VIP 8080 clean-close" "$LAB_IF $RS2 $LAB_VIP 8080" >"$T/ok"
NS dir "$C" -t 500 --targets "$T/ok" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && ok "--targets: all succeed: exit 0" || fail "--targets: exit $rc $(cat "$T/err")"
check "--targets: one line per distinct target, file order, documented keys first" python3 - "$T/out" "$RS1" "$RS2" <<'PY'
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
assert [(o["real_server"], o["outcome"]) for o in ls] == [(sys.argv[3], "synack"), (sys.argv[2], "synack_closed")], ls
for o in ls:
    assert list(o)[:8] == ["iface", "real_server", "vip", "port", "verdict", "outcome", "reason", "mode"], list(o)
    assert o["rtt_us"] >= 0 and o["elapsed_us"] >= o["rtt_us"] and o["verdict"] == "success", o
PY
check "--targets: nothing on stderr on success" test ! -s "$T/err"
printf 'eth0 10.0.0.1 10.0.0.2 80\neth0 10.0.0.1 10.0.0.2 80 retries=x\n' >"$T/bad"
NS dir "$C" --targets "$T/bad" >"$T/o2" 2>"$T/e2"; rc=$?
[ $rc -eq 1 ] && grep -qx "$T/bad:2: invalid retries 'x': expected 0 to 100" "$T/e2" && [ ! -s "$T/o2" ] &&
	ok "--targets: a bad file: exit 1, FILE:LINE: message, no output" || fail "--targets bad file: rc $rc $(cat "$T/e2")"
NS dir "$C" --usage-exit=64 --targets "$T/bad" >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ] && ok "--targets: a bad file is a usage error (--usage-exit honoured)" || fail "--targets --usage-exit: rc $rc"
expect_rc 1 "--targets with positional arguments: exit 1" NS dir "$C" --targets "$T/ok" $LAB_IF "$RS1" $LAB_VIP 80 2>/dev/null
NS dir "$C" -s 10.9.0.1 --targets "$T/ok" 2>"$T/e3"; rc=$?
[ $rc -eq 1 ] && grep -q -- "--source-ip cannot be used with --targets" "$T/e3" && ok "--targets with -s: refused" || fail "-s: rc $rc"
NS dir "$C" -t 0 --targets "$T/ok" 2>"$T/e4"; rc=$?
[ $rc -eq 1 ] && grep -q "needs a timeout" "$T/e4" && ok "--targets with -t 0: refused" || fail "-t 0: rc $rc"
NS dir "$C" --targets "$T/none" 2>"$T/e5"; rc=$?
[ $rc -eq 1 ] && grep -q "$T/none: No such file" "$T/e5" && ok "--targets of a missing file: exit 1 naming it" || fail "missing: rc $rc"
