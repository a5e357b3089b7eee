#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run guest tests, as root inside the QEMU guest (scripts/guest-run.sh):
#
#   tests/guest/run.sh [all | NAME...]      (NAME: tests/guest/t-NAME.sh)
#
# For each test, in order: unload a leftover layerfs module, clear the
# kernel ring buffer, run the test (timeout $LAYERFS_TEST_TIMEOUT, default
# 300 s, or the test's "# guest-timeout: SECONDS" line if longer), unload
# layerfs if the test left it loaded, then check the kernel
# log of the test and the taint bits it added (tests/guest/klog-check.sh).
# A test passes only if it exits 0, its kernel log is clean and it did not
# leave layerfs loaded or mounted.  Prints "PASS NAME (Ns)", "SKIP NAME (Ns):
# reason" (a test that passed with every check skipped, e.g. t-failslab off
# the debug kernel: not counted as passed) or "FAIL NAME (Ns): why" (N: the
# test's wall time in seconds, for keeping the suite's time in check; with the test's
# failed checks, output tail and bad log lines), and last "N passed,
# N failed, N skipped"; exits 1 if any test failed.  Full per-test output
# and kernel logs go to $LAYERFS_OUT/tests/ (guest-run.sh --keep keeps them).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
logs=${LAYERFS_OUT:-/tmp/layerfs}/tests
limit=${LAYERFS_TEST_TIMEOUT:-300}

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (in the guest)" >&2; exit 2; }
mkdir -p "$logs"
cd "$root"

names=()
[ $# -gt 0 ] || set -- all
for a in "$@"; do
	if [ "$a" = all ]; then
		for t in "$here"/t-*.sh; do
			[ -e "$t" ] || continue
			t=${t##*/t-}
			names+=("${t%.sh}")
		done
	else
		names+=("$a")
	fi
done

layerfs_loaded() { [ -d /sys/module/layerfs ]; }

# Unload layerfs if loaded; if busy, unmount layerfs filesystems first.
# Returns 1 if it was loaded (so the caller can complain), 2 if stuck.
unload_leftover() {
	layerfs_loaded || return 0
	rmmod layerfs 2>/dev/null && return 1
	awk '$3 == "layerfs" { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rmmod layerfs 2>/dev/null && return 1
	return 2
}

# The interpreter named by the test's #! line (default sh).
interpreter() {
	local line
	IFS= read -r line <"$1" || true
	case $line in
	'#!'*) echo "${line#\#!}" ;;
	*) echo sh ;;
	esac
}

# Whether the test's output ($1) has checks and every one is "ok ... # SKIP".
all_skipped() {
	grep -Eq '^(not )?ok ' "$1" && ! grep -E '^(not )?ok ' "$1" | grep -vq ' # SKIP'
}

passed=0 failed=0 skipped=0
for name in "${names[@]}"; do
	t=$here/t-$name.sh
	if [ ! -f "$t" ]; then
		echo "FAIL $name: no such test ($t)"
		failed=$((failed + 1))
		continue
	fi
	log=$logs/$name.log
	klog=$logs/$name.dmesg
	unload_leftover || true
	dmesg -C
	# Names the test in the console log, for a crash that stops the guest.
	echo "<6>layerfs-test: start $name" >/dev/kmsg 2>/dev/null || true
	taint_before=$(cat /proc/sys/kernel/tainted)

	rc=0
	t0=$(date +%s)
	# A test may need longer: a "# guest-timeout: SECONDS" line raises it.
	tlimit=$(sed -n 's/^# guest-timeout: *\([0-9][0-9]*\)$/\1/p' "$t" | head -n 1)
	[ -n "$tlimit" ] && [ "$tlimit" -gt "$limit" ] || tlimit=$limit
	# shellcheck disable=SC2046 # the #! line is split into words on purpose
	timeout -k 10 "$tlimit" $(interpreter "$t") "$t" >"$log" 2>&1 </dev/null || rc=$?
	secs=$(($(date +%s) - t0))
	left=0
	unload_leftover || left=$?

	dmesg >"$klog"
	taint_new=$(($(cat /proc/sys/kernel/tainted) & ~taint_before))
	kcheck=$("$here/klog-check.sh" "$klog" "$taint_new" 2>&1) && kclean=1 || kclean=0

	why=()
	case $rc in
	0) ;;
	124 | 137) why+=("timed out after ${tlimit}s") ;;
	*) why+=("exit status $rc") ;;
	esac
	[ "$left" != 1 ] || why+=("left layerfs loaded")
	[ "$left" != 2 ] || why+=("left layerfs loaded and it cannot be unloaded")
	[ "$kclean" = 1 ] || why+=("kernel log not clean")

	if [ ${#why[@]} = 0 ] && all_skipped "$log"; then
		echo "SKIP $name (${secs}s): $(grep -m 1 -E '^ok ' "$log" | sed 's/.* # SKIP *//')"
		skipped=$((skipped + 1))
		continue
	fi
	if [ ${#why[@]} = 0 ]; then
		echo "PASS $name (${secs}s)"
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	reason=$(printf '%s, ' "${why[@]}")
	echo "FAIL $name (${secs}s): ${reason%, }"
	if [ "$(wc -l <"$log")" -le 40 ]; then
		echo "--- $name: output ($log)"
		cat "$log"
	else
		if grep -q '^not ok' "$log"; then
			echo "--- $name: failed checks"
			awk '/^not ok/ { p = 1; print; next } p && /^#/ { print; next } { p = 0 }' "$log" |
				head -n 200
		fi
		echo "--- $name: last 30 lines of output ($log)"
		tail -n 30 "$log"
	fi
	if [ "$kclean" = 0 ]; then
		echo "--- $name: kernel log problems ($klog)"
		printf '%s\n' "$kcheck"
	fi
	echo "---"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
