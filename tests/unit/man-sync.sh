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
# (The lines below Options: indented by 2 to 6 spaces and starting with
# '-', up to two spaces; each of their comma-separated forms up to '=' or a
# space.)
options() {
	printf '%s\n' "$1" | awk '
		/^Options:$/ { on = 1; next }
		!on || !match($0, /^ +/) || RLENGTH < 2 || RLENGTH > 6 ||
			substr($0, RLENGTH + 1, 1) != "-" { next }
		{
			s = substr($0, RLENGTH + 1)
			sub(/  .*/, "", s)
			n = split(s, form, ",")
			for (i = 1; i <= n; i++) {
				f = form[i]
				sub(/^ +/, "", f)
				sub(/[= ].*/, "", f)
				if (f ~ /^-/)
					print f
			}
		}'
}

# man_items SECTION: the --long forms of the items of a subsection (.B -x,
# --long=ARG), one a line.
man_items() {
	printf '%s\n' "$1" | awk '
		!/^\.B -/ { next }
		{
			n = split(substr($0, 4), form, ",")
			for (i = 1; i <= n; i++) {
				f = form[i]
				sub(/^ +/, "", f)
				sub(/[= ].*/, "", f)
				if (f ~ /^--/)
					print f
			}
		}'
}

# in_text TEXT OPT: OPT is in TEXT as a word of its own (not part of a
# longer option or word: no letter or '-' on either side).  The matching is
# bash's, not a grep an option: processes are what this script's time goes
# to (it runs in make unit and in make deb).
in_text() {
	local re="(^|[^-a-z])$2([^-a-z]|\$)"
	[[ $1 =~ $re ]]
}

# The dispatcher table: { "name", cmd_fn, "help" } lines.
top=$(sed -n 's/^\t{ "\([a-z-]*\)", cmd_[a-z_]*, .*/\1/p' "$root/userspace/layerctl.c")
[ -n "$top" ] || { echo "man-sync: no commands found in userspace/layerctl.c"; exit 1; }
# The table and the top-level help must agree.
help_top=$("$lc" --help)
for c in $top; do
	[[ $help_top =~ (^|$'\n')"  $c "+ ]] || problem "'$c' is in the table but not in 'layerctl --help'"
done

# Each command's --help, asked once.
declare -A help
cmds=()
for c in $top; do
	h=$("$lc" "$c" --help) || { problem "layerctl $c --help failed"; continue; }
	help[$c]=$h
	if [[ $'\n'$h$'\n' == *$'\n''Commands:'$'\n'* ]]; then
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
	if [ -n "${help[$c]+set}" ]; then
		h=${help[$c]}
	else
		# shellcheck disable=SC2086 # "layer add" is two words
		h=$("$lc" $c --help) || { problem "layerctl $c --help failed"; continue; }
	fi
	sec=$(section "layerctl $c")
	if [ -z "$sec" ]; then
		problem "no subsection '.SS \"layerctl $c\"' in $(basename "$man")"
		continue
	fi
	opts=$(options "$h")
	[ -n "$opts" ] || problem "layerctl $c --help lists no options (not even --help)"
	for o in $opts; do
		checked=$((checked + 1))
		in_text "$sec" "$o" ||
			problem "layerctl $c: option $o is not in its man page subsection"
	done
	# Items of the man page (.B -x, --long=ARG) that --help does not know.
	for o in $(man_items "$sec"); do
		[[ $'\n'$opts$'\n' == *$'\n'"$o"$'\n'* ]] ||
			problem "layerctl $c: the man page lists $o, --help does not"
	done
done

# Global options.
glob=$(section_sh() { printf '%s\n' "$plain" | awk '$0 == ".SH GLOBAL OPTIONS" { on = 1; next } /^\.SH / { on = 0 } on'; }; section_sh)
for o in $(options "$help_top"); do
	checked=$((checked + 1))
	in_text "$glob" "$o" ||
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
