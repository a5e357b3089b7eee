#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of a layerfs.ko for kernel KVER: the tree's
# kernel/layerfs.ko if it is built for KVER, else one built for KVER in
# build/kver-KVER (scripts/build-module.sh), so that KVER= picks the guest
# kernel without rebuilding the tree's module.
#
#   scripts/module-for.sh KVER
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 1 ] && [ -n "$1" ] || { echo "usage: module-for.sh KVER" >&2; exit 2; }
ko=$root/kernel/layerfs.ko
case $(modinfo -F vermagic "$ko" 2>/dev/null) in
"$1 "*) echo "$ko" ;;
*) exec "$root/scripts/build-module.sh" "$1" ;;
esac
