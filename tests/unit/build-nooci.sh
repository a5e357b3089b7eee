#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The small-systems build (run by `make unit`): layerctl built with
# `make LAYERCTL_OCI=0` in a copy of userspace/ (the tree's objects are not
# touched) must build with -Werror, link none of libarchive, libcrypto,
# zlib and libcurl (nor load libarchive, libxml2, ICU or libcurl), leave
# export, import, save, load, push, pull, login, logout and inspect out of `layerctl
# --help`, refuse them as unknown commands (exit 2), and keep the other
# commands.  Prints the two binaries' sizes and their runtime libraries'
# total size (ldd, symlinks resolved); exits 1 on any problem.
#
#   tests/unit/build-nooci.sh [FULL_LAYERCTL]   (default userspace/layerctl)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
full=${1:-$root/userspace/layerctl}
bad=0
problem() { echo "build-nooci: $*"; bad=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests"
cp -r "$root/include" "$tmp/"
cp -r "$root/userspace" "$tmp/"
make -s -C "$tmp/userspace" clean >/dev/null
if ! make -s -C "$tmp/userspace" -j2 LAYERCTL_OCI=0 layerctl >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	echo "build-nooci: make LAYERCTL_OCI=0 failed"
	exit 1
fi
small=$tmp/userspace/layerctl

# libsize BIN: bytes of the shared libraries BIN loads (ldd, resolved).
libsize() {
	ldd "$1" | awk '/=> \// { print $3 }' | xargs -r readlink -f | sort -u |
		xargs -r stat -c %s | awk '{ s += $1 } END { print s + 0 }'
}

# Not linked directly; and nothing pulls in libarchive and its libxml2 and
# ICU (Debian's libkmod still loads libcrypto for module signatures).
needed=$(readelf -d "$small" | awk '/NEEDED/ { print $NF }')
for l in libarchive libcrypto libz libcurl; do
	! grep -q "\\[$l\\.so" <<<"$needed" || problem "links $l"
done
libs=$(ldd "$small")
for l in libarchive libxml2 libicu libcurl; do
	! grep -q "$l" <<<"$libs" || problem "loads $l"
done
help=$("$small" --help 2>&1)
for c in export import save load push pull login logout inspect; do
	! grep -qE "^  $c( |$)" <<<"$help" || problem "--help lists $c"
	"$small" "$c" --help >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] || problem "'layerctl $c' exits $rc, not 2 (unknown command)"
done
for c in layer mount umount view commit images history restore rm prune diff tag rmi; do
	grep -qE "^  $c( |$)" <<<"$help" || problem "--help lacks $c"
	"$small" "$c" --help >/dev/null 2>&1 || problem "'layerctl $c --help' fails"
done
if [ -x "$full" ]; then
	echo "build-nooci: layerctl $(stat -c %s "$full") bytes, libraries $(libsize "$full") bytes;" \
		"LAYERCTL_OCI=0: $(stat -c %s "$small") bytes, libraries $(libsize "$small") bytes"
fi
[ "$bad" = 0 ] && echo "build-nooci: ok"
exit "$bad"
