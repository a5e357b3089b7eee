#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A pull that breaks off is resumed by the next one, across runs, against
# Debian's docker-registry (distribution 2.8) on loopback, through
# tests/guest/faultyproxy.py:
#
# - its break mode stops every transfer of a blob at the blob's middle, so
#   the first pull fails (nothing registered, no layer directory left) and
#   keeps the first half in the store (ROOT/.partial/sha256-HEX.partial);
# - through the proxy in pass mode, the next pull asks for the rest with
#   a Range from there (the proxy's log), receives fewer bytes than the
#   blob, says it resumed, deletes the partial download, and mounts the
#   tree that was pushed;
# - a partial download with one byte changed makes the next pull fail
#   with a digest error that names it, registers nothing and deletes it;
#   the pull after that downloads the blob whole (no Range) and works;
# - a partial download that another process holds (flock) is neither
#   used nor changed: the pull downloads the blob whole;
# - prune leaves a partial download that is held, or that changed in the
#   last minute, and deletes it once it is neither.
#
# guest-timeout: 900
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LIST="python3 $ROOT/tests/guest/treelist.py"
d=$scratch
L() { "$LAYERCTL" "$@"; }

if ! command -v docker-registry >/dev/null; then
	skip "registry resume" "docker-registry missing (scripts/install-deps.sh)"
	done_testing
fi
load_module
export REGISTRY_AUTH_FILE=$d/auth.json
unset LAYERFS_INSECURE_REGISTRIES DOCKER_CONFIG

# shellcheck source=registry.sh
. "$(dirname "$0")/registry.sh"

registered() { L layer ls --json | grep -o '"name": *"[^"]*"' | sort | tr '\n' ' '; }
# same_tree STORE NAME WHAT: NAME mounted from STORE has rs/app:1's tree.
same_tree() {
	mkdir -p "$d/mp0" "$d/mp1"
	expect_ok L mount --ro rs/app:1 "$d/mp0"
	expect_ok env LAYERFS_STORE="$1" "$LAYERCTL" mount --ro "$2" "$d/mp1"
	$LIST "$d/mp0" --no-root >"$d/l1" 2>&1
	$LIST "$d/mp1" --no-root >"$d/l2" 2>&1
	if cmp -s "$d/l1" "$d/l2" && [ -s "$d/l1" ]; then
		pass "$3"
	else
		fail "$3" "$(diff "$d/l1" "$d/l2" | head -n 30)"
	fi
	L umount "$d/mp0"
	L umount "$d/mp1"
}
# sent LOG: the body bytes the proxy sent for the layer blob's GETs, summed.
sent() { awk -v p="/v2/test/rs/blobs/$DG" '$1 == "sent" && $2 == p { n += $3 } END { print n + 0 }' "$1"; }
# the layer blob's GETs in LOG, one "RANGE" a line ("-": none)
gets() { awk -v p="/v2/test/rs/blobs/$DG" '$1 == "GET" && $2 == p { print $3 }' "$1"; }
size() { stat -c %s "$1"; }

