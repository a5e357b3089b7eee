#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The registry transport's low-speed floor (ocireg_http.c, run by `make
# unit`: the libcurl transport is I/O, outside the Check runner, whose
# suites use tests/unit/fake_http.c): a registry that trickles its answer
# below LFS_HTTP_LOW_SPEED (1 KiB/s) for the window fails the request
# instead of holding pull, push or login for as long as it trickles (a
# byte a second kept them running forever); one above the floor is
# waited for.  login against trickle_registry.py on 127.0.0.1, with the
# window shortened to 2 s by LAYERCTL_TEST_LOW_SPEED_TIME (for tests
# only: 1 to 60 seconds, the default 60), so that this takes seconds.
#
#   tests/unit/http-lowspeed.sh [LAYERCTL]   (default userspace/layerctl)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
lc=${1:-$root/userspace/layerctl}
srv=$root/tests/unit/trickle_registry.py

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# $1: bytes a second, $2: bytes; the port into $port
serve() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	rm -f "$tmp/port"
	python3 "$srv" "$tmp/port" "$1" "$2" 30 &
	pid=$!
	for _ in $(seq 100); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	port=$(cat "$tmp/port" 2>/dev/null)
	if [ -z "$port" ]; then
		echo "http-lowspeed: the trickling registry did not start"
		exit 1
	fi
}

# login to 127.0.0.1:$port; exit status into $rc, seconds into $secs
login() {
	local t0=$SECONDS
	printf 'secret\n' | LAYERCTL_TEST_LOW_SPEED_TIME=2 \
		REGISTRY_AUTH_FILE="$tmp/auth.json" timeout -k 5 30 \
		"$lc" login "127.0.0.1:$port" -u alice --password-stdin \
		--insecure >"$tmp/out" 2>"$tmp/err"
	rc=$?
	secs=$((SECONDS - t0))
}

fail() {
	echo "http-lowspeed: $1: exit $rc after ${secs}s, stderr:"
	cat "$tmp/err"
	exit 1
}

# 16 bytes a second of a 4 KiB answer (4 minutes): refused after the
# 2-second window (the time to connect and a second of measuring aside)
serve 16 4096
login
want="layerctl: registry '127.0.0.1:$port': GET /v2/: Operation too slow. Less than 1024 bytes/sec transferred the last 2 seconds"
if [ "$rc" != 1 ] || [ "$secs" -gt 8 ]; then
	fail "a trickle of 16 bytes/s"
fi
[ "$(cat "$tmp/err")" = "$want" ] ||
	fail "a trickle of 16 bytes/s: want '$want'"
slow=$secs

# 8 KiB a second of a 24 KiB answer (3 seconds, longer than the window):
# waited for
serve 8192 24576
login
[ "$rc" = 0 ] || fail "8 KiB/s"
grep -q 'login succeeded' "$tmp/out" "$tmp/err" || fail "8 KiB/s: no 'login succeeded'"
echo "http-lowspeed: ok: 16 bytes/s refused after ${slow}s (a 2 s window), 8 KiB/s for ${secs}s waited for"
