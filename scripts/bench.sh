#!/usr/bin/env bash
# make bench [area...]: runs scripts/bench-<area>.sh for each area (all when none is named).
# Each area script prints its own tables and writes docs/bench-<area>.md ending in a "## Summary"
# table (scripts/bench_lib.sh); afterwards those rows are gathered into the one table of
# docs/benchmarks.md (printed too): every figure next to its target and same-run baseline.
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
  echo "\`make bench\` on $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))."
  echo "One row per figure: the result next to its target and, where there is one, the baseline"
  echo "measured in the same invocation. Each area's page (linked) says how it was measured and keeps"
  echo "its full tables and raw runs. Areas run this time: ${areas[*]}; an area not rerun keeps its"
  echo "last figures (the date on its page)."
  echo
  echo "| area | measure | result | target | baseline (same invocation) | verdict |"
  echo "|---|---|---|---|---|---|"
  for f in docs/bench-*.md; do
    a=${f#docs/bench-}; a=${a%.md}
    awk -v a="[$a]($(basename "$f"))" '/^## Summary/ {s=1; next} s && /^\| measure \|/ {getline; t=1; next} t && /^\|/ {print "| " a " " $0; next} t {exit}' "$f"
  done
} >"$out"
echo
cat "$out"
if ((${#failed[@]})); then
  echo "bench: failed areas: ${failed[*]}" >&2
  exit 1
fi
