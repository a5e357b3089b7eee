#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Idmapped mounts are refused as layers, uppers and work directories
# (issue 12, item 7: every call into the real filesystems passes
# init_user_ns).  An ext4 image is bind-mounted idmapped (uids and gids
# 0-65535 shown as 10000-75535; tests/tools/lfs-idmap); `layerctl layer add`
# of a directory on it, and `layerctl mount` with the upper and work on it,
# must fail with EINVAL or EOPNOTSUPP and a message naming the idmapping,
# and change nothing.  The same directories through a plain bind mount
# still work.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-idmap
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }
load_module

E=$scratch/e I=$scratch/i B=$scratch/b M=$scratch/m
mkdir -p "$I" "$B" "$M"
mount_ext4 "$E" 32M
mkdir -p "$E/lay" "$E/base" "$E/up/u" "$E/up/w"
echo lay >"$E/lay/f"
echo base >"$E/base/g"
expect_ok "$LAYERCTL" layer add id/base "$E/base"

expect_ok "$TOOL" "$E" "$I"
expect_eq "$(stat -c %u:%g "$I/lay/f" 2>&1)" "10000:10000" \
	"the bind mount is idmapped (root's file shows as 10000)"
expect_match "$(findmnt -n -o VFS-OPTIONS --mountpoint "$I")" 'idmapped' \
	"findmnt: idmapped"

refused='[Ii]dmap.*(Invalid argument|Operation not supported)'
reg=$("$LAYERCTL" layer ls --json)
if ! expect_fail "$refused" "$LAYERCTL" layer add id/lay "$I/lay"; then
	"$LAYERCTL" layer rm id/lay >/dev/null 2>&1
fi
expect_eq "$("$LAYERCTL" layer ls --json)" "$reg" "refused idmapped layer: registry unchanged"
if ! expect_fail "$refused" "$LAYERCTL" mount --layers id/base \
	--upper "$I/up/u" --work "$I/up/w" "$M"; then
	"$LAYERCTL" umount "$M" >/dev/null 2>&1
fi
expect_eq "$(awk -v m="$M" '$2 == m' /proc/self/mounts)" "" \
	"refused idmapped upper: nothing mounted"
expect_eq "$("$LAYERCTL" view ls --json)" "[]" "refused idmapped upper: no view"
expect_ok umount "$I"

# A plain bind mount of the same filesystem works, as layer and as upper.
expect_ok mount --bind "$E" "$B"
expect_ok "$LAYERCTL" layer add id/lay "$B/lay"
expect_ok "$LAYERCTL" mount --layers id/lay:id/base --upper "$B/up/u" \
	--work "$B/up/w" "$M"
expect_eq "$(cat "$M/f" "$M/g" 2>&1 | paste -s -d ' ')" "lay base" \
	"a view of a plain bind mount reads both layers"
echo new >"$M/new"
expect_eq "$(cat "$E/up/u/new" 2>&1)" new "it writes its upper"
expect_ok "$LAYERCTL" umount "$M"
expect_ok "$LAYERCTL" layer rm id/lay
expect_ok "$LAYERCTL" layer rm id/base
expect_ok umount "$B"
expect_ok umount "$E"
expect_ok unload_module
done_testing
