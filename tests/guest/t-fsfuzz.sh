#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Mount options under a seeded fuzzer (tests/tools/lfs-fsfuzz): FSFUZZ_COUNT
# rounds (default 5,000) of random and mutated fsconfig(2) sequences
# (string, flag, path, fd and binary values; layers= lists with escapes,
# odd and unknown names; repeated upper= and work=; values past the
# limits; settings after create) ending in FSCONFIG_CMD_CREATE and
# fsmount, and of mount(2) with random options strings, remounts
# included.  Views that mount are used briefly and unmounted.  Checks: no
# kernel warning (run.sh), every mount that succeeded was a layerfs view
# and went away, no view is left, no layer still counts a view, and no
# kmalloc growth over the test.  FSFUZZ_SEED (default 1) picks the run.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-fsfuzz
COUNT=${FSFUZZ_COUNT:-5000}
SEED=${FSFUZZ_SEED:-1}
TOLERANCE=131072	# bytes; settled kmalloc reads vary by 10-50 KB (lib.sh)
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

load_module
d=$scratch
mkdir -p "$d/fz/layer0/etc" "$d/l1/etc" "$d/l2" "$d/l3" "$d/m"
echo zero >"$d/fz/layer0/etc/os"
echo one >"$d/l1/etc/os"
echo two >"$d/l2/two"

"$LAYERCTL" layer add warm "$d/l3" && "$LAYERCTL" mount warm "$d/m" &&
	ls "$d/m" >/dev/null && "$LAYERCTL" umount "$d/m" &&
	"$LAYERCTL" layer rm warm
base=$(kmalloc_settled)
diag "kmalloc baseline: $base bytes"

expect_ok "$LAYERCTL" layer add fz-base "$d/fz/layer0"
expect_ok "$LAYERCTL" layer add fz-app:1.0 "$d/l1" --parent fz-base
expect_ok "$LAYERCTL" layer add fz/top:x "$d/l2" --parent fz-app:1.0

t0=$(now_ms)
"$TOOL" -s "$SEED" -n "$COUNT" "$d/fz" fz-base fz-app:1.0 fz/top:x >"$d/out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
cat "$d/out"
diag "time: $COUNT rounds: $((ms / 1000)).$((ms % 1000 / 100)) s"
if [ "$rc" = 0 ] && grep -q '^fsfuzz: PASS' "$d/out"; then
	pass "$COUNT rounds of mount option fuzzing"
else
	fail "$COUNT rounds of mount option fuzzing (exit status $rc)" \
		"$(grep -E '^(# BAD|fsfuzz:)' "$d/out" | head -n 60)"
fi
expect_eq "$(awk '$3 == "layerfs"' /proc/self/mounts)" "" "no view left mounted"
expect_eq "$("$LAYERCTL" view ls --json | tr -d ' \n')" '[]' "no view left in the registry"
expect_eq "$("$LAYERCTL" layer ls --json | jq '[.[] | select(.views != 0)] | length')" 0 \
	"no layer counts a view"

expect_ok "$LAYERCTL" layer rm fz/top:x
expect_ok "$LAYERCTL" layer rm fz-app:1.0
expect_ok "$LAYERCTL" layer rm fz-base
now=$(kmalloc_settled)
d_b=$((now - base))
if [ "${d_b#-}" -le "$TOLERANCE" ]; then
	pass "no kmalloc growth (off by $d_b bytes, tolerance $TOLERANCE)"
else
	fail "no kmalloc growth" "kmalloc bytes now $now, baseline $base: off by $d_b"
fi
expect_ok unload_module
done_testing
