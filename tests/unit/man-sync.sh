#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# layerctl(8) against `layerctl ... --help` (run by `make unit`):
#
#   tests/unit/man-sync.sh [LAYERCTL [MANPAGE]]
#
# The commands are those of the dispatcher table of userspace/layerctl.c;
# a command whose --help lists "Commands:" (layer, view) is a group and its
# subcommands are checked instead.  For every command, the man page must
# have a subsection '.SS "layerctl CMD"', and every option the command's
# --help prints (its -x and --long forms) must appear in that subsection;
# every --long option the subsection lists as an item (.B -x, --long...)
# must be one --help prints; the global options of `layerctl --help` must
# be in GLOBAL OPTIONS; and there is no subsection for a command that does
# not exist.  Prints one line per problem and exits 1 if there are any.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}
man=${2:-$root/userspace/man/layerctl.8}
bad=0
problem() { echo "man-sync: $*"; bad=1; }

[ -x "$lc" ] || { echo "man-sync: no $lc (build it first)"; exit 1; }
[ -r "$man" ] || { echo "man-sync: no $man"; exit 1; }

# The man page as plain text per line: roff escapes of '-' and fonts gone.
plain=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\e/\\/g' "$man")

# section NAME: the lines of '.SS "NAME"' up to the next .SS or .SH.
section() {
	printf '%s\n' "$plain" | awk -v want=".SS \"$1\"" '
		$0 == want { on = 1; next }
		/^\.S[SH]( |$)/ { on = 0 }
		on'
}

# options HELPTEXT: "-x" and "--long" of the Options: block, one a line.
options() {
	printf '%s\n' "$1" | awk '/^Options:$/ { on = 1; next } on' |
		grep -E '^ {2,6}-' |
		sed -E 's/^ +//; s/  .*//' | tr ',' '\n' |
		sed -E 's/^ +//; s/[= ].*//' | grep -E '^-'
}

# The dispatcher table: { "name", cmd_fn, "help" } lines.
top=$(sed -n 's/^\t{ "\([a-z-]*\)", cmd_[a-z_]*, .*/\1/p' "$root/userspace/layerctl.c")
[ -n "$top" ] || { echo "man-sync: no commands found in userspace/layerctl.c"; exit 1; }
# The table and the top-level help must agree.
help_top=$("$lc" --help)
for c in $top; do
	printf '%s\n' "$help_top" | grep -qE "^  $c +" || problem "'$c' is in the table but not in 'layerctl --help'"
done

cmds=()
for c in $top; do
	h=$("$lc" "$c" --help) || { problem "layerctl $c --help failed"; continue; }
	if printf '%s\n' "$h" | grep -q '^Commands:$'; then
		subs=$(printf '%s\n' "$h" | awk '/^Commands:$/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' | grep -vx help)
		[ -n "$subs" ] || problem "layerctl $c: a group without commands"
		for s in $subs; do
			cmds+=("$c $s")
		done
	else
		cmds+=("$c")
	fi
done

checked=0
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086 # "layer add" is two words
	h=$("$lc" $c --help) || { problem "layerctl $c --help failed"; continue; }
	sec=$(section "layerctl $c")
	if [ -z "$sec" ]; then
		problem "no subsection '.SS \"layerctl $c\"' in $(basename "$man")"
		continue
	fi
	opts=$(options "$h")
	[ -n "$opts" ] || problem "layerctl $c --help lists no options (not even --help)"
	for o in $opts; do
		checked=$((checked + 1))
		printf '%s\n' "$sec" | grep -qE -- "(^|[^-a-z])$o([^-a-z]|$)" ||
			problem "layerctl $c: option $o is not in its man page subsection"
	done
	# Items of the man page (.B -x, --long=ARG) that --help does not know.
	for o in $(printf '%s\n' "$sec" | sed -n 's/^\.B \(-.*\)/\1/p' | tr ',' '\n' |
		sed -E 's/^ +//; s/[= ].*//' | grep -E '^--'); do
		printf '%s\n' "$opts" | grep -qx -- "$o" ||
			problem "layerctl $c: the man page lists $o, --help does not"
	done
done

# Global options.
glob=$(section_sh() { printf '%s\n' "$plain" | awk '$0 == ".SH GLOBAL OPTIONS" { on = 1; next } /^\.SH / { on = 0 } on'; }; section_sh)
for o in $(options "$help_top"); do
	checked=$((checked + 1))
	printf '%s\n' "$glob" | grep -qE -- "(^|[^-a-z])$o([^-a-z]|$)" ||
		problem "global option $o is not in GLOBAL OPTIONS"
done

# Subsections for commands that do not exist.
while IFS= read -r s; do
	found=0
	for c in "${cmds[@]}"; do
		[ "$s" = "layerctl $c" ] && found=1
	done
	[ "$found" = 1 ] || problem "subsection '$s' names no command"
done < <(printf '%s\n' "$plain" | sed -n 's/^\.SS "\(.*\)"$/\1/p')

if [ "$bad" = 0 ]; then
	echo "man-sync: ok: ${#cmds[@]} commands, $checked options in $(basename "$man")"
fi
exit "$bad"
