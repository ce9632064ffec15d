#!/usr/bin/env bash
# make bench [area...]: runs scripts/bench-<area>.sh for each area (all when none is named).
# Each area script prints its own table and writes docs/bench-<area>.md; afterwards the tables
# of every area are gathered into docs/benchmarks.md (one document, printed too).
set -euo pipefail
cd "$(dirname "$0")/.."
areas=("$@")
if ((${#areas[@]} == 0)); then
  for f in scripts/bench-*.sh; do a=${f#scripts/bench-}; areas+=("${a%.sh}"); done
fi
failed=()
for a in "${areas[@]}"; do
  s=scripts/bench-$a.sh
  [ -x "$s" ] || { echo "bench: no benchmark area '$a' (no $s)"; exit 2; }
  echo "== bench $a"
  "$s" || failed+=("$a")
done

out=docs/benchmarks.md
{
  echo "# Benchmarks"
  echo
  echo "Gathered by \`make bench\` on $(date -u +%Y-%m-%d) from docs/bench-*.md ($(nproc) CPUs, $(uname -m));"
  echo "each area's own page says how it was measured and holds the raw runs. Every figure"
  echo "stands next to its target and the baseline run in the same invocation."
  for f in docs/bench-*.md; do
    a=${f#docs/bench-}; a=${a%.md}
    echo
    echo "## $a ([details]($(basename "$f")))"
    echo
    # the area's tables and its lines about targets
    awk '/^\|/ {print; t=1; next} t==1 {print ""; t=0} /[Tt]arget/ && !/^\|/ {print}' "$f"
  done
} > "$out"
cat "$out"
if ((${#failed[@]})); then
  echo "bench: failed areas: ${failed[*]}" >&2
  exit 1
fi
