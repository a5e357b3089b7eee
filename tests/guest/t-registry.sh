#!/bin/sh
# The layer registry over generic netlink, driven by layerctl: every command,
# every refusal with its errno text and the kernel's message, pinning, and
# overlaps (a layer inside or around a live upper or work directory, an
# upper or work inside or around a registered layer, a commit's new upper
# inside a layer) refused with ELOOP or EBUSY.
. "$(dirname "$0")/lib.sh"

load_module
d=$scratch
mkdir -p "$d/base" "$d/app" "$d/other" "$d/y" "$d/z" "$d/pin"
: > "$d/file"
ln -s "$d/base" "$d/base-link"

# --- add, show, ls ------------------------------------------------------
expect_ok "$LAYERCTL" layer add base "$d/base" -a alice -m "the base layer"
expect_ok "$LAYERCTL" layer add gakki/mytomcat:1.1 "$d/app" --parent base \
	-a liuzhuo -m 'del tomcat docs'

out=$("$LAYERCTL" layer show gakki/mytomcat:1.1)
expect_match "$out" 'name: +gakki/mytomcat:1\.1' "show prints the name"
expect_match "$out" "path: +$d/app\$" "show prints the resolved path"
expect_match "$out" 'parent: +base' "show prints the parent"
expect_match "$out" 'author: +liuzhuo' "show prints the author"
expect_match "$out" 'message: +del tomcat docs' "show prints the message"

out=$("$LAYERCTL" layer show base --json)
expect_match "$out" '"name": *"base"' "show --json has the name"
expect_match "$out" '"children": *1' "base counts its child"
expect_match "$out" '"author": *"alice"' "show --json has the author"

out=$("$LAYERCTL" layer ls)
expect_eq "$(printf '%s\n' "$out" | grep -c -E 'base|gakki')" 2 "ls lists both layers"
out=$("$LAYERCTL" layer ls --json)
expect_match "$out" '^\[' "ls --json is an array"
expect_eq "$(printf '%s\n' "$out" | grep -o '"name"' | wc -l)" 2 "ls --json has two layers"

# --- refusals, each with errno text and kernel message ------------------------
expect_fail 'does not exist.*No such file or directory' \
	"$LAYERCTL" layer add x "$d/missing"
expect_fail 'not a directory.*Not a directory' \
	"$LAYERCTL" layer add x "$d/file"
expect_fail 'must be absolute.*Invalid argument' \
	"$LAYERCTL" layer add x relative/dir
expect_fail 'layer of that name exists.*File exists' \
	"$LAYERCTL" layer add base "$d/other"
expect_fail 'already registered.*File exists' \
	"$LAYERCTL" layer add other "$d/base"
expect_fail 'already registered.*File exists' \
	"$LAYERCTL" layer add other "$d/base-link"
expect_fail 'no such parent layer.*No such file or directory' \
	"$LAYERCTL" layer add y "$d/y" --parent nope
expect_fail 'own parent.*Too many levels of symbolic links' \
	"$LAYERCTL" layer add z "$d/z" --parent z
expect_fail "^layerctl: layer 'Bad': invalid name: " "$LAYERCTL" layer add Bad "$d/z"
expect_fail "^layerctl: layer 'a//b': invalid name: " "$LAYERCTL" layer add 'a//b' "$d/z"
expect_fail "^layerctl: layer 'a:': invalid name: " "$LAYERCTL" layer add 'a:' "$d/z"
expect_fail 'pseudo filesystem.*Operation not supported' \
	"$LAYERCTL" layer add procdir /proc/self
expect_fail 'parent or in the base of another layer.*Device or resource busy' \
	"$LAYERCTL" layer rm base
expect_fail 'no such layer.*No such file or directory' \
	"$LAYERCTL" layer rm nope
expect_fail 'no such layer.*No such file or directory' \
	"$LAYERCTL" layer show nope
