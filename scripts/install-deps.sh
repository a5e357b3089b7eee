#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages needed to build layerfs and run its tests
# (module build, layerctl, unit tests, QEMU guest tests).  Idempotent: with
# everything present it only asks dpkg-query and exits (well under a second).
# Otherwise it runs `apt-get update` once and installs just the missing
# packages; that needs root.
#
#   scripts/install-deps.sh [--packaging]
#
# --packaging: also (only) what `make deb`, the installed-files test and
# `make check-boot` need (debhelper, dh_dkms, dkms, lintian,
# bash-completion, debootstrap); `make check` pulls them too (make deb, for
# tests/guest/t-installed.sh).
set -eu

PACKAGES="
make gcc libc6-dev
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
libnl-3-dev libnl-genl-3-dev libkmod-dev libjson-c-dev check pkg-config
libarchive-dev liblzma-dev libssl-dev zlib1g-dev clang skopeo umoci
libcurl4-openssl-dev docker-registry apache2-utils openssl
qemu-system-x86 busybox-static kmod cpio gzip xz-utils zstd
coreutils util-linux attr acl e2fsprogs python3
linux-source-6.1 perl
"
PACKAGING_PACKAGES="
debhelper dh-dkms dkms dpkg-dev fakeroot lintian bash-completion debootstrap
"
case ${1:-} in
--packaging) PACKAGES="$PACKAGES $PACKAGING_PACKAGES" ;;
'') ;;
*) echo "usage: scripts/install-deps.sh [--packaging]" >&2; exit 2 ;;
esac

# One dpkg-query call for all packages; anything not reported as "ii"
# (installed, no errors) is missing.  Unknown names make dpkg-query fail,
# hence "|| true": they are simply missing.
# shellcheck disable=SC2086 # word splitting of the package list is intended
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $PACKAGES 2>/dev/null || true)
missing=
for p in $PACKAGES; do
	if ! printf '%s\n' "$status" | grep -q "^$p ii"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: not root; run as root or: sudo apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
apt-get -o DPkg::Lock::Timeout=300 update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends $missing
