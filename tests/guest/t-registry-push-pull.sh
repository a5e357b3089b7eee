#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# layerctl push, pull and login against Debian's docker-registry
# (distribution 2.8), started here on loopback twice: plain HTTP without
# authentication (the host marked --insecure), and HTTPS with a
# certificate from a CA made here by openssl plus htpasswd Basic auth.
#
# - push of a two-layer image (a whiteout and an opaque directory in the
#   top layer) uploads its three blobs (counted in the registry's access
#   log); pushing again uploads none;
# - pull into an empty store: the tree of the pulled image, mounted, is the
#   original's; pulling it again under another name downloads no lower
#   layer (the store has it);
# - without --insecure no plain HTTP is spoken; without the CA no TLS;
# - login with a wrong password fails and stores nothing; with the right
#   one it stores the auth file with mode 0600, and push and pull then
#   work against the authenticated registry; logout removes them (the
#   file stays 0600) and push needs a login again;
# - a wrong password in the auth file, an unknown repository and an
#   unknown tag each fail with a clear message and register nothing;
# - through tests/guest/faultyproxy.py: blob transfers that break off
#   halfway are resumed with a range; a corrupted blob is refused and
#   registers nothing;
# - skopeo copies what push pushed, and umoci unpacks that copy into the
#   tree layerfs mounts; pull takes what skopeo pushed (as a Docker v2
#   manifest) and mounts the same tree;
# - --quiet prints the result line only; output that is not a terminal has
#   one line per blob and no escape sequence; on a terminal (script(1))
#   the progress display is drawn;
# - push --chunk-size uploads in PATCH requests (counted in the registry's
#   log), and the image pulls back whole;
# - a push to another repository of the same registry mounts the blobs
#   the store recorded there (POST ?mount=...&from=..., 201 in the log)
#   instead of uploading them;
# - through faultyproxy.py's slow mode: push and pull have several blob
#   requests in flight at once (--jobs), and --jobs 1 one;
# - a credential helper named in credHelpers (docker-credential-NAME on
#   $PATH) is asked for the TLS registry's credentials, and they work;
#   login stores them through it ('store'), the auth file unchanged;
# - pull's --max-* limits reach the extraction, and a layer larger than
#   they allow is refused before its download;
# - kept blobs (ROOT/blobs/sha256/HEX): save keeps each layer's blob (a
#   hard link) and a second save links it; push after save uploads the
#   kept blobs ("(kept blob)") and pushes the image save wrote; a kept
#   blob with a byte changed is not uploaded as it is (the layer is
#   compressed again, the registry gets the right blob, the right one is
#   kept); push keeps what it compresses; pull keeps what it downloads,
#   and pushes from it; --no-keep-blob keeps nothing (save, push, pull);
#   prune deletes the blobs of a removed and of a changed layer and a
#   writer's leftover, and keeps the live one.
#
# guest-timeout: 1200
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LIST="python3 $ROOT/tests/guest/treelist.py"
d=$scratch
L() { "$LAYERCTL" "$@"; }
t0=$(date +%s)
section() { diag "time: $(($(date +%s) - t0)) s: $*"; }

if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
	skip "registry push/pull" "docker-registry or htpasswd missing (scripts/install-deps.sh)"
	done_testing
fi
load_module
export REGISTRY_AUTH_FILE=$d/auth.json
unset LAYERFS_INSECURE_REGISTRIES DOCKER_CONFIG

# shellcheck source=registry.sh
. "$(dirname "$0")/registry.sh"

# The number of blob uploads (POST .../blobs/uploads/) in a registry's log.
uploads() { grep -c '"POST /v2/[^ ]*/blobs/uploads/ HTTP' "$d/$1.log"; }
registered() { L layer ls --json | grep -o '"name": *"[^"]*"' | sort | tr '\n' ' '; }
same_tree() { # DIR1 DIR2 WHAT [treelist options]
	_a=$1 _b=$2 _w=$3
	shift 3
	$LIST "$_a" --no-root "$@" >"$d/l1" 2>&1
	$LIST "$_b" --no-root "$@" >"$d/l2" 2>&1
	if cmp -s "$d/l1" "$d/l2" && [ -s "$d/l1" ]; then
		pass "$_w"
	else
		fail "$_w" "$(diff "$d/l1" "$d/l2" | head -n 30)"
	fi
}
ESC=$(printf '\033')
# pulled_tree STORE NAME ORIG WHAT: NAME mounted from STORE has ORIG's tree.
pulled_tree() {
	mkdir -p "$d/mp0" "$d/mp1"
	expect_ok L mount --ro "$3" "$d/mp0"
	expect_ok env LAYERFS_STORE="$1" "$LAYERCTL" mount --ro "$2" "$d/mp1"
	same_tree "$d/mp0" "$d/mp1" "$4"
	L umount "$d/mp0"
	L umount "$d/mp1"
}

