#!/usr/bin/env bash
# The shipped units under a real systemd: a throwaway container
# (systemd-nspawn --volatile=yes --boot) runs the host's /usr with
# `make install PREFIX=/usr/local` laid over it, in a network namespace
# of this test holding two interfaces, ta0 and ta1 (veth pairs to a peer
# namespace).  Inside, systemctl enable --now tcpeek@ta0, tcpeek@ta1 and
# their tcpeek-textfile@ timers; sysusers and tmpfiles create the user and
# the textfile directory at boot, as on a real host.  Then 3 handshakes
# through ta0 and 5 through ta1, the textfile services run, and a
# node_exporter of this test (own namespace and port, reading the
# container's textfile directory) must serve both instances' counts with
# their iface labels, the histogram counts, and scrape_error 0.
# Where the machine cannot boot a container, a skip says why.
#   TEXTFILE_UNIT=FILE  use FILE as tcpeek-textfile@.service (to show
#                       what an older unit does)
. "$(dirname "$0")/common.sh"

NAME=t_systemd_boot
skip() { ok "$NAME (skipped: $*)"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "needs root"
for c in systemd-nspawn nsenter unshare curl python3; do
	command -v $c >/dev/null || skip "no $c"
done
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip "no node_exporter (Debian package prometheus-node-exporter)"
[ -x /usr/lib/systemd/systemd ] || skip "no systemd in /usr/lib/systemd"
ip netns list >/dev/null 2>&1 || skip "no network namespaces"

T=$(mktmp)
chmod 0755 "$T"
$M -s install DESTDIR="$T/stage" PREFIX=/usr/local >"$T/log" 2>&1 ||
	{ fail "make install DESTDIR=$T/stage: $(tail -1 "$T/log")"; exit 0; }
if [ -n "${TEXTFILE_UNIT:-}" ]; then
	cp "$TEXTFILE_UNIT" "$T/stage/usr/local/lib/systemd/system/tcpeek-textfile@.service"
	echo "# tcpeek-textfile@.service from $TEXTFILE_UNIT"
fi
# Sanitizer builds: at exit LeakSanitizer stops the process with ptrace,
# which the units' SystemCallFilter=@system-service does not allow (a
# textfile run was seen to hang after its work until its own deadline);
# leaks of these programs are judged by the sanitizer runs outside
# systemd and by the valgrind suite.
if [ "$(cat "$SYNSCOPE_ROOT/bin/.built-by" 2>/dev/null)" = build-san ]; then
	for u in tcpeek@.service tcpeek-textfile@.service; do
		mkdir -p "$T/stage/usr/local/lib/systemd/system/$u.d"
		printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
			>"$T/stage/usr/local/lib/systemd/system/$u.d/sanitizer.conf"
	done
	echo "# sanitizer build: the units run with ASAN_OPTIONS=detect_leaks=0"
fi
mkdir -p "$T/root/usr" "$T/work"

# the container's network: ta0/ta1 here, their peers pa0/pa1 in "peer"
ns_add box
ns_add peer
for i in 0 1; do
	ip link add "ta$i" netns "$P-box" type veth peer name "pa$i" netns "$P-peer"
	NS box ip addr add "10.77.$i.1/24" dev "ta$i"
	NS peer ip addr add "10.77.$i.2/24" dev "pa$i"
	NS box ip link set "ta$i" up
	NS peer ip link set "pa$i" up
done

# boot; the overlay and every mount of the container live in a private
# mount namespace and vanish with it
MACHINE=synscope$$
unshare -m --propagation private bash -c '
	mount -t overlay overlay -o "lowerdir=/usr,upperdir=$1/stage/usr,workdir=$1/work" "$1/root/usr" || exit 97
	exec systemd-nspawn -q --volatile=yes -D "$1/root" -M "$2" --register=no --keep-unit \
		--network-namespace-path="/run/netns/$3" --boot \
		systemd.firstboot=off systemd.show_status=no
' boot "$T" "$MACHINE" "$P-box" </dev/null >"$T/boot.log" 2>&1 &
NSPAWN=$!
LEADER=
stop_container() {
	[ -n "$LEADER" ] && kill -RTMIN+4 "$LEADER" 2>/dev/null      # exit (container: poweroff)
	for i in $(seq 150); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
	kill -KILL "$NSPAWN" 2>/dev/null
	wait "$NSPAWN" 2>/dev/null
}
# (T is removed here: mktmp ran in a subshell, so _cleanup does not know it)
trap 'stop_container; _cleanup; rm -rf "$T"' EXIT

for i in $(seq 100); do
	LEADER=$(pgrep -P "$NSPAWN" 2>/dev/null | head -1)
	[ -n "$LEADER" ] && break
	kill -0 "$NSPAWN" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$LEADER" ]; then
	skip "the container did not start: $(grep -v '^$' "$T/boot.log" | tail -1)"
fi
IN() { nsenter -t "$LEADER" -m -u -i -p -n "$@"; }
# systemctl needs the manager up: wait for the boot to finish (at most 90 s)
state=
for i in $(seq 180); do
	state=$(IN systemctl is-system-running 2>/dev/null)
	case $state in running|degraded) break ;; esac
	kill -0 "$NSPAWN" 2>/dev/null || break
	sleep 0.5
