#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The layerfs benchmark, as root in the QEMU guest (tests/bench/bench.sh
# boots it):
#
#   tests/bench/guest.sh [--quick] [--reps N] [--depths "1 8 64 500 4096"]
#                        [--fs "tmpfs ext4"] [--workloads "stat open ..."]
#                        [--disk /dev/vda]
#
# For each backing filesystem (tmpfs: the guest's /tmp; ext4: the disk, made
# with mkfs.ext4 if it has no filesystem) and each stack depth D, it builds
# the configuration (tests/bench/lfsbench fixture: D layer directories and
# the same tree as one native directory), registers the layers (layerctl
# -b), mounts overlayfs and layerfs on them with an empty upper, times each
# workload on native, overlayfs and layerfs (lfsbench run: one process per
# workload, the three systems alternating within each repetition), and
# unmounts and unregisters.  overlayfs cannot mount more than 500 lower
# layers: deeper, its column is "n/a" (not a failure).  The cold workloads
# (lookup-cold, lookup-cold-absent, readdir-cold: drop_caches before each
# timed region) run on ext4 only: on tmpfs the dentries and pages are the
# files, nothing can be dropped, so they are recorded as "skip" there.  A failure (mount refused, wrong result, crash)
# is recorded and the run goes on.  Results accumulate, one line each, in
# $LAYERFS_OUT/bench.tsv; at the end `lfsbench report` prints the table and
# the targets and writes $LAYERFS_OUT/bench.json.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bench=$root/tests/bench/lfsbench
layerctl=$root/userspace/layerctl
module=$root/kernel/layerfs.ko
out=${LAYERFS_OUT:-$root/build}
tsv=$out/bench.tsv
json=$out/bench.json

quick=0 reps='' depths='' fslist='tmpfs ext4' disk=/dev/vda
workloads='stat open readdir walk seqread randread lookup-cold lookup-cold-absent readdir-cold create copyup'
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--reps) reps=$2; shift 2 ;;
	--depths) depths=$2; shift 2 ;;
	--fs) fslist=$2; shift 2 ;;
	--workloads) workloads=$2; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	*) echo "guest.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

# Sizes and iteration counts.  The quick run is a smoke test: it checks
# that every step works, its numbers are noisy.
if [ "$quick" = 1 ]; then
	: "${reps:=3}" "${depths:=1 8 64}"
	big_mib=16 cu_mib=4 files=2000
	sizes=(--files "$files" --dirents 1000 --stat-iters 300 --open-iters 200
		--rand-reads 300 --creates 5 --cold-names 30)
else
	: "${reps:=5}" "${depths:=1 8 64 500 4096}"
	big_mib=256 cu_mib=64 files=20000
	# Per timed region; stat, open, readdir, randread and create get 3x
	# the repetitions (lfsbench.c).  A region takes some 0.05-0.5 s
	# under TCG, except the full-size walk, seqread and copyup.
	sizes=(--files "$files" --dirents 10000 --stat-iters 1500 --open-iters 700
		--rand-reads 2000 --creates 10 --cold-names 100)
fi
# All workloads of one configuration; generous, TCG is slow (doubled for
# depths over 500, below).
run_timeout=${BENCH_RUN_TIMEOUT:-3000}

[ "$(id -u)" = 0 ] || { echo "guest.sh: must run as root (in the guest)" >&2; exit 2; }
[ -x "$bench" ] || { echo "guest.sh: $bench missing (make -C tests/bench)" >&2; exit 2; }
mkdir -p "$out"
: >"$tsv"

t_start=$(date +%s)
say() { echo "bench: [$(($(date +%s) - t_start))s] $*"; }
info() { printf 'I\t%s\t%s\n' "$1" "$2" >>"$tsv"; }

info kernel "$(uname -r)"
info date "$(date -u +%FT%TZ)"
info quick "$quick"
info reps "$reps"
info depths "$depths"
info filesystems "$fslist"
info sizes "big.dat ${big_mib} MiB, cu.dat ${cu_mib} MiB, ${sizes[*]}"
info cpus "$(nproc)"
info memory_kib "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
info fs_tmpfs "the guest's /tmp (tmpfs, in RAM): warm workloads only; cold ones are skipped"
info fs_ext4 "ext4 on $disk (a virtio disk: a sparse image file on the host, fresh for each run): warm and cold workloads"
info clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
info method "median of $reps repetitions ($((3 * reps)) for stat, open, readdir, randread, create); native, overlayfs, layerfs back to back within each repetition (the first one rotating), pinned to one CPU; warm workloads get one untimed run per system first; cold lookups and the cold listing follow sync + drop_caches=3 and run on ext4 only; big.dat and cu.dat are mlock'ed so they stay cached through drop_caches; overlayfs is n/a above 500 layers"

modprobe overlay || { echo "bench: modprobe overlay failed" >&2; exit 1; }
modprobe ext4 2>/dev/null || true
if [ ! -d /sys/module/layerfs ]; then
	insmod "$module" || { echo "bench: insmod $module failed" >&2; exit 1; }
fi
info layerfs_commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD -- kernel 2>/dev/null || echo ' (kernel/ modified)')"
say "depths $depths, reps $reps, filesystems $fslist$([ "$quick" = 1 ] && echo ', quick')"

