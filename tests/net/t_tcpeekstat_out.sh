#!/usr/bin/env bash
# tcpeekstat -p --label ... -o FILE against a live tcpeek: the file holds
# exactly what -p prints with the labels, promtool accepts it, and on a
# full file system or with tcpeek gone the old file stays, byte for byte,
# with no temporary file left behind.
. "$(dirname "$0")/lib.sh"

T=$(mktmp)
# (mktmp ran in a subshell: _cleanup does not know T)
trap '_cleanup; rm -rf "$T"' EXIT
S=$T/t.sock
veth_cli_srv 10.0.0.1 10.0.0.2
# ip netns exec execs tcpeek: $! is its pid
ip netns exec "$P-srv" "$BIN/tcpeek" -i "$P-s" -q -U "$S" 'web:RX@%:80' >/dev/null 2>"$T/tcpeek.err" &
TP=$!
bg_track $TP
for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
[ -S "$S" ] || { fail "tcpeek did not start: $(head -1 "$T/tcpeek.err")"; exit 0; }
accept_listener srv 80 || fail "listener did not start"
for i in 1 2 3 4; do NS cli bash -c 'exec 3<>/dev/tcp/10.0.0.2/80' 2>/dev/null; done
for i in $(seq 50); do
	"$BIN/tcpeekstat" -j -U "$S" | grep -q '"RX":{"success":{"total":4' && break
	sleep 0.1
done

D=$T/textfile
mkdir "$D"
F=$D/tcpeek_x.prom
"$BIN/tcpeekstat" -p -U "$S" --label iface=x --label 'site=a"b' >"$T/stdout"
expect_rc 0 "tcpeekstat -p --label ... -o FILE exits 0" \
	"$BIN/tcpeekstat" -p -U "$S" --label iface=x --label 'site=a"b' -o "$F"
if cmp -s "$T/stdout" "$F" && [ "$(ls -A "$D")" = tcpeek_x.prom ] &&
	[ "$(stat -c %a "$F")" = 644 ]; then
	ok "-o FILE holds what -p prints, mode 0644, nothing else in the directory"
else
	fail "-o FILE: $(ls -lA "$D" | tr '\n' ' ')"
fi
if grep -qx 'tcpeek_handshake_seconds_count{filter="RX",iface="x",site="a\\"b"} 4' "$F" &&
	grep -qx 'tcpeek_handshake_seconds_bucket{filter="RX",iface="x",site="a\\"b",le="+Inf"} 4' "$F" &&
	grep -qx 'tcpeek_pcap_drop_total{iface="x",site="a\\"b"} 0' "$F"; then
	ok "every series carries the labels (escaped); the histogram counts the 4 handshakes"
else
	fail "labels or histogram: $(grep -m2 handshake_seconds_count "$F" | tr '\n' ' ')"
fi
if command -v promtool >/dev/null; then
	if promtool check metrics <"$F" >"$T/pt" 2>&1 && ! grep -q . "$T/pt"; then
		ok "promtool check metrics: no remark on the labelled file"
	else
		fail "promtool check metrics: $(head -2 "$T/pt" | tr '\n' ' ')"
	fi
else
	ok "promtool check metrics (skipped: no promtool; Debian package prometheus)"
fi

# a full file system: the write fails, the old file stays
cp "$F" "$T/good"
if unshare -m --propagation private bash -c '
	mount -t tmpfs -o size=64k tmpfs "$1" || exit 97
	cp "$2" "$1/tcpeek_x.prom"
	dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
	"$3" -p -U "$4" --label iface=y -o "$1/tcpeek_x.prom" 2>"$5/err"
	echo $? >"$5/rc"
	cmp -s "$2" "$1/tcpeek_x.prom" && echo kept >"$5/kept"
	ls -A "$1" >"$5/ls"
' full "$D" "$T/good" "$BIN/tcpeekstat" "$S" "$T"; then :; fi
if [ "$(cat "$T/rc" 2>/dev/null)" = 97 ]; then
	ok "full file system (skipped: cannot mount a tmpfs)"
elif [ "$(cat "$T/rc")" = 1 ] && [ -e "$T/kept" ] && grep -q 'No space left on device' "$T/err" &&
	[ "$(grep -c . "$T/err")" = 1 ] && [ "$(tr '\n' ' ' <"$T/ls")" = "fill tcpeek_x.prom " ]; then
	ok "full file system: exit 1, one line ($(cut -c1-90 "$T/err")...), old file kept, no temporary"
else
	fail "full file system: exit $(cat "$T/rc"), $(cat "$T/err"), files: $(tr '\n' ' ' <"$T/ls")"
fi

# tcpeek gone: no answer, the old file stays
kill -TERM $TP
wait $TP 2>/dev/null
"$BIN/tcpeekstat" -p -U "$S" -o "$F" 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && cmp -s "$T/good" "$F" && [ "$(ls -A "$D")" = tcpeek_x.prom ]; then
	ok "tcpeek stopped: exit 1 ($(head -1 "$T/err")), the last good file stays"
else
	fail "tcpeek stopped: exit $rc, file $(cmp -s "$T/good" "$F" && echo kept || echo changed)"
fi
