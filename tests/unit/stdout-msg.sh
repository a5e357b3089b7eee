#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# main()'s error when standard output cannot be written at exit (run by
# `make unit`; main() is outside the Check runner): err.h's one model,
# "layerctl: standard output: cannot write it (STRERROR)", and exit 1.
# /dev/full takes nothing (ENOSPC) on every Linux host.
#
#   tests/unit/stdout-msg.sh [LAYERCTL]   (default userspace/layerctl)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$lc" --store "$tmp/store" layer --help >/dev/full 2>"$tmp/err"
rc=$?
want="layerctl: standard output: cannot write it (No space left on device)"
if [ "$rc" != 1 ] || [ "$(cat "$tmp/err")" != "$want" ]; then
	echo "stdout-msg: layer --help >/dev/full: exit $rc, stderr:"
	cat "$tmp/err"
	echo "stdout-msg: want exit 1 and: $want"
	exit 1
fi
echo "stdout-msg: ok"