done
case $state in
running|degraded) ok "a systemd $(IN systemctl --version | head -1 | cut -d' ' -f2) booted in a container ($state)" ;;
*) skip "the container's systemd did not finish booting (state '$state'): $(tail -1 "$T/boot.log")" ;;
esac
ROOT=/proc/$LEADER/root
DIR=$ROOT/var/lib/prometheus/node-exporter

# what sysusers and tmpfiles made of the installed snippets at boot
if IN id tcpeek >/dev/null 2>&1; then ok "sysusers: user tcpeek exists in the container"
else fail "sysusers: no user tcpeek in the container"; fi
st=$(IN stat -c '%a %U:%G' /var/lib/prometheus/node-exporter 2>&1)
if [ "$st" = "1775 root:tcpeek" ]; then ok "tmpfiles: textfile directory 1775 root:tcpeek"
else fail "tmpfiles: textfile directory is '$st', wanted '1775 root:tcpeek'"; fi

if IN systemctl enable --now tcpeek@ta0.service tcpeek@ta1.service >"$T/en" 2>&1; then
	ok "systemctl enable --now tcpeek@ta0 tcpeek@ta1"
else
	fail "enable tcpeek@: $(tail -2 "$T/en" | tr '\n' ' ')"
fi
for i in $(seq 100); do
	[ -S "$ROOT/run/tcpeek/ta0.sock" ] && [ -S "$ROOT/run/tcpeek/ta1.sock" ] && break
	sleep 0.1
done
if [ -S "$ROOT/run/tcpeek/ta0.sock" ] && [ -S "$ROOT/run/tcpeek/ta1.sock" ]; then
	ok "both tcpeek instances serve their sockets"
else
	fail "tcpeek sockets missing: $(IN systemctl status tcpeek@ta0 tcpeek@ta1 2>&1 | grep -E 'Active|tcpeek\[' | head -4 | tr '\n' ' ')"
fi
if IN systemctl enable --now tcpeek-textfile@ta0.timer tcpeek-textfile@ta1.timer >"$T/en" 2>&1; then
	ok "systemctl enable --now tcpeek-textfile@ta0.timer tcpeek-textfile@ta1.timer"
else
	fail "enable timers: $(tail -2 "$T/en" | tr '\n' ' ')"
fi

# the timers' first runs (5 s after activation) publish the files
for i in $(seq 100); do
	[ -e "$DIR/tcpeek_ta0.prom" ] && [ -e "$DIR/tcpeek_ta1.prom" ] && break
	sleep 0.2
done
if [ -e "$DIR/tcpeek_ta0.prom" ] && [ -e "$DIR/tcpeek_ta1.prom" ]; then
	ok "the timers published tcpeek_ta0.prom and tcpeek_ta1.prom"
else
	fail "no files from the timers: $(ls -A "$DIR" 2>&1 | tr '\n' ' ')" \
		"$(IN systemctl status tcpeek-textfile@ta0.service 2>&1 | grep -E 'Active|tcpeekstat' | head -3 | tr '\n' ' ')"
fi

# handshakes: 3 through ta0, 5 through ta1, to a listener of this test
accept_listener box 8080 || fail "listener in the container's namespace did not start"
for n in 1 2 3; do NS peer bash -c 'exec 3<>/dev/tcp/10.77.0.1/8080' 2>/dev/null; done
for n in 1 2 3 4 5; do NS peer bash -c 'exec 3<>/dev/tcp/10.77.1.1/8080' 2>/dev/null; done
# each tcpeek has seen its handshakes before the textfile services run
for i in $(seq 50); do
	a=$(IN /usr/local/bin/tcpeekstat -j -U /run/tcpeek/ta0.sock 2>/dev/null | grep -o '"RX":{"success":{"total":[0-9]*' | grep -o '[0-9]*$')
	b=$(IN /usr/local/bin/tcpeekstat -j -U /run/tcpeek/ta1.sock 2>/dev/null | grep -o '"RX":{"success":{"total":[0-9]*' | grep -o '[0-9]*$')
	[ "${a:-0}" -ge 3 ] && [ "${b:-0}" -ge 5 ] && break
	sleep 0.2
done
# run the services the timers run, now rather than in up to 15 s
if ! IN systemctl start tcpeek-textfile@ta0.service tcpeek-textfile@ta1.service >"$T/st" 2>&1; then
	fail "systemctl start tcpeek-textfile@: $(tail -2 "$T/st" | tr '\n' ' ')"
	# what the service said, for whoever reads the failure
	IN journalctl --no-pager -q -n 8 -u tcpeek-textfile@ta0.service -u tcpeek-textfile@ta1.service 2>&1 |
		sed 's/^/# /'
