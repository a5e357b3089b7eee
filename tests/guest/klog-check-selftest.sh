#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side self-test of tests/guest/klog-check.sh with canned kernel logs:
# a clean log (with look-alike lines) and clean taint values must pass;
# each bad log and each bad taint value must fail and name the problem.
#
#   tests/guest/klog-check-selftest.sh
set -eu

check=$(cd "$(dirname "$0")" && pwd)/klog-check.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# expect_clean DESC TAINTED LOGFILE: klog-check must exit 0.
expect_clean() {
	if out=$("$check" "$3" "$2" 2>&1); then
		ok "clean: $1"
	else
		not_ok "clean: $1"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# expect_bad DESC TAINTED NEEDLE LOGFILE: klog-check must exit 1 and its
# report must contain NEEDLE (the offending line or taint flag).
expect_bad() {
	rc=0
	out=$("$check" "$4" "$2" 2>&1) || rc=$?
	if [ "$rc" = 1 ] && [[ $out == *"$3"* ]]; then
		ok "bad: $1"
	else
		not_ok "bad: $1 (exit $rc, wanted 1 and a report naming '$3')"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

clean_log() {
	cat <<'EOF'
[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1
[    0.000000] Command line: console=ttyS0 panic=-1 rdinit=/init
[    0.041210] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!
[    0.051002] x86/bugs: Return Stack Buffer Underflow mitigation
[    0.210000] RAS: Correctable Errors collector initialized.
[    0.300000] debug: unmapping init [mem 0xffffffff9a000000-0xffffffff9a1fffff]
[    0.310000] Run /init as init process
[    1.020000] 9pnet: Installing 9P2000 support
[    2.100000] layerfs: loading out-of-tree module taints kernel.
[    2.100100] layerfs: module verification failed: signature and/or required key missing - tainting kernel
[    2.200000] overlayfs: upper fs does not support RENAME_WHITEOUT.
[    3.000000] sysctl: kernel.panic_on_oops = 0, warn_on_oops
[    0.020000] kasan: KernelAddressSanitizer initialized (generic)
[    0.030000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.030001] ... MAX_LOCK_DEPTH:          48
[    0.400000] kmemleak: Kernel memory leak detector initialized (mem pool available: 31000)
[   20.000000] FAULT_INJECTION: forcing a failure.
[   20.000001] name failslab, interval 1, probability 10, space 0, times -1
EOF
}

clean=$tmp/clean
clean_log >"$clean"
: >"$tmp/empty"
expect_clean "boot log with look-alike lines" "" "$clean"
expect_clean "taint 0" 0 "$clean"
expect_clean "taint O" 4096 "$clean"
expect_clean "taint E" 8192 "$clean"
expect_clean "taint O+E" 12288 "$clean"
expect_clean "empty log" 0 "$tmp/empty"

bad() { # bad DESC NEEDLE LINE: a clean log with LINE appended must fail
	{ clean_log; printf '%s\n' "$3"; } >"$tmp/bad"
	expect_bad "$1" "" "$2" "$tmp/bad"
}
bad "WARN splat" "WARNING: CPU: 1 PID: 243" \
	"[   12.345678] WARNING: CPU: 1 PID: 243 at fs/layerfs/super.c:120 layerfs_fill_super+0x1f/0x30 [layerfs]"
bad "NULL dereference" "BUG: kernel NULL pointer dereference" \
	"[   12.1] BUG: kernel NULL pointer dereference, address: 0000000000000008"
bad "kernel BUG at" "kernel BUG at" "[    5.5] kernel BUG at mm/slub.c:379!"
bad "Oops" "Oops: 0002" "[    5.6] Oops: 0002 [#1] PREEMPT SMP NOPTI"
bad "general protection fault" "general protection fault" \
	"[    5.7] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI"
bad "panic" "Kernel panic" "[    5.8] Kernel panic - not syncing: Fatal exception"
bad "lockdep circular" "possible circular locking" \
	"[    6.0] WARNING: possible circular locking dependency detected"
bad "lockdep recursive" "possible recursive locking" \
	"[    6.1] WARNING: possible recursive locking detected"
bad "lockdep inconsistent" "inconsistent lock state" "[    6.2] WARNING: inconsistent lock state"
bad "RCU usage" "suspicious RCU usage" "[    6.3] WARNING: suspicious RCU usage"
bad "lockdep info" "INFO: lockdep" "[    6.4] INFO: lockdep is turned off."
bad "hung task" "blocked for more than" \
	"[  245.0] INFO: task layerctl:412 blocked for more than 120 seconds."
bad "RCU stall" "detected stalls" \
	"[  300.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"
bad "soft lockup" "BUG: soft lockup" \
	"[  300.0] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [layerctl:77]"
bad "UBSAN" "UBSAN:" "[    7.0] UBSAN: array-index-out-of-bounds in fs/layerfs/dir.c:88:9"
bad "KASAN" "KASAN:" "[    7.1] BUG: KASAN: use-after-free in layerfs_lookup+0x4a/0x90 [layerfs]"
bad "kmemleak" "suspected memory leak" \
	"[   60.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
bad "KASAN slab-out-of-bounds" "BUG: KASAN: slab-out-of-bounds" \
	"[    7.2] BUG: KASAN: slab-out-of-bounds in layerfs_fill_super+0x1f/0x30 [layerfs]"
bad "kmemleak report text" "unreferenced object 0x" \
	"[   61.0] kmemleak: unreferenced object 0xffff888012345678 (size 64):"
bad "kmemleak disabled" "Kernel memory leak detector disabled" \
	"[   62.0] kmemleak: Kernel memory leak detector disabled"
bad "kmemleak out of memory" "kmemleak: Cannot allocate" \
	"[   62.1] kmemleak: Cannot allocate a kmemleak_object structure"
bad "sleep in atomic" "BUG: sleeping function called from invalid context" \
	"[    7.3] BUG: sleeping function called from invalid context at mm/slab.h:742"
bad "lockdep held lock freed" "WARNING: held lock freed" "[    7.4] WARNING: held lock freed!"
bad "list_add corruption" "list_add corruption" \
	"[    8.0] list_add corruption. prev->next should be next (ffff8880), but was ffff8881."
bad "list_del corruption" "list_del corruption" \
	"[    8.1] list_del corruption, ffff888004e0a008->next is LIST_POISON1 (dead000000000100)"
bad "refcount" "refcount_t: underflow" "[    8.2] refcount_t: underflow; use-after-free."
bad "bare call trace" "Call Trace:" "[    8.3] Call Trace:"
bad "user segfault" "segfault at 0" \
	"[    9.0] layerctl[321]: segfault at 0 ip 000055d0c0de0000 sp 00007ffd00000000 error 4 in layerctl[55d0c0de0000+2000]"
bad "dmesg -r format" "<4>[   12.3] WARNING: CPU" "<4>[   12.3] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 foo+0x0/0x1"
bad "/dev/kmsg format" "4,812,12345678,-;WARNING: CPU" "4,812,12345678,-;WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 foo+0x0/0x1"
bad "no timestamp" "WARNING: CPU" "WARNING: CPU: 0 PID: 9 at lib/foo.c:2 bar+0x1/0x2"
bad "caller id" "WARNING: CPU" "[   12.3] [ T243] WARNING: CPU: 1 PID: 243 at fs/layerfs/inode.c:9 f+0x0/0x1"

expect_bad "taint W" 512 "bit9(W)" "$clean"
expect_bad "taint P" 1 "bit0(P)" "$clean"
expect_bad "taint D (oops)" 128 "bit7(D)" "$clean"
expect_bad "taint O+E+W" 12800 "bit9(W)" "$clean"
expect_bad "taint L (soft lockup)" 16384 "bit14(L)" "$clean"
expect_bad "taint bit 40" $((1 << 40)) "bit40" "$clean"
# X: only with the fanotify message Debian's kernels print when they set it.
expect_bad "taint X without its fanotify message" $((12288 | 65536)) "bit16(X)" "$clean"
fan=$tmp/fanotify
{ cat "$clean"; echo "[   30.000000] python3 (812): Using fanotify permission checks may lead to deadlock; tainting kernel"; } >"$fan"
expect_clean "taint X with its fanotify message" $((12288 | 65536)) "$fan"
expect_bad "taint X+W with the fanotify message" $((65536 | 512)) "bit9(W)" "$fan"

# A non-numeric taint value is a usage error: exit 2, never "clean".
rc=0
"$check" "$clean" abc >/dev/null 2>&1 || rc=$?
if [ "$rc" = 2 ]; then ok "non-numeric taint rejected"; else not_ok "non-numeric taint rejected (exit $rc)"; fi
rc=0
"$check" "$tmp/missing" 0 >/dev/null 2>&1 || rc=$?
if [ "$rc" = 2 ]; then ok "missing log rejected"; else not_ok "missing log rejected (exit $rc)"; fi

echo "klog-check selftest: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
