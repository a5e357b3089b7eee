#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One boot of `make check-boot` (tests/guest/boots-installed.sh copies this
# into the disk image as /usr/local/sbin/layerfs-boot-test; the unit
# layerfs-boot-test.service runs it once the machine is up).  It runs on a
# real Debian 12 systemd machine booted from that disk, with the layerctl
# and layerfs-dkms packages installed by dpkg (or, BOOT_INSTALL=checkout,
# make dkms-install and make -C userspace install): installed files only
# (PATH finds the layerctl that way installed).  TAP on
# /dev/ttyS1, the kernel log on /dev/ttyS2 (the host's boot-N.tap and
# kmsg-N.log), then poweroff.  Boot N:
#   checks: the boot reached "running" (no failed unit); layerfs.service and
#     layerfs-views.service are active, their logs clean; the module was
#     loaded at boot, from DKMS's build for this kernel; and from boot 2 on:
#     the registry holds exactly the layers recorded at the end of the last
#     boot, with the same attributes (restore told how many); each image
#     app:J (J < N) mounts with its committed file; the persisted views
#     /srv/pview-J are mounted again with their uncommitted changes; the
#     fstab view /srv/fview is mounted with its upper's file;
#   then adds: base:N (layer add, in place), imported:N (import of a
#     tarball, parent base:N), app:N (a commit of a store view of
#     imported:N), the view /srv/pview-N of app:N mounted with --persist
#     and an uncommitted file; boot 1 also the fstab view; records the
#     registry for the next boot.
set -u
exec >/dev/ttyS1 2>&1
state=/var/lib/layerfs-boot-test
mkdir -p "$state"
n=$(($(cat "$state/boot" 2>/dev/null || echo 0) + 1))
echo "$n" >"$state/boot"
sync

t=0
ok() { t=$((t + 1)); echo "ok $t - $*"; }
nok() { t=$((t + 1)); echo "not ok $t - $*"; }
# check DESC CMD...: ok if CMD succeeds, else not ok with its output.
check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$d"
	else
		nok "$d"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
}
# same DESC GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed 's/^/#   /'
	fi
}
# The registry as this boot sees it: every layer's name, parent, path,
# author, message, creation time and flags (not the ids and view counts,
# which a reboot renumbers).
registry() {
	local name
	layerctl layer ls | awk 'NR > 1 { print $2 }' | LC_ALL=C sort |
		while read -r name; do
			layerctl layer show "$name" --json | tr ',{}' '\n\n\n' |
				grep -E '"(name|parent|path|author|message|created_ns|flags)"' |
				tr -d ' ' | tr '\n' ' '
			echo
		done
}

echo "# boot $n: kernel $(uname -r)"
sys=$(systemctl is-system-running --wait)
same "the boot finished with no failed unit" "$sys" running
[ "$sys" = running ] || systemctl --failed --no-legend | sed 's/^/#   /'
check "layerfs.service is active" systemctl is-active layerfs.service
check "systemctl status layerfs is clean (exit 0)" systemctl status layerfs.service
check "layerfs-views.service is active" systemctl is-active layerfs-views.service
log=$(journalctl -b -o cat -u layerfs.service -u layerfs-views.service)
printf '%s\n' "$log" | sed 's/^/#   journal: /'
same "the units logged no layerctl error" "$(printf '%s\n' "$log" | grep -c '^layerctl:')" 0
same "layerctl is the installed one" "$(command -v layerctl)" \
	"$(cat /etc/layerfs-boot-test.layerctl 2>/dev/null)"
check "the module was loaded at boot" test -d /sys/module/layerfs
ko=$(modinfo -n layerfs)
same "it is DKMS's build for this kernel" "${ko%.xz}" \
	"/lib/modules/$(uname -r)/updates/dkms/layerfs.ko"

if [ "$n" = 1 ]; then
	same "restore found no store on the first boot" \
		"$(printf '%s\n' "$log" | grep -c '^restored 0 layers (no store at /var/lib/layerfs)')" 2
else
	want=$(cat "$state/count")
	same "restore registered the $want stored layers at boot" \
		"$(printf '%s\n' "$log" | grep -c "^restored $want layers (0 already registered)")" 1
	same "the registry is the one of the last boot" "$(registry)" "$(cat "$state/registry")"
	for ((j = 1; j < n; j++)); do
		mkdir -p /mnt/ro
		if check "image app:$j mounts" layerctl mount --ro "app:$j" /mnt/ro; then
			same "app:$j holds its commit" "$(cat /mnt/ro/app.txt /mnt/ro/imported.txt /mnt/ro/base.txt)" \
				"$(printf 'app %s\nimported %s\nbase %s' "$j" "$j" "$j")"
			layerctl umount /mnt/ro
		fi
		check "the persisted view /srv/pview-$j is mounted again" \
			findmnt -n -t layerfs /srv/pview-$j
		same "with its uncommitted change" "$(cat "/srv/pview-$j/uncommitted.txt" 2>&1)" "pview $j"
	done
	check "the fstab view /srv/fview is mounted" findmnt -n -t layerfs /srv/fview
	same "with its upper's file" "$(cat /srv/fview/fstab.txt 2>&1)" "fstab view"
fi

# This boot's layers, image, and persisted view.
mkdir -p /var/lib/layerfs/layers /var/lib/layerfs/views "/srv/base-$n" \
	"/srv/w-$n" "/srv/pview-$n" /tmp/imp
echo "base $n" >"/srv/base-$n/base.txt"
check "layer add base:$n" layerctl layer add "base:$n" "/srv/base-$n" -a boot -m "boot $n"
echo "imported $n" >/tmp/imp/imported.txt
tar -C /tmp/imp -cf /tmp/imp.tar .
check "import imported:$n" layerctl import /tmp/imp.tar "imported:$n" --parent "base:$n"
check "mount a store view of imported:$n" layerctl mount "imported:$n" "/srv/w-$n"
echo "app $n" >"/srv/w-$n/app.txt"
check "commit app:$n" layerctl commit "/srv/w-$n" "app:$n" -a boot -m "boot $n"
check "umount it" layerctl umount "/srv/w-$n"
check "mount app:$n with --persist" layerctl mount --persist "app:$n" "/srv/pview-$n"
echo "pview $n" >"/srv/pview-$n/uncommitted.txt"
if [ "$n" = 1 ]; then
	mkdir -p /srv/fview /srv/fs/u /srv/fs/w
	echo "fstab view" >/srv/fs/u/fstab.txt
	echo 'layerfs /srv/fview layerfs image=base:1,upper=/srv/fs/u,work=/srv/fs/w,x-systemd.requires=layerfs.service 0 0' >>/etc/fstab
fi
registry >"$state/registry"
layerctl layer ls | awk 'NR > 1' | wc -l >"$state/count"
echo "# registry: $(cat "$state/count") layers"
sync

echo "# tainted $(cat /proc/sys/kernel/tainted)"
echo "# boot $n: done, $t checks"
dmesg >/dev/ttyS2
# As systemctl poweroff, without asking logind (no D-Bus here) first.
systemctl start --no-block --job-mode=replace-irreversibly poweroff.target
