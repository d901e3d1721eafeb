#!/usr/bin/env bash
# valgrind memcheck of the programs (part of make check): offline tcpeek
# runs on the golden captures (JSON, table, error paths), tcpeekstat on a
# canned stats document served from a temporary socket (plain, -T, -j, -p,
# a malformed answer), and check_tcp_raw in the LVS-DR namespace lab
# (success, refused, IPv6 success, usage error).  Each run must exit with the status the
# program documents, with no memcheck error and nothing definitely or
# indirectly lost (--error-exitcode turns either into exit 99).
#
# Needs a normal build: valgrind cannot run the ASan programs of SAN=1
# (the sanitizers check those instead), so it skips then.  Prints
# `ok - ...` / `not ok - ...` and `N passed, N failed`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data="$root/tests/data"
pass=0
fail=0
VG_RC=99

if [ "${BUILD:-build}" = build-san ] || [ "$(cat "$root/bin/.built-by" 2>/dev/null)" = build-san ]; then
	echo "ok - valgrind (skipped: SAN=1 build, memcheck needs the normal one)"
	echo "1 passed, 0 failed"
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	echo "not ok - valgrind is not installed (scripts/install-deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d /tmp/synscope-san.XXXXXX)
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# vg WANT NAME cmd...: run cmd under memcheck from tests/data; ok when it
# exits WANT and memcheck found nothing.
vg() {
	local want=$1 name=$2 rc log
	shift 2
	log="$tmp/vg.$((pass + fail)).log"
	(cd "$data" && TZ=UTC valgrind -q --error-exitcode=$VG_RC --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--track-fds=no --log-file="$log" "$@" >"$tmp/out" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$log" ]; then
		echo "ok - valgrind: $name"
		pass=$((pass + 1))
	else
		echo "not ok - valgrind: $name (exit $rc, wanted $want)"
		sed -n '1,30s/^/# /p' "$log"
		sed -n '1,5s/^/# stderr: /p' "$tmp/err"
		fail=$((fail + 1))
	fi
}

T="$root/bin/tcpeek"
S="$root/bin/tcpeekstat"
C="$root/bin/check_tcp_raw"

# ---- tcpeek offline ------------------------------------------------------
# --max-sessions as the golden tests pin it, so the output is mixed.json
vg 0 "tcpeek -r mixed.pcap -q -j" "$T" -r mixed.pcap -q -j --icmp --max-sessions 65536
cmp -s "$tmp/out" "$data/mixed.json" && { echo "ok - valgrind: mixed.json unchanged under memcheck"; pass=$((pass + 1)); } ||
	{ echo "not ok - valgrind: mixed.json differs under memcheck"; fail=$((fail + 1)); }
# shellcheck disable=SC2046 # the filter words of filters.args
vg 0 "tcpeek -r filters.pcap with filters, table and summary" "$T" -r filters.pcap $(cat "$data/filters.args")
vg 0 "tcpeek -r truncated.pcap -j -c 2 (checksums, cut frames)" "$T" -r truncated.pcap -q -j -c 2
vg 0 "tcpeek -r unreach.pcap --icmp" "$T" -r unreach.pcap -q --icmp
vg 1 "tcpeek -r on a missing file (error path)" "$T" -r "$tmp/missing.pcap" -q
vg 64 "tcpeek with a bad filter (usage error)" "$T" -r mixed.pcap 'web:RX@10.0.0.0/33:80'

# ---- tcpeekstat on a canned document -------------------------------------
# A one-shot-per-connection server: reads the request line, answers with
# the file named in $tmp/answer, closes.
cat >"$tmp/serve.py" <<'PY'
import os, socket, sys
path, answer = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(256)
        if not d:
            break
        buf += d
    with open(open(answer).read().strip(), "rb") as f:
        c.sendall(f.read())
    c.close()
PY
echo "$data/mixed.json" >"$tmp/answer"
python3 "$tmp/serve.py" "$tmp/sock" "$tmp/answer" &
srv_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
vg 0 "tcpeekstat plain summary of a canned document" "$S" -U "$tmp/sock"
vg 0 "tcpeekstat -T (table)" "$S" -U "$tmp/sock" -T
vg 0 "tcpeekstat -j" "$S" -U "$tmp/sock" -j
vg 0 "tcpeekstat -p" "$S" -U "$tmp/sock" -p
printf '[{"RX":{"success":{"total":-1}}}' >"$tmp/bad.json"
echo "$tmp/bad.json" >"$tmp/answer"
vg 1 "tcpeekstat refusing a malformed document" "$S" -U "$tmp/sock"
vg 1 "tcpeekstat on a missing socket" "$S" -U "$tmp/none.sock"
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
srv_pid=""

# ---- check_tcp_raw in the namespace lab -----------------------------------
# an unknown option: refused before any socket is opened
vg 1 "check_tcp_raw usage error" "$C" --no-such-option eth0 10.0.0.1 10.0.0.2 80
if [ "$(id -u)" -eq 0 ]; then
	(
		# in a subshell: the lab's EXIT trap removes its namespaces
		SYNSCOPE_ROOT=$root
		. "$root/tests/net/lib.sh"
		. "$root/tests/net/lab_dr.sh"
		. "$root/tests/net/lab_dr6.sh"
		lab6_up 1 >/dev/null
		lab_rs_vip 1
		lab6_rs_vip 1
		lab_listen 1 8080
		lab6_listen 1 8082
		n=0
		# IPv6 too: neighbour discovery, the route request for the source
		for spec in "0 success:8080" "1 refused:8081" "0 IPv6 success:8082"; do
			want=${spec%% *} port=${spec##*:} what=${spec#* }
			what=${what%%:*}
			if [ "$port" = 8082 ]; then
				rs=$(lab6_rs_ip 1) vip=$LAB6_VIP
			else
				rs=$(lab_rs_ip 1) vip=$LAB_VIP
			fi
			log="$tmp/vgc.$n.log"
			NS dir valgrind -q --error-exitcode=$VG_RC --leak-check=full \
				--errors-for-leak-kinds=definite,indirect --log-file="$log" \
				"$C" -t 2000 $LAB_IF "$rs" "$vip" "$port" >/dev/null 2>"$tmp/err"
			rc=$?
			if [ "$rc" -eq "$want" ] && [ ! -s "$log" ]; then
				echo "ok - valgrind: check_tcp_raw $what"
			else
				echo "not ok - valgrind: check_tcp_raw $what (exit $rc, wanted $want)"
				sed -n '1,30s/^/# /p' "$log"
				sed -n '1,5s/^/# stderr: /p' "$tmp/err"
			fi
			n=$((n + 1))
		done
	) >"$tmp/lab.out" 2>&1
	cat "$tmp/lab.out"
	pass=$((pass + $(grep -c '^ok - ' "$tmp/lab.out")))
	fail=$((fail + $(grep -c '^not ok - ' "$tmp/lab.out")))
	[ "$(grep -c '^ok - \|^not ok - ' "$tmp/lab.out")" -eq 3 ] ||
		{ echo "not ok - valgrind: check_tcp_raw lab did not run"; fail=$((fail + 1)); }
else
	echo "ok - valgrind: check_tcp_raw in a namespace (skipped: not root)"
	pass=$((pass + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
