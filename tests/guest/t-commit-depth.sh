#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Commits do not deepen a live view (kernel/viewindex.c): a view of an
# indexed image is committed 40 times through the store, each commit
# changing files in the root and in a directory three levels down.  Once
# each committed layer has its index, the live view uses it:
#  - a cold lookup of an absent name (caches dropped) leaves at most about
#    two negative dentries per name (the view's own and one real one), not
#    one per committed layer, in the root and in the deep directory;
#  - a cold listing and every name's contents, type and st_ino match a
#    noindex view of the committed image and what the view showed before
#    the caches were dropped, and d_ino of cold listings is st_ino; st_ino
#    of a file copied up before the first commit is unchanged;
#  - files changed after the last commit and removed names (whiteouts in
#    committed layers) stay right.
# guest-timeout: 900
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

load_module

# On ext4: tmpfs drops negative dentries at once, hiding the cost.
mount_ext4 "$scratch/e" 512M
d=$scratch/e
LAYERFS_STORE=$d/store
export LAYERFS_STORE
N=40
PROBES=300
TL=$ROOT/tests/guest/treelist.py

# Negative dentries in the whole dcache (fifth field of dentry-state).
negative() {
	awk '{ print $5 }' /proc/sys/fs/dentry-state
}

# Cold lookups of $PROBES absent names in directory $1; prints how many
# negative dentries they left.
absent_cost() {
	sync
	echo 2 >/proc/sys/vm/drop_caches
	b=$(negative)
	python3 - "$1" "$PROBES" <<'EOF'
import os, sys
for i in range(int(sys.argv[2])):
    try:
        os.stat(os.path.join(sys.argv[1], "absent-%d" % i))
        sys.exit("absent-%d exists" % i)
    except FileNotFoundError:
        pass
EOF
	a=$(negative)
	echo $((a - b))
}

mkdir -p "$d/base/a/b/c" "$d/v"
echo base >"$d/base/keep"
echo gone >"$d/base/a/b/c/gone"
i=0
while [ $i -lt 50 ]; do
	echo "$i" >"$d/base/a/b/c/base$i"
	i=$((i + 1))
done
expect_ok "$LAYERCTL" layer add --frozen dbase "$d/base"
expect_ok "$LAYERCTL" mount dbase "$d/v"
# Indexed after the view was mounted: the view takes it up too.
expect_ok "$LAYERCTL" layer index dbase -o "$d/base.index"
out=$("$LAYERCTL" layer show dbase)
expect_match "$out" 'flags: +frozen,indexed' "the base layer is indexed"
expect_match "$("$LAYERCTL" view ls --json)" '"indexed": *true' "a view mounted before the index uses it"

# A file copied up before the first commit keeps its st_ino.
echo changed >>"$d/v/keep"
ino_keep=$(stat -c %i "$d/v/keep")

# Layer 0 (before any commit) as the noindex baseline for the costs.
cost0=$(absent_cost "$d/v/a/b/c")
diag "before any commit: $cost0 negative dentries for $PROBES absent names"

i=1
fails=0
while [ $i -le $N ]; do
	echo "$i" >"$d/v/r$i"
	echo "$i" >"$d/v/a/b/c/f$i"
	echo "$i" >>"$d/v/a/b/c/base$((i % 50))"
	[ $i = 7 ] && rm "$d/v/a/b/c/gone"
	"$LAYERCTL" commit "$d/v" "depth:$i" >/dev/null || fails=$((fails + 1))
	i=$((i + 1))
done
expect_eq "$fails" 0 "$N commits of the live view"
out=$("$LAYERCTL" layer show "depth:$N")
expect_match "$out" 'flags: +frozen,indexed' "the last committed layer is indexed"

# A noindex view of the committed image shows the same tree.
mkdir -p "$d/noix"
expect_ok mount -t layerfs -o "image=depth:$N,noindex" noix "$d/noix"
"$TL" "$d/v" >"$d/live.txt"
"$TL" "$d/noix" >"$d/noix.txt"
expect_ok cmp "$d/live.txt" "$d/noix.txt"
umount "$d/noix"

echo after >"$d/v/a/b/c/after"
"$TL" "$d/v" >"$d/before.txt"

cost_deep=$(absent_cost "$d/v/a/b/c")
cost_root=$(absent_cost "$d/v")
diag "after $N commits: $cost_deep (a/b/c) and $cost_root (root) negative dentries for $PROBES absent names"
limit=$((PROBES * 5 / 2))
expect_ok test "$cost_deep" -le "$limit"
expect_ok test "$cost_root" -le "$limit"

# The same tree after the caches were dropped (cold lookups and listings
# through the committed layers' index).
sync
echo 2 >/proc/sys/vm/drop_caches
"$TL" "$d/v" >"$d/after.txt"
expect_ok cmp "$d/before.txt" "$d/after.txt"
# d_ino from cold listings (the index's inode numbers) is st_ino.
sync
echo 2 >/proc/sys/vm/drop_caches
out=$(python3 - "$d/v" <<'EOF'
import os, sys
bad = []
for top, dirs, files in os.walk(sys.argv[1]):
    with os.scandir(top) as it:
        for e in it:
            if e.inode() != os.lstat(e.path).st_ino:
                bad.append(e.path)
print("%d mismatches %s" % (len(bad), " ".join(bad[:5])))
EOF
)
expect_eq "$out" "0 mismatches " "d_ino of cold listings is st_ino"
expect_eq "$(stat -c %i "$d/v/keep")" "$ino_keep" "st_ino of a file copied up before the commits is unchanged"
expect_eq "$(cat "$d/v/keep")" "base
changed" "its contents are the view's"
expect_fail 'No such file' cat "$d/v/a/b/c/gone"
expect_eq "$(cat "$d/v/a/b/c/base7")" "7
7" "a base file changed in one commit shows that commit's copy"
expect_eq "$(ls "$d/v/a/b/c" | wc -l)" $((50 + N + 1)) "the deep directory lists base, committed and new names"

# Reads and a copy-up through a committed layer found by the index.
expect_ok sh -c "echo more >>'$d/v/r3'"
expect_eq "$(cat "$d/v/r3")" "3
more" "a file of a committed layer is copied up and written"
expect_ok "$LAYERCTL" umount "$d/v"
expect_ok unload_module
done_testing
