#!/bin/sh
# Print the release of a Debian packaged kernel, read from the dependency
# of its meta package:
#
#   scripts/kver.sh          linux-image-amd64's, e.g. "6.1.0-56-amd64"
#                            (Debian 12's default kernel, 6.1 LTS)
#   scripts/kver.sh 6.12     linux-image-6.12-amd64's, e.g.
#                            "6.12.118+deb12-amd64" (Debian 12's 6.12 LTS)
#
# Never `uname -r`: the build machine's own kernel is not the target.
set -eu
case ${1:-} in
'') pkg=linux-image-amd64 ;;
[0-9]*.[0-9]*) pkg=linux-image-$1-amd64 ;;
*) echo "kver: usage: kver.sh [SERIES, e.g. 6.12]" >&2; exit 2 ;;
esac
dep=$(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null) || {
	echo "kver: $pkg is not installed (run scripts/install-deps.sh)" >&2
	exit 1
}
rel=$(printf '%s\n' "$dep" | tr ',|' '\n\n' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n 1)
[ -n "$rel" ] || { echo "kver: cannot parse '$dep'" >&2; exit 1; }
echo "$rel"
