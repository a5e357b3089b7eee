#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build layerfs.ko for another kernel without touching the tree's own
# kernel/layerfs.ko, and print the module's path.
#
#   scripts/build-module.sh KVER      (headers: /lib/modules/KVER/build)
#
# Kbuild writes its objects next to the sources, so the module is built
# from a copy of Kbuild, kernel/ and include/ in build/kver-KVER/src
# (cp -p keeps mtimes: an unchanged file is not rebuilt).  Fails if the
# module's vermagic does not name KVER.  Build output goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ $# = 1 ] && [ -n "$1" ] || { echo "usage: build-module.sh KVER" >&2; exit 2; }
kver=$1
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || {
	echo "build-module: no kernel headers for $kver at $kdir (run scripts/install-deps.sh)" >&2
	exit 1
}

src=$root/build/kver-$kver/src
"$root/scripts/module-src.sh" "$src"

echo "build-module: building layerfs.ko against $kver" >&2
make -C "$kdir" M="$src" -j"$(nproc)" modules >&2
ko=$src/kernel/layerfs.ko
vermagic=$(modinfo -F vermagic "$ko")
case $vermagic in
"$kver "*) ;;
*) echo "build-module: $ko has vermagic '$vermagic', not for $kver" >&2; exit 1 ;;
esac
echo "$ko"
