#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A file layerctl replaces atomically, killed half-way (run by `make unit`):
#
#   tests/unit/atomic-signal.sh [LAYERCTL]
#
# login and logout rewrite the auth file (the user's credentials, mode
# 0600) as fsdir.c's lfs_write_file_atomic() does every record: the new
# contents in a file of their own, synced, then renamed over the old.  A
# signal that ends layerctl while it writes or syncs that file (Ctrl-C
# during a slow fsync) must leave the directory as it was: the old file,
# and no copy of the credentials under another name.  An LD_PRELOAD shim
# raises SIGTERM in layerctl's first fsync() of a regular file, during a
# logout of one of two hosts.  Exits 1 on any problem.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}
[ -x "$lc" ] || { echo "atomic-signal: no $lc (build it first)"; exit 1; }
lc=$(realpath "$lc")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <sys/stat.h>

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	struct stat st;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		raise(SIGTERM);
	return real(fd);
}
C
cc -shared -fPIC -o "$tmp/shim.so" "$tmp/shim.c" -ldl || {
	echo "atomic-signal: cannot build the shim"; exit 1; }

mkdir -m 0700 "$tmp/cfg"
printf '{"auths":{"a.example":{"auth":"dTpw"},"b.example":{"auth":"dTpx"}}}\n' \
	>"$tmp/cfg/auth.json"
chmod 0600 "$tmp/cfg/auth.json"
cp "$tmp/cfg/auth.json" "$tmp/before"
bad=0
# (bash's "Terminated" report for it goes to /dev/null)
{
	REGISTRY_AUTH_FILE=$tmp/cfg/auth.json LD_PRELOAD=$tmp/shim.so \
		"$lc" logout a.example >"$tmp/out" 2>&1
	rc=$?
} 2>/dev/null
if [ $rc != 143 ]; then
	echo "atomic-signal: logout ended with status $rc, not by SIGTERM in fsync: $(cat "$tmp/out")"
	bad=1
fi
left=$(ls -A "$tmp/cfg" | tr '\n' ' ')
if [ "$left" != "auth.json " ]; then
	echo "atomic-signal: a logout killed while it wrote the auth file left: $left"
	bad=1
fi
cmp -s "$tmp/cfg/auth.json" "$tmp/before" ||
	{ echo "atomic-signal: the auth file changed"; bad=1; }
[ $bad = 0 ] && echo "atomic-signal: ok"
exit $bad
