#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# layerctl mount, umount and view ls: views mounted by layer list (tags
# escaped in --layers, or --layer repeated) and by image, read-only and
# writable; what /proc/mounts and findmnt show; view ls and its JSON with
# mountpoints; a layer in use cannot be removed; refusals with clear
# messages; busy and lazy unmounts; a view of 4,096 layers.  Timings are
# printed as "# time: ..." lines.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

BIG=4096

now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() {
	_ms=$(($(now_ms) - $1))
	diag "time: $2: $((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s"
}

# The mount options of the mount at $1, from /proc/self/mounts.
mount_opts() {
	awk -v m="$1" '$2 == m { print $4 }' /proc/self/mounts
}

# Views in `layerctl view ls --json` that jq filter $1 selects, counted.
count_views() {
	"$LAYERCTL" view ls --json | jq "[.[] | select($1)] | length"
}

d=$scratch
mkdir -p "$d/base/etc" "$d/app/etc" "$d/m1" "$d/m2" "$d/m3" "$d/m4" \
	"$d/u1" "$d/w1" "$d/u2" "$d/w2" "$d/u3" "$d/w3" "$d/t2"
echo base >"$d/base/etc/os"
echo base >"$d/base/etc/hosts"
echo app >"$d/app/etc/os"
echo app >"$d/app/app.txt"
: >"$d/file"

# --- the module is loaded by mount itself, like the netlink commands ---------
if [ -d /sys/module/layerfs ]; then
	skip "mount loads the module" "layerfs is already loaded"
else
	expect_fail "^layerctl: view '$d/m1': unknown layer 'nope' \(No such file or directory\)\$" \
		"$LAYERCTL" --module "$MODULE" mount --layers nope "$d/m1"
	expect_ok test -d /sys/module/layerfs
fi
[ -d /sys/module/layerfs ] || load_module

expect_ok "$LAYERCTL" layer add base:1 "$d/base"
expect_ok "$LAYERCTL" layer add gakki/app:1.1 "$d/app" --parent base:1

# --- mount --layers, writable, tags escaped ---------------------------------
expect_ok "$LAYERCTL" mount --layers 'gakki/app\:1.1:base\:1' \
	--upper "$d/u1" --work "$d/w1" --name web "$d/m1"
expect_eq "$(cat "$d/m1/etc/os")" app "top layer wins"
expect_eq "$(cat "$d/m1/etc/hosts")" base "bottom layer shows through"
echo new >"$d/m1/new.txt"
expect_eq "$(cat "$d/u1/new.txt" 2>&1)" new "writes land in the upper"
expect_eq "$(stat -f -c %t "$d/m1")" 6c617966 "statfs f_type is LAYERFS_SUPER_MAGIC"

opts=$(mount_opts "$d/m1")
expect_match "$opts" '^rw,' "view 1 is rw in /proc/mounts"
expect_match "$opts" '(^|,)layers=gakki/app\\:1\.1:base\\:1(,|$)' \
	"/proc/mounts shows the stack, tags escaped"
expect_match "$opts" "(^|,)upper=$d/u1,work=$d/w1(,|\$)" \
	"/proc/mounts shows upper and work"
out=$(findmnt -n -o FSTYPE,SOURCE --mountpoint "$d/m1")
expect_match "$out" '^layerfs +web$' "findmnt: type layerfs, source from --name"
out=$(findmnt -n -o OPTIONS --mountpoint "$d/m1")
expect_match "$out" 'layers=gakki/app\\:1\.1:base\\:1' "findmnt shows the options"

# --- mount --ro REF: the image and its parents, read-only ------------------------
expect_ok "$LAYERCTL" mount --ro gakki/app:1.1 "$d/m2"
expect_eq "$(cat "$d/m2/app.txt")" app "image top layer"
expect_eq "$(cat "$d/m2/etc/hosts")" base "image parent layer"
expect_fail 'Read-only file system' touch "$d/m2/x"
opts=$(mount_opts "$d/m2")
expect_match "$opts" '^ro,' "image view is ro in /proc/mounts"
expect_match "$opts" '(^|,)image=gakki/app:1\.1(,|$)' "/proc/mounts shows image="
out=$(findmnt -n -o FSTYPE,SOURCE --mountpoint "$d/m2")
expect_match "$out" '^layerfs +layerfs$' "default source is 'layerfs'"

# --- --layer repeated needs no escaping; an image with an upper --------------
expect_ok "$LAYERCTL" mount --layer gakki/app:1.1 --layer base:1 "$d/m3"
expect_match "$(mount_opts "$d/m3")" 'layers=gakki/app\\:1\.1:base\\:1' \
	"--layer stack as with --layers"
