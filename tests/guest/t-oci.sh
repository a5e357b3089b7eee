#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# OCI interop: layerctl export, import, save and load.
#
# - export -> import round trip of a layer holding every kind of entry
#   (names, types, modes, owners, ns mtimes, xattrs, content, whiteouts,
#   opaque directories, hard links, sparse and long-named files), plain,
#   gzip and zstd; digests stable across two exports and across the round
#   trip; --digest checked (blob digest and diff_id);
# - malformed tarballs (tests/fuzz/mktars.py, python3 tarfile) each refused
#   with a clear message, nothing registered, nothing left in the store,
#   nothing written outside it; a non-root import refused;
# - save of a three-layer image: skopeo inspect and skopeo copy to a
#   docker-archive accept it; umoci unpack of it gives the tree a layerfs
#   view of the image shows; load of it (under a new name) mounts the same
#   tree; a corrupt blob makes load fail and add nothing;
# - an image built by umoci (init/new/unpack/repack, two layers, one with
#   a whiteout) loads and mounts as umoci unpacks it;
# - the docker verbs: inspect gives the digests save wrote and the chain
#   id; diff lists a store view's changes as docker diff does (A/C/D,
#   opaque directories); a name without a tag is NAME:latest (commit,
#   history, inspect, mount); images hides intermediate layers unless -a;
# - archives: save -o FILE.tar and save to standard output give the same
#   tar; load FILE.tar, load -i, load from a pipe; skopeo reads the
#   archive as oci-archive and docker-archive, and load reads skopeo's
#   oci-archive; an archive with an unsafe member is refused;
# - tag gives an image another name that mount, inspect and images take;
#   rmi removes a tag, and the last name removes the image and its
#   unnamed lower layers that no other image uses.
#
# guest-timeout: 1200
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LIST="python3 $ROOT/tests/guest/treelist.py"
d=$scratch
export TMPDIR=$d/tmp
mkdir -p "$TMPDIR"

load_module
L() { "$LAYERCTL" "$@"; }
t0=$(date +%s)
section() { diag "time: $(($(date +%s) - t0)) s: $*"; }

# The registered path of layer $1.
layer_path() { L layer show "$1" --json | jq -r .path; }
# Directories in the store's layers/ (what a failed import must not add).
store_layers() { ls -A "$LAYERFS_STORE/layers" 2>/dev/null | sort | tr '\n' ' '; }
# The layer digests of the first manifest of OCI layout $1, bottom first.
layout_layers() {
	local m
	m=$(jq -r '.manifests[0].digest' "$1/index.json") || return
	jq -r '.layers[].digest' "$1/blobs/sha256/${m#sha256:}" | tr '\n' ' '
}
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

# --- a layer with everything ------------------------------------------------
src=$d/src
mkdir -p "$src/etc/ssl" "$src/opq/keep" "$src/var/empty" "$src/usr/bin"
echo hosts >"$src/etc/hosts"
printf 'secret\n' >"$src/etc/shadow"
chmod 0640 "$src/etc/shadow"
chown 0:42 "$src/etc/shadow"
echo tool >"$src/usr/bin/tool"
chmod 4755 "$src/usr/bin/tool"
ln "$src/usr/bin/tool" "$src/usr/bin/tool-link"
ln "$src/usr/bin/tool" "$src/etc/tool-link2"
ln -s ../usr/bin/tool "$src/etc/sym"
ln -s /nonexistent/abs "$src/etc/dangling"
mknod "$src/etc/gone" c 0 0
mknod "$src/null" c 1 3
mknod "$src/sda" b 8 0
mkfifo "$src/fifo"
setfattr -n trusted.overlay.opaque -v y "$src/opq"
echo k >"$src/opq/keep/k"
setfattr -n trusted.test -v value "$src/etc/hosts"
setfattr -n trusted.bin -v 0sAAECAwQ= "$src/etc/hosts"
setfattr -n trusted.overlay.origin -v private "$src/etc/hosts"
setfattr -n trusted.layerfs.impure -v y "$src/etc"
chown 1000:1000 "$src/var/empty"
chmod 1777 "$src/var/empty"
long=$(printf 'n%.0s' $(seq 1 200))
echo long >"$src/etc/$long"
mkdir -p "$src/deep/$(printf 'd%.0s' $(seq 1 90))/$(printf 'e%.0s' $(seq 1 90))"
echo deep >"$src/deep/$(printf 'd%.0s' $(seq 1 90))/$(printf 'e%.0s' $(seq 1 90))/f"
printf 'caf\303\251\n' >"$src/caf$(printf '\303\251')"
: >"$src/empty"
dd if=/dev/urandom of="$src/sparse" bs=4096 count=1 seek=1000 2>/dev/null
dd if=/dev/urandom of="$src/big" bs=1M count=2 2>/dev/null
touch -h -d '2001-02-03 04:05:06.123456789' "$src/etc/sym"
touch -d '1999-12-31 23:59:59.987654321' "$src/etc/hosts" "$src/opq"
# directory times last (creating entries changed them)
touch -d '2010-01-01 00:00:00.5' "$src/etc" "$src/var/empty"

