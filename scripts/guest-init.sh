#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# layerfs guest stage 2: PID 1 in the QEMU guest, started by the initramfs
# (scripts/mkinitramfs.sh) after switch_root onto the host's root, which is
# shared read-only over virtio-9p.  It:
#   - mounts proc, sysfs, devtmpfs, devpts, debugfs, and tmpfs on /run, /tmp,
#     /var/tmp, /dev/shm (the 9p root itself stays read-only);
#   - mounts the writable per-run share (tag layerfs-out) on $LAYERFS_OUT;
#   - keeps the repo visible even if it lives under /tmp etc. on the host;
#   - binds $LAYERFS_OUT/moddir (if any) over /lib/modules;
#   - runs $LAYERFS_OUT/cmd (written by scripts/guest-run.sh) from the repo
#     root, output to $LAYERFS_OUT/output, exit code to $LAYERFS_OUT/rc;
#   - records the kernel log ($LAYERFS_OUT/kmsg.log: everything since boot,
#     dmesg.txt: the ring buffer at the end) and kernel/tainted;
#   - powers the guest off.
set -eu

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 TERM=dumb HOME=/tmp/home
export LAYERFS_GUEST=1 LAYERFS_OUT=/run/layerfs-out LAYERFS_SCRATCH=/tmp/scratch
umask 022

say() { echo "layerfs-guest: $*" >/dev/console 2>&1 || echo "layerfs-guest: $*"; }

power_off() {
	sync
	# A kernel without ACPI (the debug kernel) cannot power off, only halt:
	# reboot it instead (QEMU runs with -no-reboot, so that ends it too).
	[ ! -d /sys/firmware ] || [ -d /sys/firmware/acpi ] ||
		/bin/busybox reboot -f 2>/dev/null || true
	/bin/busybox poweroff -f 2>/dev/null || true
	echo o >/proc/sysrq-trigger
	sleep 30
}
# PID 1 must never exit (that panics the kernel): always power off.
trap 'say "guest-init failed at line $LINENO"; power_off' EXIT

# Returns 0 if $1 is a mount point (util-linux mountpoint on the host root).
mounted() { mountpoint -q "$1"; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LAYERFS_ROOT=$ROOT

mounted /proc || mount -t proc proc /proc
mounted /sys || mount -t sysfs sysfs /sys
mounted /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true

# /run first, and the bare 9p root (no submounts) bound under it, so paths
# covered by the tmpfs mounts below stay reachable.
mount -t tmpfs -o mode=755 tmpfs /run
hostroot=/run/layerfs/hostroot
mkdir -p "$hostroot" "$LAYERFS_OUT"
mount --bind / "$hostroot"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none \
	layerfs-out "$LAYERFS_OUT"
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
if [ ! -f "$ROOT/scripts/guest-init.sh" ]; then
	mkdir -p "$ROOT"
	mount --bind "$hostroot$ROOT" "$ROOT"
fi
mkdir -p "$HOME" "$LAYERFS_SCRATCH"

echo layerfs-guest >/proc/sys/kernel/hostname
ip link set lo up 2>/dev/null || true
# A kernel booted with guest-run.sh --kernel-image has no modules on the
# host root: bind its modules.builtin etc. (the file moddir names) over
# /lib/modules so modprobe of built-in modules succeeds.
if [ -s "$LAYERFS_OUT/moddir" ]; then
	mount --bind "$(cat "$LAYERFS_OUT/moddir")" /lib/modules ||
		say "cannot bind $(cat "$LAYERFS_OUT/moddir") over /lib/modules"
fi
# Disks passed with guest-run.sh --disk show up as /dev/vda, /dev/vdb, ...
modprobe virtio_blk || say "modprobe virtio_blk failed"

# Everything the kernel logs from boot to power-off (dmesg -C does not
# affect /dev/kmsg readers).
dmesg --follow >"$LAYERFS_OUT/kmsg.log" 2>&1 &
kmsg_pid=$!

cut -d' ' -f1 /proc/uptime >"$LAYERFS_OUT/boot-uptime"
say "running $(tr '\n' ' ' <"$LAYERFS_OUT/cmd")"
rc=0
(cd "$ROOT" && exec bash "$LAYERFS_OUT/cmd") >>"$LAYERFS_OUT/output" 2>&1 </dev/null || rc=$?
say "command exited with status $rc"

sync
sleep 0.5 # let dmesg --follow catch up
kill "$kmsg_pid" 2>/dev/null || true
wait "$kmsg_pid" 2>/dev/null || true
dmesg >"$LAYERFS_OUT/dmesg.txt" 2>&1 || true
cat /proc/sys/kernel/tainted >"$LAYERFS_OUT/tainted"
echo "$rc" >"$LAYERFS_OUT/rc.tmp"
mv "$LAYERFS_OUT/rc.tmp" "$LAYERFS_OUT/rc"
trap - EXIT
power_off
