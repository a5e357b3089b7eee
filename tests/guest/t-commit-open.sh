#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A copy-up by open(O_CREAT | O_TRUNC) holds write access to the view like
# every other copy-up: a file created by the open and committed before
# the open reached the view (held there by a fanotify permission event) is
# copied up when the open goes on; a second commit freezing the view
# meanwhile must not find that copy-up writing into the upper it freezes.
# The VFS holds write access across ->open() only to truncate a file the
# open did not create.  The cases are in commit_open.py.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
load_module
s=$scratch
mkdir -p "$s/base" "$s/u0" "$s/u1" "$s/u2" "$s/w" "$s/m"
echo base >"$s/base/f"
expect_ok "$LAYERCTL" layer add co/base:1 "$s/base"
if expect_ok "$LAYERCTL" mount --layers 'co/base\:1' --upper "$s/u0" \
	--work "$s/w" --name co "$s/m"; then
	vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/m\") | .id")
	$PY "$ROOT/tests/guest/commit_open.py" "$vid" "$s/m" "$s/u1" "$s/u2" \
		>"$s/out" 2>&1
	rc=$?
	relay_checks "$s/out"
	expect_eq "$rc" 0 "commit_open.py exit status"
	expect_ok umount "$s/m"
fi
"$LAYERCTL" layer rm co/img:2 >/dev/null 2>&1
"$LAYERCTL" layer rm co/img:1 >/dev/null 2>&1
expect_ok "$LAYERCTL" layer rm co/base:1
expect_ok unload_module
done_testing