expect_ok "$LAYERCTL" umount "$d/m3"
expect_ok "$LAYERCTL" mount gakki/app:1.1 "$d/m3" --upper "$d/u2" --work "$d/w2"
opts=$(mount_opts "$d/m3")
expect_match "$opts" '^rw,' "writable image view is rw"
expect_match "$opts" "(^|,)image=gakki/app:1\\.1,upper=$d/u2,work=$d/w2\$" \
	"writable image view options"

# --- view ls -------------------------------------------------------------------
t=$(now_ms)
out=$("$LAYERCTL" view ls)
took "$t" "view ls (3 views)"
diag "view ls:"
printf '%s\n' "$out" | sed 's/^/#   /'
expect_match "$out" '^ID +MOUNTPOINT +LAYERS +UPPER +MODE$' "view ls header"
expect_match "$out" "^[0-9]+ +$d/m1 +gakki/app\\\\:1\\.1:base\\\\:1 +$d/u1 +rw\$" \
	"view ls: the --layers view"
expect_match "$out" "^[0-9]+ +$d/m2 +gakki/app\\\\:1\\.1:base\\\\:1 +- +ro\$" \
	"view ls: the image view"
expect_match "$out" "^[0-9]+ +$d/m3 +gakki/app\\\\:1\\.1:base\\\\:1 +$d/u2 +rw\$" \
	"view ls: the writable image view"

