#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Harness smoke test, independent of layerfs: the guest is root on a
# writable tmpfs scratch, can load in-tree modules, and overlayfs behaves:
# copy-up, whiteouts (0/0 char devices) and opaque directories
# (trusted.overlay.opaque, via getfattr/setfattr).
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

d=$scratch
expect_eq "$(id -u)" 0 "running as root"
expect_eq "$(cat /proc/sys/kernel/hostname)" layerfs-guest "guest hostname"
expect_eq "$(stat -f -c %T "$d")" tmpfs "scratch is on tmpfs"
expect_ok test -f "$ROOT/scripts/guest-init.sh"
expect_ok modprobe overlay

mkdir -p "$d/lower/dir" "$d/lower/opq" "$d/upper/opq" "$d/work" "$d/merged"
echo lower >"$d/lower/file"
echo lower >"$d/lower/gone"
echo x >"$d/lower/dir/x"
echo hidden >"$d/lower/opq/hidden"
# An upper directory marked opaque hides the lower one's contents.
expect_ok setfattr -n trusted.overlay.opaque -v y "$d/upper/opq"

expect_ok mount -t overlay overlay \
	-o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged"
m=$d/merged

expect_eq "$(cat "$m/file")" lower "lower file visible"
expect_eq "$(ls -A "$m/opq")" "" "opaque upper dir hides lower entries"

echo new >"$m/new"
expect_eq "$(cat "$d/upper/new")" new "new file lands in upper"
echo changed >"$m/file"
expect_eq "$(cat "$d/upper/file")" changed "write copies up"
expect_eq "$(cat "$d/lower/file")" lower "lower untouched by copy-up"

expect_ok rm "$m/gone"
expect_eq "$(stat -c '%F %t:%T' "$d/upper/gone" 2>&1)" \
	"character special file 0:0" "deleting a lower file leaves a whiteout"
expect_ok test ! -e "$m/gone"

expect_ok rm -r "$m/dir"
expect_ok mkdir "$m/dir"
expect_eq "$(getfattr --absolute-names --only-values -n trusted.overlay.opaque "$d/upper/dir" 2>&1)" y \
	"replaced dir is opaque in upper"
expect_eq "$(ls -A "$m/dir")" "" "replaced dir is empty"

expect_ok umount "$m"
expect_eq "$(awk -v m="$m" '$2 == m' /proc/mounts)" "" "overlay unmounted"

done_testing
