#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The layerfs generic netlink family under a seeded fuzzer
# (tests/tools/lfs-nlfuzz): NLFUZZ_COUNT random and mutated messages
# (default 100,000) as root, built from valid templates of every command,
# over a registry of three layers used by two mounted views; then
# NLFUZZ_NONROOT_COUNT (default COUNT/10) from unprivileged senders and
# openers.  Checks: the registry changes only by requests the kernel
# acknowledged with success (the tool keeps a model and reconciles it
# with a dump after each such request and every 1,000 messages);
# unprivileged messages never succeed and change nothing; after the tool
# deleted what it added the registry is as before; no kernel warning (run.sh);
# and no kmalloc growth over the whole test (module loaded, nothing
# registered, before and after).  Unprivileged messages that reach one of
# the family's operations must fail with EPERM, as the protocol specifies
# (include/uapi/linux/layerfs.h, "Privilege"), not with EINVAL from
# attribute validation; NLFUZZ_STRICT_EPERM=0 relaxes that to "fail with
# some error".  NLFUZZ_SEED (default 1) picks the run.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

TOOL=$ROOT/tests/tools/lfs-nlfuzz
COUNT=${NLFUZZ_COUNT:-100000}
NRCOUNT=${NLFUZZ_NONROOT_COUNT:-$((COUNT / 10))}
SEED=${NLFUZZ_SEED:-1}
# Seconds after which no new message is sent (run.sh stops a test at 300 s;
# 100,000 messages take ~100 s on an idle 2-core TCG guest, twice that on a
# loaded machine).  The number actually sent is in the check's name.
BUDGET=${NLFUZZ_BUDGET:-120}
TOLERANCE=131072	# bytes; settled kmalloc reads vary by 10-50 KB (lib.sh)
[ -x "$TOOL" ] || { echo "Bail out! $TOOL not built (make tools)"; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

load_module
d=$scratch
mkdir -p "$d/b0" "$d/b1" "$d/b2" "$d/u" "$d/w" "$d/m1" "$d/m2" "$d/fz"
echo base >"$d/b0/f"

# Warm up once (first layer, first view), so that the baseline has what
# the module allocates on first use.
"$LAYERCTL" layer add warm "$d/b0" && "$LAYERCTL" mount warm "$d/m1" &&
	ls "$d/m1" >/dev/null && "$LAYERCTL" umount "$d/m1" &&
	"$LAYERCTL" layer rm warm
base=$(kmalloc_settled)
diag "kmalloc baseline: $base bytes"

expect_ok "$LAYERCTL" layer add nlf-base "$d/b0"
expect_ok "$LAYERCTL" layer add nlf-mid:1 "$d/b1" --parent nlf-base
expect_ok "$LAYERCTL" layer add nlf/top:2 "$d/b2" --parent nlf-mid:1
expect_ok "$LAYERCTL" mount nlf/top:2 "$d/m1" --upper "$d/u" --work "$d/w"
expect_ok "$LAYERCTL" mount nlf-mid:1 "$d/m2"
before=$("$LAYERCTL" layer ls --json)
views=$("$LAYERCTL" view ls --json)

t0=$(now_ms)
"$TOOL" -s "$SEED" -n "$COUNT" -t "$BUDGET" -d "$d/fz" -k 48 --cleanup >"$d/root.out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
cat "$d/root.out"
sent=$(sed -n 's/^# time budget of .* reached after \([0-9]*\) of .*/\1/p' "$d/root.out")
sent=${sent:-$COUNT}
diag "time: root fuzzing, $sent messages: $((ms / 1000)).$((ms % 1000 / 100)) s"
if [ "$rc" = 0 ] && grep -q '^nlfuzz: PASS' "$d/root.out"; then
	pass "root: $sent of $COUNT messages, registry changed only by acknowledged requests"
else
	fail "root: $sent of $COUNT messages (exit status $rc)" \
		"$(grep -E '^(# BAD|nlfuzz:)' "$d/root.out" | head -n 60)"
fi
# The layers of the start are as they were (but for their counters); what
# is left beyond them are the layers fuzzed VIEW_COMMITs made, which their
# view uses: frozen, as many as the tool counted.
stable='{id, name, path, parent, created_ns, flags}'
ids=$(printf '%s' "$before" | jq -c '[.[].id]')
after=$("$LAYERCTL" layer ls --json)
expect_eq "$(printf '%s' "$after" | jq -c --argjson ids "$ids" \
	"[.[] | select(.id as \$i | \$ids | index(\$i)) | $stable]")" \
	"$(printf '%s' "$before" | jq -c "[.[] | $stable]")" \
	"layers of the start unchanged once the fuzzer removed its layers"
extra=$(printf '%s' "$after" | jq -c --argjson ids "$ids" \
	'[.[] | select(.id as $i | $ids | index($i) | not)]')
committed=$(sed -n 's/^# root: .* committed \([0-9]*\);.*/\1/p' "$d/root.out")
expect_eq "$(printf '%s' "$extra" | jq length)" "${committed:-?}" \
	"the other layers left are the ${committed:-?} committed ones"
expect_eq "$(printf '%s' "$extra" | jq '[.[] | select(.flags != ["frozen"])] | length')" 0 \
	"... all frozen"
expect_eq "$("$LAYERCTL" view ls --json | jq -c '[.[] | {id, mountpoints}]')" \
	"$(printf '%s' "$views" | jq -c '[.[] | {id, mountpoints}]')" "the same views, mounted where they were"
before=$after

strict=
[ "${NLFUZZ_STRICT_EPERM:-1}" = 0 ] || strict=--strict-eperm
t0=$(now_ms)
"$TOOL" --nonroot $strict -s "$SEED" -n "$NRCOUNT" -t 40 -d "$d/fz" -k 48 >"$d/nonroot.out" 2>&1
rc=$?
ms=$(($(now_ms) - t0))
cat "$d/nonroot.out"
diag "time: unprivileged fuzzing: $((ms / 1000)).$((ms % 1000 / 100)) s"
if [ "$rc" = 0 ] && grep -q '^nlfuzz: PASS' "$d/nonroot.out"; then
	pass "unprivileged: nothing succeeded, registry unchanged"
else
	fail "unprivileged (exit status $rc)" \
		"$(grep -E '^(# BAD|nlfuzz:)' "$d/nonroot.out" | head -n 60)"
fi
expect_eq "$("$LAYERCTL" layer ls --json)" "$before" "registry unchanged by unprivileged callers"

# Tear down: views (and layers a fuzzed commit may have made), then layers.
t0=$(now_ms)
expect_ok "$LAYERCTL" umount "$d/m1"
expect_ok "$LAYERCTL" umount "$d/m2"
# (one layerctl process: an exec costs ~150 ms under TCG, and fuzzed commits
# leave dozens of layers), children first.
"$LAYERCTL" layer ls --json | jq -r '.[].name | "layer rm " + @sh' | tac >"$d/rm.batch"
"$LAYERCTL" -b "$d/rm.batch" --force || diag "layerctl -b $d/rm.batch failed"
expect_eq "$("$LAYERCTL" layer ls --json | tr -d ' \n')" '[]' "registry empty"
ms=$(($(now_ms) - t0))
diag "time: teardown: $((ms / 1000)).$((ms % 1000 / 100)) s"

now=$(kmalloc_settled)
d_b=$((now - base))
if [ "${d_b#-}" -le "$TOLERANCE" ]; then
	pass "no kmalloc growth (off by $d_b bytes, tolerance $TOLERANCE)"
else
	fail "no kmalloc growth" "kmalloc bytes now $now, baseline $base: off by $d_b"
fi
expect_ok unload_module
done_testing
