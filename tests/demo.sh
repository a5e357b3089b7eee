#!/bin/sh
# The seed scenario (issue 4), run in the guest by `make demo`: a
# tomcat-like base layer with webapps/docs; `layerctl mount` a writable
# view of it (a fresh upper in the store); delete webapps/docs there;
# `layerctl commit` the live view as gakki/mytomcat:1.1; mount the new
# image and the base image side by side: docs absent in the first, present
# in the second, base files shared (same st_ino); `layerctl history`.
# layerctl loads the module itself through libkmod.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAYERCTL=$ROOT/userspace/layerctl
export LAYERFS_MODULE="$ROOT/kernel/layerfs.ko"
tmp=$(mktemp -d /tmp/layerfs-demo.XXXXXX)
# The layer store (the guest's / is read-only; default /var/lib/layerfs).
export LAYERFS_STORE="$tmp/store"

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

check() {	# CONDITION-TEXT, then the test as arguments
	what=$1
	shift
	if "$@"; then
		echo "demo: ok: $what"
	else
		echo "demo: FAILED: $what" >&2
		exit 1
	fi
}

mkdir -p "$tmp/tomcat/webapps/docs" "$tmp/tomcat/webapps/ROOT" \
	"$tmp/tomcat/bin" "$LAYERFS_STORE/layers" "$LAYERFS_STORE/views" \
	"$tmp/web" "$tmp/mytomcat" "$tmp/tomcat9"
echo '<h1>Tomcat docs</h1>' >"$tmp/tomcat/webapps/docs/index.html"
echo '<h1>It works</h1>' >"$tmp/tomcat/webapps/ROOT/index.html"
printf '#!/bin/sh\necho starting tomcat\n' >"$tmp/tomcat/bin/catalina.sh"

run "$LAYERCTL" layer add tomcat:9 "$tmp/tomcat" -a apache -m 'tomcat base image'
run "$LAYERCTL" mount tomcat:9 "$tmp/web"
run "$LAYERCTL" view ls
run rm -r "$tmp/web/webapps/docs"
run "$LAYERCTL" commit "$tmp/web" gakki/mytomcat:1.1 -a liuzhuo -m 'del tomcat docs'
run "$LAYERCTL" layer show gakki/mytomcat:1.1

run "$LAYERCTL" mount --ro gakki/mytomcat:1.1 "$tmp/mytomcat"
run "$LAYERCTL" mount --ro tomcat:9 "$tmp/tomcat9"
run "$LAYERCTL" view ls
run ls "$tmp/mytomcat/webapps" "$tmp/tomcat9/webapps"
check "docs absent in gakki/mytomcat:1.1" test ! -e "$tmp/mytomcat/webapps/docs"
check "docs present in tomcat:9" test -f "$tmp/tomcat9/webapps/docs/index.html"
run stat -c '%i %n' "$tmp/mytomcat/bin/catalina.sh" "$tmp/tomcat9/bin/catalina.sh"
check "base files shared: same st_ino" test \
	"$(stat -c %i "$tmp/mytomcat/bin/catalina.sh")" = \
	"$(stat -c %i "$tmp/tomcat9/bin/catalina.sh")"
run "$LAYERCTL" history gakki/mytomcat:1.1
run "$LAYERCTL" images

run "$LAYERCTL" umount "$tmp/mytomcat"
run "$LAYERCTL" umount "$tmp/tomcat9"
run "$LAYERCTL" umount "$tmp/web"
printf '\n$ %s\n' "$LAYERCTL rm tomcat:9   # refused: gakki/mytomcat:1.1 builds on it"
if "$LAYERCTL" rm tomcat:9; then
	echo "demo: removing a parent layer should have failed" >&2
	exit 1
fi
run "$LAYERCTL" rm gakki/mytomcat:1.1
run "$LAYERCTL" rm tomcat:9
run "$LAYERCTL" images
rmmod layerfs
echo
echo "demo: done"
