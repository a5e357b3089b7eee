#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prune keeps what live views use, decided by device and inode (issue 12,
# item 10), not by the path strings recorded at mount time:
#
# - a store view mounted through a bind mount of the store (the kernel
#   reports its upper and work under the bind path): prune with the
#   store's own path keeps its upper, its work directory and its record,
#   and the view's file stays readable;
# - a store view mounted in another mount namespace, through a path that
#   does not exist in prune's namespace: prune keeps its upper too;
# - once that namespace is gone (the view with it), prune deletes them;
#   an upper no view uses is still deleted (prune is not blind);
# - commits of store views against their umounts (below).
#
# guest-timeout: 600
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

d=$scratch
load_module
L() { "$LAYERCTL" "$@"; }

mkdir -p "$d/base" "$d/bind" "$d/m1" "$d/m2" "$d/m3" "$d/ns"
echo base >"$d/base/b"
expect_ok L layer add prune/base:1 "$d/base"
# Make the store (mount, then umount of an unchanged view).
expect_ok L mount prune/base:1 "$d/m3"
expect_ok L umount "$d/m3"
store=$(cd "$LAYERFS_STORE" && pwd -P)

# The store key of the upper of the view mounted at $1.
upper_key() {
	L view ls --json | jq -r --arg m "$1" \
		'.[] | select(.mountpoints | index($m)) | .upper' |
		sed -n 's|.*/layers/\([0-9a-f]*\)/diff$|\1|p'
}
# The key of the view record of the view whose upper is $1.
view_key() {
	for f in "$store"/views/*/view.json; do
		[ "$(jq -r .upper_key "$f")" = "$1" ] && basename "$(dirname "$f")"
	done
}

# --- through a bind mount of the store -------------------------------------
expect_ok mount --bind "$store" "$d/bind"
expect_ok L --store "$d/bind" mount prune/base:1 "$d/m1"
echo live >"$d/m1/live"
k1=$(upper_key "$d/m1")
v1=$(view_key "$k1")
diag "bind view: upper key $k1, view key $v1, upper $(L view ls --json | jq -r '.[0].upper')"
[ -n "$k1" ] && [ -n "$v1" ] || fail "the bind view's upper and record found" "k1=$k1 v1=$v1"

# An upper nobody uses: prune must still delete it.
expect_ok L mount prune/base:1 "$d/m3"
echo gone >"$d/m3/gone"
k3=$(upper_key "$d/m3")
expect_ok L umount "$d/m3"

expect_ok L prune --force
expect_eq "$([ -d "$store/layers/$k1/diff" ] && echo kept)" kept "prune keeps the upper of a view mounted through a bind mount of the store"
expect_eq "$([ -d "$store/views/$v1/work" ] && echo kept)" kept "prune keeps that view's work directory and record"
expect_eq "$(cat "$d/m1/live" 2>&1)" live "the bind view's file survives prune"
expect_eq "$([ -e "$store/layers/$k3" ] || echo deleted)" deleted "prune deletes the upper of an unmounted view"

# --- from another mount namespace -------------------------------------------
# The store is reached at $d/ns/s only inside the namespace (a tmpfs there).
unshare -m --propagation private sh -c '
	mount -t tmpfs ns "$1" && mkdir "$1/s" && mount --bind "$2" "$1/s" &&
	"$3" --store "$1/s" mount prune/base:1 "$4" && echo ns >"$4/nsfile" &&
	touch "$5" && exec sleep 600' sh "$d/ns" "$store" "$LAYERCTL" "$d/m2" "$d/ready" &
nspid=$!
for _ in $(seq 1 100); do
	[ -e "$d/ready" ] && break
	sleep 0.2
done
expect_eq "$([ -e "$d/ready" ] && echo ready)" ready "a view mounted in another mount namespace"
k2=$(L view ls --json | jq -r '.[] | select(.upper | test("/ns/s/layers/")) | .upper' |
	sed -n 's|.*/layers/\([0-9a-f]*\)/diff$|\1|p')
diag "namespace view: upper key $k2; $d/ns/s exists here: $([ -e "$d/ns/s" ] && echo yes || echo no)"
[ -n "$k2" ] || fail "the namespace view's upper found in view ls"
expect_ok L prune --force
expect_eq "$([ -d "$store/layers/$k2/diff" ] && echo kept)" kept "prune keeps the upper of a view mounted in another mount namespace"
expect_eq "$(nsenter -t "$nspid" -m cat "$d/m2/nsfile" 2>&1)" ns "that view's file survives prune"

# The namespace goes, the view with it: now prune deletes them.
kill "$nspid"
wait "$nspid" 2>/dev/null
for _ in $(seq 1 50); do
	[ "$(L view ls --json | jq length)" = 1 ] && break
	sleep 0.2
done
expect_ok L prune --force
expect_eq "$([ -e "$store/layers/$k2" ] || echo deleted)" deleted "after the namespace is gone, prune deletes its view's upper"
expect_eq "$([ -d "$store/layers/$k1/diff" ] && echo kept)" kept "...and still keeps the bind view's upper"

# --- commit against umount ---------------------------------------------------
# A commit of an unchanged store view while the view is unmounted: the
# umount's discard of the upper its record names and the commit's turning
# of that upper into a layer exclude each other (store.h,
# lfs_store_layer_lock()).  In whatever order they come, a commit that
# succeeds has its layer recorded with its diff, and umount gives back
# the view's upper, or leaves it with the view's record to prune (before,
# the umount could remove the diff of the new empty layer, and the commit
# then failed to write its record, or wrote it into a directory without
# diff).
mkdir -p "$d/m4"
views_before=$(ls "$store/views")
committed=0
refused=0
for i in $(seq 1 20); do
	L mount prune/base:1 "$d/m4" || { fail "mount $i"; break; }
	L commit "$d/m4" "race/c:$i" >"$d/c.out" 2>"$d/c.err" &
	cpid=$!
	[ $((i % 2)) = 0 ] && sleep 0.0$((i % 10))
	L umount "$d/m4" 2>"$d/u.err" || diag "umount $i: $(cat "$d/u.err")"
	if wait "$cpid"; then
		committed=$((committed + 1))
	else
		refused=$((refused + 1))
		grep -q "view '$d/m4'" "$d/c.err" ||
			fail "commit $i fails only for want of the view" "$(cat "$d/c.err")"
	fi
	mountpoint -q "$d/m4" && L umount "$d/m4"
done
diag "commit against umount: $committed committed, $refused found no view"
expect_eq "$(L images --json | jq '[.[] | select(.ref | startswith("race/c:"))] | length')" \
	"$committed" "every commit that succeeded recorded its layer"
nodiff=
for m in "$store"/layers/*/meta.json; do
	diff=$(jq -r .diff "$m")
	[ -d "$diff" ] || nodiff="$nodiff $m"
done
expect_eq "$nodiff" "" "every recorded layer has its diff"
# Nothing is left behind: umount waits for a running commit (it takes
# the lock of the upper the view's record names before it unmounts), so
# it never unmounts during the kernel's commit, which keeps the view
# listed until it returns (before, umount then left the view's record,
# work and new upper to prune).
left=
for k in "$store"/layers/*; do
	key=$(basename "$k")
	if [ -e "$k/meta.json" ] || [ "$key" = "$k1" ]; then
		continue
	fi
	named=no
	for f in "$store"/views/*/view.json; do
		[ "$(jq -r .upper_key "$f" 2>/dev/null)" = "$key" ] && named=yes
	done
	diag "left: layers/$key ($(find "$k" -mindepth 1 -maxdepth 1 -printf '%f ')), named by a view record: $named"
	left="$left $key"
done
expect_eq "$left" "" "umount gives back every unmounted view's upper"
expect_eq "$(ls "$store/views")" "$views_before" "and every unmounted view's record and work"
expect_ok L prune --force
left=
for k in "$store"/layers/*; do
	[ -e "$k/meta.json" ] || [ "$(basename "$k")" = "$k1" ] || left="$left $k"
done
expect_eq "$left" "" "then prune leaves no upper of the unmounted views"
expect_eq "$(L images --json | jq '[.[] | select(.ref | startswith("race/c:"))] | length')" \
	"$committed" "and keeps every committed layer"

expect_ok L umount "$d/m1"
umount "$d/bind"
expect_ok unload_module
done_testing
