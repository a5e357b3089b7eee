#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Rename of a directory over a whiteout (issue 12, item 6).  On ext4
# (chattr): the lower layer has A/, B/x, B/keep, C/y/inner, C/z; in a view
# B/x and C/y are removed (whiteouts in the upper) and A/d, A/e are made.
#
# Failure part way: the REAL upper directory A is made append-only behind
# the view's back (not looked at through the view afterwards), so moving
# A/d away from it fails with EPERM.  `rename(A/d, B/x)` must fail and leave
# the whiteout: B/x stays absent, through the view and through a fresh
# mount of the same upper (the old code unlinked the whiteout before the
# rename failed, and the lower B/x came back).
#
# Success (a directory of its own, C, so that it does not depend on the
# failure case): A/e moved over the whiteout C/y ends up an opaque, empty
# directory; the lower C/y/inner stays hidden, also after a remount; and
# the same steps on overlayfs give the same visible tree.
#
# Objects made over a whiteout (a file, a directory, a symlink, by uid
# 1000): in a set-group-ID directory they get its group (a directory the
# bit too), in a directory with a default ACL its ACLs and mode; owner,
# mode and ACLs as on overlayfs.
#
# A rename onto a lower file (at the top and in a directory) copies nothing
# of that file up: with 4 MiB tmpfs uppers and an 8 MiB lower file, it
# succeeds on both, as on overlayfs; and an open for writing of that file
# racing with the rename (copying it up) makes neither fail.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

modprobe overlay || { echo "Bail out! no overlayfs"; exit 1; }
load_module

E=$scratch/e
mount_ext4 "$E" 64M
L=$E/lower
mkdir -p "$L/A" "$L/B" "$L/C/y" "$E/lu" "$E/lw" "$E/lm" "$E/ou" "$E/ow" "$E/om"
echo lower-x >"$L/B/x"
echo keep >"$L/B/keep"
echo inner >"$L/C/y/inner"
echo z >"$L/C/z"
# For "objects made over a whiteout" below.
mkdir -p "$L/S/d" "$L/Q/d"
echo f >"$L/S/f"
echo f >"$L/Q/f"
ln -s f "$L/S/l"
chown -R 0:1001 "$L/S"
chmod 2777 "$L/S"
chmod 777 "$L/Q"
expect_ok setfacl -d -m u:1001:rwx "$L/Q"
expect_ok "$LAYERCTL" layer add rw/lower "$L"

