#!/usr/bin/env bash
# make bench [area]: runs scripts/bench-<area>.sh for each area (all when none is named).
# Each area script prints its own table and writes docs/bench-<area>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
areas=("$@")
if ((${#areas[@]} == 0)); then
  areas=()
  for f in scripts/bench-*.sh; do a=${f#scripts/bench-}; areas+=("${a%.sh}"); done
fi
for a in "${areas[@]}"; do
  s=scripts/bench-$a.sh
  [ -x "$s" ] || { echo "bench: no benchmark area '$a' (no $s)"; exit 2; }
  echo "== bench $a"
  "$s"
done