expect_ok L layer add oci/src:1 "$src" -a tester -m 'all kinds'

section "export"
# --- export: deterministic, digests printed ---------------------------------
for z in "" --gzip --zstd; do
	expect_ok L export oci/src:1 $z -o "$d/a$z.tar" --json
	j1=$(cat "$_lib_tmp/out")
	expect_ok L export oci/src:1 $z -o "$d/b$z.tar" --json
	j2=$(cat "$_lib_tmp/out")
	expect_eq "$j2" "$j1" "export${z:- (plain)}: same digests twice"
	if cmp -s "$d/a$z.tar" "$d/b$z.tar"; then
		pass "export${z:- (plain)}: byte-identical output twice"
	else
		fail "export${z:- (plain)}: byte-identical output twice"
	fi
	dg=$(printf '%s' "$j1" | jq -r .digest)
	expect_eq "sha256:$(sha256sum <"$d/a$z.tar" | cut -d' ' -f1)" "$dg" \
		"export${z:- (plain)}: digest is the file's sha256"
	diag "export${z:- (plain)}: $j1"
done
diff_id=$(jq -r .diff_id <<EOF
$j1
EOF
)
expect_eq "$(sha256sum <"$d/a.tar" | cut -d' ' -f1)" "${diff_id#sha256:}" \
	"diff_id is the sha256 of the plain tar"
expect_eq "$(zstd -dc <"$d/a--zstd.tar" | sha256sum | cut -d' ' -f1)" \
	"${diff_id#sha256:}" "diff_id is the sha256 of the decompressed zstd blob"
expect_eq "$(gzip -dc <"$d/a--gzip.tar" | sha256sum | cut -d' ' -f1)" \
	"${diff_id#sha256:}" "diff_id is the sha256 of the decompressed gzip blob"
L export oci/src:1 >"$d/stdout.tar" 2>"$d/stderr"
expect_match "$(cat "$d/stderr")" "^diff_id $diff_id\$" "export to stdout prints the diff_id on stderr"
expect_ok cmp "$d/stdout.tar" "$d/a.tar"

# What the tarball holds, as python's tarfile reads it.
python3 - "$d/a.tar" >"$d/members" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        x = sorted(k for k in m.pax_headers if k.startswith("SCHILY.xattr."))
        print(m.name, m.type.decode(), m.linkname, ",".join(x))
EOF
members=$(cat "$d/members")
expect_match "$members" '^etc/\.wh\.gone 0  $' "whiteout exported as .wh.gone (regular file)"
expect_match "$members" '^opq/\.wh\.\.wh\.\.opq 0' "opaque dir exported as .wh..wh..opq"
expect_eq "$(grep -n '' "$d/members" | grep -E ':opq( |/)' | head -n 2 | cut -d' ' -f1 | cut -d: -f2 | tr '\n' ' ')" \
	"opq opq/.wh..wh..opq " ".wh..wh..opq right after its directory"
expect_match "$members" '^usr/bin/tool-link 1 etc/tool-link2 ' "hard links: tar hard links to the first name"
expect_match "$members" '^etc/hosts 0  SCHILY.xattr.trusted.bin,SCHILY.xattr.trusted.test$' \
	"xattrs in PAX records, private ones left out"
if grep -q 'trusted\.\(overlay\|layerfs\)' "$d/members"; then
	fail "no trusted.overlay.* / trusted.layerfs.* record"
else
	pass "no trusted.overlay.* / trusted.layerfs.* record"
fi

section "import"
# --- import: the same tree back ---------------------------------------------
n=0
for z in "" --gzip --zstd; do
	n=$((n + 1))
	expect_ok L import "$d/a$z.tar" oci/copy:$n -a someone -m "copy $n"
	p=$(layer_path oci/copy:$n)
	same_tree "$src" "$p" "import${z:- (plain)}: same tree as the source" \
		--skip-xattr trusted.overlay.origin --skip-xattr trusted.layerfs.
