# Helpers shared by tests/misc/t_*.sh, on top of tests/net/lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../net/lib.sh"

PROGRAMS="check_tcp_raw tcpeek tcpeekstat synscoped"
# make as the suite's programs were built: in the SAN=1 pass a plain make
# would relink bin/ from build/ in the middle of the run and install
# programs that are not the ones under test
M="make --no-print-directory -C $SYNSCOPE_ROOT"
[ "${BUILD:-build}" = build-san ] && M="$M SAN=1"
# The one place the version is set.
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$SYNSCOPE_ROOT/Makefile")

man_page() {
	case $1 in
	tcpeekstat) echo "$SYNSCOPE_ROOT/docs/tcpeekstat.1" ;;
	*) echo "$SYNSCOPE_ROOT/docs/$1.8" ;;
	esac
}

# Option names listed in a program's --help: short ones from the lines that
# start an option entry ("  -c, --clean", "    -U --socket"), long ones
# wherever they appear.  One per line, sorted.
help_opts() {
	local h
	h=$("$BIN/$1" --help) || return 1
	{
		printf '%s\n' "$h" | sed -nE 's/^[[:space:]]+(-[A-Za-z?])[, ].*/\1/p'
		printf '%s\n' "$h" | grep -oE -- '--[a-z][a-z-]*[a-z]'
	} | sort -u
}

# Option names documented in a man page: every ".It Fl ..." item line.
man_opts() {
	grep -E '^\.It Fl ' "$1" | grep -oE 'Fl (\\&)?[^ ]+' |
		sed -E 's/^Fl (\\&)?/-/' | sort -u
}

# Option names a completion script offers (its opts='...' list).
completion_opts() {
	sed -n "/opts='/,/'/p" "$1" | sed -e "s/.*opts='//" -e "s/'.*//" |
		tr -s ' \t' '\n\n' | grep -v '^$' | sort -u
}

# Report the difference of two sorted lists as one line, or nothing.
list_diff() {
	local a b
	a=$(comm -23 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | tr '\n' ' ')
	b=$(comm -13 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | tr '\n' ' ')
	[ -z "$a$b" ] && return 0
	echo "only in first: [${a% }] only in second: [${b% }]"
	return 1
}
