#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A commit records the layers below it that the store lacks, with the
# BASE names read from the kernel (store_reg.c: one registry dump for the
# whole walk, each name looked up once).  Five commits, each on an
# explicit stack (a new layer over the last image), give layers whose
# BASE is the stack below them (2 to 10 names).  Then every record and
# refs/ entry is deleted, as if the layers had been registered without a
# store, and a sixth commit on top records all twelve layers below it
# again: the same ref, parent and BASE as before, each once.  A module
# reload and `restore` then bring the image back from those records.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

load_module

d=$scratch/ra
K=5
mkdir -p "$d"
# Every ra/ record: ref, parent, BASE, created, author, message, diff
# (not the key, and not flags: a commit's record is written before the
# layer's index), sorted.
records() {
	cat "$LAYERFS_STORE"/layers/*/meta.json 2>/dev/null |
		jq -c 'select(.ref | startswith("ra/")) |
			[.ref, .parent, (.base // []), .created_ns, .author, .message, .diff]' | sort
}
tree() { (cd "$1" && find . -mindepth 1 -printf '%p %y\n' | sort && find . -type f | sort | xargs cat); }

mkdir -p "$d/x0"
echo 0 >"$d/x0/f0"
expect_ok "$LAYERCTL" layer add ra/x0 "$d/x0"
s='ra/x0'
i=1
while [ $i -le $((K + 1)) ]; do
	mkdir -p "$d/x$i" "$d/u$i" "$d/w$i" "$d/m$i"
	echo "$i" >"$d/x$i/x$i"
	expect_ok "$LAYERCTL" layer add "ra/x$i" "$d/x$i"
	expect_ok "$LAYERCTL" mount --layers "ra/x$i:$s" --upper "$d/u$i" --work "$d/w$i" "$d/m$i"
	echo "$i" >"$d/m$i/c$i"
	if [ $i -le $K ]; then
		expect_ok "$LAYERCTL" commit "$d/m$i" "ra/c$i"
		expect_ok "$LAYERCTL" umount "$d/m$i"
		s="ra/c$i\\:latest:ra/x$i:$s"	# commit names it ra/cN:latest
	fi
	i=$((i + 1))
done
expect_eq "$("$LAYERCTL" layer show ra/c$K:latest --json | jq '.base_ids | length')" $((2 * K)) \
	"the last commit's BASE: the $((2 * K)) layers below it"
before=$(records)
expect_eq "$(printf '%s\n' "$before" | grep -c '^\["ra/c[0-9]*:latest"')" $K "$K commits recorded"

# Forget every record: the layers below the next commit are all unknown.
rm -rf "$LAYERFS_STORE/refs"
rm -f "$LAYERFS_STORE"/layers/*/meta.json
expect_eq "$(records)" "" "no ra/ record left"
m=$d/m$((K + 1))
t=$(date +%s%N)
expect_ok "$LAYERCTL" commit "$m" ra/top
diag "commit recording the $((2 * K + 2)) layers below it: $((($(date +%s%N) - t) / 1000000)) ms"
after=$(records)
expect_eq "$(printf '%s\n' "$after" | grep -v '^\["ra/top:latest"')" "$before" \
	"the layers below: the same records as their own commits and layer add wrote"
expect_eq "$(printf '%s\n' "$after" | grep -c .)" $((2 * K + 3)) "each layer recorded once"
expect_eq "$(printf '%s\n' "$after" | grep '^\["ra/top:latest"' | jq -c '.[2] | length')" $((2 * K + 2)) \
	"the top's BASE: the $((2 * K + 2)) layers below it"
img=$(tree "$m")
expect_ok "$LAYERCTL" umount "$m"

# The records are enough to bring the image back.
expect_ok unload_module
load_module
expect_ok "$LAYERCTL" restore
expect_eq "$("$LAYERCTL" layer ls --json | jq '[.[] | select(.name | startswith("ra/"))] | length')" \
	$((2 * K + 3)) "restore: every recorded layer"
mkdir -p "$d/ro"
expect_ok "$LAYERCTL" mount --ro ra/top:latest "$d/ro"
expect_eq "$(tree "$d/ro")" "$img" "restored image: the committed tree"
expect_ok "$LAYERCTL" umount "$d/ro"
expect_ok unload_module
done_testing
