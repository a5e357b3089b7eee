#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The root tree of a small Debian 12 systemd machine for make check-boot
# (tests/boot/check-boot.sh), built once per machine and cached:
#
#   scripts/boot-image.sh KVER...     prints /var/cache/layerfs/boot-root-KEY
#
# debootstrap --variant=minbase bookworm plus systemd-sysv and udev, the
# Debian kernels KVER... with their headers (so that the layerfs-dkms
# package builds the module for each, as on a real machine), dkms, and the
# libraries layerctl links (the layerctl package's Depends; add new ones
# here).  Each kernel's /boot/vmlinuz-KVER and /boot/initrd.img-KVER
# (initramfs-tools) are what QEMU boots.  KEY hashes this script and the
# releases, so a change to either builds a new tree (a few minutes and
# about 400 MB from deb.debian.org).  Root only (chroot, bind mounts).
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: scripts/boot-image.sh KVER..." >&2; exit 2; }
die() { echo "boot-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/install-deps.sh --packaging)"

MIRROR=${LAYERFS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES="systemd-sysv udev kmod dkms initramfs-tools zstd
libarchive13 libjson-c5 libkmod2 libnl-3-200 libnl-genl-3-200 libssl3 zlib1g"
for k in "$@"; do
	PACKAGES="$PACKAGES linux-image-$k linux-headers-$k"
done

cache=/var/cache/layerfs
key=$({ cat "$0"; echo "$@"; } | sha256sum | cut -c1-12)
out=$cache/boot-root-$key
mkdir -p "$cache"
exec 9>"$cache/.boot-root.lock"
flock 9
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

tmp=$cache/boot-root-$key.tmp
# chroot_mounts DIR / chroot_umounts DIR: what dkms and initramfs-tools
# need in a chroot.
chroot_mounts() {
	mount -t proc proc "$1/proc"
	mount -t sysfs sys "$1/sys"
	mount --bind /dev "$1/dev"
	mount -t devpts devpts "$1/dev/pts"
}
chroot_umounts() {
	local m
	for m in dev/pts dev sys proc; do
		! mountpoint -q "$1/$m" || umount -l "$1/$m"
	done
}
trap 'chroot_umounts "$tmp"' EXIT
rm -rf "$tmp"
echo "boot-image: building $out (debootstrap, $*)" >&2
debootstrap --variant=minbase bookworm "$tmp" "$MIRROR" >&2
cat >"$tmp/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://security.debian.org/debian-security bookworm-security main
EOF
chroot_mounts "$tmp"
# A kernel package in a chroot: no bootloader, one initrd per kernel.
chroot "$tmp" apt-get -o DPkg::Lock::Timeout=300 update >&2
# shellcheck disable=SC2086 # the package list is split on purpose
DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -y \
	--no-install-recommends $PACKAGES >&2
chroot "$tmp" apt-get clean
chroot_umounts "$tmp"

# The machine: root on the first virtio disk, a fixed name and machine id,
# root logs in on the console without a password (for debugging by hand).
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$tmp/etc/fstab"
echo layerfs-boot >"$tmp/etc/hostname"
echo 0123456789abcdef0123456789abcdef >"$tmp/etc/machine-id"
chroot "$tmp" passwd -d root >/dev/null
for k in "$@"; do
	[ -f "$tmp/boot/vmlinuz-$k" ] && [ -f "$tmp/boot/initrd.img-$k" ] ||
		die "kernel $k: no vmlinuz or initrd.img in $tmp/boot"
done
touch "$tmp/.complete"
mv "$tmp" "$out"
echo "$out"
