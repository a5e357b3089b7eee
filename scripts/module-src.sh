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
# DIR may hold an earlier copy (and its build products): see below.
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
# Sources an earlier copy had that the tree no longer has go; a file is
# copied only when it differs, keeping its mtime (cp -p), so that a build
# in DIR (scripts/build-module.sh, scripts/check-debug.sh) redoes only what
# changed.
for f in "$dir"/kernel/*.[ch]; do
	[ -e "$f" ] || continue
	[ -e "kernel/${f##*/}" ] || rm -f "$f"
done
cp -p Kbuild "$dir/"
cp -p kernel/Kbuild "$dir/kernel/"
for f in kernel/*.[ch]; do
	case $f in *.mod.c) continue ;; esac
	cmp -s "$f" "$dir/$f" || cp -p "$f" "$dir/$f"
done
rm -rf "$dir/include"
find include -name '*.h' | while read -r f; do
	mkdir -p "$dir/$(dirname "$f")"
	cp -p "$f" "$dir/$f"
done
sed "s/@VERSION@/$version/" scripts/dkms/dkms.conf >"$dir/dkms.conf"