# --- one layer, 1 MB of random bytes (gzip cannot shrink them) -------------
mkdir -p "$d/img/etc" "$d/img/data"
echo hosts >"$d/img/etc/hosts"
head -c 1000000 /dev/urandom >"$d/img/data/big"
expect_ok L layer add rs/app:1 "$d/img"
start_registry plain 127.0.0.1:5100
P=127.0.0.1:5100
expect_ok L push rs/app:1 $P/test/rs:1 --insecure --quiet
man=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$P/v2/test/rs/manifests/1")
DG=$(printf '%s' "$man" | python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
SIZE=$(printf '%s' "$man" | python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["size"])')
expect_match "$DG $SIZE" "^sha256:[0-9a-f]{64} [0-9]{7}$" "the layer's blob: $DG, $SIZE bytes"
PART=.partial/sha256-${DG#sha256:}.partial
HALF=$((SIZE / 2))

start_proxy break 5101
start_proxy pass 5102
B=127.0.0.1:5101/test/rs:1
G=127.0.0.1:5102/test/rs:1

# --- broken for good: the first half kept ------------------------------------
before=$(registered)
expect_fail "blob '$DG': the transfer broke off at $HALF of $SIZE bytes: .*: $HALF bytes of it kept in '.*/s1/\\.partial' for the next pull to resume$" \
	env LAYERFS_STORE="$d/s1" "$LAYERCTL" pull $B r1/app:1 --insecure
expect_eq "$(registered)" "$before" "the broken pull registers nothing"
expect_eq "$(ls -A "$d/s1/layers" | wc -l)" 0 "... and leaves no layer directory"
expect_eq "$(size "$d/s1/$PART" 2>&1)" "$HALF" "... and keeps the first half of the blob in $PART"
expect_eq "$(ls -A "$d/s1/.partial")" "${PART#.partial/}" "... and nothing else there"
expect_eq "$(gets "$d/proxy-break.log" | sed -n 2p)" "bytes=$HALF-" "within that pull, the transfer was resumed with a range"

# --- resumed by the next pull -------------------------------------------------
: >"$d/proxy-pass.log"
out=$(LAYERFS_STORE=$d/s1 L pull $G r1/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "the next pull succeeds"
[ $rc = 0 ] || diag "$out"
expect_match "$out" "^$DG downloaded $SIZE bytes \\(resumed at $HALF\\)$" "... and says it resumed at byte $HALF"
expect_eq "$(gets "$d/proxy-pass.log" | tr '\n' ' ')" "bytes=$HALF- " "... asking for the rest with one Range request"
n=$(sent "$d/proxy-pass.log")
expect_eq "$n" "$((SIZE - HALF))" "... which sent $((SIZE - HALF)) bytes of the $SIZE"
[ ! -e "$d/s1/$PART" ] && [ ! -e "$d/s1/.partial" ] &&
	pass "the partial download is gone once the blob verified" ||
	fail "the partial download is gone once the blob verified" "$(ls -lA "$d/s1/.partial")"
same_tree "$d/s1" r1/app:1 "the resumed pull has the pushed tree"

# --- a partial download that another process holds ---------------------------
# (made first: prune's part below needs it a minute old)
expect_fail "broke off at $HALF of $SIZE" env LAYERFS_STORE="$d/s3" "$LAYERCTL" pull $B r3/app:1 --insecure
cp "$d/s3/$PART" "$d/held.copy"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "rb")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(600)' "$d/s3/$PART" "$d/held" &
holder=$!
_i=0
while [ ! -e "$d/held" ] && [ $_i -lt 100 ]; do sleep 0.2; _i=$((_i + 1)); done
: >"$d/proxy-pass.log"
out=$(LAYERFS_STORE=$d/s3 L pull $G r3/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "a pull while another process holds the partial download succeeds"
[ $rc = 0 ] || diag "$out"
expect_eq "$(gets "$d/proxy-pass.log" | tr '\n' ' ')" "- " "... downloading the blob whole, without a Range"
cmp -s "$d/s3/$PART" "$d/held.copy" && pass "... and leaves the held partial download as it was" ||
	fail "... and leaves the held partial download as it was" "$(ls -l "$d/s3/$PART")"
held_at=$(date +%s)

# --- a tampered partial download ---------------------------------------------
expect_fail "broke off at $HALF of $SIZE" env LAYERFS_STORE="$d/s2" "$LAYERCTL" pull $B r2/app:1 --insecure
expect_eq "$(size "$d/s2/$PART" 2>&1)" "$HALF" "a second broken pull keeps its half"
python3 - "$d/s2/$PART" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000)
    b = f.read(1)
    f.seek(1000)
    f.write(bytes([b[0] ^ 0x40]))
EOF
before=$(registered)
: >"$d/proxy-pass.log"
expect_fail "blob '$DG': the download does not match its digest: got sha256:[0-9a-f]{64}, $SIZE bytes, the first $HALF of them from the partial download an earlier pull left, deleted now: pull again to download it whole$" \
	env LAYERFS_STORE="$d/s2" "$LAYERCTL" pull $G r2/app:1 --insecure
expect_eq "$(gets "$d/proxy-pass.log" | tr '\n' ' ')" "bytes=$HALF- " "... after it resumed from the tampered bytes"
expect_eq "$(registered)" "$before" "... registering nothing"
expect_eq "$(ls -A "$d/s2/layers" | wc -l)" 0 "... leaving no layer directory"
[ ! -e "$d/s2/$PART" ] && pass "... and deleting the partial download" ||
	fail "... and deleting the partial download" "$(ls -l "$d/s2/$PART")"
: >"$d/proxy-pass.log"
out=$(LAYERFS_STORE=$d/s2 L pull $G r2/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "the pull after it succeeds"
[ $rc = 0 ] || diag "$out"
expect_eq "$(gets "$d/proxy-pass.log" | tr '\n' ' ')" "- " "... downloading the blob whole, without a Range"
expect_eq "$(sent "$d/proxy-pass.log")" "$SIZE" "... all $SIZE bytes of it"
same_tree "$d/s2" r2/app:1 "... and has the pushed tree"

# --- prune -------------------------------------------------------------------
expect_fail "broke off at $HALF of $SIZE" env LAYERFS_STORE="$d/s4" "$LAYERCTL" pull $B r4/app:1 --insecure
out=$(LAYERFS_STORE=$d/s4 L prune 2>&1)
expect_eq "$(printf '%s\n' "$out" | grep -c 'partial download')" 0 "prune leaves a partial download changed in the last minute" || diag "$out"
[ -e "$d/s4/$PART" ] && pass "... there" || fail "... there" "$(ls -lA "$d/s4")"
# The rest of the minute since the held download last changed: its mtime
# and ctime, which prune reads and no call can set back.  The guest's
# clock is stepped over it rather than slept through (it was most of this
# test's time), and stepped back once prune's checks are done; sleeps and
# timeouts are not moved by it (relative timers run on CLOCK_MONOTONIC).
wait_s=$((held_at + 62 - $(date +%s)))
stepped=0
if [ $wait_s -gt 0 ]; then
	if date -s "@$(($(date +%s) + wait_s))" >/dev/null; then
		stepped=$wait_s
	else
		sleep $wait_s
	fi
fi
out=$(LAYERFS_STORE=$d/s3 L prune 2>&1)
expect_eq "$(printf '%s\n' "$out" | grep -c 'partial download')" 0 "... and one a minute old that a process holds" || diag "$out"
[ -e "$d/s3/$PART" ] && pass "... there" || fail "... there" "$(ls -lA "$d/s3")"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
out=$(LAYERFS_STORE=$d/s3 L prune -n --json 2>&1)
expect_match "$out" "\"partial_downloads\": *\\[ *\"$DG\" *\\]" "prune -n --json lists it once it is a minute old and unheld"
[ -e "$d/s3/$PART" ] && pass "... and -n keeps it" || fail "... and -n keeps it"
out=$(LAYERFS_STORE=$d/s3 L prune 2>&1)
expect_match "$out" "^deleted partial download $DG$" "prune deletes it" || diag "$out"
expect_match "$out" "^freed 0 views, 0 uppers, 0 temporary directories and 1 partial downloads: 1 files, " "... and counts it"
[ ! -e "$d/s3/$PART" ] && [ ! -e "$d/s3/.partial" ] && pass "... leaving no .partial directory" ||
	fail "... leaving no .partial directory" "$(ls -lA "$d/s3/.partial")"
[ $stepped = 0 ] || date -s "@$(($(date +%s) - stepped))" >/dev/null ||
	fail "the clock stepped back by $stepped s"

stop_registries
expect_ok unload_module
done_testing
