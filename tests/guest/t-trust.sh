#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Trust of images (issue 12, item 8): views of images that came from
# `layerctl import` or `layerctl load` are mounted nosuid,nodev by default;
# `-o suid,dev` opts out; `-o` takes mount(8)-style flags.
#
# - a setuid-root copy of id(1) in an imported image, run as uid 65534
#   from the view: effective uid 65534 by default, 0 with -o suid,dev;
# - a character device (1:5, /dev/zero) in the image cannot be opened
#   under nodev, can with -o dev;
# - the same for a loaded image (save, then load under another name) and
#   for a view of a local layer committed on top of an imported one;
# - a local layer (layer add) keeps setuid by default; -o nosuid removes it;
# - view ls and view ls --json show the mount flags;
# - -o ro, noexec, noatime are applied; an unknown flag is refused;
# - a mount_setattr(2) that fails (sysdeny.py) is one error line.
#
# guest-timeout: 600
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

d=$scratch
# uid 65534 must reach the mountpoints.
chmod 0755 "$d"
load_module
L() { "$LAYERCTL" "$@"; }
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }

# The image: bin/id setuid root, dev/zero, a plain file.
src=$d/src
mkdir -p "$src/bin" "$src/dev"
cp /usr/bin/id "$src/bin/id"
chown 0:0 "$src/bin/id"
chmod 4755 "$src/bin/id"
mknod "$src/dev/zero" c 1 5
chmod 0666 "$src/dev/zero"
echo data >"$src/file"
chmod 0755 "$src" "$src/bin" "$src/dev"
expect_ok L export --dir "$src" -o "$d/img.tar"
expect_ok L import "$d/img.tar" trust/img:1

m=$d/m
mkdir -p "$m"
chmod 0755 "$m"

# euid of the setuid id(1) run as uid 65534 from view $1.
euid() { nobody "$1/bin/id" -u 2>&1; }
# "ok" if root can read from the device node of view $1.
devread() {
	if head -c 4 "$1/dev/zero" 2>/dev/null | od -An -tx1 | grep -q '00 00 00 00'; then
		echo ok
	else
		echo refused
	fi
}
# The mount options of mountpoint $1 as view ls --json shows them.
vflags() {
	L view ls --json | jq -r --arg m "$1" \
		'.[] | select(.mountpoints | index($m)) | .mount_options | join(",")'
}

# Sanity: the setuid bit survived the import.
expect_eq "$(stat -c %a "$(L layer show trust/img:1 --json | jq -r .path)/bin/id")" 4755 \
	"the imported layer keeps bin/id 4755 root"

# --- imported image, default: nosuid,nodev -------------------------------
expect_ok L mount --ro trust/img:1 "$m"
expect_eq "$(euid "$m")" 65534 "imported image: a setuid-root program run by uid 65534 does not get euid 0"
expect_eq "$(devread "$m")" refused "imported image: its device node cannot be opened (nodev)"
expect_match "$(vflags "$m")" '(^|,)nosuid(,|$)' "view ls --json shows nosuid"
expect_match "$(vflags "$m")" '(^|,)nodev(,|$)' "view ls --json shows nodev"
expect_match "$(L view ls)" 'nosuid' "view ls shows nosuid"
expect_ok L umount "$m"

# A writable store view of it: the same default.
expect_ok L mount trust/img:1 "$m"
expect_eq "$(euid "$m")" 65534 "imported image, writable view: no euid 0"
expect_ok L commit "$m" trust/local-on-img:1
expect_ok L umount "$m"

# --- explicit opt-out ------------------------------------------------------
expect_ok L mount --ro -o suid,dev trust/img:1 "$m"
expect_eq "$(euid "$m")" 0 "imported image with -o suid,dev: the setuid program gets euid 0"
expect_eq "$(devread "$m")" ok "imported image with -o suid,dev: the device node works"
fl=$(vflags "$m")
case ,$fl, in
*,nosuid,* | *,nodev,*) fail "view ls --json without nosuid/nodev after -o suid,dev" "$fl" ;;
*) pass "view ls --json without nosuid/nodev after -o suid,dev ($fl)" ;;
esac
expect_ok L umount "$m"

# --- --layers stack with an imported layer, and a layer above one ------------
expect_ok L mount --layer trust/img:1 "$m"
expect_eq "$(euid "$m")" 65534 "--layer of an imported layer: no euid 0"
expect_ok L umount "$m"
expect_ok L mount --ro trust/local-on-img:1 "$m"
expect_eq "$(euid "$m")" 65534 "a commit on top of an imported image: no euid 0"
expect_ok L umount "$m"

# --- loaded image ------------------------------------------------------------
expect_ok L save trust/img:1 -o "$d/oci"
expect_ok L load "$d/oci" trust/loaded:1
expect_ok L mount --ro trust/loaded:1 "$m"
expect_eq "$(euid "$m")" 65534 "loaded image: no euid 0"
expect_eq "$(devread "$m")" refused "loaded image: nodev"
expect_ok L umount "$m"

# --- a local layer: trusted by default; -o nosuid,nodev,noexec,ro ----------
loc=$d/local
cp -a "$src" "$loc"
expect_ok L layer add trust/local:1 "$loc"
expect_ok L mount --layer trust/local:1 "$m"
expect_eq "$(euid "$m")" 0 "local layer: setuid works by default (a layer root registered)"
expect_ok L umount "$m"
expect_ok L mount --layer trust/local:1 -o nosuid,nodev "$m"
expect_eq "$(euid "$m")" 65534 "local layer with -o nosuid: no euid 0"
expect_eq "$(devread "$m")" refused "local layer with -o nodev: device refused"
expect_ok L umount "$m"
expect_ok L mount --layer trust/local:1 -o noexec "$m"
expect_fail 'Permission denied' "$m/bin/id" -u
expect_ok L umount "$m"
u=$d/u w=$d/w
mkdir -p "$u" "$w"
expect_ok L mount --layer trust/local:1 --upper "$u" --work "$w" -o ro,noatime "$m"
expect_fail 'Read-only file system' touch "$m/new"
expect_match "$(vflags "$m")" '(^|,)ro(,|$)' "view ls --json shows ro"
expect_match "$(vflags "$m")" '(^|,)noatime(,|$)' "view ls --json shows noatime"
expect_ok L umount "$m"

# --- flags that cannot be set: the view's error, the errno once ------------
out=$(/usr/bin/python3 "$ROOT/tests/guest/sysdeny.py" mount_setattr EPERM -- \
	"$LAYERCTL" mount --ro trust/img:1 "$m" 2>&1)
expect_eq "$out" "layerctl: view '$m': cannot set the mount flags (Operation not permitted)" \
	"mount_setattr(2) failing: the view, what failed, the errno's text once"
expect_eq "$(awk -v m="$m" '$2 == m' /proc/mounts)" "" "... and nothing is mounted"

# --- bad flags ---------------------------------------------------------------
expect_fail "mount option 'bogus'" L mount --layer trust/local:1 -o nosuid,bogus "$m"
expect_fail "mount option 'remount'" L mount --layer trust/local:1 -o remount "$m"
expect_eq "$(awk -v m="$m" '$2 == m' /proc/mounts)" "" "a refused -o mounts nothing"
expect_ok unload_module

done_testing
