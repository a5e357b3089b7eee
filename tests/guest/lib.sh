# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Shell library for guest tests (tests/guest/t-*.sh), POSIX sh so tests may
# use #!/bin/sh or #!/bin/bash.  Source it first:
#
#     . "$(dirname "$0")/lib.sh"
#
# Variables
#   ROOT       repo root
#   LAYERCTL   $ROOT/userspace/layerctl
#   MODULE     $LAYERFS_KO, default $ROOT/kernel/layerfs.ko
#   TEST_NAME  the test's name (t-NAME.sh)
#   scratch    a fresh empty directory for this test under $LAYERFS_SCRATCH
#              (tmpfs in the guest); anything mounted below it and the
#              directory itself are removed when the test exits
#   LAYERFS_STORE  exported as $scratch/store unless set: layerctl's layer
#              store (the guest's / is read-only)
#
# Module
#   load_module     insmod $MODULE; if that fails the test bails out (exit 1)
#   unload_module   rmmod layerfs (returns rmmod's status)
#
# Checks: each prints "ok N - WHAT" or "not ok N - WHAT" plus "#" lines
# showing what went wrong, returns 0 / 1, and the test keeps going.
#   expect_ok CMD...                 CMD exits 0
#   expect_fail PATTERN CMD...       CMD exits non-zero (not killed by a
#                                    signal: status 129-192) and its stderr
#                                    matches the grep -E PATTERN
#   expect_eq ACTUAL EXPECTED WHAT   the two strings are equal
#   expect_match TEXT PATTERN WHAT   some line of TEXT matches grep -E PATTERN
#   pass WHAT / fail WHAT [DETAIL...]  record a check decided by the test
#   skip WHAT [REASON]               record a skipped check (counts as ok)
#   mount_ext4 DIR SIZE              a fresh loop-mounted ext4 image on DIR
#   merged_dirs NAME DIRS ENTRIES LEN  DIRS merged directories of ENTRIES
#                                    names of LEN bytes, mounted on
#                                    $scratch/m (see below)
#   diag MSG...                      print a "# MSG" comment
#   done_testing                     print the plan and exit: 0 if every
#                                    check passed, else 1
# A test that exits without done_testing fails (e.g. it died early).
#
# Memory (leak checks)
#   kmalloc_settled  settles, then prints the bytes of objects in use in the
#                    kmalloc-* slab caches (plain, -cg- and -rcl-): the sum
#                    of active_objs * objsize in /proc/slabinfo.  Settling
#                    drops the page and dentry caches, waits a second for
#                    RCU-freed objects, and shrinks each kmalloc cache, which
#                    flushes the per-CPU slabs (whose free slots count as
#                    active); it repeats until two reads in a row are within
#                    16 KiB (at most 10 times), as memory freed by a previous
#                    test can take a few seconds to come back.  num_objs is
#                    not used: SLUB keeps emptied slabs as partial slabs, so
#                    it stays high after a free.  Settled reads under TCG
#                    vary by some 10-50 KB.  Says how long it took on stderr.
#
# lib.sh sets -u and unsets -e: checks must not end the test.