# prep_fs FS: prints the directory the configurations of FS go in.
prep_fs() {
	case $1 in
	tmpfs)
		mkdir -p /tmp/bench && echo /tmp/bench
		;;
	ext4)
		[ -b "$disk" ] || { echo "bench: no disk $disk for ext4 (guest-run.sh --disk)" >&2; return 1; }
		if ! blkid "$disk" >/dev/null 2>&1; then
			mkfs.ext4 -q -F -i 4096 "$disk" >&2 || return 1
		fi
		mkdir -p /tmp/ext4 && mount -t ext4 "$disk" /tmp/ext4 >&2 || return 1
		info ext4_mount "$(awk '$2 == "/tmp/ext4" { print $4 }' /proc/mounts)"
		mkdir -p /tmp/ext4/bench && echo /tmp/ext4/bench
		;;
	*)
		echo "bench: unknown filesystem '$1'" >&2
		return 1
		;;
	esac
}

for fs in $fslist; do
	top=$(prep_fs "$fs") || { printf 'F\t%s\t-\tall\tcannot prepare %s\n' "$fs" "$fs" >>"$tsv"; continue; }
	say "$fs: master files (big.dat ${big_mib} MiB, cu.dat ${cu_mib} MiB)"
	"$bench" master "$top/master" "$big_mib" "$cu_mib" || { printf 'F\t%s\t-\tall\tmaster files failed\n' "$fs" >>"$tsv"; continue; }
	# Keep the data cached through drop_caches (read once, mlock'ed).
	coproc pin { exec "$bench" pin "$top/master/big.dat" "$top/master/cu.dat"; }
	read -r pinned <&"${pin[0]}" || pinned=''
	[ "$pinned" = pinned ] || say "$fs: WARNING: could not pin the data files"

	for d in $depths; do
		base=$top/d$d
		prefix=${fs:0:1}$d-
		opts=(--base "$base" --depth "$d" --prefix "$prefix" --fs "$fs" --reps "$reps" "${sizes[@]}")
		# Every layer, the bottom one too, holds files of the tree.
		if [ "$d" -gt "$files" ]; then
			opts+=(--files "$d")
			printf 'C\t%s\t%s\tfiles\t%s tree files (more than the %s of the other depths: one per layer at least)\n' "$fs" "$d" "$d" "$files" >>"$tsv"
		fi
		t0=$(date +%s)
		if ! "$bench" fixture --master "$top/master" "${opts[@]}"; then
			printf 'F\t%s\t%s\tall\tfixture failed\n' "$fs" "$d" >>"$tsv"
			continue
		fi
		printf 'C\t%s\t%s\tfixture\t%ss\n' "$fs" "$d" "$(($(date +%s) - t0))" >>"$tsv"
		say "$fs depth $d: fixture built in $(($(date +%s) - t0))s"
		t1=$(date +%s)
		if ! err=$("$layerctl" -b "$base/add.batch" 2>&1 >/dev/null); then
			printf 'F\t%s\t%s\tlayerfs\tlayerctl layer add: %s\n' "$fs" "$d" "$(echo "$err" | head -c 2000 | tr '\t\n' '  ')" >>"$tsv"
		fi
		printf 'C\t%s\t%s\tregister\t%ss (%s layers, one layerctl -b)\n' "$fs" "$d" "$(($(date +%s) - t1))" "$d" >>"$tsv"
		"$bench" mount "${opts[@]}" >>"$tsv"
		if "$layerctl" view ls --json | grep -q '"indexed":true'; then
			printf 'C\t%s\t%s\tindex\tlayerfs view indexed (%s bytes)\n' "$fs" "$d" "$(stat -c %s "$base/index")" >>"$tsv"
		else
			printf 'C\t%s\t%s\tindex\tlayerfs view NOT indexed: walks %s layers\n' "$fs" "$d" "$d" >>"$tsv"
		fi
		# All workloads in one process; if it dies (e.g. a kernel oops
		# kills it), the workload it was in is marked crashed and the
		# rest run in a new process.
		todo=($workloads)
		while [ ${#todo[@]} -gt 0 ]; do
			timeout -k 10 "$((d > 500 ? 2 * run_timeout : run_timeout))" "$bench" run "${opts[@]}" "${todo[@]}" >>"$tsv"
			rc=$?
			[ "$rc" != 0 ] || break
			left=() crashed=''
			for w in "${todo[@]}"; do
				if [ -n "$crashed" ]; then
					left+=("$w")
				elif ! grep -q "^R	$fs	$d	$w	" "$tsv"; then
					crashed=$w
				fi
			done
			[ -n "$crashed" ] || break
			printf 'X\t%s\t%s\t%s\t%s\n' "$fs" "$d" "$crashed" "$rc" >>"$tsv"
			say "$fs depth $d $crashed: lfsbench exited with status $rc"
			todo=("${left[@]}")
		done
		"$bench" umount "${opts[@]}" || say "$fs depth $d: unmount failed"
		"$layerctl" -b "$base/rm.batch" >/dev/null || say "$fs depth $d: layerctl layer rm failed"
		# Free the memory for the next configuration (tmpfs fixtures,
		# millions of negative dentries at depth 500).  ext4 keeps its
		# fixtures: bench.sh makes the disk with inodes for all of them
		# (4096 layers: ~215,000 directories).
		[ "$fs" != tmpfs ] || rm -rf "$base"
		sync
		echo 3 >/proc/sys/vm/drop_caches
		printf 'C\t%s\t%s\ttotal\t%ss\n' "$fs" "$d" "$(($(date +%s) - t0))" >>"$tsv"
		say "$fs depth $d: done in $(($(date +%s) - t0))s"
	done
	kill "$pin_PID" 2>/dev/null
	wait "$pin_PID" 2>/dev/null
	[ "$fs" != tmpfs ] || rm -rf "$top"
done

info guest_seconds "$(($(date +%s) - t_start))"
say "done"
"$bench" report "$tsv" "$json"