fi

# node_exporter of this test, alone in its namespace, reading the directory
ns_add ne
PORT=9$((RANDOM % 900 + 100))
NS ne "$NE" --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$DIR" >"$T/ne.log" 2>&1 &
bg_track $!
wait_listen ne "$PORT" || fail "node_exporter did not listen: $(tail -1 "$T/ne.log")"
NS ne curl -s "http://127.0.0.1:$PORT/metrics" >"$T/scrape"
val() { grep -E "^$1 " "$T/scrape" | awk '{print $2}'; }
n0=$(grep -c '^tcpeek_' "$DIR/tcpeek_ta0.prom" 2>/dev/null)
n1=$(grep -c '^tcpeek_' "$DIR/tcpeek_ta1.prom" 2>/dev/null)
if [ "${n0:-0}" -gt 0 ] && [ "${n1:-0}" -gt 0 ]; then
	ok "the published files are not empty ($n0 and $n1 series)"
else
	fail "published files: tcpeek_ta0.prom ${n0:-0} series, tcpeek_ta1.prom ${n1:-0} series"
fi
echo "# scrape: $(grep -cE '^tcpeek_' "$T/scrape") tcpeek series"
grep -E '^(tcpeek_success_total|tcpeek_handshake_seconds_(count|bucket)|node_textfile_scrape_error)\b' "$T/scrape" |
	grep -E 'filter="RX"|scrape_error' | grep -vE 'le="0\.[0-9]+"|le="[0-9.]+"' | sed 's/^/#   /'
e=$(val node_textfile_scrape_error)
if [ "$e" = 0 ]; then ok "node_exporter: node_textfile_scrape_error 0"
else fail "node_exporter: node_textfile_scrape_error '${e:-absent}'"; fi
a=$(val 'tcpeek_success_total\{filter="RX",iface="ta0"\}')
b=$(val 'tcpeek_success_total\{filter="RX",iface="ta1"\}')
if [ "$a" = 3 ] && [ "$b" = 5 ]; then
	ok "node_exporter serves both instances: success RX iface=ta0 3, iface=ta1 5"
else
	fail "node_exporter: success RX iface=ta0 '${a:-absent}' (want 3), iface=ta1 '${b:-absent}' (want 5)"
fi
a=$(val 'tcpeek_handshake_seconds_count\{filter="RX",iface="ta0"\}')
b=$(val 'tcpeek_handshake_seconds_bucket\{filter="RX",iface="ta1",le="\+Inf"\}')
if [ "$a" = 3 ] && [ "$b" = 5 ]; then
	ok "node_exporter serves the histograms: _count iface=ta0 3, +Inf bucket iface=ta1 5"
else
	fail "node_exporter histograms: ta0 _count '${a:-absent}', ta1 +Inf '${b:-absent}'"
fi
if grep -q 'collected before with the same name and label values' "$T/scrape" "$T/ne.log"; then
	fail "node_exporter: duplicate series: $(grep -m1 'collected before' "$T/scrape" "$T/ne.log")"
else
	ok "node_exporter: no duplicate series between the two instances"
fi
left=$(ls -A "$DIR" | grep -vxE 'tcpeek_ta[01]\.prom' | tr '\n' ' ')
if [ -z "$left" ]; then ok "the textfile directory holds the two files and no temporary file"
else fail "left in the textfile directory: $left"; fi
if [ "$(IN stat -c '%a %U' /var/lib/prometheus/node-exporter/tcpeek_ta0.prom 2>&1)" = "644 tcpeek" ]; then
	ok "tcpeek_ta0.prom: mode 0644, written by the user tcpeek"
else
	fail "tcpeek_ta0.prom: $(IN stat -c '%a %U' /var/lib/prometheus/node-exporter/tcpeek_ta0.prom 2>&1)"
fi
if command -v promtool >/dev/null; then
	if promtool check metrics <"$DIR/tcpeek_ta0.prom" >"$T/pt" 2>&1; then
		ok "promtool check metrics accepts the published file"
	else
		fail "promtool: $(head -2 "$T/pt" | tr '\n' ' ')"
	fi
else
	ok "promtool check metrics (skipped: no promtool)"
fi

# the unit leaves the last good file when tcpeek is gone
IN systemctl stop tcpeek@ta1.service
cp "$DIR/tcpeek_ta1.prom" "$T/before"
IN systemctl start tcpeek-textfile@ta1.service >/dev/null 2>&1
rc=$?
if [ $rc -ne 0 ] && cmp -s "$T/before" "$DIR/tcpeek_ta1.prom"; then
	ok "tcpeek@ta1 stopped: the textfile service fails and the last file stays"
else
	fail "tcpeek@ta1 stopped: start exited $rc, file $(cmp -s "$T/before" "$DIR/tcpeek_ta1.prom" && echo kept || echo changed)"
fi
