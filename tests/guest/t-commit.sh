#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# layerctl commit, images, history, rm, restore and mount REF, end to end:
# the merged tree (names, types, sizes, modes, hashes, inode numbers) is
# the same before and after a commit; new writes land in the new upper;
# files open for writing before a commit keep working and their later
# writes go to the new upper only; a shared writable mapping refuses the
# commit (EBUSY naming the file) and nothing changes; refusals (read-only
# view, unknown view, non-layerfs path, duplicate and invalid ref, a
# non-root caller) are clear and change nothing; images, history, rm;
# restore after rmmod + insmod gives the same image; N writers appending
# numbered records while commits run in a loop lose and double nothing.
# Timings are printed as "# time: ..." lines.  Beside other guests (TCG) it
# can take more than 5 minutes, hence:
# guest-timeout: 900
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

WRITERS=${COMMIT_WRITERS:-4}
RECORDS=${COMMIT_RECORDS:-1000}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() {
	_ms=$(($(now_ms) - $1))
	diag "time: $2: $((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s"
}

# A listing of the tree at $1 without its root: path, type, size (not of
# directories: that is the backing filesystem's business), mode, inode,
# link target, and the SHA-256 of each regular file.
tree_list() {
	(cd "$1" && find . -xdev -mindepth 1 -printf '%p|%y|%s|%m|%i|%l\n' |
		awk -F'|' -v OFS='|' '$2 == "d" { $3 = "" } 1' | LC_ALL=C sort)
	(cd "$1" && find . -xdev -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

# The same without inode numbers (for a view mounted after a module reload).
tree_list_noino() {
	tree_list "$1" | awk -F'|' -v OFS='|' 'NF == 6 { $5 = "" } 1'
}

# What must not change when a commit is refused.
state() {
	"$LAYERCTL" layer ls --json | jq -c '[.[] | {name, path}]'
	"$LAYERCTL" view ls --json | jq -c '[.[] | {id, layers, upper}]'
	ls -A "$LAYERFS_STORE/layers" | sort
	tree_list "$m"
}

upper_of() { "$LAYERCTL" view ls --json | jq -r --arg m "$1" '.[] | select(.mountpoints | index($m)) | .upper'; }
path_of() { "$LAYERCTL" layer show "$1" --json | jq -r .path; }

load_module
d=$scratch
m=$d/m
mkdir -p "$d/tomcat/webapps/docs" "$d/tomcat/webapps/ROOT" "$d/tomcat/bin" \
	"$d/tomcat/conf" "$m" "$d/ro" "$d/r" "$d/t"
for i in 1 2 3 4 5; do
	echo "doc $i" >"$d/tomcat/webapps/docs/page$i.html"
done
echo '<h1>It works</h1>' >"$d/tomcat/webapps/ROOT/index.html"
printf '#!/bin/sh\necho starting\n' >"$d/tomcat/bin/catalina.sh"
chmod 755 "$d/tomcat/bin/catalina.sh"
echo 'port=8080' >"$d/tomcat/conf/server.conf"
ln -s ../conf/server.conf "$d/tomcat/bin/conf-link"
dd if=/dev/urandom of="$d/tomcat/bin/blob" bs=64k count=4 status=none

# The store exists before the base layer is added, so it is recorded too.
mkdir -p "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views"
expect_ok "$LAYERCTL" layer add tomcat:9 "$d/tomcat" -a apache -m 'tomcat base image'
expect_ok "$LAYERCTL" mount tomcat:9 "$m"
u0=$(upper_of "$m")
expect_match "$u0" "^$LAYERFS_STORE/layers/[0-9a-f]{32}/diff\$" "mount REF: the upper is a fresh store layer directory"

# --- commit keeps the tree --------------------------------------------------
rm -r "$m/webapps/docs"
echo 'port=9090' >"$m/conf/server.conf"
mkdir "$m/logs"
echo one >"$m/logs/catalina.out"
exec 3>>"$m/logs/catalina.out"	# open for writing across the commit
echo two >&3
before=$(tree_list "$m")
root_ino=$(stat -c %i "$m")
t=$(now_ms)
expect_ok "$LAYERCTL" commit "$m" gakki/mytomcat:1.1 -a liuzhuo -m 'del tomcat docs'
took "$t" "commit"
after=$(tree_list "$m")
expect_eq "$after" "$before" "commit: the merged tree, inode numbers included, is unchanged"
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | head -20 | sed 's/^/#   /'
expect_eq "$(stat -c %i "$m")" "$root_ino" "commit: the root directory keeps its inode number"
u1=$(upper_of "$m")
p1=$(path_of gakki/mytomcat:1.1)
expect_eq "$p1" "$u0" "the committed layer is the old upper directory"
expect_match "$u1" "^$LAYERFS_STORE/layers/[0-9a-f]{32}/diff\$" "the new upper is a store layer directory"
[ "$u1" != "$u0" ] && pass "the new upper is another directory" || fail "the new upper is another directory"
expect_eq "$(ls -A "$u1")" "" "the new upper starts empty"
expect_eq "$("$LAYERCTL" layer show gakki/mytomcat:1.1 --json | jq -c '[.parent, .flags, .author, .message]')" \
	'["tomcat:9",["frozen"],"liuzhuo","del tomcat docs"]' "the layer: parent, frozen, author, message"
expect_ok test -f "$LAYERFS_STORE/layers/$(basename "$(dirname "$p1")")/meta.json"

# New writes land in the new upper only; the held descriptor too.
echo after >"$m/after.txt"
echo three >&3
exec 3>&-
expect_eq "$(cat "$u1/after.txt" 2>&1)" after "a new file lands in the new upper"
expect_ok test ! -e "$p1/after.txt"
expect_eq "$(cat "$m/logs/catalina.out")" "$(printf 'one\ntwo\nthree')" "held descriptor: the view has every line"
expect_eq "$(cat "$p1/logs/catalina.out")" "$(printf 'one\ntwo')" "held descriptor: the committed layer keeps what was written before"
expect_eq "$(cat "$u1/logs/catalina.out" 2>&1)" "$(printf 'one\ntwo\nthree')" "held descriptor: the later write went to the new upper"
expect_ok test -c "$p1/webapps/docs"

# --- a shared writable mapping refuses the commit ---------------------------
echo mapped >"$m/mm.bin"
truncate -s 4096 "$m/mm.bin"
python3 -c '
import mmap, sys, time
f = open(sys.argv[1], "r+b")
mm = mmap.mmap(f.fileno(), 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
open(sys.argv[2], "w").close()
time.sleep(120)
' "$m/mm.bin" "$d/t/mapped" &
mpid=$!
for _ in $(seq 100); do [ -e "$d/t/mapped" ] && break; sleep 0.1; done
s0=$(state)
expect_fail "^layerctl: view '$m': .*mm\\.bin.* \\(Device or resource busy\\)\$" \
	"$LAYERCTL" commit "$m" busy:1
expect_eq "$(state)" "$s0" "mmap EBUSY: nothing changed"
# An append-only root: the commit gives NEW_UPPER that flag (in its
# trusted.overlay.protattr) before the mapping refuses it; the refused
# commit must leave NEW_UPPER removable (layerctl removes it: nothing may
# be left in the store).
if chattr +a "$m"; then
	s0=$(state)
	expect_fail "^layerctl: view '$m': .*mm\\.bin.* \\(Device or resource busy\\)\$" \
		"$LAYERCTL" commit "$m" busy:1
	expect_eq "$(state)" "$s0" "mmap EBUSY with an append-only root: nothing changed, nothing left in the store"
	chattr -a "$m"
	# A NEW_UPPER that is append-only itself is refused before anything:
	# a refused commit takes off only the flags it gave.
	mkdir "$LAYERFS_STORE/nu-append"
	chattr +a "$LAYERFS_STORE/nu-append"
	vid=$("$LAYERCTL" view ls --json | jq --arg m "$m" '.[] | select(.mountpoints | index($m)) | .id')
	out=$(/usr/bin/python3 "$ROOT/tests/guest/nlcommit.py" "$vid" "$LAYERFS_STORE/nu-append" busy:2)
	expect_match "$out" "^ERR EPERM new upper is append-only or immutable" \
		"an append-only NEW_UPPER is refused: EPERM with its reason ($out)"
	expect_match "$(lsattr -d "$LAYERFS_STORE/nu-append" | awk '{ print $1 }')" a \
		"the refused NEW_UPPER keeps its own flag"
	chattr -a "$LAYERFS_STORE/nu-append"
	rmdir "$LAYERFS_STORE/nu-append"
	expect_eq "$(state)" "$s0" "append-only NEW_UPPER: nothing changed"
else
	fail "chattr +a on the view's root"
fi
kill "$mpid"
wait "$mpid" 2>/dev/null

# --- refusals ----------------------------------------------------------------
expect_ok "$LAYERCTL" mount --ro tomcat:9 "$d/ro"
s0=$(state)
expect_fail "^layerctl: view '$d/ro': read-only view, nothing to commit \\(Read-only file system\\)\$" \
	"$LAYERCTL" commit "$d/ro" x:1
expect_fail "^layerctl: view '99999': no such view \\(No such file or directory\\)\$" \
	"$LAYERCTL" commit 99999 x:1
expect_fail "^layerctl: view '$d/t': not a layerfs view \\(Invalid argument\\)\$" \
	"$LAYERCTL" commit "$d/t" x:1
expect_fail "^layerctl: view '$m': .* \\(File exists\\)\$" \
	"$LAYERCTL" commit "$m" tomcat:9
expect_fail "^layerctl: layer 'Bad:1': invalid name: " \
	"$LAYERCTL" commit "$m" Bad:1
expect_fail "Operation not permitted" \
	setpriv --reuid 65534 --regid 65534 --clear-groups "$LAYERCTL" commit "$m" x:1
expect_eq "$(state)" "$s0" "refusals: nothing changed (registry, views, store, tree)"
expect_ok "$LAYERCTL" umount "$d/ro"

# --- images, history, rm -----------------------------------------------------
out=$("$LAYERCTL" images)
diag "images:"
printf '%s\n' "$out" | sed 's/^/#   /'
expect_eq "$("$LAYERCTL" images --json | jq -c '[.[] | .ref]')" '["gakki/mytomcat:1.1","tomcat:9"]' "images lists both"
expect_eq "$("$LAYERCTL" images --json | jq -c '.[] | select(.ref == "tomcat:9") | [.size > 0, .files]')" '[true,10]' "images: size and files of the base"
out=$("$LAYERCTL" history gakki/mytomcat:1.1)
diag "history:"
printf '%s\n' "$out" | sed 's/^/#   /'
expect_eq "$("$LAYERCTL" history gakki/mytomcat:1.1 --json | jq -c '[.[] | [.ref, .author, .message]]')" \
	'[["gakki/mytomcat:1.1","liuzhuo","del tomcat docs"],["tomcat:9","apache","tomcat base image"]]' "history: the chain"
expect_fail "^layerctl: layer 'tomcat:9': stored layer 'gakki/mytomcat:1.1' builds on it \\(Device or resource busy\\)\$" \
	"$LAYERCTL" rm tomcat:9
expect_fail "^layerctl: layer 'gakki/mytomcat:1.1': .* \\(Device or resource busy\\)\$" \
	"$LAYERCTL" rm gakki/mytomcat:1.1
# A second image view of the new layer, beside the base image.
expect_ok "$LAYERCTL" mount --ro gakki/mytomcat:1.1 "$d/ro"
expect_ok "$LAYERCTL" mount --ro tomcat:9 "$d/r"
expect_ok test ! -e "$d/ro/webapps/docs"
expect_ok test -f "$d/r/webapps/docs/page1.html"
expect_eq "$(stat -c %i "$d/ro/bin/blob")" "$(stat -c %i "$d/r/bin/blob")" "base files: same st_ino in both images"
expect_ok "$LAYERCTL" umount "$d/r"
expect_ok "$LAYERCTL" umount "$d/ro"

# --- a commit on an explicit stack records it as BASE ------------------------
mkdir -p "$d/bu" "$d/bw" "$d/b"
expect_ok "$LAYERCTL" mount --layers 'gakki/mytomcat\:1.1' --upper "$d/bu" --work "$d/bw" "$d/b"
echo b >"$d/b/b.txt"
expect_ok "$LAYERCTL" commit "$d/b" based:1 -m 'on 1.1 alone'
bu=$(upper_of "$d/b")
expect_match "$bu" "^$d/bu@[0-9a-f]{8}\$" "an upper outside the store: the new one is beside it"
expect_eq "$(path_of based:1)" "$d/bu" "the committed layer is the old upper, in place"
expect_eq "$("$LAYERCTL" history based:1 --json | jq -c '[.[] | .ref]')" \
	'["based:1","gakki/mytomcat:1.1"]' "history of a BASE layer: its BASE stack"
expect_ok "$LAYERCTL" umount "$d/b"
expect_ok "$LAYERCTL" mount --ro based:1 "$d/ro"
expect_ok test -f "$d/ro/b.txt"
expect_ok test ! -e "$d/ro/bin/blob"
expect_ok "$LAYERCTL" umount "$d/ro"
expect_fail "^layerctl: layer 'gakki/mytomcat:1.1': stored layer 'based:1' builds on it \\(Device or resource busy\\)\$" \
	"$LAYERCTL" rm gakki/mytomcat:1.1

# --- restore after a module reload ------------------------------------------
expect_ok "$LAYERCTL" commit "$m" gakki/mytomcat:1.2 -m 'logs'
img=$(tree_list_noino "$m")
created=$("$LAYERCTL" layer show gakki/mytomcat:1.2 --json | jq .created_ns)
expect_ok "$LAYERCTL" umount "$m"
expect_ok unload_module
load_module
expect_eq "$("$LAYERCTL" layer ls --json | jq length)" 0 "after insmod: empty registry"
t=$(now_ms)
expect_ok "$LAYERCTL" restore
took "$t" "restore of 4 layers"
expect_eq "$("$LAYERCTL" layer ls --json | jq -c '[.[] | .name]')" \
	'["tomcat:9","gakki/mytomcat:1.1","based:1","gakki/mytomcat:1.2"]' "restore: parents and BASE layers first"
expect_eq "$("$LAYERCTL" layer show gakki/mytomcat:1.2 --json | jq -c '[.created_ns, .flags, .parent]')" \
	"[$created,[\"frozen\"],\"gakki/mytomcat:1.1\"]" "restore: created, flags, parent as recorded"
out=$("$LAYERCTL" restore)
expect_eq "$(printf '%s\n' "$out" | tail -n 1)" "restored 0 layers (4 already registered)" "restore is idempotent"
expect_ok "$LAYERCTL" mount --ro gakki/mytomcat:1.2 "$d/ro"
expect_eq "$(tree_list_noino "$d/ro")" "$img" "restored image: same tree as the view it was committed from"
expect_ok "$LAYERCTL" umount "$d/ro"
expect_ok "$LAYERCTL" mount --ro based:1 "$d/ro"
expect_eq "$(cat "$d/ro/b.txt" 2>&1)" b "restored BASE layer: its image"
expect_ok test ! -e "$d/ro/bin/blob"
expect_ok "$LAYERCTL" umount "$d/ro"
expect_ok "$LAYERCTL" rm based:1
expect_ok test -d "$d/bu"
expect_ok "$LAYERCTL" rm gakki/mytomcat:1.2
k2=$(basename "$(dirname "$u1")")
expect_ok test ! -e "$LAYERFS_STORE/layers/$k2"
expect_fail "layer 'gakki/mytomcat:1.2': no such layer" "$LAYERCTL" layer show gakki/mytomcat:1.2

# --- writers while commits run in a loop ------------------------------------
expect_ok "$LAYERCTL" mount gakki/mytomcat:1.1 "$m"
# Each writer appends its records in 5 chunks and waits, before each next
# chunk, until one more commit has completed: so commits always run while
# writers write, however fast either side is.
echo 0 >"$d/t/commits"
writer() {	# $1: number; odd ones keep their file open
	per=$((RECORDS / 5))
	[ $(($1 % 2)) = 0 ] || exec 4>>"$m/w$1.log"
	for c in 1 2 3 4 5; do
		for i in $(seq $(((c - 1) * per + 1)) $((c * per))); do
			if [ $(($1 % 2)) = 1 ]; then
				echo "w$1 $i" >&4
			else
				echo "w$1 $i" >>"$m/w$1.log"
			fi
		done
		while [ "$(cat "$d/t/commits")" -lt "$c" ]; do sleep 0.05; done
	done
	[ $(($1 % 2)) = 0 ] || exec 4>&-
}
RECORDS=$((RECORDS / 5 * 5))
pids=
for w in $(seq "$WRITERS"); do
	writer "$w" &
	pids="$pids $!"
done
n=0 during=0
t=$(now_ms)
while :; do
	alive=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
	n=$((n + 1))
	during=$((during + alive))
	"$LAYERCTL" commit "$m" loop:$n >/dev/null || fail "commit loop:$n"
	echo "$n" >"$d/t/commits.new" && mv "$d/t/commits.new" "$d/t/commits"
	[ "$alive" = 1 ] || break
done
wait
took "$t" "$n commits ($during while $WRITERS writers appended $RECORDS records each)"
expect_ok test "$during" -ge 5
ok=1
chain=$("$LAYERCTL" history loop:$n --json | jq -r '.[].diff')
for w in $(seq "$WRITERS"); do
	seq -f "w$w %g" 1 "$RECORDS" >"$d/t/want"
	cmp -s "$d/t/want" "$m/w$w.log" ||
		{ ok=0; diag "w$w.log: $(wc -l <"$m/w$w.log") lines, $(sort "$m/w$w.log" | uniq -d | wc -l) doubled"; }
	# Each layer holds a prefix of the next one's copy (copy-up takes
	# the whole file), so records are neither lost nor doubled in any.
	prev=
	for p in $(printf '%s\n' "$chain" | tac) "$m"; do
		[ -f "$p/w$w.log" ] || continue
		if [ -n "$prev" ] &&
		   ! cmp -s -n "$(stat -c %s "$prev")" "$prev" "$p/w$w.log"; then
			ok=0
			diag "w$w.log in $p does not extend the copy below ($prev)"
		fi
		prev=$p/w$w.log
	done
done
[ "$ok" = 1 ] && pass "every record exactly once, in order, in the view and in every layer" ||
	fail "every record exactly once, in order, in the view and in every layer"
wk=$("$LAYERCTL" view ls --json | jq -r --arg m "$m" '.[] | select(.mountpoints | index($m)) | .work')
ul=$(upper_of "$m")
expect_ok "$LAYERCTL" umount "$m"
expect_ok test ! -e "$(dirname "$wk")"
expect_ok test ! -e "$(dirname "$ul")"
expect_eq "$("$LAYERCTL" images --json | jq '[.[] | select(.ref | startswith("loop:"))] | length')" "$n" "every loop commit is recorded"

# --- prune -------------------------------------------------------------------
# A view unmounted with uncommitted changes leaves its upper (umount
# deletes the view's record and work directory); prune deletes the upper,
# and keeps a mounted view's and every image.  (A record left by a power
# cut: boot 3 of tests/guest/boots-commit.sh.)
uncommitted() {
	find "$LAYERFS_STORE/layers" -mindepth 1 -maxdepth 1 -type d \
		'!' -exec test -e '{}/meta.json' ';' -print | wc -l
}
expect_ok "$LAYERCTL" mount gakki/mytomcat:1.1 "$d/r"
echo left >"$d/r/left.txt"
ug=$(upper_of "$d/r")
wg=$("$LAYERCTL" view ls --json | jq -r --arg m "$d/r" '.[] | select(.mountpoints | index($m)) | .work')
expect_ok "$LAYERCTL" umount "$d/r"
expect_ok test -e "$ug/left.txt"
expect_ok "$LAYERCTL" mount tomcat:9 "$m"
echo live >"$m/live.txt"
ul=$(upper_of "$m")
imgs=$("$LAYERCTL" images --json | jq -c '[.[].ref] | sort')
expect_eq "$(uncommitted)" 2 "before prune: two uncommitted uppers (one mounted)"
expect_ok "$LAYERCTL" prune --dry-run
expect_ok test -e "$ug/left.txt"
# Not on a terminal, uncommitted changes go only with --force.
expect_fail "1 upper holds changes that were never committed" "$LAYERCTL" prune
expect_eq "$(uncommitted)" 2 "prune without --force deletes nothing"
out=$("$LAYERCTL" prune --json --force)
expect_eq "$(jq -c '[(.views | length), (.uppers | length), .files, .dry_run]' <<<"$out")" "[0,1,1,false]" "prune: the unmounted view's upper (1 file), nothing else"
expect_ok test ! -e "$ug"
expect_ok test ! -e "$(dirname "$wg")"
expect_eq "$(cat "$m/live.txt")" live "prune: the mounted view keeps its changes"
expect_ok test -e "$ul/live.txt"
expect_eq "$(uncommitted)" 1 "after prune: the mounted view's upper only"
expect_eq "$("$LAYERCTL" images --json | jq -c '[.[].ref] | sort')" "$imgs" "prune keeps every image"
expect_ok "$LAYERCTL" mount --ro gakki/mytomcat:1.1 "$d/ro"
expect_ok test ! -e "$d/ro/webapps/docs"
expect_ok "$LAYERCTL" umount "$d/ro"
expect_eq "$("$LAYERCTL" prune | tail -1)" "freed 0 views and 0 uppers: 0 files, 0B" "prune again: nothing left to do"
expect_fail "^layerctl: prune: unexpected argument 'extra'" "$LAYERCTL" prune extra
expect_ok "$LAYERCTL" umount "$m"
expect_ok unload_module

done_testing
