#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-log checker: a pure function of its input.
#
#   tests/guest/klog-check.sh FILE [TAINTED]
#
# FILE is a kernel log (dmesg, dmesg -r, /dev/kmsg records or a serial
# console capture); TAINTED is the numeric /proc/sys/kernel/tainted value
# (empty or absent: not checked).  Exits 1, printing the offending lines,
# if the log shows a warning, BUG, oops, panic, lockdep/RCU report, hung
# task, RCU stall, UBSAN/KASAN/kmemleak report (or kmemleak switching itself
# off), list or refcount corruption,
# a call trace or a user-space segfault; or if any taint bit other than
# 12 (O, out-of-tree module) and 13 (E, unsigned module) is set, or 16
# (X, distribution-defined), except where the log shows Debian's fanotify
# message for it (a test's FAN_OPEN_PERM listener, t-commit-open.sh).
# "WARNING:" counts only at the start of a message (after the timestamp), as
# the kernel's WARN() and lockdep print it; other patterns match anywhere.
# Exits 0 if clean, 2 on usage errors.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	sed -n '6p' "$0" | sed 's/^# *//' >&2
	exit 2
fi
file=$1
tainted=${2:-}
[ -r "$file" ] || { echo "klog-check: cannot read '$file'" >&2; exit 2; }

status=0

# Strip the record prefix (<level>, /dev/kmsg "lvl,seq,ts,flags;",
# [timestamp], [Tpid]/[Ccpu] caller id), then match the message.
if ! awk -v file="$file" '
{
	msg = $0
	sub(/^<[0-9]+>/, "", msg)
	sub(/^[0-9]+,[0-9]+,[0-9]+,[^;]*;/, "", msg)
	sub(/^ *\[ *[0-9]+\.[0-9]+\] ?/, "", msg)
	sub(/^\[ *[TC][0-9]+\] ?/, "", msg)
	if (msg ~ /^WARNING:/ ||
	    msg ~ /BUG:|kernel BUG at|(^|[^A-Za-z])Oops([^A-Za-z]|$)/ ||
	    msg ~ /general protection fault|Kernel panic/ ||
	    msg ~ /possible circular locking|possible recursive locking/ ||
	    msg ~ /inconsistent lock state|suspicious RCU usage|INFO: lockdep/ ||
	    msg ~ /INFO: task .* blocked for more than|detected stalls/ ||
	    msg ~ /UBSAN:|KASAN:|kmemleak: .*suspected memory leak/ ||
	    msg ~ /unreferenced object 0x|kmemleak: Cannot allocate/ ||
	    msg ~ /kmemleak: Kernel memory leak detector disabled/ ||
	    msg ~ /list_(add|del) corruption|refcount_t:|Call Trace:/ ||
	    msg ~ /segfault at /) {
		printf "klog-check: %s:%d: %s\n", file, NR, $0
		bad = 1
	}
}
END { exit bad }' "$file"; then
	status=1
fi

if [ -n "$tainted" ]; then
	case $tainted in
	*[!0-9]*)
		echo "klog-check: tainted value '$tainted' is not a number" >&2
		exit 2
		;;
	esac
	ok=$(((1 << 12) | (1 << 13)))
	# Debian's kernels taint X for fanotify permission events, saying so.
	if grep -q 'Using fanotify permission checks may lead to deadlock; tainting kernel' "$file"; then
		ok=$((ok | (1 << 16)))
	fi
	bad=$((tainted & ~ok))
	if [ "$bad" -ne 0 ]; then
		letters=PFSRMBUDAWCIOELKXTN
		flags=
		i=0
		while [ $i -lt 64 ]; do
			if [ $(((bad >> i) & 1)) -eq 1 ]; then
				l=$(printf '%s' "$letters" | cut -c $((i + 1)))
				flags="$flags bit$i${l:+($l)}"
			fi
			i=$((i + 1))
		done
		echo "klog-check: kernel tainted ($tainted):$flags"
		status=1
	fi
fi

exit $status
