#!/bin/sh
# Run the kernel's checkpatch.pl (from Debian's linux-source-6.1 package)
# over the given files.  The script and its data files are extracted once
# into build/checkpatch/.  Fails on any ERROR; warnings are printed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/checkpatch
# linux-source-6.1's, as documented, even when a newer one is installed.
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] ||
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.xz' | sort -V | tail -n 1)

if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || {
		echo "checkpatch: no /usr/src/linux-source-*.tar.xz (install linux-source-6.1)" >&2
		exit 1
	}
	src=$(basename "$tarball" .tar.xz)
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch"
fi

out=$("$dir/scripts/checkpatch.pl" --no-tree --show-types -f "$@" 2>&1) || true
printf '%s\n' "$out" | grep -E '^(ERROR|WARNING|CHECK|#[0-9]+: FILE:)' || true
# One "total:" line per file proves checkpatch actually ran on each.
n=$(printf '%s\n' "$out" | grep -c 'total: ' || true)
if [ "$n" -ne $# ]; then
	echo "checkpatch: did not run on all $# files" >&2
	exit 1
fi
if printf '%s\n' "$out" | grep -q '^ERROR:'; then
	echo "checkpatch: errors found" >&2
	exit 1
fi
echo "checkpatch: no errors in $# files"