expect_eq "$("$LAYERCTL" layer ls --json | grep -o '"name"' | wc -l)" 2 \
	"refusals changed nothing"

# --- the stacking limit: a directory inside overlay-on-overlay ---------------
modprobe overlay
mkdir -p "$d/o1/l" "$d/o1/u" "$d/o1/w" "$d/o1/m" "$d/o2/u" "$d/o2/w" "$d/o2/m"
mkdir -p "$d/o1/l/dir"
mount -t overlay o1 -o "lowerdir=$d/o1/l,upperdir=$d/o1/u,workdir=$d/o1/w" "$d/o1/m"
mount -t overlay o2 -o "lowerdir=$d/o1/m,upperdir=$d/o2/u,workdir=$d/o2/w" "$d/o2/m"
expect_ok "$LAYERCTL" layer add depth1 "$d/o1/m/dir"
expect_fail 'stacked too deep.*Too many levels of symbolic links' \
	"$LAYERCTL" layer add depth2 "$d/o2/m/dir"
expect_ok "$LAYERCTL" layer rm depth1
umount "$d/o2/m" "$d/o1/m"

# --- pinning: rename does not redirect, unmount is refused -----------------
expect_ok "$LAYERCTL" layer add pinned "$d/pin"
mv "$d/pin" "$d/pin-renamed"
mkdir "$d/pin"
expect_fail 'already registered' "$LAYERCTL" layer add again "$d/pin-renamed"
expect_ok "$LAYERCTL" layer add fresh "$d/pin"
expect_ok "$LAYERCTL" layer rm fresh

mkdir -p "$d/mnt"
mount -t tmpfs none "$d/mnt"
mkdir "$d/mnt/l"
expect_ok "$LAYERCTL" layer add onmnt "$d/mnt/l"
expect_fail 'busy' umount "$d/mnt"
expect_ok "$LAYERCTL" layer rm onmnt
expect_ok umount "$d/mnt"

# --- unprivileged callers: EPERM, nothing changes ----------------------------
nobody="setpriv --reuid 65534 --regid 65534 --clear-groups --"
before=$("$LAYERCTL" layer ls --json)
expect_fail 'Operation not permitted' $nobody "$LAYERCTL" layer ls
expect_fail 'Operation not permitted' $nobody "$LAYERCTL" layer show base
expect_fail 'Operation not permitted' $nobody "$LAYERCTL" layer rm gakki/mytomcat:1.1
expect_fail 'Operation not permitted' $nobody "$LAYERCTL" layer add u "$d/other"
expect_eq "$("$LAYERCTL" layer ls --json)" "$before" \
	"unprivileged calls changed nothing"

# --- overlaps: layers, uppers and work directories, in both directions --------
# (issue 12, item 5; overlayfs's ovl_check_layer() refuses overlapping layers
# with ELOOP).  Each refusal: ELOOP or EBUSY, and the registry and the views
# stay as they were.  A command that is wrongly accepted is undone.
o=$d/ov
mkdir -p "$o/lay/sub" "$o/vv/u" "$o/vv/w" "$o/m" "$o/p/u" "$o/q/w" "$o/m2" \
	"$o/big/lay2" "$o/bw" "$o/w5" "$o/u6" "$o/m3" "$o/cu" "$o/cw" "$o/mc"
expect_ok "$LAYERCTL" layer add ov/lay "$o/lay"
expect_ok "$LAYERCTL" layer add ov/lay2 "$o/big/lay2"
expect_ok "$LAYERCTL" mount --layers ov/lay --upper "$o/vv/u" --work "$o/vv/w" "$o/m"
expect_ok "$LAYERCTL" mount --layers ov/lay --upper "$o/p/u" --work "$o/q/w" "$o/m2"
mkdir -p "$o/m/inup" "$o/vv/w/inwork"
reg=$("$LAYERCTL" layer ls --json)
nviews=$("$LAYERCTL" view ls --json | jq length)
overlap_err='(Too many levels of symbolic links|Device or resource busy)'

