#!/bin/sh
# The seed scenario, as far as it is implemented: runs in the guest (see
# `make demo`).  Builds a tomcat-like base layer, registers it with layerctl
# (which loads the module itself through libkmod), mounts a writable view
# of it, deletes webapps/docs there (a whiteout lands in the upper), and
# mounts the base image read-only beside it: docs absent in one, present in
# the other, base files shared (same inode).  Commit comes with later work.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAYERCTL=$ROOT/userspace/layerctl
export LAYERFS_MODULE="$ROOT/kernel/layerfs.ko"
store=$(mktemp -d /tmp/layerfs-demo.XXXXXX)

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

mkdir -p "$store/tomcat/webapps/docs" "$store/tomcat/webapps/ROOT" \
	"$store/tomcat/bin" "$store/mytomcat"
echo '<h1>Tomcat docs</h1>' > "$store/tomcat/webapps/docs/index.html"
echo '<h1>It works</h1>' > "$store/tomcat/webapps/ROOT/index.html"
printf '#!/bin/sh\necho starting tomcat\n' > "$store/tomcat/bin/catalina.sh"

run "$LAYERCTL" layer add tomcat:9 "$store/tomcat" -a apache -m 'tomcat base image'
run "$LAYERCTL" layer add gakki/mytomcat:1.1 "$store/mytomcat" --parent tomcat:9 \
	-a liuzhuo -m 'del tomcat docs'
run "$LAYERCTL" layer ls
run "$LAYERCTL" layer show gakki/mytomcat:1.1

mkdir -p "$store/upper" "$store/work" "$store/web" "$store/base"
run "$LAYERCTL" mount gakki/mytomcat:1.1 "$store/web" --upper "$store/upper" \
	--work "$store/work"
run "$LAYERCTL" mount tomcat:9 "$store/base"
run "$LAYERCTL" view ls
run rm -r "$store/web/webapps/docs"
run ls "$store/web/webapps" "$store/base/webapps"
run ls -l "$store/upper/webapps"
run stat -c '%i %n' "$store/web/bin/catalina.sh" "$store/base/bin/catalina.sh"
run "$LAYERCTL" umount "$store/web"
run "$LAYERCTL" umount "$store/base"
run "$LAYERCTL" layer show tomcat:9 --json
printf '\n$ %s\n' "$LAYERCTL layer rm tomcat:9   # refused: it has a child"
if "$LAYERCTL" layer rm tomcat:9; then
	echo "demo: removing a parent layer should have failed" >&2
	exit 1
fi
run "$LAYERCTL" layer rm gakki/mytomcat:1.1
run "$LAYERCTL" layer rm tomcat:9
run "$LAYERCTL" layer ls
rmmod layerfs
echo
echo "demo: done"
