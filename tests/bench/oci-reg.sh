#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The registry half of `make bench-oci`: `layerctl push` and `layerctl
# pull` of one image of $OCI_REG_MB MiB (default 1024: half random bytes,
# half text, in 1 MiB files) against `skopeo copy` of the same layout to
# and from the same registry (Debian's docker-registry on loopback, plain
# HTTP), in one guest (the module is needed to save and load) on ext4 on
# a virtio disk image (tests/bench/oci-reg-guest.sh).  Prints the table
# and the ratios layerctl / skopeo (target: at most 1.0) and writes
# build/bench-oci-reg.json.
#
#   tests/bench/oci-reg.sh [--kver K]
#
# Environment: OCI_REG_MB (default 1024), BENCH_TIMEOUT=S (default 7200).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kver_args=()
[ "${1:-}" != --kver ] || [ -z "${2:-}" ] || kver_args=(--kver "$2")
mb=${OCI_REG_MB:-1024}
img=$root/build/bench-oci-reg.img
out=$root/build/bench-oci-reg.out
mkdir -p "$root/build"
rm -f "$img"
# the data, the store, two layouts, the registry and the pulled copies
truncate -s $((mb * 8 / 1024 + 2))G "$img"
mkfs.ext4 -q -F "$img"
status=0
"$root/scripts/guest-run.sh" "${kver_args[@]}" --mem 2048 \
	--timeout "${BENCH_TIMEOUT:-7200}" --disk "$img" \
	--env "OCI_REG_MB=$mb" -- tests/bench/oci-reg-guest.sh | tee "$out" || status=$?
rm -f "$img"
sed -n 's/^BENCH-JSON //p' "$out" >"$root/build/bench-oci-reg.json"
[ -s "$root/build/bench-oci-reg.json" ] && echo "bench-oci: wrote build/bench-oci-reg.json"
exit "$status"