# --- an image of two layers --------------------------------------------------
section "image"
b=$d/l-base t=$d/l-top
mkdir -p "$b/etc" "$b/usr/bin" "$b/opq/old" "$b/var/lib"
echo hosts >"$b/etc/hosts"
echo gone >"$b/etc/gone"
printf '#!/bin/sh\necho hi\n' >"$b/usr/bin/hi"
chmod 4755 "$b/usr/bin/hi"
ln -s ../usr/bin/hi "$b/etc/hi-link"
echo old >"$b/opq/old/f"
head -c 300000 /dev/urandom >"$b/var/lib/big"
mkdir -p "$t/etc" "$t/opq" "$t/app"
mknod "$t/etc/gone" c 0 0
setfattr -n trusted.overlay.opaque -v y "$t/opq"
echo new >"$t/opq/new"
echo app >"$t/app/main"
# more than faultyproxy.py's 1,000 bytes in the top layer too: the base
# layer is in the store by the time the proxies serve the image
head -c 200000 /dev/urandom >"$t/app/data"
chown 1000:1000 "$t/app/main"
expect_ok L layer add rp/base:1 "$b"
expect_ok L layer add rp/app:1 "$t" --parent rp/base:1 -a tester -m 'the app'

# --- plain HTTP ----------------------------------------------------------------
section "plain registry"
start_registry plain 127.0.0.1:5000
P=127.0.0.1:5000

expect_fail ": a plain-HTTP registry\? only a host marked with --insecure is reached without TLS$" L push rp/app:1 $P/test/app:1
expect_eq "$(uploads plain)" 0 "no upload without --insecure"

out=$(L push rp/app:1 $P/test/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "push over plain HTTP"
expect_match "$out" "^$P/test/app:1: digest sha256:[0-9a-f]{64} .*3 blobs uploaded, 0 present" "push reports three uploads"
expect_eq "$(uploads plain)" 3 "the registry saw three blob uploads"
expect_match "$out" "^sha256:[0-9a-f]{64} uploaded [0-9]+ bytes$" "not a terminal: a line per blob"
case $out in *"$ESC"*) fail "not a terminal: no escape sequence" "$out" ;;
*) pass "not a terminal: no escape sequence" ;; esac
out=$(L push rp/app:1 $P/test/app:1 --insecure --quiet 2>&1)
expect_match "$out" "0 blobs uploaded, 3 present" "push again: every blob present"
expect_eq "$(printf '%s\n' "$out" | wc -l)" 1 "push --quiet: the result line only"
expect_eq "$(uploads plain)" 3 "push again uploads no blob"
out=$(curl -s "http://$P/v2/test/app/tags/list")
expect_match "$out" '"tags":\["1"\]' "the registry lists the tag"
[ -d "$LAYERFS_STORE" ] && [ -z "$(ls -A "$LAYERFS_STORE" | grep '^\.push-')" ] &&
	pass "push leaves no temporary layout" ||
	fail "push leaves no temporary layout" "$(ls -A "$LAYERFS_STORE")"