set -u
set +e

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck disable=SC2034 # for the tests
LAYERCTL=$ROOT/userspace/layerctl
MODULE=${LAYERFS_KO:-$ROOT/kernel/layerfs.ko}
TEST_NAME=$(basename "$0" .sh)
TEST_NAME=${TEST_NAME#t-}

_lib_scratch_base=${LAYERFS_SCRATCH:-/tmp/layerfs-scratch}
mkdir -p "$_lib_scratch_base"
scratch=$(mktemp -d "$_lib_scratch_base/$TEST_NAME.XXXXXX") || exit 1
LAYERFS_STORE=${LAYERFS_STORE:-$scratch/store}
export LAYERFS_STORE
_lib_tmp=$(mktemp -d "${TMPDIR:-/tmp}/layerfs-lib.XXXXXX") || exit 1
_lib_n=0
_lib_failed=0
_lib_done=0

# Unmount everything below $scratch (deepest first), then delete it.
_lib_cleanup() {
	awk -v d="$scratch" 'index($2, d "/") == 1 || $2 == d { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$scratch" "$_lib_tmp"
}

_lib_exit() {
	_lib_rc=$1
	_lib_cleanup
	if [ "$_lib_done" = 0 ]; then
		echo "# $TEST_NAME exited (status $_lib_rc) without done_testing after $_lib_n checks, $_lib_failed failed"
		[ "$_lib_rc" != 0 ] || _lib_rc=1
	fi
	exit "$_lib_rc"
}
trap '_lib_exit $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

diag() { echo "# $*"; }

pass() {
	_lib_n=$((_lib_n + 1))
	echo "ok $_lib_n - $1"
	return 0
}

fail() {
	_lib_n=$((_lib_n + 1))
	_lib_failed=$((_lib_failed + 1))
	echo "not ok $_lib_n - $1"
	shift
	for _lib_l in "$@"; do
		printf '%s\n' "$_lib_l" | sed 's/^/#   /'
	done
	return 1
}

skip() {
	_lib_n=$((_lib_n + 1))
	echo "ok $_lib_n - $1 # SKIP${2:+ $2}"
	return 0
}

# Print a captured file as indented diagnostics, under a heading.
_lib_show() {
	if [ -s "$2" ]; then
		echo "#   $1:"
		sed 's/^/#     /' "$2"
	else
		echo "#   $1: (empty)"
	fi
}

expect_ok() {
	if "$@" >"$_lib_tmp/out" 2>"$_lib_tmp/err"; then
		pass "$*"
	else
		_lib_rc=$?
		fail "$*" "expected exit status 0, got $_lib_rc"
		_lib_show stdout "$_lib_tmp/out"
		_lib_show stderr "$_lib_tmp/err"
		return 1
	fi
}

expect_fail() {
	_lib_pat=$1
	shift
	if "$@" >"$_lib_tmp/out" 2>"$_lib_tmp/err"; then
		_lib_rc=0
	else
		_lib_rc=$?
	fi
	_lib_what="$* fails with /$_lib_pat/"
	if [ "$_lib_rc" = 0 ]; then
		fail "$_lib_what" "expected failure, got exit status 0"
	elif [ "$_lib_rc" -gt 128 ] && [ "$_lib_rc" -le 192 ]; then
		fail "$_lib_what" "killed by signal $((_lib_rc - 128)) (exit status $_lib_rc)"
	elif ! grep -Eq -- "$_lib_pat" "$_lib_tmp/err"; then
		fail "$_lib_what" "exit status $_lib_rc, but stderr does not match /$_lib_pat/"
	else
		pass "$_lib_what"
		return 0
	fi
	_lib_show stdout "$_lib_tmp/out"
	_lib_show stderr "$_lib_tmp/err"
	return 1
}

expect_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "expected: '$2'" "actual:   '$1'"
	fi
}

expect_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "no line matches /$2/ in:" "$1"
	fi
}

# Turn a helper's "ok DESC" / "not ok DESC" lines in file $1 into checks;
# other lines become diagnostics.
relay_checks() {
	while IFS= read -r _lib_line; do
		case $_lib_line in
		"ok "*) pass "${_lib_line#ok }" ;;
		"not ok "*) fail "${_lib_line#not ok }" ;;
		"#"*) printf '%s\n' "$_lib_line" ;;
		*) printf '# %s\n' "$_lib_line" ;;
		esac
	done <"$1"
}

# The state letter of process $1 (/proc/PID/stat's third field, after the
# command name in parentheses), or nothing if it has ended.
_lib_pstate() {
	sed -n 's/.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null
}

# Waits until every process named is asleep uninterruptibly (state D: a
# writer held by a freeze, a commit held by a frozen filesystem) in six
# samples in a row, 0.1 s apart (half a second: the short D of a process
# reading its libraries or a page under TCG does not count, and polling
# goes on after it); at most 10 seconds.  0 if so; 1 if one ended or did
# not block so in time.  This replaces "still running after N seconds",
# which costs N seconds and tells less.
wait_blocked() {
	_lib_n=100
	_lib_held=0
	while [ "$_lib_n" -gt 0 ]; do
		_lib_all=1
		for _lib_p in "$@"; do
			case $(_lib_pstate "$_lib_p") in
			D) ;;
			'') return 1 ;;
			*) _lib_all=0 ;;
			esac
		done
		if [ "$_lib_all" = 1 ]; then
			_lib_held=$((_lib_held + 1))
			[ "$_lib_held" -ge 6 ] && return 0
		else
			_lib_held=0
		fi
		sleep 0.1
		_lib_n=$((_lib_n - 1))
	done
	return 1
}

