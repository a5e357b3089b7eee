#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmod.c's error when the module cannot be loaded, as the user sees it (run
# by `make unit`; kmod.c is I/O, outside the Check runner): err.h's one
# model, "layerctl: module 'PATH': cannot load (STRERROR)", and exit 1.  A
# --module PATH that does not exist fails the same way on every host,
# privileged or not.  Skipped where the layerfs module is already loaded
# (layerctl then never loads one).
#
#   tests/unit/kmod-msg.sh [LAYERCTL]   (default userspace/layerctl)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}

if [ -e /sys/module/layerfs ]; then
	echo "kmod-msg: layerfs is loaded, skipped"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mod=$tmp/missing/layerfs.ko
"$lc" --store "$tmp/store" --module "$mod" layer ls >"$tmp/out" 2>"$tmp/err"
rc=$?
want="layerctl: module '$mod': cannot load (No such file or directory)"
if [ "$rc" != 1 ] || [ "$(cat "$tmp/err")" != "$want" ]; then
	echo "kmod-msg: layer ls --module $mod: exit $rc, stderr:"
	cat "$tmp/err"
	echo "kmod-msg: want exit 1 and: $want"
	exit 1
fi
