#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once per machine) Debian's 6.1 kernel source with KASAN, lockdep,
# kmemleak, DEBUG_LIST, failslab and the guest harness's drivers built in,
# and print the directory holding the result:
#
#   scripts/build-debug-kernel.sh [--print-dir]
#
#   DIR/bzImage       the kernel to boot (scripts/guest-run.sh --kernel-image)
#   DIR/linux/        the built tree, for out-of-tree module builds (make M=)
#   DIR/modroot/      modules_install output: lib/modules/REL/modules.builtin...
#   DIR/release       the kernel release (uname -r)
#   DIR/build-time    how long the build took
#
# The config is x86_64 `make tinyconfig` with scripts/debug-kernel.config
# merged over it (scripts/kconfig/merge_config.sh), not Debian's full config
# (or defconfig: over an hour with KASAN on 2 cores).
# DIR is $LAYERFS_DEBUG_CACHE (default /var/cache/layerfs)/debug-kernel-
# SRCVERSION-HASH, HASH covering the fragment, the compiler and $recipe
# below; an existing complete DIR is reused (the build is skipped).  The
# source is the linux-source-6.1 package (installed with flex, bison and
# libelf-dev if missing).  The compiler runs under `nice -n 19` with
# -j$LAYERFS_DEBUG_JOBS (default 2).  --print-dir prints DIR without building.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
cache=${LAYERFS_DEBUG_CACHE:-/var/cache/layerfs}
jobs=${LAYERFS_DEBUG_JOBS:-2}
tarball=/usr/src/linux-source-6.1.tar.xz
# Bump when the build steps below change in a way that changes the result.
recipe=1

say() { echo "build-debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

print_only=0
case ${1:-} in
--print-dir) print_only=1 ;;
'') ;;
*) sed -n '7p' "$0" | sed 's/^# *//' >&2; exit 2 ;;
esac

need=()
for p in linux-source-6.1 flex bison libelf-dev bc libssl-dev make gcc; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$print_only" = 0 ] || die "missing packages: ${need[*]}"
	[ "$(id -u)" = 0 ] || die "missing packages (run as root): ${need[*]}"
	say "installing: ${need[*]}"
	apt-get -o DPkg::Lock::Timeout=300 update >&2
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
		--no-install-recommends "${need[@]}" >&2
fi
[ -r "$tarball" ] || die "$tarball missing (linux-source-6.1)"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
hash=$({ echo "recipe $recipe"; cat "$fragment"; gcc --version | head -n 1; } |
	sha256sum | cut -c1-12)
dir=$cache/debug-kernel-$srcver-$hash

if [ "$print_only" = 1 ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.debug-kernel.lock"
flock 9
if [ -f "$dir/complete" ]; then
	say "cached: $dir ($(cat "$dir/release"), built in $(cat "$dir/build-time"))"
	echo "$dir"
	exit 0
fi

start=$(date +%s)
# An interrupted build of the same source (or one for an older fragment) is
# resumed: make rebuilds what the new config changes, keeps the rest.
resumed=''
if [ ! -f "$dir/linux/Makefile" ]; then
	rm -rf "$dir"
	for old in "$cache"/debug-kernel-"$srcver"-*; do
		if [ -f "$old/linux/Makefile" ] && [ ! -f "$old/complete" ]; then
			say "resuming the partial build in $old"
			mv "$old" "$dir"
			resumed=' (resumed a partial build)'
			break
		fi
	done
fi
say "building $dir (source $srcver, -j$jobs, nice 19); this takes a while"
if [ ! -f "$dir/linux/Makefile" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir"
	mv "$dir/linux-source-6.1" "$dir/linux"
fi
tree=$dir/linux
kmake() { nice -n 19 make -C "$tree" -j"$jobs" "$@"; }

kmake -s ARCH=x86_64 tinyconfig >&2
(cd "$tree" && KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "$fragment") >&2
kmake -s olddefconfig >&2

# Every option the fragment sets must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	'# CONFIG_'*' is not set') want=$line ;;
	*) continue ;;
	esac
	sym=${want#\# }
	sym=${sym%%[= ]*}
	if [[ $want == '#'* ]]; then
		got=$(grep -E "^$sym=" "$tree/.config" || true)
		[ -z "$got" ] || { say "config: wanted '$want', got '$got'"; bad=1; }
	elif ! grep -qxF "$want" "$tree/.config"; then
		say "config: wanted '$want', got '$(grep -E "^(# )?$sym[= ]" "$tree/.config" || echo unset)'"
		bad=1
	fi
done <"$fragment"
[ "$bad" = 0 ] || die "the config fragment does not apply cleanly (see above)"

kstart=$(date +%s)
kmake bzImage modules >"$dir/build.log" 2>&1 || {
	tail -n 40 "$dir/build.log" >&2
	die "kernel build failed (log: $dir/build.log)"
}
kend=$(date +%s)
kmake -s INSTALL_MOD_PATH="$dir/modroot" modules_install >&2
cp "$tree/arch/x86/boot/bzImage" "$dir/bzImage"
kmake -s kernelrelease >"$dir/release"
end=$(date +%s)
secs=$((end - start))
printf '%dm%02ds total (%ds compiling)%s, %s cores, -j%s, load %s, %s\n' \
	$((secs / 60)) $((secs % 60)) $((kend - kstart)) "$resumed" "$(nproc)" "$jobs" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%F)" >"$dir/build-time"
touch "$dir/complete"

# Older builds are several GB each.
for old in "$cache"/debug-kernel-*; do
	[ "$old" = "$dir" ] || [ ! -d "$old" ] || { say "removing old $old"; rm -rf "$old"; }
done

say "built $(cat "$dir/release") in $(cat "$dir/build-time")"
echo "$dir"