# layer add WHAT NAME DIR: refused, and nothing registered.
refuse_add() {
	if expect_fail "$overlap_err" "$LAYERCTL" layer add "$2" "$3"; then
		:
	else
		"$LAYERCTL" layer rm "$2" >/dev/null 2>&1
	fi
	expect_eq "$("$LAYERCTL" layer ls --json)" "$reg" "$1: registry unchanged"
}
refuse_add "a directory inside a mounted view's upper" ov/x1 "$o/vv/u/inup"
refuse_add "a directory containing a live upper and work" ov/x2 "$o/vv"
refuse_add "a directory containing a live upper only" ov/x3 "$o/p"
refuse_add "a directory inside a live work directory" ov/x4 "$o/vv/w/inwork"
refuse_add "a directory containing a live work directory only" ov/x5 "$o/q"

# mount WHAT LAYERS UPPER WORK: refused, nothing mounted, no view added.
# (The registered layer overlapped is not in the view's stack: overlaps
# with the view's own layers are refused already, with EINVAL.)
refuse_mount() {
	if expect_fail "$overlap_err" "$LAYERCTL" mount --layers "$2" \
		--upper "$3" --work "$4" "$o/m3"; then
		:
	else
		"$LAYERCTL" umount "$o/m3" >/dev/null 2>&1
	fi
	expect_eq "$(awk -v m="$o/m3" '$2 == m' /proc/self/mounts)$("$LAYERCTL" view ls --json | jq length)" \
		"$nviews" "$1: nothing mounted"
}
mkdir -p "$o/lay/u4" "$o/lay/w4"
refuse_mount "upper inside a registered layer" ov/lay2 "$o/lay/u4" "$o/w5"
refuse_mount "work inside a registered layer" ov/lay2 "$o/u6" "$o/lay/w4"
refuse_mount "upper containing a registered layer" ov/lay "$o/big" "$o/bw"
expect_eq "$("$LAYERCTL" layer ls --json)" "$reg" "refused mounts: registry unchanged"

# A commit whose new upper lies inside a registered layer (raw request: layerctl
# picks its own new upper).
mkdir -p "$o/lay/nu"
if expect_ok "$LAYERCTL" mount --layers ov/lay2 --upper "$o/cu" --work "$o/cw" "$o/mc"; then
	echo data >"$o/mc/f"
	vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$o/mc\") | .id")
	out=$(/usr/bin/python3 "$ROOT/tests/guest/nlcommit.py" "$vid" "$o/lay/nu" ov/c:1)
	expect_match "$out" "^ERR (ELOOP|EBUSY)" "commit with the new upper inside a registered layer refused ($out)"
	expect_match "$(awk -v m="$o/mc" '$2 == m { print $4 }' /proc/self/mounts)" \
		"upper=$o/cu," "the refused commit left the view on its upper"
	"$LAYERCTL" layer show ov/c:1 >/dev/null 2>&1 &&
		fail "the refused commit registered no layer"
	expect_ok "$LAYERCTL" umount "$o/mc"
	"$LAYERCTL" layer rm ov/c:1 >/dev/null 2>&1
fi
expect_ok "$LAYERCTL" umount "$o/m"
expect_ok "$LAYERCTL" umount "$o/m2"
expect_ok "$LAYERCTL" layer rm ov/lay
expect_ok "$LAYERCTL" layer rm ov/lay2

# --- removal in dependency order ---------------------------------------------
expect_ok "$LAYERCTL" layer rm gakki/mytomcat:1.1
expect_ok "$LAYERCTL" layer rm base
expect_ok "$LAYERCTL" layer rm pinned
expect_eq "$("$LAYERCTL" layer ls --json | tr -d ' \n')" '[]' "registry empty"

# Unloading with layers still registered releases them (leaks: scale test).
expect_ok "$LAYERCTL" layer add leftover "$d/other"
expect_ok unload_module

done_testing
