#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages layerctl and layerfs-dkms, with debhelper.
#
#   scripts/build-deb.sh
#
# Assembles a source tree build/deb/layerfs-VERSION/ from the repository's
# files (tracked and new, not ignored: Kbuild, kernel/, include/,
# userspace/, the scripts and test the build runs, README.md) with
# scripts/debian/ as its debian/, runs `dpkg-buildpackage -b -us -uc` there
# and lists the packages' contents (dpkg-deb -c) and lintian's findings
# (if lintian is installed).  The .debs land in build/deb/.  The version
# is the one of userspace/layerctl.c; debian/changelog must say the same.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "build-deb: $*" >&2; }
die() { say "$*"; exit 1; }

version=$("$root/scripts/module-src.sh" --version)
clv=$(dpkg-parsechangelog -l "$root/scripts/debian/changelog" -S Version)
[ "$clv" = "$version" ] ||
	die "scripts/debian/changelog is at $clv, userspace/layerctl.c at $version: add a changelog entry"

out=$root/build/deb
src=$out/layerfs-$version
rm -rf "$out"
mkdir -p "$src"
cd "$root"
git ls-files -z --cached --others --exclude-standard -- \
	Kbuild kernel include userspace README.md \
	scripts/module-src.sh scripts/dkms tests/unit/man-sync.sh |
	while IFS= read -r -d '' f; do
		[ -e "$f" ] || continue	# deleted, not yet committed
		mkdir -p "$src/$(dirname "$f")"
		cp -p "$f" "$src/$f"
	done
cp -r scripts/debian "$src/debian"

say "building in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
}
for deb in "$out"/*.deb; do
	echo "== $(basename "$deb")"
	dpkg-deb -c "$deb" | awk '{ print $1, $6 }'
done
if command -v lintian >/dev/null; then
	echo "== lintian"
	lintian --tag-display-limit 0 "$out"/*.changes || true
fi
ls "$out"/*.deb
