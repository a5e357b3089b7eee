#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command as root in a throwaway QEMU guest booting Debian's packaged
# kernel, with the host's root filesystem as the guest's (read-only 9p).
#
#   scripts/guest-run.sh [--kver K] [--timeout SECS] [--mem MB] [--disk IMG]...
#                        [--keep] [--kernel-image BZIMAGE [--modules-dir DIR]]
#                        [--append ARGS] [--env NAME=VALUE]... -- CMD [ARGS...]
#
# CMD is a path relative to the repo root (or absolute, or a PATH name); it
# runs from the repo root.  Its output is streamed here and guest-run exits
# with its exit status, or non-zero if the guest timed out (124), died
# before reporting (125), or its kernel log shows a problem
# (tests/guest/klog-check.sh).  An oops panics the guest (oops=panic), which
# ends it at once instead of at the time limit: the command's processes
# may be stuck on locks the oops left held; the test that was running and
# the first call trace are then printed last.  --disk adds a raw image as /dev/vda, vdb...
# --keep keeps the run directory (console.log, out/{output,kmsg.log,...}).
# --kernel-image boots BZIMAGE (e.g. the debug kernel of
# scripts/build-debug-kernel.sh) instead of Debian's, with an initramfs
# without modules: virtio-pci and 9p must be built in.  --modules-dir DIR is
# bound over /lib/modules in the guest (so modprobe of built-in modules
# works); default: BZIMAGE's directory's modroot/lib/modules if present.
# --append adds kernel command-line arguments; --env exports NAME=VALUE to
# CMD.
# Environment: LAYERFS_ACCEL=kvm|tcg forces the accelerator (default auto:
# KVM when /dev/kvm opens read-write and works, else TCG; see below).
# LAYERFS_KVM_PROBE=SECS: how long auto mode waits for a KVM guest to boot.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
kver='' timeout=1500 mem=2048 keep=0 image='' moddir='' append=''
disks=() envs=()

usage() { sed -n '7,9p' "$0" | sed 's/^#//' >&2; exit 2; }
die() { echo "guest-run: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--disk) disks+=("$(realpath "$2")"); shift 2 ;;
	--keep) keep=1; shift ;;
	--kernel-image) image=$(realpath "$2"); shift 2 ;;
	--modules-dir) moddir=$(realpath "$2"); shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	--env)
		[[ $2 == [A-Za-z_]*=* ]] || usage
		envs+=("$2")
		shift 2
		;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage
if [ -n "$image" ]; then
	kernel=$image
	[ -r "$kernel" ] || die "cannot read $kernel"
	kver=${kver:-$kernel}
	if [ -z "$moddir" ] && [ -d "$(dirname "$kernel")/modroot/lib/modules" ]; then
		moddir=$(dirname "$kernel")/modroot/lib/modules
	fi
else
	[ -n "$kver" ] || kver=$("$root/scripts/kver.sh")
	kernel=/boot/vmlinuz-$kver
	[ -r "$kernel" ] || die "cannot read $kernel (run scripts/install-deps.sh)"
