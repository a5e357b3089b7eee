#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Copy the module's source (what DKMS builds) into DIR:
#
#   scripts/module-src.sh DIR      (DIR: e.g. /usr/src/layerfs-VERSION)
#   scripts/module-src.sh --version
#
# DIR gets Kbuild, kernel/Kbuild, kernel/*.[ch] (no build products),
# include/**.h and dkms.conf (scripts/dkms/dkms.conf with its version).
# The version is LAYERCTL_VERSION of userspace/layerctl.c, the one version
# of the project (the Debian changelog must match it: make deb checks).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define LAYERCTL_VERSION "\(.*\)"$/\1/p' "$root/userspace/layerctl.c")
[ -n "$version" ] || { echo "module-src: no LAYERCTL_VERSION in userspace/layerctl.c" >&2; exit 1; }
case ${1:-} in
--version) echo "$version"; exit 0 ;;
'' | -*) echo "usage: scripts/module-src.sh DIR | --version" >&2; exit 2 ;;
esac
dir=$1
mkdir -p "$dir/kernel"
cd "$root"
cp Kbuild "$dir/"
cp kernel/Kbuild "$dir/kernel/"
for f in kernel/*.c kernel/*.h; do
	case $f in
	*.mod.c) ;;
	*) cp "$f" "$dir/kernel/" ;;
	esac
done
find include -name '*.h' | while read -r f; do
	mkdir -p "$dir/$(dirname "$f")"
	cp "$f" "$dir/$f"
done
sed "s/@VERSION@/$version/" scripts/dkms/dkms.conf >"$dir/dkms.conf"