# Bytes of kmalloc objects in use, unsettled (see kmalloc_settled).
_lib_kmalloc_bytes() {
	awk '$1 ~ /^kmalloc-/ { b += $2 * $4 } END { printf "%d\n", b }' /proc/slabinfo
}

kmalloc_settled() {
	_lib_prev=$(_lib_kmalloc_bytes)
	_lib_i=0
	while :; do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		sleep 1
		for _lib_f in /sys/kernel/slab/kmalloc-*/shrink; do
			echo 1 >"$_lib_f"
		done
		_lib_now=$(_lib_kmalloc_bytes)
		_lib_i=$((_lib_i + 1))
		_lib_d=$((_lib_now - _lib_prev))
		if [ "${_lib_d#-}" -le 16384 ] || [ "$_lib_i" -ge 10 ]; then
			break
		fi
		_lib_prev=$_lib_now
	done
	echo "# kmalloc_settled: $_lib_now bytes after $_lib_i rounds" >&2
	echo "$_lib_now"
}

# mount_ext4 DIR SIZE: a fresh ext4 image of SIZE (truncate's units) in
# the scratch directory, loop-mounted on DIR (made if missing); bails out
# if that fails.  The caller unmounts DIR.
mount_ext4() {
	mkdir -p "$1"
	modprobe loop 2>/dev/null
	truncate -s "$2" "$scratch/ext4.img"
	if ! mkfs.ext4 -q -F "$scratch/ext4.img" ||
	   ! mount -o loop "$scratch/ext4.img" "$1"; then
		echo "Bail out! cannot make and mount an ext4 image"
		exit 1
	fi
}

# merged_dirs NAME DIRS ENTRIES LEN: layers NAME/a and NAME/b (in
# $scratch/a and $scratch/b) each hold half of the ENTRIES names, LEN
# bytes each, of every directory d000, d001, ... up to DIRS; a view of the
# two is mounted on $scratch/m.  The caller unmounts it and removes the
# layers.
merged_dirs() {
	mkdir -p "$scratch/a" "$scratch/b" "$scratch/m"
	/usr/bin/python3 - "$scratch/a" "$scratch/b" "$2" "$3" "$4" <<'EOF'
import os, sys
a, b = sys.argv[1], sys.argv[2]
dirs, entries, length = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pad = "e" * (length - 5)
for d in range(dirs):
    for top in (a, b):
        os.makedirs("%s/d%03d" % (top, d), exist_ok=True)
    for i in range(entries):
        top = a if i % 2 else b
        os.close(os.open("%s/d%03d/%s%05d" % (top, d, pad, i),
                         os.O_CREAT | os.O_WRONLY, 0o644))
EOF
	expect_ok "$LAYERCTL" layer add "$1/a" "$scratch/a"
	expect_ok "$LAYERCTL" layer add "$1/b" "$scratch/b"
	expect_ok mount -t layerfs -o "layers=$1/a:$1/b" v "$scratch/m"
}

# "true" or "false": whether the view mounted at $1 uses an index.
view_indexed() {
	"$LAYERCTL" view ls --json | jq -r --arg m "$1" \
		'[.[] | select(.mountpoints // [] | index([$m])) | .indexed | tostring] | join(" ")'
}

load_module() {
	if ! insmod "$MODULE"; then
		echo "Bail out! cannot load $MODULE"
		exit 1
	fi
}

unload_module() {
	rmmod layerfs
}

done_testing() {
	_lib_done=1
	echo "1..$_lib_n"
	if [ "$_lib_n" = 0 ]; then
		echo "# $TEST_NAME: no checks ran"
		exit 1
	fi
	if [ "$_lib_failed" != 0 ]; then
		echo "# $TEST_NAME: $_lib_failed of $_lib_n checks failed"
		exit 1
	fi
	exit 0
}
