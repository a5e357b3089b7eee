#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress: random operations by STRESS_WORKERS processes (default 8) on a
# view for STRESS_SECONDS (default 60; `make stress` runs longer), while
# the view is committed every ~2 s, layers and views are listed through
# layerctl, and read-only views of the committed images are mounted, walked
# and unmounted.  Afterwards: every process ended cleanly, every commit
# succeeded (or was refused for a shared writable mapping), the views
# unmount, every layer is removed and kmalloc memory is back (within
# 256 KiB) to what it was before; the harness fails the test on any
# kernel warning, lockdep report or hung task.  Operations, commits and
# their times are printed as "# ..." lines.
# guest-timeout: 3600
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SECS=${STRESS_SECONDS:-60}
WORKERS=${STRESS_WORKERS:-8}
SEED=${STRESS_SEED:-1}
load_module

s=$scratch
mkdir -p "$s/base/d1/d3" "$s/base/d2" "$s/up0" "$s/work" "$s/m"
for n in a b c; do
	echo "base $n" >"$s/base/$n"
	echo "base d1/$n" >"$s/base/d1/$n"
done
base=$(kmalloc_settled)
# Frozen and indexed, so that the committer can index committed layers
# and the live view switches indexes under the workers (viewindex.c).
expect_ok "$LAYERCTL" layer add --frozen st/base:1 "$s/base"
expect_ok "$LAYERCTL" layer index st/base:1 -o "$s/base.index"
expect_ok "$LAYERCTL" mount --layers 'st/base\:1' --upper "$s/up0" \
	--work "$s/work" --name stress "$s/m"
vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/m\") | .id")

diag "seed $SEED, $WORKERS workers, $SECS s"
$PY "$ROOT/tests/guest/stress.py" "$s" "$vid" "$s/m" "$LAYERCTL" "$SECS" \
	"$WORKERS" "$SEED" >"$s/out" 2>&1
rc=$?
relay_checks "$s/out"
expect_eq "$rc" 0 "stress.py exit status"

expect_ok umount "$s/m"
grep -q " $s/ro " /proc/mounts && fail "the mounter left $s/ro mounted" && umount "$s/ro"
n=$(cat "$s/commits" 2>/dev/null || echo 0)
# Newest first, by one layerctl (an exec each cost seconds under TCG):
# --force runs every line and fails if any did.
: >"$s/rm.batch"
i=$n
while [ "$i" -gt 0 ]; do
	echo "layer rm st/img:$i" >>"$s/rm.batch"
	i=$((i - 1))
done
"$LAYERCTL" --force -b "$s/rm.batch" >"$s/rm.out" 2>&1
rc=$?
left=$("$LAYERCTL" layer ls --json | jq '[.[] | select(.name | startswith("st/img:"))] | length')
expect_eq "$rc, $left left" "0, 0 left" "every committed layer removed ($n)" ||
	diag "$(cat "$s/rm.out")"
expect_ok "$LAYERCTL" layer rm st/base:1
rm -rf "$s/base" "$s"/up* "$s/work"
now=$(kmalloc_settled)
diag "kmalloc: $base bytes before, $now after"
expect_ok test $((now - base)) -le 262144
expect_ok unload_module
done_testing
