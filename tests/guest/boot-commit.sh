#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One boot of the multi-boot store test (tests/guest/boots-commit.sh runs
# it, in the guest, with an ext4 image as /dev/vda):
#
#   boot-commit.sh 1        make a fresh store on the disk, a base layer,
#                           a store view; commit twice; record the tree and
#                           the history on the disk
#   boot-commit.sh 2        restore; the image's tree and history are the
#                           recorded ones; then commit in a loop, each
#                           commit after writing its number to /gen, until
#                           a background job powers the guest off hard
#                           (sysrq o): this boot never reports an exit status
#   boot-commit.sh 3 LAST   after the power cut: every record in the store
#                           is complete, restore succeeds, the loop's
#                           layers are crash:1..K with no gap, K >= LAST
#                           (the last commit layerctl reported done), and
#                           image crash:i has /gen = i
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

disk=/tmp/disk
export LAYERFS_STORE=$disk/store
v=$scratch/v
r=$scratch/r
mkdir -p "$disk" "$v" "$r"
expect_ok mount -t ext4 /dev/vda "$disk" || { done_testing; }

tree_list() {
	(cd "$1" && find . -xdev -printf '%p|%y|%s|%m|%l\n' | LC_ALL=C sort)
	(cd "$1" && find . -xdev -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}
history_of() {
	"$LAYERCTL" history "$1" --json |
		jq -c '[.[] | [.ref, .key, .author, .message, .created_ns, .diff]]'
}

# Unregister everything, so that the disk can be unmounted.
finish() {
	unload_module
	umount "$disk"
}

case $1 in
1)
	load_module
	mkdir -p "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" \
		"$disk/tomcat/webapps/docs" "$disk/tomcat/bin"
	echo docs >"$disk/tomcat/webapps/docs/index.html"
	echo run >"$disk/tomcat/bin/catalina.sh"
	dd if=/dev/urandom of="$disk/tomcat/bin/blob" bs=64k count=16 status=none
	expect_ok "$LAYERCTL" layer add tomcat:9 "$disk/tomcat" -a apache -m base
	expect_ok "$LAYERCTL" mount tomcat:9 "$v"
	rm -r "$v/webapps/docs"
	echo one >"$v/one.txt"
	expect_ok "$LAYERCTL" commit "$v" gakki/mytomcat:1.1 -a liuzhuo -m 'del tomcat docs'
	echo two >"$v/two.txt"
	echo x >>"$v/bin/catalina.sh"
	expect_ok "$LAYERCTL" commit "$v" gakki/mytomcat:1.2 -a liuzhuo -m 'two'
	tree_list "$v" >"$disk/expect.tree"
	history_of gakki/mytomcat:1.2 >"$disk/expect.history"
	expect_eq "$(wc -l <"$disk/expect.history")" 1 "history recorded"
	expect_ok "$LAYERCTL" umount "$v"
	expect_ok finish
	;;
2)
	load_module
	expect_ok "$LAYERCTL" restore
	expect_eq "$("$LAYERCTL" layer ls --json | jq -c '[.[] | .name]')" \
		'["tomcat:9","gakki/mytomcat:1.1","gakki/mytomcat:1.2"]' "restored after a reboot"
	expect_ok "$LAYERCTL" mount --ro gakki/mytomcat:1.2 "$r"
	expect_eq "$(tree_list "$r")" "$(cat "$disk/expect.tree")" "the image's tree is the one committed in the last boot"
	expect_eq "$(history_of gakki/mytomcat:1.2)" "$(cat "$disk/expect.history")" "its history too"
	expect_ok "$LAYERCTL" umount "$r"

	# The power cut.  Everything below is lost with the guest.
	expect_ok "$LAYERCTL" mount gakki/mytomcat:1.2 "$v"
	echo 1 >/proc/sys/kernel/sysrq
	delay=$((4 + RANDOM % 5))
	diag "powering off in $delay s, in the middle of a commit loop"
	(sleep "$delay"; echo o >/proc/sysrq-trigger) &
	i=0
	while :; do
		i=$((i + 1))
		echo "$i" >"$v/gen"
		dd if=/dev/urandom of="$v/data$((i % 4))" bs=4k count=$((1 + i % 8)) status=none
		"$LAYERCTL" commit "$v" "crash:$i" -m "loop $i" >/dev/null || { echo "# commit crash:$i failed"; break; }
		echo "# committed crash:$i"
	done
	sleep 60
	;;
3)
	last=$2
	load_module
	bad=0
	for f in "$LAYERFS_STORE"/layers/*/meta.json; do
		jq -e '.ref and .key and .diff and .created_ns' "$f" >/dev/null ||
			{ bad=1; diag "incomplete record $f"; }
	done
	[ "$bad" = 0 ] && pass "every record in the store is complete" ||
		fail "every record in the store is complete"
	uncommitted() {
		find "$LAYERFS_STORE/layers" -mindepth 1 -maxdepth 1 -type d \
			'!' -exec test -e '{}/meta.json' ';' -print | wc -l
	}
	diag "stray files: $(find "$LAYERFS_STORE" -name '.*' '!' -name .lock | wc -l) temporaries, $(uncommitted) uncommitted uppers"
	expect_ok "$LAYERCTL" restore
	# No view survived the power cut: prune collects the loop's view and
	# its uncommitted upper and keeps every image (checked below).
	n_images=$("$LAYERCTL" images --json | jq length)
	expect_ok "$LAYERCTL" prune --force
	expect_eq "$(find "$LAYERFS_STORE/views" -mindepth 1 | wc -l)" 0 "prune: no view record left"
	expect_eq "$(uncommitted)" 0 "prune: no uncommitted upper left"
	expect_eq "$("$LAYERCTL" images --json | jq length)" "$n_images" "prune keeps every image"
	k=$("$LAYERCTL" images --json | jq '[.[] | select(.ref | startswith("crash:"))] | length')
	diag "crash:1..$k survived; layerctl had reported crash:$last done"
	expect_ok test "$k" -ge "$last"
	ok=1
	for i in $(seq "$k"); do
		if ! "$LAYERCTL" mount --ro "crash:$i" "$r" 2>&1; then
			ok=0
			diag "crash:$i missing (a gap)"
			continue
		fi
		g=$(cat "$r/gen")
		[ "$g" = "$i" ] || { ok=0; diag "crash:$i has gen $g"; }
		"$LAYERCTL" umount "$r"
	done
	[ "$ok" = 1 ] && pass "crash:1..$k restored, each with its own /gen" ||
		fail "crash:1..$k restored, each with its own /gen"
	expect_eq "$(history_of "crash:$k" | jq length)" $((k + 3)) "history of crash:$k: the loop's layers, gakki/mytomcat:1.2, 1.1, tomcat:9"
	expect_ok finish
	;;
*)
	echo "usage: boot-commit.sh 1|2|3 LAST" >&2
	exit 2
	;;
esac
done_testing
