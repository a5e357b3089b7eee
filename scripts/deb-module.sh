#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb-module: build the module from the layerfs-dkms package exactly as
# DKMS builds it on a target machine, for tests/guest/t-installed.sh.
#
#   scripts/deb-module.sh [KVER]        (default: scripts/kver.sh)
#
# Extracts build/deb/layerfs-dkms_*.deb (make deb) into a temporary
# directory and runs `dkms build` of its usr/src/layerfs-VERSION, with its
# dkms.conf, in a temporary DKMS tree (--dkmstree, --sourcetree: nothing
# under /var/lib/dkms or /usr/src changes) against the headers of KVER.
# Leaves build/installed/KVER/layerfs.ko and build/installed/make.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kver=${1:-$("$root/scripts/kver.sh")}
die() { echo "deb-module: $*" >&2; exit 1; }
command -v dkms >/dev/null || die "dkms is not installed (make deb-deps)"
[ -d "/lib/modules/$kver/build" ] || die "no headers for $kver"
shopt -s nullglob
debs=("$root"/build/deb/layerfs-dkms_*_all.deb)
[ ${#debs[@]} = 1 ] || die "expected one build/deb/layerfs-dkms_*_all.deb (make deb), found ${#debs[@]}"
version=$(dpkg-deb -f "${debs[0]}" Version)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/layerfs-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "${debs[0]}" "$tmp/root"
[ -f "$tmp/root/usr/src/layerfs-$version/dkms.conf" ] || die "the package has no usr/src/layerfs-$version/dkms.conf"
mkdir "$tmp/tree"
out=$root/build/installed
mkdir -p "$out/$kver"
rm -f "$out/$kver/layerfs.ko"
if ! dkms build -m layerfs -v "$version" -k "$kver" --dkmstree "$tmp/tree" \
	--sourcetree "$tmp/root/usr/src" >"$out/dkms.log" 2>&1; then
	cat "$out/dkms.log" >&2
	cat "$tmp/tree/layerfs/$version/build/make.log" >&2 2>/dev/null || true
	die "dkms build failed for $kver"
fi
cp "$tmp/tree/layerfs/$version/build/make.log" "$out/make.log" 2>/dev/null || true
ko=$(find "$tmp/tree/layerfs/$version/$kver" -name 'layerfs.ko*' | head -n 1)
[ -n "$ko" ] || die "dkms build left no layerfs.ko"
case $ko in
*.ko.xz) xz -dc "$ko" >"$out/$kver/layerfs.ko" ;;
*.ko.zst) zstd -q -dc "$ko" >"$out/$kver/layerfs.ko" ;;
*.ko.gz) gzip -dc "$ko" >"$out/$kver/layerfs.ko" ;;
*) cp "$ko" "$out/$kver/layerfs.ko" ;;
esac
echo "deb-module: built $out/$kver/layerfs.ko (layerfs $version, dkms build for $kver)"
