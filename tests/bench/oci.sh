#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# OCI export/import throughput on the host (no kernel module: the layer is
# exported with `layerctl export --dir` and imported with `layerctl import
# --dir`, the same code as for registered layers):
#
#   tests/bench/oci.sh            (make bench-oci)
#
# Fixture: one layer of $OCI_FILES files (default 50,000) totalling about
# $OCI_MB MiB (default 1024), half random bytes, half text, in 100
# directories, on tmpfs (/dev/shm) when it has room, else under build/.
# Each measurement is the median of $OCI_REPS runs (default 3), warm cache,
# layerctl and its baseline alternating:
#
#   export plain   layerctl export --dir L          >/dev/null  (tar + sha256)
#        vs        tar -cf - -C L . | sha256sum
#   export zstd    layerctl export --dir L --zstd   >/dev/null  (tar, zstd,
#                                                   sha256 of both)
#        vs        tar -cf - -C L . | zstd -q -c | sha256sum
#   import plain   layerctl import T.tar --dir D    (extract + both digests)
#        vs        tar -xf T.tar -C D
#   import zstd    layerctl import T.tar.zst --dir D
#        vs        tar -I zstd -xf T.tar.zst -C D
#
# plus the SHA-256 speed of OpenSSL (what layerctl uses) and of sha256sum.
# Prints a table with MB/s and the ratio layerctl/baseline (target: at most
# 1.2) and writes build/bench-oci.json.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
L=$root/userspace/layerctl
files=${OCI_FILES:-50000}
mb=${OCI_MB:-1024}
reps=${OCI_REPS:-3}
out=$root/build/bench-oci.json
mkdir -p "$root/build"

[ -x "$L" ] || { echo "bench-oci: build userspace/layerctl first" >&2; exit 2; }
need=$((mb * 4 + 512))
if [ -z "${OCI_DIR:-}" ] && [ -d /dev/shm ] &&
	[ "$(df -Pm /dev/shm | awk 'NR == 2 { print $4 }')" -gt "$need" ]; then
	base=$(mktemp -d /dev/shm/bench-oci.XXXXXX)
else
	base=$(mktemp -d "${OCI_DIR:-$root/build}/bench-oci.XXXXXX")
fi
trap 'rm -rf "$base"' EXIT
echo "bench-oci: $files files, $mb MiB, $reps reps, in $base"

python3 - "$base/layer" "$files" "$mb" <<'EOF'
import os, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mb * 1024 * 1024 // n
text = (b"the quick brown fox jumps over the lazy dog 0123456789\n" * (size // 55 + 1))[:size]
for d in range(100):
    os.makedirs(os.path.join(root, "d%02d" % d), exist_ok=True)
for i in range(n):
    p = os.path.join(root, "d%02d" % (i % 100), "f%06d" % i)
    with open(p, "wb") as f:
        f.write(os.urandom(size) if i % 2 else text)
EOF
bytes=$(du -sb "$base/layer" | cut -f1)

now() { date +%s.%N; }
# seconds one run of "$@" takes (after ${PRE:-:})
once() {
	local t0 t1
	eval "${PRE:-:}"
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# T[A] and T[B]: medians of $reps runs of A and B, alternating (after one
# warm-up run of each), so that a busy machine slows both alike
declare -A T
pair() {
	local a=() b=() i
	for i in $(seq 0 "$reps"); do
		a+=("$(once "$1")")
		b+=("$(once "$2")")
	done
	T[$1]=$(med "${a[@]:1}")
	T[$2]=$(med "${b[@]:1}")
}

exp_plain() { "$L" export --dir "$base/layer" >/dev/null; }
tar_plain() { tar -cf - -C "$base/layer" . | sha256sum >/dev/null; }
exp_zstd() { "$L" export --dir "$base/layer" --zstd >/dev/null; }
tar_zstd() { tar -cf - -C "$base/layer" . | zstd -q -c | sha256sum >/dev/null; }
imp_plain() { "$L" import "$base/l.tar" --dir "$base/x"; }
untar_plain() { mkdir "$base/x" && tar -xf "$base/l.tar" -C "$base/x"; }
imp_zstd() { "$L" import "$base/l.tar.zst" --dir "$base/x"; }
untar_zstd() { mkdir "$base/x" && tar -I zstd -xf "$base/l.tar.zst" -C "$base/x"; }

"$L" export --dir "$base/layer" -o "$base/l.tar" --json >"$base/plain.json"
"$L" export --dir "$base/layer" --zstd -o "$base/l.tar.zst" --json >"$base/zstd.json"
tarbytes=$(stat -c %s "$base/l.tar")
zbytes=$(stat -c %s "$base/l.tar.zst")

sha_openssl() { openssl dgst -sha256 "$base/l.tar"; }
sha_sum() { sha256sum "$base/l.tar"; }
pair exp_plain tar_plain
pair exp_zstd tar_zstd
PRE='rm -rf "$base/x"'
pair imp_plain untar_plain
pair imp_zstd untar_zstd
PRE=
rm -rf "$base/x"
pair sha_openssl sha_sum

mbps() { echo "scale=1; $1 / 1048576 / $2" | bc -l; }
ratio() { echo "scale=3; $1 / $2" | bc -l; }

printf '\n%-14s %10s %10s %10s %10s %7s\n' workload "layerctl s" "MB/s" "baseline s" "MB/s" ratio
row() { # name ours base bytes
	printf '%-14s %10.3f %10s %10.3f %10s %7s\n' "$1" "${T[$2]}" "$(mbps "$4" "${T[$2]}")" \
		"${T[$3]}" "$(mbps "$4" "${T[$3]}")" "$(ratio "${T[$2]}" "${T[$3]}")"
}
row "export plain" exp_plain tar_plain "$tarbytes"
row "export zstd" exp_zstd tar_zstd "$tarbytes"
row "import plain" imp_plain untar_plain "$tarbytes"
row "import zstd" imp_zstd untar_zstd "$tarbytes"
printf '%-14s %10.3f %10s %10.3f %10s %7s  (openssl vs sha256sum)\n' "sha256" "${T[sha_openssl]}" \
	"$(mbps "$tarbytes" "${T[sha_openssl]}")" "${T[sha_sum]}" "$(mbps "$tarbytes" "${T[sha_sum]}")" \
	"$(ratio "${T[sha_openssl]}" "${T[sha_sum]}")"

{
	printf '{"files":%s,"bytes":%s,"tar_bytes":%s,"zstd_bytes":%s,"reps":%s,' \
		"$files" "$bytes" "$tarbytes" "$zbytes" "$reps"
	printf '"commit":"%s",' "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf '"plain":%s,"zstd":%s,"results":{' "$(cat "$base/plain.json")" "$(cat "$base/zstd.json")"
	sep=
	for w in export_plain:exp_plain:tar_plain export_zstd:exp_zstd:tar_zstd \
		import_plain:imp_plain:untar_plain import_zstd:imp_zstd:untar_zstd \
		sha256:sha_openssl:sha_sum; do
		IFS=: read -r name o b <<<"$w"
		printf '%s"%s":{"layerctl_s":%s,"baseline_s":%s,"ratio":%s,"layerctl_MBps":%s,"baseline_MBps":%s}' \
			"$sep" "$name" "${T[$o]}" "${T[$b]}" "$(ratio "${T[$o]}" "${T[$b]}")" \
			"$(mbps "$tarbytes" "${T[$o]}")" "$(mbps "$tarbytes" "${T[$b]}")"
		sep=,
	done
	printf '}}\n'
} | sed 's/:\./:0./g' >"$out"
echo "bench-oci: wrote $out"
