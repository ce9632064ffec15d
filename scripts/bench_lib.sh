# Sourced by scripts/bench-<area>.sh: the summary block every area appends to its
# docs/bench-<area>.md, which scripts/bench.sh gathers into the one table of docs/benchmarks.md.
# One row per figure: the measure, the result, its target, the baseline measured in the same
# invocation (where there is one) and the verdict.

# bench_summary FILE ROW...: appends "## Summary" and the rows (each "measure|result|target|baseline|verdict").
bench_summary() {
  local f=$1 r
  shift
  {
    echo
    echo "## Summary"
    echo
    echo "| measure | result | target | baseline (same invocation) | verdict |"
    echo "|---|---|---|---|---|"
    for r in "$@"; do echo "| ${r//|/ | } |"; done
  } >>"$f"
}

# bench_le VALUE LIMIT / bench_ge VALUE LIMIT: "met" or "MISSED" ("n/a" without a value).
bench_le() { [[ -z "$1" || "$1" == n/a || "$1" == nan ]] && { echo n/a; return; }; awk -v v="$1" -v t="$2" 'BEGIN {print (v + 0 <= t + 0) ? "met" : "MISSED"}'; }
bench_ge() { [[ -z "$1" || "$1" == n/a || "$1" == nan ]] && { echo n/a; return; }; awk -v v="$1" -v t="$2" 'BEGIN {print (v + 0 >= t + 0) ? "met" : "MISSED"}'; }

# bench_skip AREA FILE TITLE SECTION WHY NOTE ROW: the area measured nothing, for the reason WHY;
# exits 0. Where FILE already holds a measured run (a "## SECTION" heading), its figures are kept
# and a line under the title says they are old ("Not measured on <date>: WHY." and NOTE);
# otherwise FILE becomes a stub that says so, with the summary row ROW.
bench_skip() {
  local area=$1 f=$2 title=$3 section=$4 why=$5 note=$6 row=$7
  echo "bench-$area: SKIPPED: $why"
  if [ -f "$f" ] && grep -q "^## $section" "$f"; then
    note="> **Not measured on $(date -u +%F): $why.** $note"
    awk -v note="$note" 'NR == 1 {print; print ""; print note; next} /^> \*\*Not measured on / {skipblank = 1; next} skipblank && /^$/ {skipblank = 0; next} {skipblank = 0; print}' "$f" >"$f.tmp"
    mv "$f.tmp" "$f"
    exit 0
  fi
  { echo "# $title"; echo; echo "Skipped on $(date -u +%F): $why."; } >"$f"
  bench_summary "$f" "$row"
  exit 0
}
