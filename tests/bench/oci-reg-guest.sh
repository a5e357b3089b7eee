#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of tests/bench/oci-reg.sh: /dev/vda is an empty ext4
# disk.  One layer of $OCI_REG_MB MiB is registered, docker-registry
# serves on 127.0.0.1:5000 (plain HTTP, storage on the disk), and each is
# timed once, caches dropped before, each pair back to back (the machine
# may be shared: single runs are noisy):
#
#   save      layerctl save IMG -o LAYOUT  (the layout skopeo uploads;
#             shown, not compared; it also keeps each layer's gzip blob
#             in the store, a hard link to the layout's file)
#   push kept layerctl push IMG HOST/bench/lc:1 --insecure (a line per
#             blob, checked to say "(kept blob)") after that save: the store's kept blob uploaded as it is
#             (hashed as it goes), nothing compressed
#   skopeo up skopeo copy oci:LAYOUT:IMG docker://HOST/bench/sk:1
#   push cold the same push from a store that knows nothing of the layer
#             (LAYERFS_STORE=STORE3, another repository): tar and gzip
#             while it uploads, and the blob kept in STORE3 as it goes
#   push cold --no-keep-blob  the same from STORE4, nothing kept (the
#             difference to "push cold" is what keeping costs); the cold
#             pair is timed twice, the second time in the other order
#   pull      layerctl pull HOST/bench/lc:1 (download into the
#             extraction, verify, register, keep the blob)
#   skopeo down skopeo copy docker://HOST/bench/lc:1 oci:DIR:x
#             (download and verify only)
#
# The cold pushes upload a blob the registry has in another repository
# already: the registry still receives and checks every byte (nothing is
# asked for first: the store has no record of the layer).  Ratios: each
# push / skopeo up (the cold ones' ratios use the first pair),
# pull / skopeo down.  Last line: "BENCH-JSON {...}".
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
L=$root/userspace/layerctl
mb=${OCI_REG_MB:-1024}
d=/tmp/bench-disk
mkdir -p "$d"
mount -t ext4 /dev/vda "$d"
insmod "$root/kernel/layerfs.ko"
export LAYERFS_STORE=$d/store
mkdir -p "$d/reg" "$LAYERFS_STORE"
say() { echo "# $*" >&2; }

python3 - "$d/layer" "$mb" <<'PY'
import os, sys
top, mb = sys.argv[1], int(sys.argv[2])
text = (b"the quick brown fox jumps over the lazy dog 0123456789\n" * 19066)[:1 << 20]
for i in range(mb):
    sub = os.path.join(top, "d%02d" % (i % 32))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(os.urandom(1 << 20) if i % 2 else text)
PY
"$L" layer add bench/img:1 "$d/layer"
cat >"$d/reg.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $d/reg
http:
  addr: 127.0.0.1:5000
YML
env -u REGISTRY_AUTH_FILE docker-registry serve "$d/reg.yml" >"$d/reg.log" 2>&1 &
regpid=$!
trap 'kill $regpid 2>/dev/null' EXIT
for _ in $(seq 120); do
	curl -s -o /dev/null http://127.0.0.1:5000/v2/ && break
	sleep 0.5
done
H=127.0.0.1:5000

