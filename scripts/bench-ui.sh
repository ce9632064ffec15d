#!/usr/bin/env bash
# make bench-ui: first paint of a hearing with 2,000 segments in headless Chromium and headless
# Firefox, against the real API on the real SQLite store (TestFirstPaint2000 and
# TestFirefoxTypingWhileStreaming in transcript/web, built without -race). Each test loads the
# page three times; the figure is the median, from navigation start to the first paint of
# the hearing with all its segments (the page's own mark, window.csFirstPaint). Writes
# docs/bench-ui.md. A browser that is not installed is skipped, and said so.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
OUT=docs/bench-ui.md
TARGET=1000
load0=$(cut -d' ' -f1-3 /proc/loadavg)
raw=$(go test ./transcript/web -run '^(TestFirstPaint2000|TestFirefoxTypingWhileStreaming)$' -count 1 -v -timeout 20m 2>&1 |
  tee /dev/stderr | grep '^BENCH firstpaint' || true)
rows=() summary=()
for b in chromium firefox; do
  line=$(grep "browser=$b " <<<"$raw" || true)
  if [ -z "$line" ]; then
    rows+=("| $b | skipped (not installed, or the test failed: see the output) | | |")
    summary+=("first paint, 2,000 segments, $b|not measured|< 1 s|—|n/a")
    continue
  fi
  med=$(grep -oE 'median_ms=[0-9.]+' <<<"$line" | cut -d= -f2)
  runs=$(grep -oE 'runs_ms=[0-9.,]+' <<<"$line" | cut -d= -f2 | sed 's/,/, /g')
  rows+=("| $b | $med | $runs | $(bench_le "$med" $TARGET) |")
  summary+=("first paint of a hearing with 2,000 segments, $b (median of 3 loads)|$med ms|< 1 s|—|$(bench_le "$med" $TARGET)")
done
{
  echo "# Web UI benchmark"
  echo
  echo "\`scripts/bench-ui.sh\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //');"
  echo "load average $load0 at the start). First paint of a hearing with 2,000 segments: from navigation"
  echo "start to the page's mark after the segments are in the DOM and painted (window.csFirstPaint),"
  echo "against the real API on a real SQLite store on loopback, three fresh page loads per browser,"
  echo "headless, tests built without -race. Target: under 1 s on this machine."
  echo
  echo "| browser | median ms | runs ms | verdict |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Reproduce: \`make bench-ui\`."
} >"$OUT"
bench_summary "$OUT" "${summary[@]}"
echo
cat "$OUT"
