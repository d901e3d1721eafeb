#!/usr/bin/env bash
# make install into a temporary DESTDIR: every file lands where the
# variables say, with its mode; the installed programs run (--help,
# --version from the Makefile's VERSION); the installed unit points at the
# installed tcpeek; make uninstall removes all of it.
. "$(dirname "$0")/common.sh"

T=$(mktmp)
D=$T/dest

check "make install DESTDIR=... PREFIX=/usr succeeds" \
	$M -s install DESTDIR="$D" PREFIX=/usr UNITDIR=/lib/systemd/system >"$T/log" 2>&1 ||
	sed 's/^/# /' "$T/log"

want="0755 /usr/sbin/check_tcp_raw
0755 /usr/sbin/tcpeek
0755 /usr/sbin/synscoped
0644 /usr/share/man/man8/synscoped.8
0644 /lib/systemd/system/synscoped.service
0644 /usr/lib/sysusers.d/synscoped.conf
0644 /usr/share/bash-completion/completions/synscoped
0755 /usr/libexec/synscope/synscoped-track-files
0755 /usr/bin/tcpeekstat
0644 /usr/share/man/man8/check_tcp_raw.8
0644 /usr/share/man/man8/tcpeek.8
0644 /usr/share/man/man1/tcpeekstat.1
0644 /lib/systemd/system/tcpeek@.service
0644 /lib/systemd/system/tcpeek-textfile@.service
0644 /lib/systemd/system/tcpeek-textfile@.timer
0644 /usr/lib/sysusers.d/tcpeek.conf
0644 /usr/lib/tmpfiles.d/synscope.conf
0644 /usr/lib/tmpfiles.d/tcpeek.conf
0644 /usr/share/bash-completion/completions/check_tcp_raw
0644 /usr/share/bash-completion/completions/tcpeek
0644 /usr/share/bash-completion/completions/tcpeekstat
0755 /usr/libexec/synscope/lvs-role-notify
0755 /usr/libexec/synscope/check_tcp_raw-ldirectord"
got=$(cd "$D" && find . -type f -printf '%m /%P\n' | sed 's/^\([0-7]\{3\}\) /0\1 /' | sort)
if d=$(list_diff "$(printf '%s\n' "$want" | sort)" "$got"); then
	ok "install: the 23 files, each with its mode, and nothing else"
else
	fail "install: file list or modes differ: $d"
fi

for p in $PROGRAMS; do
	f=$D/usr/sbin/$p
	[ "$p" = tcpeekstat ] && f=$D/usr/bin/$p
	"$f" --help >"$T/help" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then ok "installed $p --help exits 0"
	else fail "installed $p --help exited $rc"; fi
	if [ -s "$T/help" ] && cmp -s "$T/help" <("$BIN/$p" --help 2>&1); then
		ok "installed $p --help prints the help of the built program"
	else
		fail "installed $p --help output is empty or differs from bin/$p"
	fi
	v=$("$f" --version 2>&1)
	if [ "$v" = "$p $VERSION" ]; then
		ok "installed $p --version prints '$p $VERSION' (Makefile VERSION)"
	else
		fail "installed $p --version printed '$v', wanted '$p $VERSION'"
	fi
done
# check_tcp_raw and tcpeekstat know -V / -v as well as --version
check "check_tcp_raw -V prints the version" \
	test "$("$BIN/check_tcp_raw" -V)" = "check_tcp_raw $VERSION"
check "tcpeek -v prints the version" test "$("$BIN/tcpeek" -v)" = "tcpeek $VERSION"
check "tcpeekstat -v prints the version" test "$("$BIN/tcpeekstat" -v)" = "tcpeekstat $VERSION"

if grep -qx 'ExecStart=/usr/sbin/tcpeek -i %I -q -U /run/tcpeek/%i.sock $TCPEEK_OPTS' \
	"$D/lib/systemd/system/tcpeek@.service"; then
	ok "installed unit runs the installed tcpeek (/usr/sbin)"
else
	fail "installed unit's ExecStart: $(grep ExecStart= "$D/lib/systemd/system/tcpeek@.service")"
