#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The registry at scale, and its memory: 10,000 layers (every 10th the child
# of the one before) added and removed through one `layerctl -b` batch each,
# with kmalloc slab usage measured before, in between and after; then
# 10,000 again, released by rmmod.  Each layer's directory sits on a tmpfs
# of its own, which can only be unmounted once every layer's pin is gone.
# Timings are printed as "# time: ..." lines.
#
# Memory is measured with kmalloc_settled (lib.sh): kmalloc slab objects in
# use, after letting freed memory settle.  What each layer allocates (the
# struct in kmalloc-128, name 20 B and author 19 B in kmalloc-32, path ~50 B
# in kmalloc-64, message 201 B in kmalloc-256) is ~500 B (measured: 511 B
# per layer), so 10,000 layers are ~5 MB; the test requires a growth of at least 3 MB, or the measure
# could not see a leak and the leak check would prove nothing.  Names carry
# a tag and the author is long enough that no per-layer allocation is under
# 32 B: a leak of any single one of them (one missing kfree) is >= 320 KB
# over 10,000 layers.  TOLERANCE (128 KiB) sits between that and the noise
# of settled reads (some 10-50 KB).  Checked by leaving 640 layers
# registered (~320 KB): the leak check failed with +329 KB.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

N=10000
TOLERANCE=131072		# bytes; see above
MIN_GROWTH=$((N * 300))		# bytes: the measure must see the layers

# Milliseconds since the epoch; took MS "WHAT" prints the time since MS.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() {
	_ms=$(($(now_ms) - $1))
	diag "time: $2: $((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s"
}

# expect_near ACTUAL BASE WHAT: |ACTUAL - BASE| <= TOLERANCE.
expect_near() {
	_d=$(($1 - $2))
	if [ "${_d#-}" -le "$TOLERANCE" ]; then
		pass "$3 (off by $_d bytes, tolerance $TOLERANCE)"
	else
		fail "$3" "kmalloc bytes now $1, baseline $2: off by $_d, tolerance $TOLERANCE"
	fi
}

# count_layers: number of layers in `layerctl layer ls --json`.
count_layers() {
	"$LAYERCTL" layer ls --json >"$scratch/ls.json" || { echo error; return; }
	grep -o '"name":' "$scratch/ls.json" | wc -l
}

dirs=$scratch/dirs
mkdir "$dirs"

# mkdirs: a fresh tmpfs on $dirs with d00001 ... d10000 (no exec per dir).
mkdirs() {
	mount -t tmpfs -o size=64m,nr_inodes=20000 scale "$dirs" || return 1
	_t=$(now_ms)
	seq -f "$dirs/d%05g" 1 "$N" | xargs mkdir
	took "$_t" "mkdir $N directories"
	expect_eq "$(find "$dirs" -mindepth 1 -maxdepth 1 -type d | wc -l)" "$N" \
		"$N directories made"
}

# write_batches TAG: $scratch/add.batch registers scale/lNNNNN:TAG on
# dNNNNN, every 10th with the one before as --parent; $scratch/rm.batch
# removes them all, last first (so children before their parents).
write_batches() {
	awk -v n="$N" -v d="$dirs" -v tag="$1" 'BEGIN {
		msg = sprintf("%0200d", 0); gsub(/0/, "m", msg)
		for (i = 1; i <= n; i++) {
			printf "layer add scale/l%05d:%s %s/d%05d -a \"layerfs scale test\" -m %s", i, tag, d, i, msg
			if (i % 10 == 0)
				printf " --parent scale/l%05d:%s", i - 1, tag
			printf "\n"
		}
	}' >"$scratch/add.batch"
	awk -v n="$N" -v tag="$1" 'BEGIN {
		print "# children first: every 10th layer is the child of the one before"
		for (i = n; i >= 1; i--)
			printf "layer rm scale/l%05d:%s\n", i, tag
	}' >"$scratch/rm.batch"
}

load_module

# --- round 1: add 10,000, remove 10,000 ---------------------------------------
mkdirs
write_batches round1
base=$(kmalloc_settled)
diag "kmalloc baseline: $base bytes"

t=$(now_ms)
expect_ok "$LAYERCTL" -b "$scratch/add.batch"
took "$t" "add $N layers (one batch)"

t=$(now_ms)
expect_eq "$(count_layers)" "$N" "layer ls --json lists $N layers"
took "$t" "layer ls --json of $N layers"
expect_eq "$(grep -o '"parent":' "$scratch/ls.json" | wc -l)" $((N / 10)) \
	"$((N / 10)) layers have a parent"
out=$("$LAYERCTL" layer show scale/l00010:round1 --json)
expect_match "$out" '"parent": *"scale/l00009:round1"' "l00010's parent is l00009"
out=$("$LAYERCTL" layer show scale/l00009:round1 --json)
expect_match "$out" '"children": *1[,}]' "l00009 has one child"
expect_fail 'busy' umount "$dirs"

grown=$(kmalloc_settled)
growth=$((grown - base))
diag "kmalloc with $N layers: $grown bytes, +$growth ($((growth / N)) per layer)"
if [ "$growth" -ge "$MIN_GROWTH" ]; then
	pass "$N layers grew kmalloc usage by $growth >= $MIN_GROWTH bytes"
else
	fail "$N layers grew kmalloc usage by $growth >= $MIN_GROWTH bytes" \
		"the measure does not see the layers: a leak check with it would prove nothing"
fi

t=$(now_ms)
expect_ok "$LAYERCTL" -b "$scratch/rm.batch"
took "$t" "remove $N layers (one batch)"
expect_eq "$(count_layers)" 0 "registry empty"

after=$(kmalloc_settled)
expect_near "$after" "$base" "kmalloc usage back to baseline after removing $N layers"
expect_ok umount "$dirs"

# --- round 2: add 10,000, rmmod with them registered ----------------------------
mkdirs
write_batches round2
base=$(kmalloc_settled)
diag "kmalloc baseline: $base bytes"

t=$(now_ms)
expect_ok "$LAYERCTL" -b "$scratch/add.batch"
took "$t" "add $N layers (one batch)"
expect_eq "$(count_layers)" "$N" "layer ls --json lists $N layers"

t=$(now_ms)
expect_ok unload_module
took "$t" "rmmod with $N layers registered"
expect_ok test ! -e /sys/module/layerfs

after=$(kmalloc_settled)
expect_near "$after" "$base" "kmalloc usage back to baseline after rmmod with $N layers"
expect_ok umount "$dirs"

done_testing