fi
if [[ $1 != */* && -e $root/$1 ]]; then
	set -- "./$1" "${@:2}"
fi

if [ -n "$image" ]; then
	initrd=$("$root/scripts/mkinitramfs.sh" --no-modules)
else
	initrd=$("$root/scripts/mkinitramfs.sh" "$kver")
fi

# Accelerator: LAYERFS_ACCEL=kvm|tcg forces one.  Otherwise KVM if
# /dev/kvm opens read-write, except under PVM (kvm_pvm, a software
# "KVM" for nested sandboxes that runs a stock kernel thousands of times
# slower than TCG); and if the KVM guest does not print the kernel banner
# within $LAYERFS_KVM_PROBE seconds (default 30), fall back to TCG.
accel=${LAYERFS_ACCEL:-auto} probe=0
case $accel in
kvm | tcg) ;;
auto)
	# A character device first: as root, <> on a missing /dev/kvm would
	# create a regular file there.
	if [ ! -c /dev/kvm ] || ! (: <>/dev/kvm) 2>/dev/null; then
		accel=tcg
		echo "guest-run: /dev/kvm is not usable, using TCG" >&2
	elif [ -d /sys/module/kvm_pvm ]; then
		accel=tcg
		echo "guest-run: /dev/kvm is PVM (kvm_pvm), unusable for a stock kernel; using TCG" >&2
	else
		accel=kvm probe=${LAYERFS_KVM_PROBE:-30}
	fi
	;;
*) die "LAYERFS_ACCEL must be kvm, tcg or auto, not '$accel'" ;;
esac

run=$(mktemp -d "${TMPDIR:-/tmp}/layerfs-guest.XXXXXX")
out=$run/out
qemu_pid=''
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	if [ "$keep" = 1 ]; then
		echo "guest-run: kept $run" >&2
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

drive_opts=()
for d in "${disks[@]}"; do
	drive_opts+=(-drive "file=$d,format=raw,if=virtio,cache=unsafe")
done

# start_qemu ACCEL: boot the guest in the background (pid in $qemu_pid)
# with a fresh out share.
start_qemu() {
	local cpu=host
	[ "$1" = kvm ] || cpu=max
	rm -rf "$out" "$run/console.log"
	mkdir "$out"
	printf '%s\n' "$root" >"$out/repo"
	[ -z "$moddir" ] || printf '%s\n' "$moddir" >"$out/moddir"
	{
		for e in "${envs[@]}"; do
			printf 'export %q\n' "$e"
		done
		printf 'exec'
		printf ' %q' "${cmd[@]}"
		echo
	} >"$out/cmd"
	: >"$out/output"
	echo "guest-run: kernel $kver, accel $1, $mem MB, timeout ${timeout}s: ${cmd[*]}" >&2
	start=$EPOCHREALTIME
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-nodefaults -no-user-config -display none -no-reboot \
		-accel "$1" -cpu "$cpu" -smp 2 -m "$mem" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 oops=panic panic=-1 no_timer_check rdinit=/init$append" \
		-serial "file:$run/console.log" \
		-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev "local,id=out,path=$out,security_model=none,multidevs=remap" \
		-device virtio-9p-pci,fsdev=out,mount_tag=layerfs-out \
		"${drive_opts[@]}" \
		</dev/null >"$run/qemu.log" 2>&1 &
	qemu_pid=$!
}

# kvm_boots: wait up to $probe seconds for the kernel banner.
kvm_boots() {
	local i
	for ((i = 0; i < probe * 5; i++)); do
		grep -q 'Linux version' "$run/console.log" 2>/dev/null && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

cmd=("$@")
start_qemu "$accel"
if [ "$probe" != 0 ] && ! kvm_boots; then
	echo "guest-run: KVM guest did not boot (no kernel banner within ${probe}s); falling back to TCG" >&2
	sed 's/^/guest-run:   qemu: /' "$run/qemu.log" >&2
	kill "$qemu_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	accel=tcg
	start_qemu tcg
fi

# Stream the command's output until QEMU exits (tail reads once more after).
tail -n +1 -f --pid="$qemu_pid" "$out/output" || true
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=''
wall=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')
boot=$(cat "$out/boot-uptime" 2>/dev/null || echo '?')
echo "guest-run: accel $accel, wall time ${wall}s (guest booted in ${boot}s)" >&2

status=0
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "guest-run: FAIL: guest timed out after ${timeout}s and was killed" >&2
	status=124
elif [ ! -f "$out/rc" ]; then
	echo "guest-run: FAIL: guest died without reporting an exit status (qemu status $qemu_rc)" >&2
	status=125
else
	status=$(cat "$out/rc")
fi
if [ ! -f "$out/rc" ]; then
	echo "guest-run: --- qemu ---" >&2
	cat "$run/qemu.log" >&2
	echo "guest-run: --- last 60 lines of the serial console ---" >&2
	tail -n 60 "$run/console.log" >&2 || true
fi

# The kernel log: kmsg.log covers the whole boot when the guest finished;
# otherwise also scan the serial console.
logs=()
if [ -s "$out/kmsg.log" ]; then
	logs+=("$out/kmsg.log")
fi
if [ ! -f "$out/rc" ] || [ ${#logs[@]} = 0 ]; then
	logs+=("$run/console.log")
fi
klog_ok=1
crash_summary() {
	local t trace
	t=$(tr -d '\r' <"$run/console.log" | sed -n 's/.*layerfs-test: start \(.*\)$/\1/p' | tail -n 1)
	# The first call trace's reliable frames ("? " ones are guesses).
	trace=$(tr -d '\r' <"$run/console.log" | awk '
		/Call Trace:/ && !seen { p = 1; seen = 1; next }
		p && /<\/TASK>|RIP: 0033|Modules linked in|end trace/ { p = 0 }
		p {
			sub(/^\[[^]]*\] */, ""); gsub(/^ +| +$/, "")
			if ($0 == "<TASK>" || $0 ~ /^\? /) next
			printf "%s%s", sep, $0; sep = " < "
		}')
	echo "guest-run: the guest stopped during test: ${t:-(unknown)}" >&2
	[ -z "$trace" ] || echo "guest-run: first call trace: $trace" >&2
}
for f in "${logs[@]}"; do
	if ! "$root/tests/guest/klog-check.sh" "$f" "$(cat "$out/tainted" 2>/dev/null)" >&2; then
		klog_ok=0
	fi
done
if [ "$klog_ok" = 0 ]; then
	echo "guest-run: FAIL: the guest kernel log shows problems (above)" >&2
	[ "$status" != 0 ] || status=1
fi
# Last, where the tail of a long log still shows it.
[ -f "$out/rc" ] || crash_summary
exit "$status"
