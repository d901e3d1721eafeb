#!/usr/bin/env bash
# Bash completion: each script offers exactly the options of --help, and
# completes what it claims to (option names, --opt=value, values of -c,
# -l, -i, files, interfaces for check_tcp_raw's first argument) in a plain
# bash without the bash-completion package.
. "$(dirname "$0")/common.sh"

C=$SYNSCOPE_ROOT/contrib/bash-completion
for p in $PROGRAMS; do
	if ! bash -n "$C/$p" 2>/dev/null; then
		fail "completion/$p: bash syntax error"
		continue
	fi
	if d=$(list_diff "$(help_opts "$p")" "$(completion_opts "$C/$p")"); then
		ok "completion/$p: offers exactly the options of $p --help"
	else
		fail "completion/$p vs --help: $d"
	fi
done

# complete PROGRAM WORD... : what TAB offers for the last word, one line,
# sorted, in a clean bash with only our script loaded
complete_words() {
	local prog=$1; shift
	(cd "$T" && bash --norc --noprofile -c '
		. "$1"; prog=$2; shift 2
		COMP_WORDS=("$prog" "$@"); COMP_CWORD=$#
		spec=$(complete -p "$prog") || exit 3
		fn=${spec#*-F }; fn=${fn%% *}
		"$fn" "$prog" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' _ "$C/$prog" "$prog" "$@")
}
expect_completion() {
	local want=$1 prog=$2 got; shift 2
	got=$(complete_words "$prog" "$@")
	if [ "${got% }" = "$want" ]; then ok "complete '$prog $*': $want"
	else fail "complete '$prog $*': got '${got% }', wanted '$want'"; fi
}

T=$(mktmp)
mkdir "$T/dir"; : >"$T/role.lvs"; : >"$T/-x"   # "-x" must not glob into "-?"
expect_completion "--clean-close" check_tcp_raw --cl
expect_completion "-?" check_tcp_raw "-?"
expect_completion "role.lvs" check_tcp_raw -r rol
expect_completion "role.lvs" check_tcp_raw --role-file = rol
expect_completion "" check_tcp_raw -t ""
expect_completion "lo" check_tcp_raw -t 500 l
expect_completion "lo" check_tcp_raw --role-file = role.lvs l
expect_completion "" check_tcp_raw -c lo 10.0.0.1 10.0.0.2 ""
expect_completion "0 1 2" tcpeek -c ""
expect_completion "0 1 2" tcpeek --checksum = ""
expect_completion "debug" tcpeek -l de
expect_completion "any" tcpeek -i an
expect_completion "lo" tcpeek --interface lo
expect_completion "root" tcpeek -u roo
expect_completion "--max-connections --max-sessions" tcpeek --max
expect_completion "web:RX@ web:TX@" tcpeek -i lo web:
expect_completion "--gmetric --gmetric-path" tcpeekstat --gm
expect_completion "dir" tcpeekstat -U di
expect_completion "--gmetric --gmetric-path --help --json --label --output --prometheus --socket --table --version -T -U -g -h -j -o -p -v" tcpeekstat "-"
