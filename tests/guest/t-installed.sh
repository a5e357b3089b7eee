#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The installed files, not the build tree (issue 15): the .debs of
# `make deb` (build/deb/, or $LAYERFS_DEB_DIR) are extracted with dpkg-deb -x
# into the scratch tmpfs (the guest's / is the host's, read-only), and the
# module that the layerfs-dkms package's source and dkms.conf build
# (`make deb-module`: dkms build on the host, build/installed/KVER/, or
# $LAYERFS_INSTALLED_KO) is loaded.  Then, with the extracted layerctl only:
# the packages hold what they should (binary, man pages, completion,
# systemd unit naming /usr/sbin/layerctl, module source and dkms.conf),
# --version matches the package, a layer is added, an image view mounted,
# changed and committed, the module reloaded and the store restored, the
# committed image mounted again with the change, bash completion offers the
# commands, layer names and image refs.  Skips if the packages or the
# module were not built.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

kver=$(uname -r)
debdir=${LAYERFS_DEB_DIR:-$ROOT/build/deb}
ko=${LAYERFS_INSTALLED_KO:-$ROOT/build/installed/$kver/layerfs.ko}
shopt -s nullglob
ctl_debs=("$debdir"/layerctl_*.deb)
dkms_debs=("$debdir"/layerfs-dkms_*_all.deb)
if [ ${#ctl_debs[@]} != 1 ] || [ ${#dkms_debs[@]} != 1 ] || [ ! -f "$ko" ]; then
	skip "installed packages" "no build/deb/*.deb or $ko (run: make deb deb-module)"
	done_testing
fi
version=$(dpkg-deb -f "${ctl_debs[0]}" Version)
diag "packages: $(basename "${ctl_debs[0]}") $(basename "${dkms_debs[0]}"), module $ko"

inst=$scratch/root
mkdir -p "$inst"
expect_ok dpkg-deb -x "${ctl_debs[0]}" "$inst"
expect_ok dpkg-deb -x "${dkms_debs[0]}" "$inst"
L=$inst/usr/sbin/layerctl

# What the packages hold.
for f in usr/sbin/layerctl usr/share/man/man8/layerctl.8.gz usr/share/man/man5/layerfs.5.gz \
	usr/share/bash-completion/completions/layerctl lib/systemd/system/layerfs.service \
	lib/systemd/system/layerfs-views.service \
	"usr/src/layerfs-$version/dkms.conf" "usr/src/layerfs-$version/Kbuild" \
	"usr/src/layerfs-$version/kernel/main.c" "usr/src/layerfs-$version/include/uapi/linux/layerfs.h"; do
	expect_ok test -s "$inst/$f"
done
unit=$inst/lib/systemd/system/layerfs.service
expect_match "$(cat "$unit")" '^ExecStart=/usr/sbin/layerctl restore$' "the unit runs the packaged layerctl"
expect_match "$(cat "$unit")" '^ExecStart=/sbin/modprobe layerfs$' "the unit loads the module"
expect_match "$(cat "$unit")" '^Before=local-fs.target$' "the unit runs before local-fs.target"
expect_match "$(cat "$unit")" '^RequiresMountsFor=/var/lib/layerfs$' "after the store's filesystem"
expect_match "$(grep -E '^PACKAGE_(NAME|VERSION)=' "$inst/usr/src/layerfs-$version/dkms.conf")" \
	"^PACKAGE_VERSION=\"$version\"\$" "dkms.conf has the package version"
expect_match "$(zcat "$inst/usr/share/man/man8/layerctl.8.gz")" '^\.SS "layerctl prune"$' \
	"layerctl(8) documents the commands"
expect_match "$(zcat "$inst/usr/share/man/man5/layerfs.5.gz" | sed 's/\\-/-/g')" 'x-systemd.requires=layerfs.service' \
	"layerfs(5) shows the fstab ordering"
expect_eq "$("$L" --version | awk '{ print $2 }')" "$version" "layerctl --version is the package's"

# The module DKMS built from the package, for this kernel.
expect_eq "$(modinfo -F vermagic "$ko" | awk '{ print $1 }')" "$kver" "the module is built for $kver"
expect_ok insmod "$ko"
# Its GNU build ID, as the kernel has it (the note's last 20 bytes).
build_id=$(readelf -n "$ko" | awk '/Build ID:/ { print $3 }')
expect_match "$build_id" '^[0-9a-f]{40}$' "the module has a build ID"
expect_eq "$(od -An -tx1 -v /sys/module/layerfs/notes/.note.gnu.build-id 2>&1 | tr -d ' \n' | tail -c 40)" \
	"$build_id" "the loaded module is the packaged one"

# The worked example with the installed layerctl.
export LAYERFS_STORE=$scratch/store
base=$scratch/layers/tomcat
mkdir -p "$base/webapps/docs" "$scratch/mnt"
echo index >"$base/webapps/docs/index.html"
echo v9 >"$base/VERSION"
expect_ok "$L" layer add tomcat:9 "$base" -a apache -m 'tomcat base image'
expect_ok "$L" mount tomcat:9 "$scratch/mnt"
expect_eq "$(cat "$scratch/mnt/VERSION" 2>&1)" v9 "the image view shows the layer"
expect_ok rm -r "$scratch/mnt/webapps/docs"
echo mine >"$scratch/mnt/NOTE"
expect_ok "$L" commit "$scratch/mnt" gakki/mytomcat:1.1 -a liuzhuo -m 'del tomcat docs'
expect_match "$("$L" history gakki/mytomcat:1.1 2>&1)" 'gakki/mytomcat:1\.1 .*del tomcat docs' \
	"history lists the commit"
expect_ok "$L" umount "$scratch/mnt"

# Usage errors: one line and a hint, status 2.
out=$("$L" mount --x 2>&1)
rc=$?
expect_eq "$rc:$out" "2:layerctl: mount: unknown option '--x'
Try 'layerctl mount --help'." "a usage error exits 2 with a one-line hint"

# Bash completion from the package (needs bash-completion on the host root).
bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ]; then
	comp() {	# WORDS...: the completions of the last word
		bash -c '
			source "$1"; source "$2"; shift 2
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_layerctl; printf "%s\n" "${COMPREPLY[@]}"' \
			comp "$bc" "$inst/usr/share/bash-completion/completions/layerctl" "$@"
	}
	PATH=$inst/usr/sbin:$PATH
	expect_match "$(comp layerctl co)" '^commit$' "completion: commands"
	expect_match "$(comp layerctl prune --)" '^--dry-run$' "completion: options"
	expect_match "$(comp layerctl layer rm tom)" '^tomcat:9$' "completion: layer names"
	expect_match "$(comp layerctl history gakki)" '^gakki/mytomcat:1\.1$' "completion: image refs"
else
	skip "bash completion" "$bc is missing"
fi

# Reload the module: the registry is gone; restore brings it back.
expect_ok rmmod layerfs
expect_ok insmod "$ko"
expect_eq "$("$L" layer ls --json)" "[]" "a fresh module has no layers"
expect_match "$("$L" restore 2>&1)" '^restored 2 layers' "restore registers the stored layers"
expect_ok "$L" mount --ro gakki/mytomcat:1.1 "$scratch/mnt"
expect_eq "$(cat "$scratch/mnt/NOTE" 2>&1)" mine "the committed change is back after the reload"
expect_ok test ! -e "$scratch/mnt/webapps/docs"
expect_ok "$L" umount "$scratch/mnt"
expect_ok rmmod layerfs

done_testing
