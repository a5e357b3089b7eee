#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Immutable and append-only files of an indexed image refuse opens for
# writing however the opens race.  A view of an indexed image makes the
# inode of a lower file from the index's stat record, which has no inode
# flags; the first operation that needs the file looks it up and copies
# its flags onto the view inode (layerfs_resolve()), and an open that
# arrives while another one does that must still be refused: the VFS
# checks the flags of the view inode.  (Once, the real file was published
# before its attributes were copied, and an open in between succeeded and
# copied the file up, writable.)  tests/tools/lfs-openrace: two processes
# open each file of a fresh view O_WRONLY at once, at offsets swept over
# the files, as root (for whom too an immutable file is EPERM); a round
# per new mount of the view, for LAYERFS_INDEX_RACE_SECONDS (default 8).
# No open may succeed and nothing may be copied up.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-openrace
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
SECS=${LAYERFS_INDEX_RACE_SECONDS:-8}
N=400
load_module

# Layer, upper and work on one filesystem: only such views use the
# index's stat records (layerfs_lookup_lazy()).
d=$scratch/r
mkdir -p "$d"
expect_ok mount -t tmpfs -o size=64m,nr_inodes=8192 race "$d"
mkdir -p "$d/l" "$d/u" "$d/w" "$d/v"
i=0
while [ $i -lt $N ]; do
	echo x >"$d/l/i$i"
	echo x >"$d/l/a$i"
	i=$((i + 1))
done
if ! chattr +i "$d"/l/i* || ! chattr +a "$d"/l/a*; then
	echo "Bail out! chattr +i / +a on tmpfs"
	exit 1
fi
expect_ok "$LAYERCTL" layer add --frozen race "$d/l"
expect_ok "$LAYERCTL" layer index race -o "$d/race.index"

# The files in an order that mixes the two kinds.
files=$(i=0; while [ $i -lt $N ]; do
	printf '%s ' "$d/v/i$i" "$d/v/a$i"; i=$((i + 1)); done)
start=$(date +%s)
rounds=0 bad=0 indexed=true
while [ $rounds -lt 1 ] || [ $(($(date +%s) - start)) -lt "$SECS" ]; do
	mount -t layerfs -o "image=race,upper=$d/u,work=$d/w" racev "$d/v" ||
		{ fail "mount of the view, round $((rounds + 1))"; break; }
	[ $rounds = 0 ] && ! "$LAYERCTL" view ls --json |
		grep -Eq '"indexed": *true' && indexed=false
	# shellcheck disable=SC2086 # one argument per file
	out=$("$TOOL" $files 2>&1)
	rc=$?
	umount "$d/v"
	rounds=$((rounds + 1))
	if [ $rc != 0 ]; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && diag "round $rounds: $(echo "$out" | tail -n 4)"
	fi
	last=$out
done
diag "$rounds rounds of $((2 * N)) files in $(($(date +%s) - start)) s; last: $(echo "$last" | tail -n 1)"
expect_eq "$indexed" true "the view is indexed"
expect_eq "$bad" 0 "no open for writing of an immutable or append-only file succeeded, in any round"
expect_eq "$(find "$d/u" -mindepth 1 | head -n 5)" "" "...and nothing was copied up"
expect_ok "$LAYERCTL" layer rm race
expect_ok umount "$d"
expect_ok unload_module
done_testing
