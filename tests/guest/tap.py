# SPDX-License-Identifier: GPL-2.0
"""TAP-style checks for the guest tests' Python helpers: check() prints
"ok DESC" or "not ok DESC: detail" (tests/guest/lib.sh relay_checks()
turns them into the test's checks) and counts the failures in failed()."""
import sys

_failed = 0


def check(cond, desc, detail=""):
    global _failed
    if not cond:
        _failed += 1
    print(("ok %s" % desc) if cond else ("not ok %s: %s" % (desc, detail)))
    sys.stdout.flush()
    return cond


def failed():
    return _failed
