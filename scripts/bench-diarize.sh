#!/usr/bin/env bash
# make bench-diarize: renders the scenes in scripts/scenes (cached under var/hearings; the room
# scenes are reverberant, with non-speech sounds, murmur and an air conditioner), runs the seat
# diarizer and four baselines on the same audio (the previous diarizer v1, highest SNR over its
# own floor wins, loudest channel wins, per-channel energy VAD), prints DER, the non-speech
# sounds reported as speech, the turns made by murmur and AC switching, and speed per scene, and
# writes docs/bench-diarize.md. Also runs the Go micro-benchmark of the diarizer (6 seats, 60 s)
# and measures live start/end latency in 20 ms pushes against the previous diarizer (v1).
# SCENES="scripts/scenes/room-en-trial.json ..." limits the run to some scenes.
# Then draws RANDOM_N (default 8, 0 for none) courtrooms nobody tuned on (`hearinggen random`,
# seeds from RANDOM_SEED, default 1) and benchmarks them the same way into
# docs/bench-diarize-random.md: the repository's scenes are what the diarizer was tuned on; the
# random ones say how it does in a room it has never seen.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
for bin in espeak-ng sox; do
  command -v "$bin" >/dev/null || { echo "bench-diarize: $bin missing (make deps installs it)"; exit 2; }
done
mkdir -p var
# shellcheck disable=SC2086
go run ./scripts/hearinggen bench -scenes scripts/scenes -out var/hearings -md docs/bench-diarize.md \
  -summary var/bench-diarize-summary.txt -runs "${RUNS:-5}" ${SCENES:-}
echo
echo "== go test -bench Offline ./asr/diarize (6 seats × 60 s, median of 5)"
go test ./asr/diarize -run '^$' -bench '^BenchmarkOffline$' -benchtime 3x -count 5 | tee var/bench-diarize-go.txt | grep Benchmark
med=$(grep -oE '[0-9.]+ xRT/channel' var/bench-diarize-go.txt | awk '{print $1}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: ${med}× real time per channel"
printf '\nGo micro-benchmark (`BenchmarkOffline`, 6 seats × 60 s synthetic room, median of 5): **%s× real time per channel**.\n' "$med" >> docs/bench-diarize.md
echo
echo "== live latency (20 ms pushes, as the server receives audio)"
lat_scenes="mandarin-civil english-criminal room-en-trial room-zh-criminal room-en-small room-zh-panel room-en-counsel room-zh-hall"
lat_files=()
for n in $lat_scenes; do
  f="scripts/scenes/$n.json"
  # only scenes this run rendered (SCENES may limit it)
  if [[ -z "${SCENES:-}" || " ${SCENES} " == *" $f "* ]]; then lat_files+=("$f"); fi
done
lat_row=()
if ((${#lat_files[@]})); then
  go run ./scripts/hearinggen latency -scenes scripts/scenes -out var/hearings "${lat_files[@]}" | tee var/bench-diarize-latency.txt
  { printf '\nLive latency (`hearinggen latency`: 20 ms pushes; start = decided − the turn'"'"'s back-dated start, first = the same for the first report of the start, its Tentative where one came before it, end = decided − its end; seconds):\n\n```\n'
    cat var/bench-diarize-latency.txt
    printf '```\n'; } >> docs/bench-diarize.md
  # The issue's rule: live starts no later than the previous diarizer's (median, on Mandarin civil).
  if l=$(grep '^mandarin-civil ' var/bench-diarize-latency.txt); then
    now=$(echo "$l" | awk -F'|' '{split($2, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    now90=$(echo "$l" | awk -F'|' '{split($2, a, "/"); print a[2]}')
    prev=$(echo "$l" | awk -F'|' '{split($3, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    prev90=$(echo "$l" | awk -F'|' '{split($3, a, "/"); print a[2]}')
    # The first report of a start: its Tentative start (stage 20) where one came before it.
    first90=$(echo "$l" | awk -F'|' '{split($4, a, "/"); print a[2]}')
    lat_row=("live start latency median (p90), mandarin-civil, 20 ms pushes|${now} s (${now90} s)|≤ previous diarizer|previous diarizer (v1) ${prev} s (${prev90} s)|$(bench_le "$now" "$prev")"
      "live start latency p90, mandarin-civil, first report of a start (Tentative or Start), 20 ms pushes|${first90} s|≤ previous diarizer|previous diarizer (v1) ${prev90} s|$(bench_le "$first90" "$prev90")")
  fi
fi
rand_rows=()
if (( ${RANDOM_N:-8} > 0 )); then
  echo
  echo "== ${RANDOM_N:-8} random courtrooms (seeds from ${RANDOM_SEED:-1})"
  rm -rf var/random-scenes
  go run ./scripts/hearinggen random -n "${RANDOM_N:-8}" -seed "${RANDOM_SEED:-1}" -dir var/random-scenes
  go run ./scripts/hearinggen bench -scenes scripts/scenes -out var/random-h -md docs/bench-diarize-random.md \
    -summary var/bench-diarize-random-summary.txt -runs 1 var/random-scenes/*.json
  while IFS= read -r r; do rand_rows+=("random courtroom: $r"); done < var/bench-diarize-random-summary.txt
  bench_summary docs/bench-diarize-random.md "${rand_rows[@]}"
  echo "wrote docs/bench-diarize-random.md"
fi
# The summary rows hearinggen wrote (DER per scene against its target with the baselines beside
# it, sounds reported as speech, murmur/AC turns, the slowest scene's speed), then the micro-benchmark.
rows=()
while IFS= read -r r; do rows+=("$r"); done < var/bench-diarize-summary.txt
rows+=("diarizer speed, offline (Go micro-benchmark, 6 seats × 60 s)|${med}× real time per channel|≥ 500×|—|$(bench_ge "$med" 500)")
rows+=("${lat_row[@]}")
bench_summary docs/bench-diarize.md "${rows[@]}"
echo "wrote docs/bench-diarize.md"