section "pull"
before=$(registered)
out=$(LAYERFS_STORE=$d/store2 L pull $P/test/app:1 copy/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "pull into an empty store"
[ $rc = 0 ] || diag "$out"
expect_match "$out" "^copy/app:1: sha256:[0-9a-f]{64} \(3 blobs downloaded, 0 layers in the store\)" "pull downloads config and both layers"
expect_match "$(L layer show copy/app:1 --json | jq -r .parent)" "^oci/chain:[0-9a-f]{64}$" "the lower layer is named after its chain id"
mkdir -p "$d/m0" "$d/m1"
expect_ok L mount --ro rp/app:1 "$d/m0"
expect_ok env LAYERFS_STORE="$d/store2" "$LAYERCTL" mount --ro copy/app:1 "$d/m1"
same_tree "$d/m0" "$d/m1" "the pulled image's tree is the pushed one's"
expect_eq "$(ls "$d/m1/opq" | tr '\n' ' ')" "new " "the opaque directory hides the base's entries"
[ ! -e "$d/m1/etc/gone" ] && pass "the whiteout hides etc/gone" || fail "the whiteout hides etc/gone"
cmp -s "$b/var/lib/big" "$d/m1/var/lib/big" && pass "file content survives" || fail "file content survives"
L umount "$d/m0"
L umount "$d/m1"
[ -d "$d/store2/layers" ] && [ -z "$(ls -A "$d/store2" | grep '^\.pull-')" ] &&
	pass "pull leaves no temporary layout" ||
	fail "pull leaves no temporary layout" "$(ls -A "$d/store2")"

out=$(LAYERFS_STORE=$d/store2 L pull $P/test/app:1 copy2/app:1 --insecure 2>&1)
expect_match "$out" "\(2 blobs downloaded, 1 layers in the store\)" "pull again under another name: the lower layer is not downloaded"

section "pull limits"
# the top layer (extracted: its base is registered) has app/data of
# 200,000 bytes and 8 entries; load extracts within pull's limits
before=$(registered)
expect_fail "entry 'app/data': 200000 bytes, more than 1024: see --max-entry-size" \
	env LAYERFS_STORE="$d/store10" "$LAYERCTL" pull $P/test/app:1 lim/app:1 --insecure --max-entry-size 1K
expect_fail "': more than 2 entries: see --max-entries" \
	env LAYERFS_STORE="$d/store10" "$LAYERCTL" pull $P/test/app:1 lim/app:1 --insecure --max-entries 2
# a layer whose blob is larger than any within the limits is refused
# before it is downloaded (the top layer's: 200,000 random bytes;
# --max-size 1 --max-entries 1 allow a blob of 141,905 bytes)
expect_fail "layer 'sha256:[0-9a-f]{64}': [0-9]+ bytes, more than the 141905 a layer within --max-size and --max-entries can be" \
	env LAYERFS_STORE="$d/store10" "$LAYERCTL" pull $P/test/app:1 lim/app:1 --insecure --max-size 1 --max-entries 1
[ ! -e "$d/store10/.partial" ] && [ ! -e "$d/store10/blobs" ] &&
	pass "a layer refused for its size leaves no partial download or blob" ||
	fail "a layer refused for its size leaves no partial download or blob" "$(ls -A "$d/store10")"
expect_eq "$(registered)" "$before" "a pull over its limits registers nothing"
out=$(LAYERFS_STORE=$d/store10 L pull $P/test/app:1 lim/app:1 --insecure --max-entry-size 1M --max-entries 100 --max-size 10M 2>&1)
expect_eq "$?" 0 "a pull within its limits" || diag "$out"
expect_fail "unknown option '--max-size' \(pull only\)" L push rp/app:1 $P/test/x:1 --insecure --max-size 1M

section "progress display"
# script(1) gives the command a terminal; its output is the terminal's
out=$(TERM=xterm LAYERFS_STORE=$d/store2 script -qec "'$LAYERCTL' pull $P/test/app:1 tty/app:1 --insecure" /dev/null 2>&1)
expect_match "$out" "sha256:[0-9a-f]{12}: Download complete" "on a terminal: a row per blob"
case $out in *"$ESC[2A"*|*"$ESC[3A"*) pass "on a terminal: rows redrawn in place" ;;
*) fail "on a terminal: rows redrawn in place" "$out" ;; esac
case $out in *" downloaded "*" bytes"*) fail "on a terminal: no plain blob lines" "$out" ;;
*) pass "on a terminal: no plain blob lines" ;; esac
out=$(TERM=xterm LAYERFS_STORE=$d/store2 script -qec "'$LAYERCTL' pull $P/test/app:1 ttyq/app:1 --insecure --quiet" /dev/null 2>&1)
case $out in *"$ESC"*|*Download*) fail "pull --quiet on a terminal: no display" "$out" ;;
*) pass "pull --quiet on a terminal: no display" ;; esac
expect_match "$out" "^ttyq/app:1: sha256:[0-9a-f]{64} " "pull --quiet: the result line"

section "chunked upload"
rm -f "$LAYERFS_STORE/registry-sources"	# no mounts: uploads
out=$(L push rp/app:1 $P/test/chunked:1 --insecure --chunk-size 64K 2>&1)
expect_match "$out" "3 blobs uploaded, 0 present, 0 mounted" "push --chunk-size 64K"
# the layers (about 300 and 200 kB) in 64 KiB chunks; the config in one
n=$(grep -c '"PATCH /v2/test/chunked/blobs/uploads/' "$d/plain.log")
[ "$n" -ge 8 ] && pass "the layers went up in PATCH chunks ($n)" ||
	fail "the layers went up in PATCH chunks" "$n PATCH requests"
