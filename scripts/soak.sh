#!/usr/bin/env bash
# make soak: the long forms of the fault-injection tests (scripts/faults) and the soak.
#
#   scripts/soak.sh                 every long form: 60 s network cut, 40-cut flapping link,
#                                   3 server kills, 15 s agent downtime, 30 s engine phases,
#                                   60 s full disk, and the soak (8 courtrooms × 6 seats, 30 min)
#   scripts/soak.sh 'TestSoak'      only the tests matching a go test -run pattern
#
# scripts/faults also holds the binary's end-to-end suites (e2e_*_test.go, bench_e2e_test.go),
# which have no long forms: the default run skips them.
#
# Settings (environment): COURTSCRIBE_SOAK_ROOMS (8), COURTSCRIBE_SOAK_SEATS (6),
# COURTSCRIBE_SOAK_DURATION (30m, Go duration), COURTSCRIBE_SOAK_TIMEOUT (3h). Output: var/soak/<UTC time>/test.log and
# soak.md (the soak's figures as a Markdown table row, also printed at the end).
# Disk: the soak archives rooms × seats × duration × 32 kB/s twice (server archive and the
# agents' local copies): 5.5 GB for the defaults, in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-.}
skip='^$'
if [ $# -eq 0 ]; then
	skip="^($(grep -ohE '^func Test[A-Za-z0-9_]+' scripts/faults/e2e_*_test.go scripts/faults/bench_e2e_test.go | sed 's/^func //' | paste -sd'|'))\$"
fi
dur=${COURTSCRIBE_SOAK_DURATION:-30m}
out="var/soak/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
# go test's own limit (every test also has its own deadlines); raise it for soaks over 2 h.
limit=${COURTSCRIBE_SOAK_TIMEOUT:-3h}
echo "soak: long forms of scripts/faults matching '$run' (soak duration $dur, go test timeout $limit); log in $out/test.log"
set +e
COURTSCRIBE_SOAK=1 COURTSCRIBE_SOAK_REPORT="$PWD/$out/soak.md" \
	go test -count=1 -timeout "$limit" -run "$run" -skip "$skip" -v ./scripts/faults/ >"$out/test.log" 2>&1
rc=$?
set -e
grep -E '^(=== RUN|--- (PASS|FAIL|SKIP)|\s+[a-z_]+_test\.go:[0-9]+:)' "$out/test.log" | grep -v '=== RUN' || true
if [ -s "$out/soak.md" ]; then
	echo
	cat "$out/soak.md"
fi
echo
if [ $rc -eq 0 ]; then echo "soak: all long forms passed"; else echo "soak: FAILED (exit $rc), see $out/test.log"; fi
exit $rc