done
p=$(layer_path oci/copy:1)
expect_eq "$(stat -c '%F %t:%T %a' "$p/etc/gone")" "character special file 0:0 644" "whiteout is a 0/0 char device"
expect_eq "$(getfattr --only-values -n trusted.overlay.opaque "$p/opq" 2>/dev/null)" y "opaque dir has trusted.overlay.opaque=y"
expect_eq "$(stat -c %i "$p/usr/bin/tool")" "$(stat -c %i "$p/etc/tool-link2")" "hard links share an inode"
expect_eq "$(stat -c %y "$p/etc/sym")" "2001-02-03 04:05:06.123456789 +0000" "symlink mtime (ns) kept"
expect_eq "$(jq -r '.ref + " " + .flags[0] + " " + (.files|tostring)' "$(dirname "$p")/meta.json")" \
	"oci/copy:1 frozen $(find "$src" ! -type d | wc -l)" "meta.json: ref, frozen, file count"
expect_match "$(L layer show oci/copy:1 --json)" '"author":"someone"' "registered with its author"
expect_match "$(L layer show oci/copy:1 --json)" '"flags":\["frozen","indexed"\]' "registered frozen, and indexed by the import"
expect_ok L export oci/copy:3 -o "$d/again.tar" --json
expect_eq "$(jq -r .diff_id "$_lib_tmp/out")" "$diff_id" "export of the imported layer: same diff_id"

# --digest: blob digest or diff_id
zd=$(sha256sum <"$d/a--zstd.tar" | cut -d' ' -f1)
expect_ok L import "$d/a--zstd.tar" oci/dg:1 --digest "sha256:$zd"
expect_ok L import "$d/a--zstd.tar" oci/dg:2 --digest "$diff_id"
before=$(store_layers)
expect_fail "^layerctl: import '.*': digest mismatch: want sha256:0{64}" \
	L import "$d/a--zstd.tar" oci/dg:3 --digest "sha256:$(printf '0%.0s' $(seq 1 64))"
expect_eq "$(store_layers)" "$before" "wrong digest: nothing left in the store"
expect_fail "no such layer" L layer show oci/dg:3
expect_fail "^layerctl: import: invalid digest 'md5:x'" L import "$d/a.tar" oci/dg:4 --digest md5:x
expect_fail "^layerctl: layer 'oci/copy:1': a layer of that name exists" L import "$d/a.tar" oci/copy:1
expect_fail "^layerctl: layer 'nope:1': no such layer" L export nope:1 -o "$d/x.tar"
expect_fail "^layerctl: import '$d/none.tar': No such file" L import "$d/none.tar" oci/x:1