# without --chunk-size: each layer in one streamed PATCH (as docker
# pushes), the config (known in advance) in the PUT
expect_eq "$(grep -c '"PATCH /v2/test/app/blobs/uploads/' "$d/plain.log")" 2 "without --chunk-size one streamed PATCH per layer"
out=$(LAYERFS_STORE=$d/store8 L pull $P/test/chunked:1 ch/app:1 --insecure 2>&1)
expect_eq "$?" 0 "pull of the chunked image" || diag "$out"
pulled_tree "$d/store8" ch/app:1 rp/app:1 "the chunked image has the pushed tree"
expect_fail "--chunk-size '1K': give 0 or a size of at least 4K" L push rp/app:1 $P/test/x:1 --insecure --chunk-size 1K
expect_fail "unknown option .--chunk-size. \\(push only\\)" L pull $P/test/app:1 --insecure --chunk-size 64K

section "cross-repository mount"
n0=$(uploads plain)
out=$(L push rp/app:1 $P/other/app:1 --insecure 2>&1)
expect_match "$out" "0 blobs uploaded, 0 present, 3 mounted" "push to another repository mounts every blob"
expect_match "$out" "^sha256:[0-9a-f]{64} mounted from test/chunked$" "... from the repository they were pushed to"
expect_eq "$(grep -c '"POST /v2/other/app/blobs/uploads/?mount=sha256%3A[0-9a-f]*&from=test%2Fchunked HTTP/1.1" 201' "$d/plain.log")" 3 \
	"the registry saw three mount requests, and mounted"
expect_eq "$(uploads plain)" "$n0" "... and no upload"
# a pulled image: store2 recorded test/app for its blobs
out=$(LAYERFS_STORE=$d/store2 L push copy/app:1 $P/third/app:1 --insecure 2>&1)
expect_match "$out" "mounted from test/app" "a pulled blob is mounted from the repository it came from"

expect_fail "a layer of that name exists" env LAYERFS_STORE="$d/store2" "$LAYERCTL" pull $P/test/app:1 copy/app:1 --insecure

section "errors"
before=$(registered)
n2=$(ls -A "$d/store2/layers" | wc -l)
expect_fail "manifest '1': not found in $P/test/nothing: HTTP 404, (NAME_UNKNOWN|MANIFEST_UNKNOWN): " \
	env LAYERFS_STORE="$d/store2" "$LAYERCTL" pull $P/test/nothing:1 x/nothing:1 --insecure
expect_fail "manifest 'nope': not found in $P/test/app: HTTP 404, MANIFEST_UNKNOWN: " \
	env LAYERFS_STORE="$d/store2" "$LAYERCTL" pull $P/test/app:nope x/nothing:1 --insecure
expect_fail "source .*invalid repository" L pull $P/Bad/Name:1 --insecure
expect_eq "$(registered)" "$before" "failed pulls register nothing"
expect_eq "$(ls -A "$d/store2/layers" | wc -l)" "$n2" "failed pulls add nothing to the store"

section "faulty proxy"
start_proxy cut 5001
out=$(LAYERFS_STORE=$d/store5 L pull 127.0.0.1:5001/test/app:1 cut/app:1 --insecure 2>&1)
rc=$?
expect_eq "$rc" 0 "a pull whose blob transfers break off halfway"
[ $rc = 0 ] || diag "$out"
expect_match "$(cat "$d/proxy-cut.log")" "^GET /v2/test/app/blobs/sha256:[0-9a-f]{64} bytes=[1-9][0-9]*-$" \
	"the rest of the blob was asked for with a range"
mkdir -p "$d/m5"
expect_ok L mount --ro rp/app:1 "$d/m0"
expect_ok env LAYERFS_STORE="$d/store5" "$LAYERCTL" mount --ro cut/app:1 "$d/m5"
same_tree "$d/m0" "$d/m5" "the resumed pull has the pushed tree"
L umount "$d/m0"
L umount "$d/m5"

start_proxy corrupt 5002
before=$(registered)
expect_fail "blob 'sha256:[0-9a-f]{64}': the download does not match its digest" \
	env LAYERFS_STORE="$d/store6" "$LAYERCTL" pull 127.0.0.1:5002/test/app:1 bad/app:1 --insecure
expect_eq "$(registered)" "$before" "a corrupted blob registers nothing"
if [ -z "$(ls -A "$d/store6/layers" 2>/dev/null)" ] &&
   [ -z "$(ls -A "$d/store6" 2>/dev/null | grep '^\.pull-')" ]; then
	pass "... and leaves nothing in the store"
else
	fail "... and leaves nothing in the store" "$(ls -AR "$d/store6")"
fi

