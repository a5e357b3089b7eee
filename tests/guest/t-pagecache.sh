#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The page cache is shared: 8 read-only views of the same two layers each
# read a 64 MiB file of the bottom layer (with read(2), then again through
# mmap), after dropping caches.  Passthrough I/O keeps the data once, in
# the lower file's page cache, so "Cached:" in /proc/meminfo grows by about
# 64 MiB, not 8 x 64 MiB, and fincore shows the whole lower file cached.
# overlayfs, which also passes I/O through, is measured the same way as a
# reference; both are printed ("# ... MiB").
#
# The layers live on ext4 on a loop device (backed by a file on the tmpfs
# scratch), so their pages can be dropped: tmpfs pages cannot.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-readall
MIB=64
VIEWS=8
MIN=$((MIB * 3 / 4))		# MiB of growth expected, at least...
MAX=$((MIB + MIB * 3 / 4))	# ...and at most (8 copies would be 512)

[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
modprobe loop 2>/dev/null
load_module

img=$scratch/disk.img
fs=$scratch/fs
mkdir -p "$fs"
truncate -s $((MIB + 64))M "$img"
expect_ok mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img"
dev=$(losetup -f --show "$img") || { echo "Bail out! losetup failed"; exit 1; }
expect_ok mount -t ext4 "$dev" "$fs"
mkdir -p "$fs/top" "$fs/bot"
echo small >"$fs/top/small"
expect_ok "$TOOL" --make "$fs/bot/big" "$MIB"
expect_ok "$LAYERCTL" layer add pc-bot "$fs/bot"
expect_ok "$LAYERCTL" layer add pc-top "$fs/top" --parent pc-bot

cached_kib() { awk '$1 == "Cached:" { print $2 }' /proc/meminfo; }
resident_mib() { echo $(($(fincore -b -n -o RES "$fs/bot/big") / 1048576)); }

# measure WHAT [--mmap]: read big through every view in $scratch/v*,
# caches dropped first; checks the growth of Cached and the lower's pages.
measure() {
	_what=$1
	shift
	sync
	echo 3 >/proc/sys/vm/drop_caches
	_res0=$(resident_mib)
	_c0=$(cached_kib)
	_t0=$(date +%s%N)
	"$TOOL" "$@" "$scratch"/v*/big >"$scratch/read.out" 2>&1
	_rc=$?
	_ms=$((($(date +%s%N) - _t0) / 1000000))
	_c1=$(cached_kib)
	_res1=$(resident_mib)
	_grew=$(((_c1 - _c0) / 1024))
	diag "$_what: Cached grew by $_grew MiB reading $VIEWS x $MIB MiB in $_ms ms; lower file resident: $_res0 -> $_res1 MiB"
	if [ "$_rc" != 0 ]; then
		fail "$_what: every view reads the file" "$(cat "$scratch/read.out")"
		return
	fi
	pass "$_what: every view reads the same data"
	expect_eq "$_res0" 0 "$_what: lower file not cached before"
	expect_eq "$_res1" "$MIB" "$_what: lower file fully cached after"
	if [ "$_grew" -ge "$MIN" ] && [ "$_grew" -le "$MAX" ]; then
		pass "$_what: page cache grew by $_grew MiB ($MIN..$MAX)"
	else
		fail "$_what: page cache grew by $_grew MiB, expected $MIN..$MAX" \
			"(one copy per view would be $((VIEWS * MIB)) MiB)"
	fi
}

mount_views() {
	_i=1
	while [ "$_i" -le "$VIEWS" ]; do
		mkdir -p "$scratch/v$_i"
		if [ "$1" = layerfs ]; then
			mount -t layerfs -o layers=pc-top:pc-bot "pc$_i" "$scratch/v$_i"
		else
			mount -t overlay -o "lowerdir=$fs/top:$fs/bot" "pc$_i" "$scratch/v$_i"
		fi || return 1
		_i=$((_i + 1))
	done
}

umount_views() {
	_i=1
	while [ "$_i" -le "$VIEWS" ]; do
		umount "$scratch/v$_i" || return 1
		_i=$((_i + 1))
	done
}

for fstype in layerfs overlay; do
	expect_ok mount_views "$fstype"
	measure "$fstype read"
	measure "$fstype mmap" --mmap
	expect_ok umount_views
done

expect_ok "$LAYERCTL" layer rm pc-top
expect_ok "$LAYERCTL" layer rm pc-bot
expect_ok unload_module
expect_ok umount "$fs"
expect_ok losetup -d "$dev"
done_testing
