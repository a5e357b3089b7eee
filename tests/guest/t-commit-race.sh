#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Committed layers never change after their commit while writers run
# (issue 12, item 3: a copy-up by open-for-write could straddle a commit
# and land in the layer being committed, where later writes changed it).
# tests/guest/commit_race.py: views over a layer of large files, writers
# opening them O_RDWR and writing at random offsets, lookups of a tree
# being copied up, and commits each started while a large copy-up is in
# progress; every committed layer's hash taken right after its commit must
# be unchanged at the end of its round.  On its own tmpfs (the committed
# copies are freed round by round).  LAYERFS_RACE_SECONDS (default 65);
# more rounds until 4 commits ran, up to four times that.
# guest-timeout: 600
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

SECS=${LAYERFS_RACE_SECONDS:-65}
load_module
d=$scratch/t
mkdir -p "$d"
expect_ok mount -t tmpfs -o size=900m race "$d"
start=$(date +%s)
/usr/bin/python3 "$ROOT/tests/guest/commit_race.py" "$d" "$LAYERCTL" "$SECS" \
	>"$scratch/out" 2>&1
rc=$?
relay_checks "$scratch/out"
expect_eq "$rc" 0 "commit_race.py exit status"
diag "time: $(($(date +%s) - start)) s"
grep -q " $d/r[0-9]*/m " /proc/mounts && umount -l "$d"/r*/m
expect_ok umount "$d"
expect_ok unload_module
done_testing
