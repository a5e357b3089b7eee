#!/bin/sh
# Run the kernel's checkpatch.pl (from Debian's linux-source-6.1 package)
# over the given files.  The script and its data files are extracted once
# per tarball (its name, size and mtime) into $LAYERFS_CACHE (default
# /var/cache/layerfs), shared by every clone and CI run of the machine:
# finding three files decompresses the whole tarball, some 15 s; into
# build/checkpatch/ if the cache cannot be written.  The files are checked
# by one checkpatch.pl a CPU, each given its share of them.  Fails on any
# ERROR; warnings are printed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# linux-source-6.1's, as documented, even when a newer one is installed.
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] ||
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.xz' | sort -V | tail -n 1)
[ -n "$tarball" ] || {
	echo "checkpatch: no /usr/src/linux-source-*.tar.xz (install linux-source-6.1)" >&2
	exit 1
}
src=$(basename "$tarball" .tar.xz)
cache=${LAYERFS_CACHE:-/var/cache/layerfs}
dir=$cache/checkpatch-$src-$(stat -c %s-%Y "$tarball")
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || dir=$top/build/checkpatch

if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	# Extracted beside it and renamed: a run stopped halfway leaves no
	# half a directory behind for the next.
	tmp=$(mktemp -d "$dir.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch"
	rm -rf "$dir"
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"	# another run's won
fi

# File k of n goes to job k mod (CPUs); each job's output in its own file,
# printed in job order.
jobs=$(nproc 2>/dev/null || echo 1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
j=0
while [ "$j" -lt "$jobs" ]; do
	k=0
	for f in "$@"; do
		[ $((k % jobs)) = "$j" ] && printf '%s\n' "$f"
		k=$((k + 1))
	done >"$out/files.$j"
	if [ -s "$out/files.$j" ]; then
		# shellcheck disable=SC2046 # file names without spaces (kernel/)
		"$dir/scripts/checkpatch.pl" --no-tree --show-types -f \
			$(cat "$out/files.$j") >"$out/out.$j" 2>&1 &
	fi
	j=$((j + 1))
done
wait
cat "$out"/out.* >"$out/all" 2>/dev/null || :
grep -E '^(ERROR|WARNING|CHECK|#[0-9]+: FILE:)' "$out/all" || true
# One "total:" line per file proves checkpatch actually ran on each.
n=$(grep -c 'total: ' "$out/all" || true)
if [ "$n" -ne $# ]; then
	echo "checkpatch: did not run on all $# files" >&2
	exit 1
fi
if grep -q '^ERROR:' "$out/all"; then
	echo "checkpatch: errors found" >&2
	exit 1
fi
echo "checkpatch: no errors in $# files"
