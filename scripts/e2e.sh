#!/usr/bin/env bash
# make e2e: the end-to-end suites of the built binary (scripts/faults: the e2e_*_test.go
# journeys and the short forms of the fault-injection tests), then a check that the test
# binary removed every courtscribe binary it built (testrig.Main): nothing is left in TMPDIR.
#
#   scripts/e2e.sh                    every test of scripts/faults
#   scripts/e2e.sh -run 'TestE2E'     go test flags, passed on
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Open like /tmp: the PostgreSQL tests run initdb as another user under it.
chmod 1777 "$tmp"
rc=0
TMPDIR=$tmp go test -count=1 -timeout 40m "$@" ./scripts/faults/ || rc=$?
left=$(find "$tmp" -maxdepth 3 -type f -name courtscribe 2>/dev/null || true)
if [ -n "$left" ]; then
	echo "e2e: courtscribe binaries left in TMPDIR after go test:" >&2
	echo "$left" >&2
	exit 1
fi
echo "e2e: no courtscribe binary left in TMPDIR"
exit $rc