section "several blobs at once"
# two fresh layers: no chain of theirs is registered, so pull downloads
# both (the kernel's registry is shared by every store)
mkdir -p "$d/pb" "$d/pt"
head -c 150000 /dev/urandom >"$d/pb/b"
head -c 150000 /dev/urandom >"$d/pt/t"
expect_ok L layer add par/base:1 "$d/pb"
expect_ok L layer add par/top:1 "$d/pt" --parent par/base:1
start_proxy slow 5003
out=$(L push par/top:1 127.0.0.1:5003/test/par:1 --insecure --jobs 3 2>&1)
expect_match "$out" "3 blobs uploaded, 0 present, 0 mounted" "push through the slow proxy" || diag "$out"
expect_match "$(cat "$d/proxy-slow.log")" "^inflight [2-9]$" "push: several blob requests in flight at once"
rm -f "$d/proxy-slow.log"
out=$(LAYERFS_STORE=$d/store9 L pull 127.0.0.1:5003/test/par:1 par/copy:1 --insecure --jobs 3 2>&1)
expect_match "$out" "\(3 blobs downloaded, 0 layers in the store\)" "pull through the slow proxy" || diag "$out"
expect_match "$(cat "$d/proxy-slow.log")" "^inflight 2$" "pull: both layers in flight at once"
pulled_tree "$d/store9" par/copy:1 par/top:1 "the image pushed and pulled in parallel has its tree"
rm -f "$d/proxy-slow.log" "$LAYERFS_STORE/registry-sources"
out=$(L push par/top:1 127.0.0.1:5003/test/par1:1 --insecure --jobs 1 2>&1)
expect_match "$out" "3 blobs uploaded, 0 present, 0 mounted" "push --jobs 1 through the slow proxy" || diag "$out"
expect_eq "$(grep '^inflight' "$d/proxy-slow.log" | sort -u)" "inflight 1" "--jobs 1: one blob request at a time"

section "skopeo"
if command -v skopeo >/dev/null; then
	out=$(skopeo copy --src-tls-verify=false "docker://$P/test/app:1" "oci:$d/sk:app" 2>&1)
	expect_eq "$?" 0 "skopeo copies the image layerctl pushed" || diag "$out"
	if command -v umoci >/dev/null; then
		mkdir -p "$d/m8"
		expect_ok L mount --ro rp/app:1 "$d/m8"
		expect_ok umoci unpack --image "$d/sk:app" "$d/skbundle"
		same_tree "$d/m8" "$d/skbundle/rootfs" "umoci unpack of the pushed image = the layerfs tree" \
			--no-dir-times --skip-xattr trusted.overlay.
		L umount "$d/m8"
	else
		skip "umoci unpack of the pushed image" "no umoci"
	fi
	expect_ok L save rp/app:1 -o "$d/saved"
	out=$(skopeo copy --dest-tls-verify=false --format v2s2 "oci:$d/saved:rp/app:1" "docker://$P/test/sk:1" 2>&1)
	expect_eq "$?" 0 "skopeo pushes a saved image as a Docker v2 manifest" || diag "$out"
	out=$(LAYERFS_STORE=$d/store7 L pull $P/test/sk:1 sk/app:1 --insecure 2>&1)
	rc=$?
	expect_eq "$rc" 0 "pull of the image skopeo pushed"
	[ $rc = 0 ] || diag "$out"
	mkdir -p "$d/m7"
	expect_ok L mount --ro rp/app:1 "$d/m0"
	expect_ok env LAYERFS_STORE="$d/store7" "$LAYERCTL" mount --ro sk/app:1 "$d/m7"
	same_tree "$d/m0" "$d/m7" "the image skopeo pushed has the tree"
	L umount "$d/m0"
	L umount "$d/m7"
else
	skip "skopeo interoperability" "no skopeo"
fi