# shellcheck disable=SC2317 # called by expect_ok
mount_view() {
	"$LAYERCTL" mount --layers rw/lower --upper "$E/lu" --work "$E/lw" "$E/lm"
}
# rename(2) itself: mv would stat and might copy.
# shellcheck disable=SC2317 # called by expect_ok / expect_fail
ren() { python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' "$1" "$2"; }
# The visible tree: type and path, sorted.
tree() { (cd "$1" && find . -printf '%y %p\n' | sort); }

expect_ok mount_view
expect_ok mount -t overlay rw-ovl -o "lowerdir=$L,upperdir=$E/ou,workdir=$E/ow" "$E/om"
for m in "$E/lm" "$E/om"; do
	if ! { rm "$m/B/x" && rm -r "$m/C/y" && mkdir "$m/A/d" "$m/A/e"; }; then
		fail "set-up in $m"
	fi
done
expect_eq "$(stat -c %F:%t:%T "$E/lu/B/x" 2>&1)" "character special file:0:0" \
	"the view's upper has a whiteout for B/x"

# --- a rename that fails part way -------------------------------------------
if chattr +a "$E/lu/A" && lsattr -d "$E/lu/A" | grep -q '^-*a'; then
	pass "chattr +a on the real upper directory A"
else
	fail "chattr +a on the real upper directory A"
fi
expect_fail 'Operation not permitted' ren "$E/lm/A/d" "$E/lm/B/x"
expect_eq "$(ls -A "$E/lm/B" 2>&1 | paste -s -d ' ')" "keep" \
	"after the failed rename the view's B still hides x"
expect_fail 'No such file' cat "$E/lm/B/x"
expect_eq "$(stat -c %F:%t:%T "$E/lu/B/x" 2>&1)" "character special file:0:0" \
	"after the failed rename the upper still has the whiteout B/x"
expect_ok test -d "$E/lu/A/d"
chattr -a "$E/lu/A"
# A fresh mount of the same upper: nothing cached.
expect_ok "$LAYERCTL" umount "$E/lm"
expect_ok mount_view
expect_fail 'No such file' cat "$E/lm/B/x"
expect_eq "$(ls -A "$E/lm/B" 2>&1 | paste -s -d ' ')" "keep" \
	"after a remount the view's B still hides x"
expect_eq "$(tree "$E/lm/B")" "$(tree "$E/om/B")" \
	"after the failed rename and a remount: B: layerfs = overlayfs"

# --- a rename over a whiteout that succeeds -----------------------------------
expect_ok ren "$E/lm/A/e" "$E/lm/C/y"
expect_ok ren "$E/om/A/e" "$E/om/C/y"
expect_eq "$(ls -A "$E/lm/C/y" 2>&1)" "" "the moved directory is empty through the view"
expect_eq "$(getfattr --absolute-names -n trusted.overlay.opaque --only-values \
	"$E/lu/C/y" 2>&1)" "y" "the moved directory is opaque in the upper"
expect_eq "$(tree "$E/lm/C")" "$(tree "$E/om/C")" "visible tree of C: layerfs = overlayfs"
expect_eq "$(tree "$E/lm/A")" "$(tree "$E/om/A")" "visible tree of A: layerfs = overlayfs"
expect_ok "$LAYERCTL" umount "$E/lm"
expect_ok mount_view
expect_fail 'No such file' cat "$E/lm/C/y/inner"
expect_eq "$(tree "$E/lm/C")" "$(tree "$E/om/C")" "after a remount: C: layerfs = overlayfs"
diag "C: $(tree "$E/lm/C" | paste -s -d ' ')"

# --- objects made over a whiteout ---------------------------------------------
# A name removed from a lower directory and made again is built in the work
# directory and exchanged with the whiteout.  It must come out as it would
# in its own directory, as on overlayfs: in the set-group-ID directory S
# (root:1001, 2777) owned by group 1001, and a directory set-group-ID too;
# in Q (0777, default ACL u:1001:rwx) with the ACL the default gives and no
# umask applied.  Done by uid 1000 (not in group 1001) with umask 022, for
# a file, a directory and a symlink, and a name no layer has (g) as a
# control.
chmod 755 "$scratch"
# shellcheck disable=SC2317 # called by expect_ok
as() { _u=$1; shift; setpriv --reuid "$_u" --regid "$_u" --clear-groups -- "$@"; }
remake='umask 022 && cd "$1" &&
for d in S Q; do rm "$d/f" && rmdir "$d/d" && echo new >"$d/f" && mkdir "$d/d" &&
	echo g >"$d/g" || exit 1; done && rm S/l && ln -s f S/l'
# Owner, mode and ACL of each object, as the view shows it.
made() {
	(cd "$1" && for p in S/f S/d S/l S/g Q/f Q/d Q/g; do
		stat -c '%n %u:%g %a' "$p"
	done && getfacl -n -p -c Q/f Q/d Q/g) 2>&1
}
for m in lm om; do
	expect_ok as 1000 sh -c "$remake" sh "$E/$m"
done
made "$E/om" >"$scratch/made.om"
made "$E/lm" >"$scratch/made.lm"
expect_match "$(cat "$scratch/made.om")" '^S/d 1000:1001 2755$' \
	"overlayfs: a directory made over a whiteout in S is group 1001 and set-group-ID"
expect_eq "$(cat "$scratch/made.lm")" "$(cat "$scratch/made.om")" \
	"objects made over whiteouts: owner, mode, ACLs: layerfs = overlayfs"
diag "layerfs: $(grep '^[SQ]/' "$scratch/made.lm" | paste -s -d ' ')"


# --- a rename onto a lower file copies nothing of it up -----------------------
# rename(2) onto a name whose file only a lower layer has replaces that
# file: nothing of it is needed, and overlayfs copies up only the source.
# The view must not copy the target up either: its data may be large (time)
# and more than the upper has room for.  Uppers: 4 MiB tmpfs mounts; the
# lower file: 8 MiB.  The rename must succeed on both, the name show the
# moved file, and the upper hold no copy of the lower one.
T=$scratch/rt
mkdir -p "$E/big/d"
dd if=/dev/urandom of="$E/big/big" bs=1M count=8 status=none
cp "$E/big/big" "$E/big/d/big"
expect_ok "$LAYERCTL" layer add rw/big "$E/big"
for m in lm om; do
	mkdir -p "$T/$m"
	expect_ok mount -t tmpfs -o size=4M "rw-$m" "$T/$m"
	mkdir -p "$T/$m/u" "$T/$m/w" "$T/$m/m"
done
expect_ok "$LAYERCTL" mount --layers rw/big --upper "$T/lm/u" --work "$T/lm/w" "$T/lm/m"
expect_ok mount -t overlay rw-big-ovl \
	-o "lowerdir=$E/big,upperdir=$T/om/u,workdir=$T/om/w" "$T/om/m"
for m in om lm; do
	if ! { echo new >"$T/$m/m/new" && echo new2 >"$T/$m/m/d/new2"; }; then
		fail "$m: new files in a 4 MiB upper"
	fi
	expect_ok ren "$T/$m/m/new" "$T/$m/m/big"
	expect_ok ren "$T/$m/m/d/new2" "$T/$m/m/d/big"
	# (sizes first: the lower files are 8 MiB of random bytes)
	expect_eq "$(stat -c %s "$T/$m/m/big" "$T/$m/m/d/big" 2>&1 | paste -s -d ' ')" "4 5" \
		"$m: the renamed files replaced the lower ones (sizes)"
	expect_eq "$(head -q -c 64 "$T/$m/m/big" "$T/$m/m/d/big" | tr -cd 'a-z0-9\n' | paste -s -d ' ')" \
		"new new2" "$m: the renamed files replaced the lower ones (contents)"
	expect_eq "$(du -sk "$T/$m/u" | cut -f1)" "$(du -sk "$T/om/u" | cut -f1)" \
		"$m: upper usage as overlayfs's ($(du -sk "$T/$m/u" | cut -f1) KiB)"
done
expect_eq "$(tree "$T/lm/m")" "$(tree "$T/om/m")" "after renames onto lower files: layerfs = overlayfs"
expect_ok "$LAYERCTL" umount "$T/lm/m"
expect_ok umount "$T/om/m"
expect_ok "$LAYERCTL" layer rm rw/big

# --- a rename onto a lower file while an opener copies it up ------------------
# The file a rename replaces is not copied up, but an open for writing of it
# at the same moment copies it up.  Both must succeed, whichever goes first:
# a copy-up that had moved its copy into the upper but not yet given it to
# the view's inode made the rename fail with ESTALE (t-stress, once), and a
# copy-up finishing after the rename must not bring the replaced file back.
# 400 rounds of one thread appending to f$i while another renames n$i onto
# it, one of them starting up to 4 ms late (a copy-up of the 32 KiB file
# takes about that long under TCG); f$i must then hold n$i's text, with the
# appended line or without it (appended to the replaced file).  Not run on
# overlayfs, which is not the reference here: its copy-up fails the open
# with EEXIST when the rename wins that race (6.1.0-57: 2 of 400 rounds).
R=$scratch/rr
mkdir -p "$E/race"
head -c 32768 /dev/urandom >"$scratch/race.data"
# The 400 copies by one tee (a cp each was 400 execs: seconds under TCG).
set --
for i in $(seq 0 399); do set -- "$@" "$E/race/f$i"; done
tee "$@" <"$scratch/race.data" >/dev/null
expect_ok "$LAYERCTL" layer add rw/race "$E/race"
mkdir -p "$R/lu" "$R/lw" "$R/lm"
expect_ok "$LAYERCTL" mount --layers rw/race --upper "$R/lu" --work "$R/lw" "$R/lm"
cat >"$scratch/race.py" <<'PY'
import os, random, sys, threading, time
m, bad = sys.argv[1], []
random.seed(19)
for i in range(400):
    with open(f"{m}/n{i}", "w") as f:
        f.write(f"new{i}\n")
    gate = threading.Barrier(2)
    late = random.choice(("append", "rename"))
    delay = random.uniform(0, 0.004)
    def append():
        gate.wait()
        if late == "append":
            time.sleep(delay)
        try:
            with open(f"{m}/f{i}", "a") as f:
                f.write("app\n")
        except OSError as e:
            bad.append(f"append f{i}: {e}")
    def rename():
        gate.wait()
        if late == "rename":
            time.sleep(delay)
        try:
            os.rename(f"{m}/n{i}", f"{m}/f{i}")
        except OSError as e:
            bad.append(f"rename n{i} f{i}: {e}")
    ts = [threading.Thread(target=append), threading.Thread(target=rename)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(f"{m}/f{i}", "rb") as f:
        got = f.read(64)
    if got not in (f"new{i}\n".encode(), f"new{i}\napp\n".encode()):
        bad.append(f"f{i}: {got[:16]!r}")
print(f"{len(bad)} failed" + "".join(f"\n{b}" for b in bad[:10]))
sys.exit(1 if bad else 0)
PY
expect_ok python3 "$scratch/race.py" "$R/lm"
expect_eq "$(find "$R/lm" -mindepth 1 -printf '%f\n' | sort | paste -s -d ' ')" \
	"$(seq 0 399 | sed 's/^/f/' | sort | paste -s -d ' ')" \
	"after the racing renames: f0..f399, no n\$i left"
expect_ok "$LAYERCTL" umount "$R/lm"
expect_ok "$LAYERCTL" layer rm rw/race

expect_ok "$LAYERCTL" umount "$E/lm"
expect_ok umount "$E/om"
expect_ok "$LAYERCTL" layer rm rw/lower
expect_ok umount "$E"
expect_ok unload_module
done_testing
