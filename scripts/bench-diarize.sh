#!/usr/bin/env bash
# make bench-diarize: renders the scenes in scripts/scenes (cached under var/hearings), runs the
# seat diarizer and two baselines (per-channel energy VAD; loudest channel wins) on the same
# audio, prints DER and speed per scene and writes docs/bench-diarize.md. Also runs the Go
# micro-benchmark of the diarizer (6 seats, 60 s).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
for bin in espeak-ng sox; do
  command -v "$bin" >/dev/null || { echo "bench-diarize: $bin missing (make deps installs it)"; exit 2; }
done
go run ./scripts/hearinggen bench -scenes scripts/scenes -out var/hearings -md docs/bench-diarize.md -runs "${RUNS:-5}"
echo
echo "== go test -bench Offline ./asr/diarize (6 seats × 60 s, median of 5)"
go test ./asr/diarize -run '^$' -bench '^BenchmarkOffline$' -benchtime 3x -count 5 | tee var/bench-diarize-go.txt | grep Benchmark
med=$(grep -oE '[0-9.]+ xRT/channel' var/bench-diarize-go.txt | awk '{print $1}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: ${med}× real time per channel"
printf '\nGo micro-benchmark (`BenchmarkOffline`, 6 seats × 60 s synthetic room, median of 5): **%s× real time per channel**.\n' "$med" >> docs/bench-diarize.md
# One summary row per scene (DER against its target, the better baseline beside it), and speed.
rows=()
while IFS='|' read -r _ scene seats audio der _ energy loudest speed espeed _; do
  scene=$(echo $scene) der=$(echo $der | awk '{print $1}') energy=$(echo $energy | awk '{print $1}') loudest=$(echo $loudest | awk '{print $1}')
  lim=3; [ "$scene" = hard-room ] && lim=6
  rows+=("DER, scene $scene ($(echo $seats) seats)|$der|≤ $lim %|loudest-wins $loudest, energy VAD $energy|$(bench_le "${der%\%}" "$lim")")
done < <(awk '/^\| scene \|/ {t=1; getline; next} t && /^\|/ {print} t && !/^\|/ {t=0}' docs/bench-diarize.md)
rows+=("diarizer speed, offline (6 seats × 60 s)|${med}× real time per channel|≥ 500×|—|$(bench_ge "$med" 500)")
bench_summary docs/bench-diarize.md "${rows[@]}"
echo "wrote docs/bench-diarize.md"
