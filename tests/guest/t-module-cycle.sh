#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module load/unload cycles: 20 times insmod, register a parent chain of 8
# layers (and list them) through one `layerctl -b` batch, rmmod with the
# layers still registered.  Afterwards layerfs is gone from lsmod, every
# directory pin is released (their tmpfs unmounts) and kmalloc slab usage is
# back to what it was before the first insmod.  Timings are printed as
# "# time: ..." lines.
#
# Memory is measured with kmalloc_settled (lib.sh): kmalloc slab objects in
# use, after letting freed memory settle; settled reads vary by some 10-50
# KB.  Each layer here carries a 4,095-byte message (kmalloc-4k) and a
# 1,000-byte author (kmalloc-1k).  Measured: the loaded module alone holds
# ~50 KB of kmalloc memory, and one cycle's 8 layers ~120 KB more.  So if
# rmmod did not free the layers, 20 cycles would leave ~2.4 MB behind, and
# a leak in module init/exit of more than ~6.5 KB per cycle (e.g. an eighth
# of what the module allocates) passes TOLERANCE (128 KiB) too.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

CYCLES=20
LAYERS=8
TOLERANCE=131072	# bytes; see above

now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() {
	_ms=$(($(now_ms) - $1))
	diag "time: $2: $((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s"
}

dirs=$scratch/dirs
mkdir "$dirs"
mount -t tmpfs cycle "$dirs" || { echo "Bail out! cannot mount tmpfs"; exit 1; }
(cd "$dirs" && mkdir $(seq -f 'l%g' 1 "$LAYERS"))

# cycle/l1 <- cycle/l2 <- ... <- cycle/l8, then the listing.
awk -v n="$LAYERS" -v d="$dirs" 'BEGIN {
	msg = sprintf("%04095d", 0); gsub(/0/, "m", msg)
	author = sprintf("%01000d", 0); gsub(/0/, "a", author)
	for (i = 1; i <= n; i++) {
		printf "layer add cycle/l%d %s/l%d -a %s -m \"%s\"", i, d, i, author, msg
		if (i > 1)
			printf " --parent cycle/l%d", i - 1
		printf "\n"
	}
	print "layer ls --json"
}' >"$scratch/cycle.batch"

expect_ok test ! -e /sys/module/layerfs
base=$(kmalloc_settled)
diag "kmalloc baseline (module not loaded): $base bytes"

errors=''
t=$(now_ms)
i=1
while [ "$i" -le "$CYCLES" ]; do
	if ! insmod "$MODULE" 2>"$scratch/err"; then
		errors="$errors
cycle $i: insmod failed: $(cat "$scratch/err")"
		break
	fi
	if ! "$LAYERCTL" -b "$scratch/cycle.batch" >"$scratch/out" 2>"$scratch/err"; then
		errors="$errors
cycle $i: batch failed: $(cat "$scratch/err")"
	elif [ "$(grep -o '"name":' "$scratch/out" | wc -l)" != "$LAYERS" ]; then
		errors="$errors
cycle $i: the batch did not list $LAYERS layers: $(head -c 300 "$scratch/out")"
	fi
	if ! rmmod layerfs 2>"$scratch/err"; then
		errors="$errors
cycle $i: rmmod failed: $(cat "$scratch/err")"
		break
	fi
	if [ -e /sys/module/layerfs ]; then
		errors="$errors
cycle $i: /sys/module/layerfs still there after rmmod"
		break
	fi
	i=$((i + 1))
done
took "$t" "$CYCLES cycles of insmod, $LAYERS-layer batch, rmmod"
if [ -z "$errors" ]; then
	pass "$CYCLES cycles: insmod, $LAYERS layers in a chain, rmmod"
else
	fail "$CYCLES cycles: insmod, $LAYERS layers in a chain, rmmod" "$errors"
fi

expect_eq "$(lsmod | grep -c '^layerfs ')" 0 "lsmod shows no layerfs"
expect_ok test ! -e /sys/module/layerfs

after=$(kmalloc_settled)
d=$((after - base))
if [ "${d#-}" -le "$TOLERANCE" ]; then
	pass "kmalloc usage back to baseline after $CYCLES cycles (off by $d bytes, tolerance $TOLERANCE)"
else
	fail "kmalloc usage back to baseline after $CYCLES cycles" \
		"kmalloc bytes now $after, baseline $base: off by $d, tolerance $TOLERANCE"
fi
# The layers pinned their directories; rmmod must have unpinned them all.
expect_ok umount "$dirs"

done_testing
