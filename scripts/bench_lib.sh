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
