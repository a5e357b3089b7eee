#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot-time restore on a real systemd machine (`make check-boot`; issue 15):
#   1. the cached Debian 12 root tree of scripts/boot-image.sh (both
#      kernels and their headers) is copied to build/boot/root, the
#      packages of `make deb` are installed there with dpkg -i in a chroot
#      (layerfs-dkms builds the module for both kernels, as on a real
#      machine), and tests/guest/boot-installed.sh is installed as the unit
#      layerfs-boot-test.service;
#   2. that tree becomes an ext4 disk image (mkfs.ext4 -d), QEMU's root disk;
#   3. four boots of the same disk, each running boot-installed.sh (checks,
#      then this boot's layers and views): two on the 6.1 kernel, then two
#      on 6.12 (the first 6.12 boot is a kernel upgrade: DKMS's 6.12 module
#      must load and the 6.1 boots' layers and views come back).
# The machine boots its own kernel and initramfs (/boot of the tree).
# Each boot's checks (TAP) and kernel log are in build/boot/boot-N.tap and
# kmsg-N.log, its console in console-N.log.  Prints "PASS check-boot" or
# "FAIL check-boot: why"; exits 0 or 1.
#   BOOT_KVERS="K1 K1 K2 K2"   the kernel of each boot (default as above)
#   BOOT_KEEP_TREE=1           reuse build/boot/root of the last run, its
#                              packages as they were (to debug the boots)
#   BOOT_INSTALL=checkout      step 1 the README's "DKMS from a checkout"
#                              way instead of the packages: the checkout's
#                              tracked files copied into the tree, `make
#                              dkms-install` run there in a chroot (DKMS
#                              builds for both kernels), `make -C userspace
#                              install DESTDIR=TREE` (PREFIX /usr/local;
#                              the layerctl of `make userspace`), the
#                              libraries it lacks installed with apt-get,
#                              `systemctl enable` of the two units
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
k61=$("$root/scripts/kver.sh") || exit 1
k612=$("$root/scripts/kver.sh" 6.12) || exit 1
read -r -a kvers <<<"${BOOT_KVERS:-$k61 $k61 $k612 $k612}"
dir=$root/build/boot
fail() { echo "FAIL check-boot: $*"; exit 1; }
now() { date +%s; }

route=${BOOT_INSTALL:-deb}
shopt -s nullglob
case $route in
deb)
	debs=("$root"/build/deb/layerctl_*_amd64.deb "$root"/build/deb/layerfs-dkms_*_all.deb)
	[ ${#debs[@]} = 2 ] || fail "no packages in build/deb (make deb)"
	;;
checkout)
	[ -x "$root/userspace/layerctl" ] || fail "no userspace/layerctl (make userspace)"
	;;
*) fail "BOOT_INSTALL=$route: deb or checkout" ;;
esac

t0=$(now)
base=$("$root/scripts/boot-image.sh" "$k61" "$k612") || fail "scripts/boot-image.sh failed"
echo "check-boot: root tree $base ($(($(now) - t0)) s)"

