#!/bin/sh
# The layer registry over generic netlink, driven by layerctl: every command,
# every refusal with its errno text and the kernel's message, and pinning.
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
expect_fail 'invalid layer name' "$LAYERCTL" layer add Bad "$d/z"
expect_fail 'invalid layer name' "$LAYERCTL" layer add 'a//b' "$d/z"
expect_fail 'invalid layer name' "$LAYERCTL" layer add 'a:' "$d/z"
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

# --- removal in dependency order ---------------------------------------------
expect_ok "$LAYERCTL" layer rm gakki/mytomcat:1.1
expect_ok "$LAYERCTL" layer rm base
expect_ok "$LAYERCTL" layer rm pinned
expect_eq "$("$LAYERCTL" layer ls --json | tr -d ' \n')" '[]' "registry empty"

# Unloading with layers still registered releases them (leaks: scale test).
expect_ok "$LAYERCTL" layer add leftover "$d/other"
expect_ok unload_module

done_testing
