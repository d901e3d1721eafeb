#!/usr/bin/env bash
# A target that never decides (every other SYN dropped: success, failure,
# success...) stays UNKNOWN; rise + fall + 1 intervals after start its
# file says 1 (keepalived: down), and not before.  A file left with the
# right content by an earlier run is not rewritten.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lab_dr.sh"
D=$BIN/synscoped
T=$(mktmp)
lab_dr_up 1
lab_rs_vip 1
lab_listen 1 8080
lab_listen 1 8090
RS1=$(lab_rs_ip 1)
NS rs1 nft -f - <<NFT
table inet ${P}flip {
	chain in {
		type filter hook input priority -10; policy accept;
		tcp dport 8090 tcp flags syn numgen inc mod 2 == 0 drop
	}
}
NFT
cat >"$T/conf" <<X
defaults interval=300ms timeout=100ms rise=2 fall=2
$LAB_IF $RS1 $LAB_VIP 8090
$LAB_IF $RS1 $LAB_VIP 8080
X
F=$T/st/${LAB_IF}_${RS1}_${LAB_VIP}_8090
G=$T/st/${LAB_IF}_${RS1}_${LAB_VIP}_8080
mkdir "$T/st"
printf '0\n' >"$G"               # an earlier run left "up" for 8080
ino=$(stat -c %i "$G")
ip netns exec "$P-dir" "$D" -c "$T/conf" --state-dir "$T/st" --socket "$T/s.sock" >"$T/ev" 2>"$T/err" &
DP=$!
bg_track $DP
sleep 0.8
[ ! -e "$F" ] && ok "undecided target: no file before rise+fall+1 intervals" || fail "undecided: file already: $(cat "$F")"
for i in $(seq 50); do [ "$(cat "$F" 2>/dev/null)" = 1 ] && break; sleep 0.1; done
[ "$(cat "$F" 2>/dev/null)" = 1 ] && ok "undecided target: the file says 1 after rise+fall+1 intervals" || fail "undecided: file '$(cat "$F" 2>&1)'"
NS dir "$D" --status --json --socket "$T/s.sock" | python3 -c '
import json, sys
d = {t["port"]: t for t in json.load(sys.stdin)["targets"]}
t = d[8090]
assert t["state"] == "unknown" and t["file"] == 1, t
assert t["outcomes"].get("synack", 0) >= 2 and t["outcomes"].get("timeout_synack", 0) >= 2, t
' && ok "undecided target: still unknown, with successes and timeouts mixed" || fail "undecided: not as expected"
[ "$(stat -c %i "$G")" = "$ino" ] && [ "$(cat "$G")" = 0 ] && ok "a file an earlier run left with the right content is not rewritten" || fail "8080's file rewritten"
kill $DP; wait $DP