now() { date +%s%N; }
# timed NAME CMD...: seconds of CMD (caches dropped first) into T_NAME
timed() {
	local name=$1 t0 t1
	shift
	sync
	echo 3 >/proc/sys/vm/drop_caches
	t0=$(now)
	"$@" >"$d/$name.out" 2>&1 || { cat "$d/$name.out" >&2; exit 1; }
	t1=$(now)
	printf -v "T_$name" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
	say "$name: $(eval echo "\$T_$name") s"
}
timed save "$L" save bench/img:1 -o "$d/layout"
timed push "$L" push bench/img:1 $H/bench/lc:1 --insecure
grep -q ' (kept blob)$' "$d/push.out" || { say "push after save did not upload the kept blob:"; cat "$d/push.out" >&2; exit 1; }
timed skopeo_up skopeo copy --dest-tls-verify=false "oci:$d/layout:bench/img:1" docker://$H/bench/sk:1
# the cold pair twice, in both orders (single runs are noisy)
timed push_cold env LAYERFS_STORE="$d/store3" "$L" push bench/img:1 $H/bench/cold:1 --insecure
timed push_nokeep env LAYERFS_STORE="$d/store4" "$L" push bench/img:1 $H/bench/nokeep:1 --insecure --no-keep-blob
timed push_nokeep2 env LAYERFS_STORE="$d/store6" "$L" push bench/img:1 $H/bench/nokeep2:1 --insecure --no-keep-blob
timed push_cold2 env LAYERFS_STORE="$d/store5" "$L" push bench/img:1 $H/bench/cold2:1 --insecure
! grep -q 'kept blob' "$d"/push_cold*.out "$d"/push_nokeep*.out || { say "a cold push used a kept blob"; exit 1; }
kept=$(for s in "$LAYERFS_STORE" "$d/store3" "$d/store4" "$d/store5" "$d/store6"; do
	ls "$s/blobs/sha256" 2>/dev/null || true; done | wc -l)
say "kept blobs in the five stores: $kept (expected 3: the save's and the two cold pushes')"
timed pull env LAYERFS_STORE="$d/store2" "$L" pull $H/bench/lc:1 bench/copy:1 --insecure --quiet
timed skopeo_down skopeo copy --src-tls-verify=false docker://$H/bench/lc:1 "oci:$d/down:x"
gz=$(du -sb "$d/layout/blobs" | cut -f1)

r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
printf '\n%-28s %10s %10s %7s\n' "$mb MiB image" "layerctl s" "skopeo s" ratio
printf '%-28s %10s %10s %7s\n' "push after save (kept blob)" "$T_push" "$T_skopeo_up" "$(r "$T_push" "$T_skopeo_up")"
printf '%-28s %10s %10s %7s\n' "push cold (gzip + upload)" "$T_push_cold" "$T_skopeo_up" "$(r "$T_push_cold" "$T_skopeo_up")"
printf '%-28s %10s %10s %7s\n' "push cold, --no-keep-blob" "$T_push_nokeep" "$T_skopeo_up" "$(r "$T_push_nokeep" "$T_skopeo_up")"
printf '%-28s %10s %10s %7s\n' "push cold, --no-keep-blob" "$T_push_nokeep2" "$T_skopeo_up" "$(r "$T_push_nokeep2" "$T_skopeo_up")"
printf '%-28s %10s %10s %7s\n' "push cold (gzip + upload)" "$T_push_cold2" "$T_skopeo_up" "$(r "$T_push_cold2" "$T_skopeo_up")"
printf '%-28s %10s %10s %7s\n' "pull (download + extract)" "$T_pull" "$T_skopeo_down" "$(r "$T_pull" "$T_skopeo_down")"
printf '%-28s %10s\n' "(save alone)" "$T_save"
printf 'BENCH-JSON {"mb":%s,"blob_bytes":%s,"push_s":%s,"push_cold_s":[%s,%s],"push_nokeep_s":[%s,%s],"save_s":%s,"skopeo_push_s":%s,"pull_s":%s,"skopeo_pull_s":%s,"push_ratio":%s,"push_cold_ratio":%s,"push_nokeep_ratio":%s,"pull_ratio":%s}\n' \
	"$mb" "$gz" "$T_push" "$T_push_cold" "$T_push_cold2" "$T_push_nokeep" \
	"$T_push_nokeep2" "$T_save" "$T_skopeo_up" \
	"$T_pull" "$T_skopeo_down" "$(r "$T_push" "$T_skopeo_up")" \
	"$(r "$T_push_cold" "$T_skopeo_up")" "$(r "$T_push_nokeep" "$T_skopeo_up")" \
	"$(r "$T_pull" "$T_skopeo_down")"
