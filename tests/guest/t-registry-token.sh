#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# layerctl login, push and pull through the Bearer token flow (the
# WWW-Authenticate challenge of the distribution token specification):
# Debian's docker-registry on loopback behind tests/guest/faultyproxy.py in
# its token mode, which refuses every request without a token granting the
# scope it needs and issues tokens for tokuser:tokpass only.
#
# - without credentials push fails, naming the token service and login;
# - login with a wrong password fails and stores nothing; with the right
#   one it stores the credentials;
# - push asks for a token of scope repository:tok/app:pull,push and
#   uploads the image;
# - a push to another repository mounts the blobs from the first: the
#   mount needs pull access to the source too, so the registry's challenge
#   names both repositories, and the token request carries one scope
#   parameter each (a single "scope=A B" parameter grants neither);
# - pull into an empty store gets a pull token and mounts the same tree;
# - the registry's credentials go to it only (faultyproxy.py offsite, a
#   Basic registry): an upload Location on another host gets the upload
#   without them, and a 401 from there, or from the host a manifest's
#   redirect leads to, fails push and pull instead of being answered: the
#   Bearer challenge of that host never has the user's password sent to
#   the token service it names.
#
# guest-timeout: 600
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

LIST="python3 $ROOT/tests/guest/treelist.py"
d=$scratch
L() { "$LAYERCTL" "$@"; }

if ! command -v docker-registry >/dev/null; then
	skip "registry token flow" "docker-registry missing (scripts/install-deps.sh)"
	done_testing
fi
load_module
export REGISTRY_AUTH_FILE=$d/auth.json
unset LAYERFS_INSECURE_REGISTRIES DOCKER_CONFIG
# shellcheck source=registry.sh
. "$(dirname "$0")/registry.sh"

b=$d/l-base t=$d/l-top
mkdir -p "$b/etc" "$b/usr/bin" "$t/etc" "$t/app"
echo hosts >"$b/etc/hosts"
echo gone >"$b/etc/gone"
head -c 100000 /dev/urandom >"$b/usr/bin/tool"
mknod "$t/etc/gone" c 0 0
echo app >"$t/app/main"
expect_ok L layer add tk/base:1 "$b"
expect_ok L layer add tk/app:1 "$t" --parent tk/base:1

P=127.0.0.1:5020
start_registry plain $P
start_proxy token 5021
T=127.0.0.1:5021
log=$d/proxy-token.log

expect_fail "token service 'http://$T/token': needs a login: HTTP 401: run 'layerctl login $T'$" \
	L push tk/app:1 $T/tok/app:1 --insecure --quiet
expect_fail "^layerctl: registry '$T': GET /v2/: token service 'http://$T/token': user 'tokuser': wrong user name or password: HTTP 401$" \
	sh -c "echo wrong | '$LAYERCTL' login $T -u tokuser --password-stdin --insecure"
[ ! -e "$REGISTRY_AUTH_FILE" ] && pass "a failed login stores nothing" ||
	fail "a failed login stores nothing"
out=$(echo tokpass | L login $T -u tokuser --password-stdin --insecure 2>&1)
expect_match "$out" "login succeeded" "login through the token service"

out=$(L push tk/app:1 $T/tok/app:1 --insecure --quiet 2>&1)
expect_match "$out" "3 blobs uploaded, 0 present, 0 mounted" "push with a token"
expect_match "$(cat "$log")" "^token repository:tok/app:pull,push$" \
	"push asked for a pull,push token of its repository"

: >"$log"
out=$(L push tk/app:1 $T/tok/other:1 --insecure 2>&1)
expect_match "$out" "0 blobs uploaded, 0 present, 3 mounted" \
	"a push to another repository mounts the blobs"
expect_match "$out" "mounted from tok/app" "... from the first repository"
expect_match "$(cat "$log")" "^401 POST /v2/tok/other/blobs/uploads/\?mount=sha256%3A[0-9a-f]{64}&from=tok%2Fapp$" \
	"the mount was first refused for want of the source's scope"
expect_match "$(cat "$log")" "^token repository:tok/other:pull,push repository:tok/app:pull$" \
	"the token request named both scopes, one parameter each"
[ "$(grep -c '^POST /v2/tok/other/blobs/uploads/?mount=' "$log")" = 3 ] &&
	pass "three mounts went through to the registry" ||
	fail "three mounts went through to the registry" "$(cat "$log")"

: >"$log"
out=$(LAYERFS_STORE=$d/store2 L pull $T/tok/other:1 copy/app:1 --insecure --quiet 2>&1)
rc=$?
expect_eq "$rc" 0 "pull with a token"
[ $rc = 0 ] || diag "$out"
expect_match "$(cat "$log")" "^token repository:tok/other:pull$" \
	"pull asked for a pull token"
mkdir -p "$d/m0" "$d/m1"
expect_ok L mount --ro tk/app:1 "$d/m0"
expect_ok env LAYERFS_STORE="$d/store2" "$LAYERCTL" mount --ro copy/app:1 "$d/m1"
$LIST "$d/m0" --no-root >"$d/l0" 2>&1
$LIST "$d/m1" --no-root >"$d/l1" 2>&1
if [ -s "$d/l0" ] && cmp -s "$d/l0" "$d/l1"; then
	pass "the pulled image's tree is the pushed one's"
else
	fail "the pulled image's tree is the pushed one's" "$(diff "$d/l0" "$d/l1" | head -n 20)"
fi
L umount "$d/m0"
L umount "$d/m1"

start_proxy offsite 5022
O=127.0.0.1:5022
olog=$d/proxy-offsite.log
out=$(echo tokpass | L login $O -u tokuser --password-stdin --insecure 2>&1)
expect_match "$out" "login succeeded" "login to a Basic registry"
expect_fail "host 'http://127\.0\.0\.1:5023' asks for credentials: HTTP 401: the registry's are not sent to another host$" \
	L push tk/app:1 $O/off/app:1 --insecure --quiet
expect_fail "host 'http://127\.0\.0\.1:5023' asks for credentials: HTTP 401: the registry's are not sent to another host$" \
	L pull $O/off/app:1 off/app:1 --insecure --quiet
expect_match "$(cat "$olog")" "^offsite (PATCH|PUT) /v2/off/app/blobs/uploads/[^ ]* -$" \
	"the upload went to the Location's host without credentials"
expect_match "$(cat "$olog")" "^offsite GET /v2/off/app/manifests/1 -$" \
	"the manifest's redirect was followed without credentials"
if grep -Eq '^offsite .*(Basic|Bearer)' "$olog"; then
	fail "no credentials and no token request went to the other host" "$(cat "$olog")"
else
	pass "no credentials and no token request went to the other host"
fi

stop_registries
expect_ok unload_module
done_testing