# --- an import that is killed half-way ----------------------------------------
# Its layer directory is ROOT/layers/.new-KEY until every file is on disk:
# a watcher process deletes it when layerctl dies (SIGTERM, SIGKILL), and
# what a crash would leave is garbage that prune deletes without -f, never
# mistaken for a view's uncommitted upper (which prune keeps unless -f).
# Each in its own store: nothing else there for prune.
mkdir -p "$d/kil"
head -c 300000 /dev/urandom >"$d/kil/one"
head -c 300000 /dev/urandom >"$d/kil/two"
tar -C "$d/kil" -cf "$d/kil.tar" one two
for sig in TERM KILL; do
	ks=$d/killed-$sig
	# the first file whole, the second cut, and the input held open
	{
		head -c 400000 "$d/kil.tar"
		sleep 60 &
		echo $! >"$d/kil.sleep"
		wait
	} |
		LAYERFS_STORE=$ks "$LAYERCTL" import - oci/killed:1 &
	feeder=$!
	_i=0
	until [ -n "$(find "$ks/layers" -mindepth 3 -name one 2>/dev/null)" ] ||
		[ $_i -ge 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	pid=$(pgrep -f "import - oci/killed:1" | head -n 1)
	expect_match "$(find "$ks/layers" -mindepth 3 -name one 2>/dev/null)" "/diff/one$" \
		"SIG$sig: the import has written its first file"
	[ -n "$pid" ] && kill -s "$sig" "$pid"
	kill "$(cat "$d/kil.sleep")" 2>/dev/null
	wait "$feeder" 2>/dev/null
	# the store's watcher (dirguard.h) deletes layers/.new-KEY
	_i=0
	while [ -n "$(ls -A "$ks/layers")" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	expect_eq "$(ls -A "$ks/layers")" "" "SIG$sig during an import: its layer directory goes without a prune"
	out=$(LAYERFS_STORE=$ks L prune </dev/null 2>&1)
	expect_eq "$?" 0 "SIG$sig during an import: prune deletes what it left, without -f" || diag "$out"
	expect_eq "$(ls -A "$ks/layers")" "" "... and nothing is left in layers/"
	expect_fail "no such layer" L layer show oci/killed:1
done

section "malformed tarballs"
# --- malformed tarballs -----------------------------------------------------
mkdir -p "$d/tars"
python3 "$ROOT/tests/fuzz/mktars.py" "$d/tars"
mkdir -p "$d/outside"
echo keep >"$d/outside/keep"
before=$(store_layers)
i=0
while IFS='	' read -r name pat; do
	i=$((i + 1))
	# root may create device nodes (the engine's refusal for other callers
	# is a unit test)
	[ "$name" != chardev ] || continue
	expect_fail "^layerctl: import '.*bad-$name\.tar': .*($pat)" \
		L import "$d/tars/bad-$name.tar" oci/bad:$i
	if L layer show oci/bad:$i >/dev/null 2>&1; then
		fail "bad-$name: not registered"
	fi
done <"$d/tars/bad.txt"
expect_eq "$(store_layers)" "$before" "malformed tarballs: nothing left in the store"
expect_eq "$(ls -A "$d/outside")" keep "malformed tarballs: nothing written outside"
for f in /tmp/evil /evil "$LAYERFS_STORE/evil" "$LAYERFS_STORE/layers/evil"; do
	[ ! -e "$f" ] || fail "malformed tarballs: $f was created"
done
i=0
for f in "$d"/tars/ok-*; do
	i=$((i + 1))
	expect_ok L import "$f" oci/ok:$i
	[ "${f##*/}" != ok-layer.tar ] || okl=oci/ok:$i
done
p=$(layer_path "$okl")
expect_eq "$(stat -c '%t:%T' "$p/etc/passwd")" "0:0" "ok-layer: .wh.passwd became a whiteout"
expect_eq "$(getfattr --only-values -n trusted.overlay.opaque "$p/var" 2>/dev/null)" y "ok-layer: var is opaque"
expect_eq "$(stat -c %a "$p/usr/bin/tool")" 4755 "ok-layer: setuid kept"

# a non-root caller
chmod 755 "$d"
before=$(store_layers)
if command -v setpriv >/dev/null; then
	expect_fail "Operation not permitted|Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$LAYERCTL" import "$d/tars/ok-layer.tar" oci/nonroot:1
	expect_eq "$(store_layers)" "$before" "non-root: nothing left in the store"
fi

section "save"
# --- save: an image of three layers ------------------------------------------
b=$d/img
mkdir -p "$b/base/etc" "$b/base/app/docs" "$b/base/app/lib" "$b/mid/app/lib" "$b/top/app"
echo base >"$b/base/etc/os"
echo doc >"$b/base/app/docs/index.html"
echo v1 >"$b/base/app/lib/a.jar"
echo v2 >"$b/mid/app/lib/a.jar"
echo mid >"$b/mid/app/lib/b.jar"
mknod "$b/top/app/docs" c 0 0            # rm -r app/docs
mkdir "$b/top/app/lib"
setfattr -n trusted.overlay.opaque -v y "$b/top/app/lib"
echo only >"$b/top/app/lib/c.jar"        # app/lib replaced
echo top >"$b/top/README"
expect_ok L layer add oci/base:1 "$b/base" -a alice -m 'the base'
expect_ok L layer add oci/mid:1 "$b/mid" --parent oci/base:1 -a bob -m 'lib update'
expect_ok L layer add gakki/app:1.1 "$b/top" --parent oci/mid:1 -a liuzhuo -m 'del docs'
expect_ok L save gakki/app:1.1 -o "$d/oci"
expect_ok test -f "$d/oci/oci-layout"
idx=$(cat "$d/oci/index.json")
expect_match "$idx" '"org.opencontainers.image.ref.name":"gakki/app:1.1"' "index.json names the image"
man=$(jq -r '.manifests[0].digest' "$d/oci/index.json")
cfg=$(jq -r .config.digest "$d/oci/blobs/sha256/${man#sha256:}")
cfgj=$d/oci/blobs/sha256/${cfg#sha256:}
expect_eq "$(jq -r '.rootfs.diff_ids | length' "$cfgj")" 3 "config: three diff_ids"
expect_eq "$(jq -r '[.history[].author] | join(",")' "$cfgj")" "alice,bob,liuzhuo" "config history: bottom first, authors"
expect_eq "$(jq -r '.history[2].comment' "$cfgj")" "del docs" "config history: messages"
expect_fail "is not empty" L save gakki/app:1.1 -o "$d/oci"
for blob in "$d"/oci/blobs/sha256/*; do
	[ "$(sha256sum <"$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ] ||
		fail "blob $(basename "$blob") matches its name"
done

# an image with a BASE (committed on an explicit stack that is not the top
# layer's image): save follows BASE, not the parent chain
mkdir -p "$d/cu" "$d/cw" "$d/cm" "$d/bview"
expect_ok L mount --layers 'gakki/app\:1.1:oci/base\:1' --upper "$d/cu" --work "$d/cw" "$d/cm"
echo based >"$d/cm/based.txt"
expect_ok L commit "$d/cm" oci/based:1 -a carol -m 'on a custom stack'
expect_ok L umount "$d/cm"
expect_eq "$(L layer show oci/based:1 --json | jq -c '.base_ids | length')" 2 "commit recorded a BASE of two layers"
expect_ok L save oci/based:1 -o "$d/oci-based"
bman=$(jq -r '.manifests[0].digest' "$d/oci-based/index.json")
bcfg=$(jq -r .config.digest "$d/oci-based/blobs/sha256/${bman#sha256:}")
expect_eq "$(jq -r '[.history[].created_by] | join(",")' "$d/oci-based/blobs/sha256/${bcfg#sha256:}")" \
	"layerfs layer oci/base:1,layerfs layer gakki/app:1.1,layerfs layer oci/based:1" \
	"save of a BASE image: the layer, then its BASE (not the parent chain)"
expect_ok mount -t layerfs -o image=oci/based:1 none "$d/bview"
if command -v umoci >/dev/null; then
	expect_ok umoci unpack --image "$d/oci-based:oci/based:1" "$d/bbundle"
	same_tree "$d/bview" "$d/bbundle/rootfs" "umoci unpack of a BASE image = its layerfs view" \
		--no-dir-times --skip-xattr trusted.overlay.
fi
expect_ok umount "$d/bview"

# the layerfs view of the image
mkdir -p "$d/view"
expect_ok mount -t layerfs -o image=gakki/app:1.1 none "$d/view"
expect_eq "$(ls "$d/view/app" | tr '\n' ' ')" "lib " "view: docs deleted"
expect_eq "$(ls "$d/view/app/lib" | tr '\n' ' ')" "c.jar " "view: lib opaque"

if command -v skopeo >/dev/null; then
	expect_ok skopeo inspect "oci:$d/oci"
	expect_eq "$(jq -r '.Layers | length' "$_lib_tmp/out")" 3 "skopeo inspect: three layers"
	expect_ok skopeo copy "oci:$d/oci" "docker-archive:$d/docker.tar:gakki/app:1.1"
	expect_ok tar -tf "$d/docker.tar" manifest.json
	expect_ok skopeo copy "oci:$d/oci" "oci:$d/oci-copy:again"
else
	skip "skopeo" "not installed"
fi

if command -v umoci >/dev/null; then
	expect_ok umoci unpack --image "$d/oci:gakki/app:1.1" "$d/bundle"
	same_tree "$d/view" "$d/bundle/rootfs" "umoci unpack of save = the layerfs view" \
		--no-dir-times --skip-xattr trusted.overlay.
	section "an image umoci built"
	# --- an image umoci built ---------------------------------------
	u=$d/umoci
	expect_ok umoci init --layout "$u"
	expect_ok umoci new --image "$u:t"
	expect_ok umoci unpack --image "$u:t" "$d/ub1"
	mkdir -p "$d/ub1/rootfs/etc" "$d/ub1/rootfs/srv/www"
	echo one >"$d/ub1/rootfs/etc/one"
	echo gone >"$d/ub1/rootfs/etc/gone"
	echo www >"$d/ub1/rootfs/srv/www/index"
	ln -s one "$d/ub1/rootfs/etc/link"
	ln "$d/ub1/rootfs/etc/one" "$d/ub1/rootfs/etc/hard"
	expect_ok umoci repack --image "$u:t" "$d/ub1"
	expect_ok umoci unpack --image "$u:t" "$d/ub2"
	rm "$d/ub2/rootfs/etc/gone"
	rm -r "$d/ub2/rootfs/srv/www"
	mkdir "$d/ub2/rootfs/srv/www"
	echo new >"$d/ub2/rootfs/srv/www/new"
	echo two >"$d/ub2/rootfs/two"
	expect_ok umoci repack --image "$u:t" "$d/ub2"
	expect_ok umoci unpack --image "$u:t" "$d/ub3"
	expect_ok L load "$u" umoci/img:1
	mkdir -p "$d/uview"
	expect_ok mount -t layerfs -o image=umoci/img:1 none "$d/uview"
	same_tree "$d/ub3/rootfs" "$d/uview" "umoci image: the layerfs view = umoci unpack" \
		--no-dir-times --skip-xattr trusted.overlay.
	expect_ok umount "$d/uview"
	# load kept umoci's compressed blobs: save sends them as they came
	# (compressed again, they would be layerctl's gzip, other digests)
	expect_ok L save umoci/img:1 -o "$d/usave"
	expect_eq "$(layout_layers "$d/usave")" "$(layout_layers "$u")" \
		"load keeps the layout's blobs: save of the loaded image has its layer digests"
	expect_match "$(layout_layers "$u")" '^(sha256:[0-9a-f]{64} ){2}$' "umoci's layout: two layers"
else
	skip "umoci" "not installed"
fi

section "load of what save wrote"
# --- load of what save wrote, under another name -----------------------------
expect_ok L load "$d/oci" copy/app:2
mkdir -p "$d/view2"
expect_ok mount -t layerfs -o image=copy/app:2 none "$d/view2"
same_tree "$d/view" "$d/view2" "load of save: the same view"
expect_eq "$(L layer show copy/app:2 --json | jq -r .author)" liuzhuo "load: author from the history"
expect_match "$(L layer show copy/app:2 --json | jq -r .parent)" '^oci/chain:[0-9a-f]{64}$' "load: lower layers named by chain id"
expect_ok umount "$d/view2"
# the same layout again: the lower layers are shared
expect_ok L load "$d/oci" copy/app:3
expect_eq "$(L layer show copy/app:3 --json | jq -r .parent)" \
	"$(L layer show copy/app:2 --json | jq -r .parent)" "load again: lower layers shared"
# no name: the annotation's
expect_fail "a layer of that name exists" L load "$d/oci"
# a corrupt blob: nothing added
cp -a "$d/oci" "$d/oci-bad"
lay=$(jq -r '.layers[-1].digest' "$d/oci-bad/blobs/sha256/${man#sha256:}")
printf 'X' | dd of="$d/oci-bad/blobs/sha256/${lay#sha256:}" bs=1 seek=20 conv=notrunc 2>/dev/null
before=$(store_layers)
nl_before=$(L layer ls --json | jq length)
expect_fail "^layerctl: (import|load) '.*': " L load "$d/oci-bad" bad/app:1
expect_eq "$(store_layers)" "$before" "load of a corrupt layout: nothing left in the store"
expect_eq "$(L layer ls --json | jq length)" "$nl_before" "load of a corrupt layout: nothing registered"
# a FIFO for the top layer's blob: refused at once (timeout: not waited on)
cp -a "$d/oci" "$d/oci-fifo"
rm "$d/oci-fifo/blobs/sha256/${lay#sha256:}"
mkfifo "$d/oci-fifo/blobs/sha256/${lay#sha256:}"
expect_fail "^layerctl: load '.*': file 'blobs/sha256/${lay#sha256:}': not a regular file" \
	timeout 60 "$LAYERCTL" load "$d/oci-fifo" fifo/app:1
expect_eq "$(store_layers)" "$before" "load of a layout with a FIFO blob: nothing left in the store"
expect_eq "$(L layer ls --json | jq length)" "$nl_before" "load of a layout with a FIFO blob: nothing registered"
expect_fail "^layerctl: load '.*': file 'oci-layout' \(No such file or directory\)$" L load "$d/tars"

section "inspect"
# --- inspect: what save wrote ----------------------------------------------
expect_ok L inspect gakki/app:1.1
insp=$(cat "$_lib_tmp/out")
expect_eq "$(printf '%s' "$insp" | jq -r '.[0].digest')" "$man" "inspect: the manifest digest save wrote"
expect_eq "$(printf '%s' "$insp" | jq -r '.[0].id')" "$cfg" "inspect: the config digest save wrote"
expect_eq "$(printf '%s' "$insp" | jq -c '.[0].diff_ids')" "$(jq -c .rootfs.diff_ids "$cfgj")" "inspect: the config's diff_ids"
expect_eq "$(printf '%s' "$insp" | jq -r '[.[0].layers[].ref] | join(",")')" \
	"oci/base:1,oci/mid:1,gakki/app:1.1" "inspect: the layers, bottom first"
expect_eq "$(printf '%s' "$insp" | jq -r '[.[0].history[].comment] | join(",")')" \
	"the base,lib update,del docs" "inspect: the history"
c1=$(jq -r '.rootfs.diff_ids[0]' "$cfgj")
c2=sha256:$(printf '%s %s' "$c1" "$(jq -r '.rootfs.diff_ids[1]' "$cfgj")" | sha256sum | cut -d' ' -f1)
c3=sha256:$(printf '%s %s' "$c2" "$(jq -r '.rootfs.diff_ids[2]' "$cfgj")" | sha256sum | cut -d' ' -f1)
expect_eq "$(printf '%s' "$insp" | jq -r '.[0].chain_id')" "$c3" "inspect: the chain id"
expect_eq "$(printf '%s' "$insp" | jq -r '.[0].layers[1].chain_id')" "$c2" "inspect: a lower layer's chain id"
expect_fail "^layerctl: layer 'no/such:1': " L inspect no/such:1

section "diff and :latest"
# --- diff: a store view's uncommitted changes ------------------------------
mkdir -p "$d/dv"
expect_ok L mount gakki/app:1.1 "$d/dv"
expect_eq "$(L diff "$d/dv")" "" "diff of a fresh view: nothing"
echo changed >"$d/dv/etc/os"
echo new >"$d/dv/etc/new"
rm "$d/dv/README"
rm -r "$d/dv/app/lib"
mkdir "$d/dv/app/lib"
echo x >"$d/dv/app/lib/x.jar"
mkdir "$d/dv/newdir"
echo y >"$d/dv/newdir/y"
expect_eq "$(L diff "$d/dv")" "$(printf '%s\n' 'D /README' 'C /app' 'C /app/lib' \
	'D /app/lib/c.jar' 'A /app/lib/x.jar' 'C /etc' 'A /etc/new' 'C /etc/os' \
	'A /newdir' 'A /newdir/y')" "diff: docker diff's list (a re-made directory is opaque: what it hid is D)"
vid=$(L view ls --json | jq -r --arg m "$d/dv" '.[] | select(.mountpoints | index($m)) | .id')
expect_eq "$(L diff --json "$vid" | jq -r '.[0].kind + " " + .[0].path')" "D /README" "diff --json VIEWID"
# a name without a tag: NAME:latest
expect_ok L commit "$d/dv" gakki/diffed -m diffed
expect_match "$(cat "$_lib_tmp/out")" '^gakki/diffed:latest ' "commit NAME: the layer is NAME:latest"
expect_eq "$(L diff "$d/dv")" "" "diff after a commit: nothing"
expect_ok L layer show gakki/diffed:latest
expect_match "$(L history gakki/diffed)" 'gakki/diffed:latest' "history NAME: NAME:latest"
expect_eq "$(L inspect gakki/diffed | jq -r '.[0].ref')" "gakki/diffed:latest" "inspect NAME: NAME:latest"
expect_ok L umount "$d/dv"
expect_ok L mount --ro gakki/diffed "$d/dv"
expect_eq "$(cat "$d/dv/etc/new")" new "mount NAME: NAME:latest"
expect_fail "^layerctl: view '$d/dv': read-only view, no changes" L diff "$d/dv"
expect_ok L umount "$d/dv"
expect_fail "^layerctl: view '$d': not a layerfs view" L diff "$d"
# images: the unnamed lower layers of loaded images only with -a
expect_eq "$(L images | grep -c '^oci/chain:')" 0 "images: intermediate layers hidden"
expect_match "$(L images -a)" '^oci/chain:[0-9a-f]{64} ' "images -a: intermediate layers listed"

section "archives"
# --- archives: save to a tar, load from one --------------------------------
expect_ok L save gakki/app:1.1 -o "$d/img.tar"
expect_eq "$(tar -tf "$d/img.tar" | head -n 5 | tr '\n' ' ')" \
	"oci-layout index.json manifest.json blobs/ blobs/sha256/ " "save -o FILE.tar: the layout and docker's manifest.json"
expect_eq "$(tar -xOf "$d/img.tar" index.json | jq -r '.manifests[0].digest')" "$man" "the archive holds the layout save writes"
expect_eq "$(tar -xOf "$d/img.tar" manifest.json | jq -r '.[0].RepoTags[0]')" "gakki/app:1.1" "manifest.json: RepoTags"
L save gakki/app:1.1 >"$d/img-out.tar" 2>/dev/null
expect_ok cmp "$d/img.tar" "$d/img-out.tar"
expect_eq "$(ls -A "$LAYERFS_STORE" | grep -c '^\.save-')" 0 "save: no temporary layout left in the store"
expect_ok L load "$d/img.tar" tar/app:1
mkdir -p "$d/view3"
expect_ok mount -t layerfs -o image=tar/app:1 none "$d/view3"
same_tree "$d/view" "$d/view3" "load FILE.tar: the same view"
expect_ok umount "$d/view3"
expect_ok sh -c "\"$LAYERCTL\" save gakki/app:1.1 | \"$LAYERCTL\" load - tar/app:2"
expect_ok L layer show tar/app:2
expect_fail "a layer of that name exists" sh -c "\"$LAYERCTL\" load <\"$d/img.tar\""
expect_ok L load -i "$d/img.tar" tar/app
expect_ok L layer show tar/app:latest
expect_eq "$(ls -A "$LAYERFS_STORE" | grep -c '^\.load-')" 0 "load: no temporary layout left in the store"
if command -v skopeo >/dev/null; then
	expect_ok skopeo inspect "oci-archive:$d/img.tar"
	expect_eq "$(jq -r '.Layers | length' "$_lib_tmp/out")" 3 "skopeo inspect oci-archive: three layers"
	expect_ok skopeo inspect "docker-archive:$d/img.tar"
	expect_eq "$(jq -r '.Layers | length' "$_lib_tmp/out")" 3 "skopeo inspect docker-archive (docker load's format): three layers"
	expect_ok skopeo copy "oci:$d/oci" "oci-archive:$d/sk.tar:sk/app:1"
	expect_ok L load "$d/sk.tar" sk/app:1
	mkdir -p "$d/view4"
	expect_ok mount -t layerfs -o image=sk/app:1 none "$d/view4"
	same_tree "$d/view" "$d/view4" "load of skopeo's oci-archive: the same view"
	expect_ok umount "$d/view4"
else
	skip "skopeo and archives" "not installed"
fi
# an archive with an unsafe member: refused, nothing registered, nothing written
python3 - "$d/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("../evil", b"x")):
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
PY
before=$(store_layers)
nl_before=$(L layer ls --json | jq length)
expect_fail "^layerctl: load '$d/evil.tar': member '\.\./evil': unsafe path" L load -i "$d/evil.tar" evil:1
expect_eq "$(store_layers)" "$before" "load of an unsafe archive: nothing left in the store"
expect_eq "$(L layer ls --json | jq length)" "$nl_before" "load of an unsafe archive: nothing registered"
expect_eq "$(ls -A "$LAYERFS_STORE" | grep -c '^\.load-')" 0 "load of an unsafe archive: no temporary layout left"
expect_fail "^layerctl: load '$d/oci-layout-missing.tar': No such file" L load -i "$d/oci-layout-missing.tar"

section "tag and rmi"
# --- tag: another name, without copying; rmi ------------------------------
expect_ok L tag tar/app:1 web/app:2
expect_eq "$(cat "$_lib_tmp/out")" "web/app:2: tar/app:1" "tag: DST names SRC's layer"
expect_match "$(L images)" '^web/app:2 ' "images lists a tag"
mkdir -p "$d/view5"
expect_ok L mount --ro web/app:2 "$d/view5"
same_tree "$d/view" "$d/view5" "mount TAG: the image's view"
expect_ok L umount "$d/view5"
expect_eq "$(L inspect web/app:2 | jq -r '.[0].ref')" "tar/app:1" "inspect TAG: the tagged image"
expect_fail "^layerctl: tag 'web/app:2': already names layer 'tar/app:1'" L tag gakki/app:1.1 web/app:2
expect_fail "^layerctl: layer 'tar/app:1': tagged 'web/app:2' too" L rm tar/app:1
expect_ok L rmi web/app:2
expect_eq "$(cat "$_lib_tmp/out")" "Untagged: web/app:2" "rmi TAG: the tag goes"
expect_ok L layer show tar/app:1
# the last name: the image, then its unnamed lower layers nothing else uses
expect_ok L load "$d/oci-based" rmi/based:1
mid=$(L layer show rmi/based:1 --json | jq -r .parent)
bot=$(L layer show "$mid" --json | jq -r .parent)
expect_ok L rmi rmi/based:1
expect_eq "$(cat "$_lib_tmp/out")" "$(printf 'Deleted: rmi/based:1\nDeleted: %s' "$mid")" \
	"rmi: the image and its unnamed lower layer no other image uses"
expect_fail "$mid" L layer show "$mid"
expect_ok L layer show "$bot"
expect_fail "^layerctl: image 'no/such:1': not in the store \\(No such file or directory\\)\$" L rmi no/such:1

expect_ok umount "$d/view"
expect_ok unload_module
section end
done_testing