# 1. The tree with the packages installed.
tree=$dir/root
chroot_umounts() {
	local m
	for m in dev/pts dev sys proc; do
		! mountpoint -q "$tree/$m" || umount -l "$tree/$m"
	done
}
trap chroot_umounts EXIT
# fresh_tree: a fresh copy of the cached tree, /proc, /sys, /dev mounted.
fresh_tree() {
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$base" "$tree" || fail "cannot copy $base"
	mount -t proc proc "$tree/proc" && mount -t sysfs sys "$tree/sys" &&
		mount --bind /dev "$tree/dev" && mount -t devpts devpts "$tree/dev/pts" ||
		fail "cannot mount /proc, /sys, /dev in $tree"
}
# dkms_built: DKMS's module is in the tree for both kernels.
dkms_built() {
	local k
	for k in "$k61" "$k612"; do
		# layerfs.ko, or .ko.xz where the kernel compresses modules (6.12)
		ls "$tree/lib/modules/$k/updates/dkms/layerfs.ko"* >/dev/null 2>&1 ||
			fail "DKMS installed no layerfs.ko for $k (build/boot/$1)"
	done
}
# install_checkout: the README's "DKMS from a checkout", in a fresh tree.
install_checkout() {
	local src=/usr/local/src/layerfs log=$dir/install.log missing so pkgs=''

	fresh_tree
	mkdir -p "$tree$src"
	(cd "$root" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$tree$src") ||
		fail "cannot copy the checkout's files"
	chroot "$tree" make -C "$src" dkms-install >"$log" 2>&1 ||
		{ tail -n 30 "$log"; fail "make dkms-install failed (build/boot/install.log)"; }
	sed -n 's/^\(layerfs[/,].*installed.*\)$/check-boot:   dkms status: \1/p' "$log"
	dkms_built install.log
	make -s -C "$root/userspace" install DESTDIR="$tree" >>"$log" 2>&1 ||
		{ tail -n 30 "$log"; fail "make -C userspace install DESTDIR=$tree failed"; }
	# The libraries layerctl links that the tree lacks, by the package
	# that holds them here (as the Debian package's Depends would).
	missing=$(chroot "$tree" ldd /usr/local/sbin/layerctl | awk '/not found/ { print $1 }')
	for so in $missing; do
		pkgs="$pkgs $(dpkg -S "*/$so" 2>/dev/null | sed -n '1s/:.*//p')"
	done
	if [ -n "$missing" ]; then
		echo "check-boot: libraries layerctl needs: ${missing//$'\n'/ } (apt-get install$pkgs)"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get install -y \
			--no-install-recommends $pkgs >>"$log" 2>&1 ||
			{ tail -n 30 "$log"; fail "apt-get install$pkgs failed"; }
	fi
	! chroot "$tree" ldd /usr/local/sbin/layerctl | grep 'not found' ||
		fail "layerctl still lacks a library"
	chroot "$tree" systemctl enable layerfs.service layerfs-views.service >>"$log" 2>&1 ||
		{ tail -n 30 "$log"; fail "systemctl enable of the units failed"; }
	chroot_umounts
	touch "$dir/packages.stamp"
}
# install_packages: a fresh copy of the cached tree, dpkg -i the .debs.
install_packages() {
	fresh_tree
	cp "${debs[@]}" "$tree/tmp/"
	# A dependency the cached tree lacks (a library layerctl gained since
	# scripts/boot-image.sh listed them) comes from the network, as
	# `apt install ./*.deb` would fetch it; add it there to save that.
	if ! chroot "$tree" sh -c 'dpkg -i /tmp/*.deb' >"$dir/dpkg.log" 2>&1; then
		grep -q 'dependency problems' "$dir/dpkg.log" ||
			{ tail -n 30 "$dir/dpkg.log"; fail "dpkg -i of the packages failed (build/boot/dpkg.log)"; }
		echo "check-boot: missing dependencies: $(sed -n 's/^ .* depends on \([^;]*\);.*/\1/p' "$dir/dpkg.log" | sort -u | tr '\n' ' ')(apt-get -f install)"
		DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get -f install -y \
			--no-install-recommends >>"$dir/dpkg.log" 2>&1 ||
			{ tail -n 30 "$dir/dpkg.log"; fail "apt-get -f install failed (build/boot/dpkg.log)"; }
	fi
	grep -E '^(Building|Done|Setting up|Created symlink)' "$dir/dpkg.log" | sed 's/^/check-boot:   /'
	dkms_built dpkg.log
	rm -f "$tree"/tmp/*.deb
	chroot_umounts
	touch "$dir/packages.stamp"
}
t0=$(now)
if [ "${BOOT_KEEP_TREE:-0}" = 1 ] && [ -f "$dir/packages.stamp" ]; then
	echo "check-boot: BOOT_KEEP_TREE=1: the packages of the last run"
	rm -f "$dir"/*.tap "$dir"/*.log "$dir/disk.img"
elif [ "$route" = checkout ]; then
	install_checkout
else
	install_packages
fi
# Where this way installs layerctl (boot-installed.sh checks PATH finds it).
case $route in
checkout) echo /usr/local/sbin/layerctl ;;
*) echo /usr/sbin/layerctl ;;
esac >"$tree/etc/layerfs-boot-test.layerctl"
install -m 0755 "$root/tests/guest/boot-installed.sh" "$tree/usr/local/sbin/layerfs-boot-test"
cat >"$tree/etc/systemd/system/layerfs-boot-test.service" <<'EOF'
[Unit]
Description=layerfs boot test (make check-boot)
[Service]
Type=exec
ExecStart=/usr/local/sbin/layerfs-boot-test
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/layerfs-boot-test.service \
	"$tree/etc/systemd/system/multi-user.target.wants/layerfs-boot-test.service"
echo "check-boot: installed ($route, $(($(now) - t0)) s)"

# 2. The disk.
t0=$(now)
img=$dir/disk.img
truncate -s 4G "$img"
mkfs.ext4 -q -F -L layerfs-boot -d "$tree" "$img" || fail "mkfs.ext4 -d failed"
echo "check-boot: disk image ($(($(now) - t0)) s)"

# 3. The boots.
n=0
for k in "${kvers[@]}"; do
	n=$((n + 1))
	t0=$(now)
	timeout -k 10 900 qemu-system-x86_64 \
		-nodefaults -no-user-config -display none -no-reboot \
		-accel tcg -cpu max -smp 2 -m 1024 \
		-kernel "$tree/boot/vmlinuz-$k" -initrd "$tree/boot/initrd.img-$k" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1" \
		-drive "file=$img,format=raw,if=virtio,cache=unsafe" \
		-serial "file:$dir/console-$n.log" -serial "file:$dir/boot-$n.tap" \
		-serial "file:$dir/kmsg-$n.log" </dev/null >"$dir/qemu-$n.log" 2>&1
	rc=$?
	tap=$dir/boot-$n.tap
	sed -i 's/\r$//' "$tap"		# the serial line's CR LF
	sed 's/^/check-boot:   /' "$tap"
	[ "$rc" = 0 ] || { tail -n 30 "$dir/console-$n.log"; fail "boot $n: qemu exited with $rc (timeout: 124)"; }
	grep -q "^# boot $n: kernel $k\$" "$tap" || fail "boot $n: not boot $n on $k (build/boot/console-$n.log)"
	grep -q "^# boot $n: done" "$tap" || fail "boot $n: the test did not finish"
	! grep -q '^not ok' "$tap" || fail "boot $n: failed checks"
	"$root/tests/guest/klog-check.sh" "$dir/kmsg-$n.log" \
		"$(sed -n 's/^# tainted //p' "$tap")" || fail "boot $n: the kernel log shows problems"
	echo "check-boot: boot $n on $k: $(grep -c '^ok' "$tap") checks passed ($(($(now) - t0)) s)"
done
echo "PASS check-boot"
