# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the registry tests after lib.sh: Debian's docker-registry
# started on loopback in the test's scratch directory ($d), and stopped
# when the test exits.

pids=
stop_registries() {
	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=
}
trap '_rc=$?; stop_registries; _lib_exit $_rc' EXIT

# start_registry NAME ADDR [EXTRA YAML]: docker-registry serve in the
# background, its log in $d/NAME.log; waits until it answers.
start_registry() {
	_n=$1 _a=$2
	shift 2
	mkdir -p "$d/$_n-data"
	cat >"$d/$_n.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $d/$_n-data
  delete:
    enabled: true
http:
  addr: $_a
$*
EOF
	# distribution reads REGISTRY_* variables as configuration:
	# REGISTRY_AUTH_FILE would be its "auth" section
	env -u REGISTRY_AUTH_FILE docker-registry serve "$d/$_n.yml" \
		>"$d/$_n.log" 2>&1 &
	_p=$!
	pids="$pids $_p"
	_i=0
	while [ $_i -lt 120 ] && kill -0 $_p 2>/dev/null; do
		if curl -sk -o /dev/null "http://$_a/v2/" ||
		   curl -sk -o /dev/null "https://$_a/v2/"; then
			return 0
		fi
		sleep 0.5
		_i=$((_i + 1))
	done
	fail "registry $_n starts" "$(tail -n 20 "$d/$_n.log")"
	done_testing
}

# start_proxy MODE PORT: tests/guest/faultyproxy.py in front of $P.
start_proxy() {
	python3 "$ROOT/tests/guest/faultyproxy.py" "$1" "$2" "http://$P" \
		"$d/proxy-$1.log" 2>"$d/proxy-$1.err" &
	_p=$!
	pids="$pids $_p"
	_i=0
	while [ $_i -lt 60 ] && kill -0 $_p 2>/dev/null; do
		curl -s -o /dev/null "http://127.0.0.1:$2/v2/" && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	fail "proxy $1 starts" "$(cat "$d/proxy-$1.err")"
}
