#!/usr/bin/env bash
# make bench-diarize: renders the scenes in scripts/scenes (cached under var/hearings; the room
# scenes are reverberant, with non-speech sounds, murmur and an air conditioner), runs the seat
# diarizer and four baselines on the same audio (the previous diarizer v1, highest SNR over its
# own floor wins, loudest channel wins, per-channel energy VAD), prints DER, the non-speech
# sounds reported as speech, the turns made by murmur and AC switching, and speed per scene, and
# writes docs/bench-diarize.md. Also runs the Go micro-benchmark of the diarizer (6 seats, 60 s).
# SCENES="scripts/scenes/room-en-trial.json ..." limits the run to some scenes.
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
# The summary rows hearinggen wrote (DER per scene against its target with the baselines beside
# it, sounds reported as speech, murmur/AC turns, the slowest scene's speed), then the micro-benchmark.
rows=()
while IFS= read -r r; do rows+=("$r"); done < var/bench-diarize-summary.txt
rows+=("diarizer speed, offline (Go micro-benchmark, 6 seats × 60 s)|${med}× real time per channel|≥ 500×|—|$(bench_ge "$med" 500)")
bench_summary docs/bench-diarize.md "${rows[@]}"
echo "wrote docs/bench-diarize.md"