fi
if grep -qx 'ExecStart=/usr/sbin/synscoped -c /etc/synscoped.conf --state-dir /run/synscoped/state --socket /run/synscoped/synscoped.sock $SYNSCOPED_OPTS' \
	"$D/lib/systemd/system/synscoped.service" &&
	grep -qx 'ExecStartPre=/usr/sbin/synscoped --check-config /etc/synscoped.conf' \
	"$D/lib/systemd/system/synscoped.service"; then
	ok "installed synscoped.service runs the installed synscoped (/usr/sbin)"
else
	fail "installed synscoped.service: $(grep ExecStart "$D/lib/systemd/system/synscoped.service")"
fi
if grep -qx 'ExecStart=/usr/bin/tcpeekstat -p -U /run/tcpeek/%i.sock --label iface=%i -o /var/lib/prometheus/node-exporter/tcpeek_%i.prom' \
	"$D/lib/systemd/system/tcpeek-textfile@.service"; then
	ok "installed textfile unit runs the installed tcpeekstat (/usr/bin)"
else
	fail "installed textfile unit: $(grep ExecStart= "$D/lib/systemd/system/tcpeek-textfile@.service")"
fi

if cmp -s "$D/usr/lib/tmpfiles.d/synscope.conf" "$SYNSCOPE_ROOT/contrib/keepalived/synscope.tmpfiles"; then
	ok "installed tmpfiles.d/synscope.conf is contrib/keepalived/synscope.tmpfiles"
else
	fail "installed tmpfiles.d/synscope.conf differs from contrib/keepalived/synscope.tmpfiles"
fi
# the ldirectord wrapper runs the installed check_tcp_raw by default
LW=$D/usr/libexec/synscope/check_tcp_raw-ldirectord
if grep -q 'SYNSCOPE_CHECK:-/usr/sbin/check_tcp_raw}' "$LW" && ! grep -q /usr/local/ "$LW"; then
	ok "installed ldirectord wrapper runs the installed check_tcp_raw (/usr/sbin)"
else
	fail "installed ldirectord wrapper: $(grep -n 'check_tcp_raw}' "$LW")"
fi

# The version is set once, in the Makefile (-DSYNSCOPE_VERSION).
spelt=$(cd "$SYNSCOPE_ROOT" && grep -lE '"[0-9]+\.[0-9]+\.[0-9]+"' \
	src/check/check_tcp_raw.c src/peek/tcpeek.c src/stat/tcpeekstat.c src/daemon/synscoped.c src/*/opts.c)
if [ -z "$spelt" ] && grep -q 'SYNSCOPE_VERSION=.*$(VERSION)' "$SYNSCOPE_ROOT/Makefile"; then
	ok "version: only the Makefile's VERSION, passed as SYNSCOPE_VERSION"
else
	fail "version spelt outside the Makefile: $spelt"
fi

check "make uninstall succeeds" \
	$M -s uninstall DESTDIR="$D" PREFIX=/usr UNITDIR=/lib/systemd/system
left=$(cd "$D" && find . -type f | tr '\n' ' ')
if [ -z "$left" ]; then ok "uninstall removed every installed file"
else fail "uninstall left: $left"; fi

# Defaults: PREFIX=/usr/local, man pages, unit and completion under it.
$M -s install DESTDIR="$T/d2" >/dev/null 2>&1
check "default PREFIX is /usr/local (sbin, bin, man, unit, tmpfiles, libexec, completion)" test \
	-x "$T/d2/usr/local/sbin/tcpeek" -a -x "$T/d2/usr/local/bin/tcpeekstat" -a \
	-f "$T/d2/usr/local/share/man/man8/tcpeek.8" -a \
	-f "$T/d2/usr/local/lib/systemd/system/tcpeek@.service" -a \
	-f "$T/d2/usr/local/lib/tmpfiles.d/synscope.conf" -a \
	-x "$T/d2/usr/local/libexec/synscope/check_tcp_raw-ldirectord" -a \
	-f "$T/d2/usr/local/share/bash-completion/completions/tcpeek"
