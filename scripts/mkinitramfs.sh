#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs build/initramfs-$KVER.cpio.gz and print its path.
#
#   scripts/mkinitramfs.sh [KVER]      (default KVER: scripts/kver.sh)
#   scripts/mkinitramfs.sh --no-modules  (build/initramfs-builtin.cpio.gz, for
#                                         a kernel with virtio/9p built in)
#
# The initramfs holds busybox-static and the virtio/9p modules of Debian's
# kernel KVER.  Its /init mounts the host's root, exported read-only by QEMU
# over virtio-9p (tag "hostroot"), on /newroot and switch_roots to
# $REPO/scripts/guest-init.sh, where $REPO is read from the file "repo" on
# the writable per-run share (tag "layerfs-out").  See scripts/guest-run.sh.
#
# Rebuilt only when the cache key changes: KVER, this script, and the
# module/busybox files it packs (path, size, mtime).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
busybox=/bin/busybox
die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -x "$busybox" ] || die "$busybox missing (install busybox-static)"

if [ "${1:-}" = --no-modules ]; then
	kver=builtin
	modules=''
else
	kver=${1:-$("$here/kver.sh")}
	moddir=/lib/modules/$kver
	[ -d "$moddir" ] || die "no modules for kernel $kver in $moddir (run scripts/install-deps.sh)"

	# Module files in load order, deduplicated; built-ins are skipped.
	modules=$(for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$kver" --show-depends "$m" || die "modprobe: no $m for $kver"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
	[ -n "$modules" ] || die "modprobe found no modules for $kver"
fi
out=$root/build/initramfs-$kver.cpio.gz

# shellcheck disable=SC2086 # $modules is a newline-separated list of paths
key=$({ echo "$kver"; cat "$0"; stat -L -c '%n %s %Y' $modules "$busybox"; } |
	sha256sum | cut -d' ' -f1)

mkdir -p "$root/build"
exec 9>"$root/build/.initramfs.lock"
flock 9
if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
	echo "$out"
	exit 0
fi

echo "mkinitramfs: building $out" >&2
tmp=$(mktemp -d "$root/build/initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/root
mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/sys" "$dir/newroot" "$dir/out" "$dir/modules"
cp "$busybox" "$dir/bin/busybox"
# The kernel opens /dev/console before running /init; needs root to create.
mknod -m 600 "$dir/dev/console" c 5 1 2>/dev/null || true

# Modules are stored uncompressed so busybox insmod can load them.
for m in $modules; do
	base=$(basename "$m")
	case $m in
	*.ko.xz) xz -dc "$m" >"$dir/modules/${base%.xz}" ;;
	*.ko.zst) zstd -q -dc "$m" >"$dir/modules/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$m" >"$dir/modules/${base%.gz}" ;;
	*.ko) cp "$m" "$dir/modules/$base" ;;
	*) die "unexpected module file $m" ;;
	esac
	echo "${base%.ko*}.ko" >>"$dir/modules/order"
done

cat >"$dir/init" <<'EOF'
#!/bin/busybox sh
# layerfs guest stage 1: load virtio/9p, mount the host root, switch_root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

fail() {
	echo "layerfs-initramfs: $*"
	# no ACPI: cannot power off, reboot (QEMU runs with -no-reboot)
	[ ! -d /sys/firmware ] || [ -d /sys/firmware/acpi ] || reboot -f
	poweroff -f
	sleep 60
}

if [ -f /modules/order ]; then
	while read -r m; do
		insmod "/modules/$m" || fail "insmod $m failed"
	done </modules/order
fi

opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$opts,cache=none" layerfs-out /out || fail "cannot mount layerfs-out share"
read -r repo </out/repo || fail "no repo path in the out share"
umount /out
mount -t 9p -o "ro,$opts,cache=loose" hostroot /newroot || fail "cannot mount host root"
init=$repo/scripts/guest-init.sh
[ -f "/newroot$init" ] || fail "$init not found through the 9p root"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
umount /sys
exec switch_root /newroot /bin/bash "$init"
EOF
chmod 755 "$dir/init"

(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 >"$tmp/initramfs.cpio.gz"
mv "$tmp/initramfs.cpio.gz" "$out"
echo "$key" >"$out.key"
echo "$out"