section "kept blobs"
# save, push and pull keep each layer's compressed blob in the store
# (ROOT/blobs/sha256/HEX); save and push then use the kept file instead
# of compressing the layer again
K=$d/kstore
kl() { LAYERFS_STORE=$K "$LAYERCTL" "$@"; }
# kept STORE: the number of kept blobs; kept_bad STORE: those whose
# content is not their name's digest
kept() { ls "$1/blobs/sha256" 2>/dev/null | grep -Ec '^[0-9a-f]{64}$'; }
kept_bad() {
	for _f in "$1"/blobs/sha256/*; do
		[ -f "$_f" ] || continue
		[ "$(sha256sum <"$_f" | cut -d' ' -f1)" = "${_f##*/}" ] || echo "${_f##*/}"
	done
}
sha() { sha256sum | cut -d' ' -f1; }
mkdir -p "$d/kb" "$d/kt" "$d/kn"
head -c 400000 /dev/urandom >"$d/kb/b"
echo base >"$d/kb/f"
head -c 300000 /dev/urandom >"$d/kt/t"
head -c 200000 /dev/urandom >"$d/kn/n"
expect_ok kl layer add kb/base:1 "$d/kb"
expect_ok kl layer add kb/top:1 "$d/kt" --parent kb/base:1
out=$(kl save kb/top:1 -o "$d/kl1" 2>&1)
expect_eq "$?" 0 "save, the store keeping blobs" || diag "$out"
man=$(printf '%s\n' "$out" | sed -n 's/^manifest //p')
l0=$(printf '%s\n' "$out" | awk '$1 == "layer" && $5 == "kb/base:1" { print $2 }')
l1=$(printf '%s\n' "$out" | awk '$1 == "layer" && $5 == "kb/top:1" { print $2 }')
h1=${l1#sha256:}
expect_eq "$(kept "$K")" 2 "save keeps both layers' blobs in the store"
expect_eq "$(kept_bad "$K")" "" "... each named by its digest"
expect_eq "$(stat -c %i "$K/blobs/sha256/$h1" 2>&1)" "$(stat -c %i "$d/kl1/blobs/sha256/$h1")" \
	"... a hard link to the layout's file (the same filesystem)"
expect_eq "$(grep -c " $l1 " "$K/layer-digests" 2>&1)" 1 "save records which blob the layer is"
out=$(kl save kb/top:1 -o "$d/kl2" 2>&1)
expect_match "$out" "^manifest $man$" "a second save writes the same image"
expect_eq "$(stat -c %i "$d/kl2/blobs/sha256/$h1")" "$(stat -c %i "$K/blobs/sha256/$h1" 2>&1)" \
	"... with the kept blob, not compressed again"
out=$(kl push kb/top:1 $P/kb/app:1 --insecure 2>&1)
expect_match "$out" "^$l0 uploaded [0-9]+ bytes \(kept blob\)$" "push after save uploads the kept blob of the base layer" || diag "$out"
expect_match "$out" "^$l1 uploaded [0-9]+ bytes \(kept blob\)$" "... and of the top layer"
expect_match "$out" "^$P/kb/app:1: digest $man " "... and pushes the image save wrote"

# a kept blob changed (one byte, the same size) is not uploaded as it is
python3 -c 'import sys
f = open(sys.argv[1], "r+b")
f.seek(1000)
b = f.read(1)
f.seek(1000)
f.write(bytes([b[0] ^ 1]))' "$K/blobs/sha256/$h1"
rm -f "$K/registry-sources"	# no mounts: uploads
out=$(kl push kb/top:1 $P/kb/tamper:1 --insecure 2>&1)
expect_eq "$?" 0 "push with a changed kept blob" || diag "$out"
expect_match "$out" "^$l1 uploaded [0-9]+ bytes \(the kept blob was not that blob: deleted, compressed again\)$" \
	"... compresses that layer again"
expect_match "$out" "^$l0 uploaded [0-9]+ bytes \(kept blob\)$" "... and uploads the other's kept blob"
expect_match "$out" "^$P/kb/tamper:1: digest $man " "... the same image"
expect_eq "sha256:$(curl -s "http://$P/v2/kb/tamper/blobs/$l1" | sha)" "$l1" "... whose blob in the registry is right"
expect_eq "$(kept "$K") $(kept_bad "$K")" "2 " "... and the blob compressed again is kept in its place"

# a layer the store keeps nothing of: compressed, and kept as it goes up
expect_ok kl layer add kb/new:1 "$d/kn" --parent kb/top:1
out=$(kl push kb/new:1 $P/kb/new:1 --insecure 2>&1)
expect_match "$out" "2 blobs uploaded, 0 present, 2 mounted" "push of a layer never saved compresses it (and the config)" || diag "$out"
expect_eq "$(kept "$K") $(kept_bad "$K")" "3 " "... and keeps the blob it uploaded"

section "kept blobs: pull"
out=$(LAYERFS_STORE=$d/kpull L pull $P/kb/app:1 kp/app:1 --insecure 2>&1)
expect_eq "$?" 0 "pull" || diag "$out"
expect_eq "$(kept "$d/kpull") $(kept_bad "$d/kpull")" "2 " "pull keeps the blobs it downloads"
[ ! -e "$d/kpull/.partial" ] && pass "... no partial download left" ||
	fail "... no partial download left" "$(ls -lAR "$d/kpull/.partial")"
rm -f "$d/kpull/registry-sources"	# no mounts: uploads
out=$(LAYERFS_STORE=$d/kpull L push kp/app:1 $P/kb/pulled:1 --insecure 2>&1)
expect_match "$out" "^$l0 uploaded [0-9]+ bytes \(kept blob\)$" "the pulled image is pushed from its kept blobs" || diag "$out"

section "kept blobs: --no-keep-blob"
out=$(LAYERFS_STORE=$d/knk L pull $P/kb/app:1 knk/app:1 --insecure --no-keep-blob 2>&1)
expect_eq "$?" 0 "pull --no-keep-blob" || diag "$out"
expect_eq "$(kept "$d/knk")" 0 "... keeps nothing"
expect_ok env LAYERFS_STORE="$d/knk" "$LAYERCTL" save kb/top:1 -o "$d/kl3" --no-keep-blob
expect_eq "$(kept "$d/knk")" 0 "save --no-keep-blob keeps nothing"
out=$(LAYERFS_STORE=$d/knk2 L push kb/top:1 $P/kb/nokeep:1 --insecure --no-keep-blob 2>&1)
expect_match "$out" "^$l1 uploaded [0-9]+ bytes$" "push --no-keep-blob compresses" || diag "$out"
expect_eq "$(kept "$d/knk2")" 0 "... and keeps nothing"

section "kept blobs: prune"
out=$(kl prune -n --json 2>&1)
expect_match "$out" '"kept_blobs": *\[ *\]' "prune leaves the kept blobs the layers' records name" || diag "$out"
mkdir -p "$K/blobs/sha256" && : >"$K/blobs/sha256/.tmp-crashed"
# Unregistered, its record kept (as before `layerctl restore`): its
# blob stays; removed from the store too: its blob goes.
expect_ok kl layer rm kb/new:1
out=$(kl prune -n --json 2>&1)
expect_match "$out" '"kept_blobs": *\[ *"\.tmp-crashed" *\]' \
	"prune keeps the blob of a layer recorded in the store but not registered" || diag "$out"
expect_ok kl rm kb/new:1
touch "$d/kt/t"		# the top layer changed: its record is stale
out=$(kl prune 2>&1)
expect_eq "$(printf '%s\n' "$out" | grep -c '^deleted kept blob sha256:')" 2 \
	"prune deletes the blobs of a removed layer and of a changed one" || diag "$out"
expect_match "$out" "^deleted kept blob \.tmp-crashed$" "... and what a writer left"
expect_match "$out" "^freed 0 views, 0 uppers, 0 temporary directories, 0 partial downloads and 3 kept blobs: 3 files, " "... and counts them"
expect_eq "$(ls "$K/blobs/sha256")" "${l0#sha256:}" "... keeping the base layer's"

# --- TLS and Basic authentication ------------------------------------------------
section "TLS registry"
cd "$d" || exit 1
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout ca.key -out ca.crt -days 2 -subj /CN=layerfs-test-ca 2>"$d/ssl.log" &&
   openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>>"$d/ssl.log" &&
   printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
   openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-out srv.crt -days 2 -extfile san.ext 2>>"$d/ssl.log"; then
	pass "a CA and a server certificate"
else
	fail "a CA and a server certificate" "$(cat "$d/ssl.log")"
fi
cd / || exit 1
htpasswd -Bbn alice 's3cret:x' >"$d/htpasswd"
start_registry tls 127.0.0.1:5443 "  tls:
    certificate: $d/srv.crt
    key: $d/srv.key
auth:
  htpasswd:
    realm: layerfs-test
    path: $d/htpasswd"
S=127.0.0.1:5443

expect_fail "certificate" L push rp/app:1 $S/test/app:1
expect_fail "the registry needs a login: HTTP 401, Basic realm 'layerfs-test': run 'layerctl login $S'$" \
	L push rp/app:1 $S/test/app:1 --ca-file "$d/ca.crt"
expect_fail "^layerctl: registry '$S': GET /v2/: user 'alice': wrong user name or password: HTTP 401$" \
	sh -c "echo wrong | '$LAYERCTL' login $S -u alice --password-stdin --ca-file '$d/ca.crt'"
[ ! -e "$REGISTRY_AUTH_FILE" ] && pass "a failed login stores nothing" ||
	fail "a failed login stores nothing"
out=$(echo 's3cret:x' | L login $S -u alice --password-stdin --ca-file "$d/ca.crt" 2>&1)
expect_match "$out" "login succeeded" "login with the right password"
expect_eq "$(stat -c %a "$REGISTRY_AUTH_FILE" 2>&1)" 600 "the auth file has mode 0600"
expect_eq "$(jq -r ".auths[\"$S\"].auth" "$REGISTRY_AUTH_FILE" | base64 -d)" "alice:s3cret:x" "the auth file holds user:password"

out=$(L push rp/app:1 $S/test/app:2 --ca-file "$d/ca.crt" 2>&1)
expect_match "$out" "3 blobs uploaded, 0 present" "push with TLS and Basic auth"
out=$(LAYERFS_STORE=$d/store3 L pull $S/test/app:2 tls/app:2 --ca-file "$d/ca.crt" 2>&1)
rc=$?
expect_eq "$rc" 0 "pull with TLS and Basic auth"
[ $rc = 0 ] || diag "$out"
mkdir -p "$d/m2" "$d/m3"
expect_ok L mount --ro rp/app:1 "$d/m2"
expect_ok env LAYERFS_STORE="$d/store3" "$LAYERCTL" mount --ro tls/app:2 "$d/m3"
same_tree "$d/m2" "$d/m3" "the image pulled over TLS has the pushed tree"
L umount "$d/m2"
L umount "$d/m3"
out=$(L logout $S 2>&1)
expect_eq "$out" "$S: credentials removed from $REGISTRY_AUTH_FILE" "logout"
expect_eq "$(stat -c %a "$REGISTRY_AUTH_FILE" 2>&1) $(jq -c .auths "$REGISTRY_AUTH_FILE")" "600 {}" \
	"... leaves the auth file mode 0600 without the host's entry"
expect_fail "the registry needs a login: HTTP 401, Basic realm 'layerfs-test': run 'layerctl login $S'$" \
	L push rp/app:1 $S/test/app:3 --ca-file "$d/ca.crt"

section "credential helper"
mkdir -p "$d/bin"
{
	echo '#!/bin/sh'
	echo 'read -r server'
	echo "echo \"\$1 \$server\" >>'$d/helper.log'"
	echo 'printf '"'"'{"ServerURL":"%s","Username":"alice","Secret":"s3cret:x"}'"'"' "$server"'
} >"$d/bin/docker-credential-lfstest"
chmod 755 "$d/bin/docker-credential-lfstest"
printf '{"credHelpers":{"%s":"lfstest"}}\n' $S >"$REGISTRY_AUTH_FILE"
out=$(PATH="$d/bin:$PATH" LAYERFS_STORE=$d/store12 L pull $S/test/app:2 helper/app:2 --ca-file "$d/ca.crt" 2>&1)
expect_eq "$?" 0 "pull with the credentials of a credential helper" || diag "$out"
expect_eq "$(cat "$d/helper.log" 2>&1)" "get $S" "the helper was asked 'get' for the registry"
expect_fail "credential helper 'docker-credential-lfstest': cannot run it" \
	env LAYERFS_STORE="$d/store12" "$LAYERCTL" pull $S/test/app:2 nohelper/app:2 --ca-file "$d/ca.crt"
printf '{"credsStore":"lfstest"}\n' >"$REGISTRY_AUTH_FILE"
out=$(PATH="$d/bin:$PATH" L push rp/app:1 $S/test/store:1 --ca-file "$d/ca.crt" 2>&1)
expect_match "$out" "^$S/test/store:1: digest sha256:" "push with the credentials of credsStore's helper" || diag "$out"
# login stores through the helper the auth file names, as docker login
printf '{"credHelpers":{"%s":"lfstest"}}\n' $S >"$REGISTRY_AUTH_FILE"
: >"$d/helper.log"
out=$(echo 's3cret:x' | PATH="$d/bin:$PATH" "$LAYERCTL" login $S -u alice --password-stdin --ca-file "$d/ca.crt" 2>&1)
expect_match "$out" "login succeeded; credentials stored by docker-credential-lfstest" "login through the host's credential helper" || diag "$out"
expect_eq "$(cat "$d/helper.log")" "store {\"ServerURL\":\"$S\",\"Username\":\"alice\",\"Secret\":\"s3cret:x\"}" \
	"the helper was asked to store the credentials"
expect_eq "$(cat "$REGISTRY_AUTH_FILE")" "{\"credHelpers\":{\"$S\":\"lfstest\"}}" "... and the auth file holds no password"

before=$(registered)
printf '{"auths":{"%s":{"auth":"%s"}}}\n' $S "$(printf 'alice:wrong' | base64)" >"$REGISTRY_AUTH_FILE"
expect_fail "^layerctl: source '$S/test/app:2': .*: user 'alice': wrong user name or password: HTTP 401$" \
	env LAYERFS_STORE="$d/store4" "$LAYERCTL" pull $S/test/app:2 bad/app:2 --ca-file "$d/ca.crt"
expect_eq "$(registered)" "$before" "a pull with a wrong password registers nothing"
[ -z "$(ls -A "$d/store4/layers" 2>/dev/null)" ] && pass "... and stores nothing" ||
	fail "... and stores nothing" "$(ls -A "$d/store4/layers")"

stop_registries
expect_ok unload_module
done_testing