json=$("$LAYERCTL" view ls --json)
expect_ok jq -e 'type == "array" and length == 3' <<EOF
$json
EOF
expect_eq "$(count_views ".mountpoints == [\"$d/m1\"] and .source == \"web\"
	and .layers == [\"gakki/app:1.1\", \"base:1\"] and .upper == \"$d/u1\"
	and .work == \"$d/w1\" and .readonly == false and (has(\"image\") | not)")" 1 \
	"view ls --json: the --layers view in full"
expect_eq "$(count_views ".mountpoints == [\"$d/m2\"] and .source == \"layerfs\"
	and .image == \"gakki/app:1.1\" and .layers == [\"gakki/app:1.1\", \"base:1\"]
	and .readonly == true and (has(\"upper\") | not)")" 1 \
	"view ls --json: the image view in full"
expect_eq "$(count_views ".mountpoints == [\"$d/m3\"] and .image == \"gakki/app:1.1\"
	and .upper == \"$d/u2\" and .readonly == false")" 1 \
	"view ls --json: the writable image view"
expect_eq "$("$LAYERCTL" view ls --json | jq -r '[.[].id] | . == (sort | unique)')" \
	true "views in ascending id order"

# A bind mount is a second mountpoint of the same view.
mkdir -p "$d/bind"
mount --bind "$d/m2" "$d/bind"
expect_eq "$(count_views ".mountpoints == [\"$d/m2\", \"$d/bind\"]")" 1 \
	"view ls lists both mountpoints of a bind-mounted view"
umount "$d/bind"

# --- layers in use stay -------------------------------------------------------
expect_fail "^layerctl: layer 'gakki/app:1\\.1': layer is used by a mounted view \\(Device or resource busy\\)\$" \
	"$LAYERCTL" layer rm gakki/app:1.1
expect_fail 'Device or resource busy' "$LAYERCTL" layer rm base:1

# --- refusals ---------------------------------------------------------------
m=$d/m4
expect_fail "^layerctl: view '$m': unknown layer 'nope' \\(No such file or directory\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1:nope' "$m"
expect_fail "^layerctl: view '$m': unknown image 'nope:2' \\(No such file or directory\\)\$" \
	"$LAYERCTL" mount nope:2 "$m"
expect_fail "^layerctl: layer 'Nope': invalid name: " \
	"$LAYERCTL" mount --layers 'base\:1:Nope' "$m"
expect_fail "appears twice.*Invalid argument" \
	"$LAYERCTL" mount --layer base:1 --layer base:1 "$m"
expect_fail '^layerctl: mount: --upper and --work go together$' \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/u3" "$m"
mount -t tmpfs t2 "$d/t2"
mkdir "$d/t2/w"
expect_fail "^layerctl: view '$m': upper and work must be on the same mount \\(Invalid argument\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/u3" --work "$d/t2/w" "$m"
expect_fail "^layerctl: view '$m': upper or work is in use by view [0-9]+ \\(Device or resource busy\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/u1" --work "$d/w3" "$m"
expect_fail "^layerctl: view '$m': upper or work is in use by view [0-9]+ \\(Device or resource busy\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/u3" --work "$d/w1" "$m"
expect_fail "^layerctl: view '$m': upper 'u3': not an absolute path\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper u3 --work "$d/w3" "$m"
expect_fail "^layerctl: view '$m': work 'w3': not an absolute path\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/u3" --work w3 "$m"
expect_fail "^layerctl: view '$m': upper '$d/missing'.*\\(No such file or directory\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' --upper "$d/missing" --work "$d/w3" "$m"
expect_fail "^layerctl: view '$d/missing': mount point does not exist \\(No such file or directory\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' "$d/missing"
expect_fail "^layerctl: view '$d/file': mount point is not a directory \\(Not a directory\\)\$" \
	"$LAYERCTL" mount --layers 'base\:1' "$d/file"
# work/layerfs.work that is not a directory is refused before it is
# opened: whoever can write the work directory can leave a FIFO there,
# whose open for reading waits for a writer (the mount hung until killed).
mkdir "$d/wf"
mkfifo "$d/wf/layerfs.work"
expect_fail "Not a directory" \
	timeout 60 "$LAYERCTL" mount --layers 'base\:1' --upper "$d/u3" --work "$d/wf" "$m"
expect_eq "$(awk -v m="$m" '$2 == m' /proc/self/mounts)" "" "refusals mounted nothing"
expect_eq "$(count_views 'true')" 3 "refusals left no view behind"
umount "$d/t2"

expect_fail "^layerctl: view '$d': not a layerfs view \\(Invalid argument\\)\$" \
	"$LAYERCTL" umount "$d"
expect_fail "^layerctl: view '$d/m1/etc': not a mount point: a directory inside a layerfs view \\(Invalid argument\\)\$" \
	"$LAYERCTL" umount "$d/m1/etc"
expect_fail "^layerctl: view '$d/missing': No such file or directory\$" \
	"$LAYERCTL" umount "$d/missing"

# --- umount: what is checked is what is unmounted ------------------------------
# A user who owns a directory on MNT's path could swap it for a symbolic
# link between umount's check (a layerfs view's mount point) and its
# umount2(2), which then unmounted what the new path names (root's
# tmpfs, here).  A preloaded umount2() makes that swap first,
# deterministically: the view checked must be the one unmounted.
mkdir -p "$d/um/own/v" "$d/um/decoy/v"
expect_ok "$LAYERCTL" mount --ro gakki/app:1.1 "$d/um/own/v"
mount -t tmpfs decoy "$d/um/decoy/v"
if command -v cc >/dev/null 2>&1; then
	cat >"$d/um/swap.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* LFS_SWAP_DIR becomes a link to LFS_SWAP_TO, once, then the real call. */
int umount2(const char *target, int flags)
{
	int (*real)(const char *, int) =
		(int (*)(const char *, int))dlsym(RTLD_NEXT, "umount2");
	const char *dir = getenv("LFS_SWAP_DIR"), *to = getenv("LFS_SWAP_TO");
	char moved[4096];

	if (dir && to) {
		snprintf(moved, sizeof(moved), "%s.real", dir);
		if (rename(dir, moved) || symlink(to, dir))
			return -1;
		unsetenv("LFS_SWAP_DIR");
	}
	return real(target, flags);
}
EOF
	cc -shared -fPIC -o "$d/um/swap.so" "$d/um/swap.c"
	expect_ok env LD_PRELOAD="$d/um/swap.so" LFS_SWAP_DIR="$d/um/own" \
		LFS_SWAP_TO="$d/um/decoy" "$LAYERCTL" umount "$d/um/own/v"
	expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$d/um/decoy/v")" tmpfs \
		"umount left the mount swapped in after its check alone"
	expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$d/um/own.real/v")" "" \
		"umount unmounted the view it checked"
	rm "$d/um/own"
	mv "$d/um/own.real" "$d/um/own"
	if mountpoint -q "$d/um/own/v"; then umount "$d/um/own/v"; fi
	if ! mountpoint -q "$d/um/decoy/v"; then
		mount -t tmpfs decoy "$d/um/decoy/v"
	fi
else
	skip "umount: what is checked is what is unmounted" "no C compiler"
fi
# A symbolic link at MNT itself is not followed (UMOUNT_NOFOLLOW).
expect_ok "$LAYERCTL" mount --ro gakki/app:1.1 "$d/um/own/v"
ln -s "$d/um/own/v" "$d/um/link"
expect_fail "^layerctl: view '$d/um/link': a symbolic link: give the view's mount point itself \\(Too many levels of symbolic links\\)\$" \
	"$LAYERCTL" umount "$d/um/link"
expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$d/um/own/v")" layerfs \
	"umount did not follow a link at MNT"
expect_ok "$LAYERCTL" umount "$d/um/own/v/"
expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$d/um/own/v")" "" \
	"umount MNT/ unmounts the view"
umount "$d/um/decoy/v"

# --- busy and lazy unmounts -----------------------------------------------
exec 3<"$d/m1/etc/os"
expect_fail "^layerctl: view '$d/m1': the view is in use: open files, working directories or mounts inside it: --lazy detaches it now and unmounts it when the last user goes \\(Device or resource busy\\)\$" \
	"$LAYERCTL" umount "$d/m1"
exec 3<&-
expect_ok "$LAYERCTL" umount "$d/m1"
expect_eq "$(mount_opts "$d/m1")" "" "view 1 unmounted"

exec 3<"$d/m2/app.txt"
expect_ok "$LAYERCTL" umount --lazy "$d/m2"
expect_eq "$(count_views '.image == "gakki/app:1.1" and .mountpoints == [] and .readonly')" 1 \
	"a lazily detached view in use is listed without mountpoints"
out=$("$LAYERCTL" view ls)
expect_match "$out" '^[0-9]+ +- +gakki/app\\:1\.1:base\\:1 +- +ro$' \
	"view ls shows '-' for no mountpoint"
exec 3<&-
i=0
while [ "$(count_views '.mountpoints == []')" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$(count_views '.mountpoints == []')" 0 "the detached view goes with its last user"
expect_ok "$LAYERCTL" umount "$d/m3"

# --- restore --views: on the recorded mountpoint, never through a link -------
# It runs as root at boot; a user who owns a directory above a persisted
# view's mountpoint can swap it for a symbolic link to, say, /etc/cron.d.
mkdir -p "$d/pv/alice/view" "$d/pv/victim"
pv=$(cd "$d/pv" && pwd -P)
expect_ok "$LAYERCTL" mount --persist gakki/app:1.1 "$pv/alice/view"
expect_ok umount "$pv/alice/view"	# as a reboot does: the record stays
expect_ok "$LAYERCTL" restore --views
expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$pv/alice/view")" layerfs \
	"restore --views mounts the persisted view again"
expect_eq "$(cat "$pv/alice/view/app.txt" 2>&1)" app "the restored view shows its image"
expect_ok umount "$pv/alice/view"
mv "$pv/alice" "$pv/alice.old"
ln -s "$pv/victim" "$pv/alice"
expect_fail "^layerctl: view '$pv/alice/view': cannot make the mountpoint: a symbolic link on its path \\(Too many levels of symbolic links\\)\$" \
	"$LAYERCTL" restore --views
expect_eq "$(ls -A "$pv/victim")" "" "restore made nothing through the link"
mkdir "$pv/victim/view"
expect_fail "^layerctl: view '$pv/alice/view': cannot make the mountpoint: a symbolic link on its path" \
	"$LAYERCTL" restore --views
expect_eq "$(findmnt -n -o FSTYPE --mountpoint "$pv/victim/view")" "" \
	"restore mounted nothing through the link"

expect_eq "$("$LAYERCTL" view ls --json)" "[]" "no views left"
expect_ok "$LAYERCTL" layer rm gakki/app:1.1
expect_ok "$LAYERCTL" layer rm base:1

# --- a view of 4,096 layers ---------------------------------------------------
big=$d/big
mkdir -p "$big" "$d/mbig"
mount -t tmpfs -o size=64m,nr_inodes=20000 big "$big"
t=$(now_ms)
seq -f "$big/d%04g" 1 "$BIG" | xargs mkdir
echo bottom >"$big/d$BIG/bottom.txt"
echo bottom >"$big/d$BIG/both.txt"
echo top >"$big/d0001/both.txt"
took "$t" "mkdir $BIG layer directories"
awk -v n="$BIG" -v d="$big" 'BEGIN {
	for (i = 1; i <= n; i++) printf "layer add big/l%04d %s/d%04d\n", i, d, i
}' >"$d/add.batch"
awk -v n="$BIG" 'BEGIN { for (i = 1; i <= n; i++) printf "layer rm big/l%04d\n", i }' \
	>"$d/rm.batch"
t=$(now_ms)
# Registered in place, outside any store: layer add also records a layer
# in an existing store, and reads the store's records to do so, which is
# quadratic over 4,096 adds (a known limit of the store).
export LAYERFS_STORE="$d/no-store"
expect_ok "$LAYERCTL" -b "$d/add.batch"
took "$t" "register $BIG layers (one batch)"
stack=$(seq -f 'big/l%04g' 1 "$BIG" | paste -s -d:)
diag "--layers argument: ${#stack} bytes"

# (A function, so that the check's name is not the 40 KB command line.)
# shellcheck disable=SC2317 # called by expect_ok
mount_big() { "$LAYERCTL" mount --layers "$stack" "$d/mbig"; }
t=$(now_ms)
expect_ok mount_big
took "$t" "mount a view of $BIG layers"
t=$(now_ms)
expect_eq "$(cat "$d/mbig/bottom.txt" 2>&1)" bottom "a file of the bottom layer reads through $BIG layers"
took "$t" "first read of the bottom file"
expect_eq "$(cat "$d/mbig/both.txt" 2>&1)" top "the top layer hides the bottom one"
expect_eq "$(find "$d/mbig" -mindepth 1 | wc -l)" 2 "readdir merges $BIG layers"
opts=$(mount_opts "$d/mbig")
expect_eq "$(printf '%s\n' "$opts" | grep -o 'big/l[0-9]*' | wc -l)" "$BIG" \
	"/proc/mounts lists $BIG layers"
t=$(now_ms)
cat /proc/self/mountinfo >/dev/null
took "$t" "cat /proc/self/mountinfo"
t=$(now_ms)
"$LAYERCTL" layer ls >/dev/null
took "$t" "layer ls ($BIG layers)"
t=$(now_ms)
out=$("$LAYERCTL" view ls)
took "$t" "view ls"
t=$(now_ms)
"$LAYERCTL" view ls --json >"$d/big.json"
took "$t" "view ls --json"
expect_ok jq -e 'type == "array"' "$d/big.json"
expect_match "$out" "^[0-9]+ +$d/mbig +big/l0001:\\.\\.\\.:big/l$BIG \\($BIG\\) +- +ro\$" \
	"view ls abbreviates the stack"
expect_eq "$(jq -c ".[] | select(.mountpoints == [\"$d/mbig\"])
	| [(.layers | length), .layers[0], .layers[-1],
	   (.layers == [range(1; $BIG + 1) | \"big/l\" + (tostring | (\"000\" + .)[-4:])])]" \
	"$d/big.json")" "[$BIG,\"big/l0001\",\"big/l$BIG\",true]" \
	"view ls --json lists all $BIG layers in order"
expect_fail 'layer is used by a mounted view' "$LAYERCTL" layer rm "big/l$BIG"

# A commit of a writable view of that stack would have to record the
# stack as the new layer's BASE, longer than LAYERFS_BASE_MAX: refused
# with E2BIG, and nothing changes.
mkdir -p "$d/bigu" "$d/bigw" "$d/mbigw"
# shellcheck disable=SC2317 # called by expect_ok
mount_big_rw() {
	"$LAYERCTL" mount --layers "$stack" --upper "$d/bigu" --work "$d/bigw" "$d/mbigw"
}
expect_ok mount_big_rw
echo new >"$d/mbigw/new.txt"
nlayers=$("$LAYERCTL" layer ls --json | jq length)
expect_fail "^layerctl: view '$d/mbigw': stack too deep to record as a BASE \\(LAYERFS_BASE_MAX\\) \\(Argument list too long\\)\$" \
	"$LAYERCTL" commit "$d/mbigw" big/commit:1
expect_eq "$("$LAYERCTL" layer ls --json | jq length)" "$nlayers" "the refused commit registers no layer"
expect_eq "$(cat "$d/mbigw/new.txt")" new "the view keeps its upper after the refused commit"
expect_eq "$(ls -A "$d/bigu")" new.txt "the upper is unchanged"
expect_eq "$(find "$d" -maxdepth 1 -name 'bigu@*' | wc -l)" 0 "no new upper is left behind"
expect_ok "$LAYERCTL" umount "$d/mbigw"
t=$(now_ms)
expect_ok "$LAYERCTL" umount "$d/mbig"
took "$t" "umount"
t=$(now_ms)
expect_ok "$LAYERCTL" -b "$d/rm.batch"
took "$t" "remove $BIG layers (one batch)"
expect_eq "$("$LAYERCTL" layer ls --json)" "[]" "registry empty"
expect_ok umount "$big"

expect_ok unload_module
done_testing
