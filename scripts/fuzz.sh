#!/usr/bin/env bash
# Runs every Fuzz* target in the project for the given time each (default 10s).
# `make fuzz` runs each for 10 minutes; `make test` runs a short pass.
set -euo pipefail
t=${1:-10s}
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for name in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$f" | awk '{print $2}'); do
    echo "fuzz: $pkg $name ($t)"
    go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
  done
done
echo "fuzz: no crashers"
