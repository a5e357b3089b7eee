#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The store across reboots and a power cut (`make guest-boots`, part of
# `make check`): three guest boots on one ext4 disk image, each running
# tests/guest/boot-commit.sh:
#   1. commit in a store on the disk;
#   2. restore and verify tree and history; then a commit loop that the
#      guest's own background job cuts short by powering off hard (this
#      boot reports no exit status; its checks are read from its output);
#   3. restore after the power cut: records complete, no gaps, contents
#      right, nothing lost that layerctl had reported committed.
# Prints "PASS boots-commit" or "FAIL boots-commit: why"; exits 0 or 1.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
kver=${KVER:-$("$root/scripts/kver.sh")}
img=$root/build/commit-boots.img
log=$root/build/commit-boots.log
mkdir -p "$root/build"
rm -f "$img"
truncate -s 1G "$img"
mkfs.ext4 -q -F "$img"
: >"$log"

fail() { echo "FAIL boots-commit: $*"; exit 1; }

boot() {	# ARGS...: one boot; its output is appended to $log
	"$root/scripts/guest-run.sh" --kver "$kver" --disk "$img" -- \
		tests/guest/boot-commit.sh "$@" 2>&1 | tee -a "$log" >"$log.boot"
	return "${PIPESTATUS[0]}"
}

# Failed checks in the last boot's output.
failures() { grep -E '^not ok' "$log.boot"; }

boot 1 || { failures; fail "boot 1 (commit) failed"; }
echo "boots-commit: boot 1 (commit): ok"

boot 2
rc=$?
[ "$rc" = 125 ] || { tail -n 30 "$log.boot"; fail "boot 2 should end in a power cut, got status $rc"; }
failures && fail "boot 2 (restore, verify): failed checks"
grep -q '^ok .*its history too' "$log.boot" || fail "boot 2 did not get to its checks"
last=$(sed -n 's/^# committed crash:\([0-9]*\).*/\1/p' "$log.boot" | tail -n 1)
last=${last:-0}
echo "boots-commit: boot 2 (restore, verify, power cut): ok, last commit reported: crash:$last"

boot 3 "$last" || { failures; fail "boot 3 (restore after the power cut) failed"; }
grep '^#' "$log.boot" | sed 's/^/boots-commit:   /'
echo "PASS boots-commit"
rm -f "$img" "$log.boot"
