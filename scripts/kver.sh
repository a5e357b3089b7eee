#!/bin/sh
# Print the release of Debian's packaged kernel (the one linux-image-amd64
# depends on), e.g. "6.1.0-56-amd64".  Never `uname -r`: the build machine's
# own kernel is not the target.
set -eu
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || {
	echo "kver: linux-image-amd64 is not installed (run scripts/install-deps.sh)" >&2
	exit 1
}
rel=$(printf '%s\n' "$dep" | tr ',|' '\n\n' | sed -n 's/^ *linux-image-\([^ ]*\).*/\1/p' | head -n 1)
[ -n "$rel" ] || { echo "kver: cannot parse '$dep'" >&2; exit 1; }
echo "$rel"
