#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Online commit, kernel side, through raw LAYERFS_CMD_VIEW_COMMIT requests
# (nlcommit.py): the merged tree and inode numbers are the same before and
# after; descriptors, a directory fd and a cwd from before keep working and
# their changes land in the new upper (a file unlinked in a directory since
# removed is written without bringing either name back); whiteouts, rename and mkdir over
# committed objects; a shared writable mapping refuses the commit (EBUSY
# naming the file) and a committed file cannot be mapped shared until
# written; every refusal (unknown view, read-only view, non-empty, missing,
# relative or foreign new upper, a layer or the upper itself as new upper,
# invalid or duplicate name, caller-set PATH) changes nothing; a second
# commit; a new view of the committed image; removal order.  The cases are
# in commit_core.py, run in one python3 process.
# guest-timeout: 900
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
load_module

s=$scratch
mkdir -p "$s/base/etc" "$s/base/bin"
echo base >"$s/base/etc/os"
echo hosts >"$s/base/etc/hosts"
echo sh >"$s/base/bin/sh"
echo ls >"$s/base/bin/ls"
chmod 755 "$s/base/bin/sh" "$s/base/bin/ls"
# Frozen and indexed: the live view's lower part is looked up in the index.
expect_ok "$LAYERCTL" layer add --frozen cc/base:1 "$s/base"
expect_ok "$LAYERCTL" layer index cc/base:1 -o "$s/base.index"

start=$(date +%s)
$PY "$ROOT/tests/guest/commit_core.py" "$s" "$LAYERCTL" \
	"$ROOT/tests/guest/nlcommit.py" >"$s/out" 2>&1
rc=$?
relay_checks "$s/out"
expect_eq "$rc" 0 "commit_core.py exit status"
diag "time: $(($(date +%s) - start)) s"

# Writers against commits: 4 appenders and a churn process, 20 commits.
STRESS_COMMITS=${STRESS_COMMITS:-20}
mkdir -p "$s/su0" "$s/sw" "$s/sm"
if expect_ok "$LAYERCTL" mount --layers 'cc/base\:1' --upper "$s/su0" \
	--work "$s/sw" --name st "$s/sm"; then
	vid=$("$LAYERCTL" view ls --json | jq ".[] | select(.mountpoints[0] == \"$s/sm\") | .id")
	start=$(date +%s)
	$PY "$ROOT/tests/guest/commit_stress.py" "$s" "$vid" "$s/sm" \
		"$ROOT/tests/guest/nlcommit.py" 4 "$STRESS_COMMITS" >"$s/out" 2>&1
	rc=$?
	relay_checks "$s/out"
	expect_eq "$rc" 0 "commit_stress.py exit status"
	diag "time: stress $(($(date +%s) - start)) s"
	expect_ok umount "$s/sm"
	n=$STRESS_COMMITS
	while [ "$n" -gt 0 ]; do
		"$LAYERCTL" layer rm "st/img:$n" >/dev/null || fail "remove st/img:$n"
		n=$((n - 1))
	done
fi

# Non-root callers are refused before anything is looked at.
mkdir -p "$s/nr"
expect_match "$(setpriv --reuid 65534 --regid 65534 --clear-groups \
	$PY "$ROOT/tests/guest/nlcommit.py" 1 "$s/nr" cc/x:1 2>&1)" \
	"^ERR EPERM" "non-root commit: EPERM"

grep -q " $s/m " /proc/mounts && umount -l "$s/m"
"$LAYERCTL" layer rm cc/app:2 >/dev/null 2>&1
"$LAYERCTL" layer rm cc/app:1 >/dev/null 2>&1
expect_ok "$LAYERCTL" layer rm cc/base:1
expect_ok unload_module
done_testing
