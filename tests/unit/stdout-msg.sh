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

want="layerctl: standard output: cannot write it (No space left on device)"
err=$("$lc" --store /nonexistent/layerctl-unit layer --help 2>&1 >/dev/full)
rc=$?
if [ "$rc" = 1 ] && [ "$err" = "$want" ]; then
	echo "stdout-msg: ok"
	exit 0
fi
printf 'stdout-msg: layer --help >/dev/full: exit %s, stderr:\n%s\n' "$rc" "$err"
printf 'stdout-msg: want exit 1 and: %s\n' "$want"
exit 1
