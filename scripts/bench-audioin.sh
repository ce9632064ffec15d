#!/usr/bin/env bash
# make bench-audioin: peak RSS and wall time of the commands that read a recording
# (diarize, transcribe --asr none, import --asr none) on a 5-seat hearing of 2 minutes (the
# baseline, same invocation) and of 30 minutes, as a 16 kHz 16-bit WAVE_FORMAT_EXTENSIBLE file
# (what sox writes for 5 channels) and as a 48 kHz 24-bit FLAC (decoded and resampled to
# 16 kHz). The readers stream, so the 30-minute figures must stay near the 2-minute ones.
# The audio is generated with sox (a 12 s pattern in which each seat speaks 2 s in turn,
# repeated) into a temporary folder. Medians of BENCH_AUDIOIN_RUNS runs (default 3).
# Writes docs/bench-audioin.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
RUNS=${BENCH_AUDIOIN_RUNS:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v sox >/dev/null || { echo "bench-audioin: sox is needed (apt-get install sox)"; exit 2; }
[ -x /usr/bin/time ] || { echo "bench-audioin: /usr/bin/time is needed (apt-get install time)"; exit 2; }

echo "bench-audioin: building"
go build -o "$T/courtscribe" ./cmd/courtscribe
CS="$T/courtscribe"

echo "bench-audioin: generating 2 and 30 minute 5-seat hearings"
for i in 1 2 3 4 5; do
  sox -n -r 16000 -b 16 "$T/v$i.wav" synth 2 sawtooth $((90 + 40 * i)) tremolo 4 80 gain -12 pad $((i * 2 - 1)) $((11 - 2 * i))
  sox -n -r 16000 -b 16 "$T/n$i.wav" synth 12 whitenoise gain -60
  sox -m "$T/v$i.wav" "$T/n$i.wav" "$T/c$i.wav"
done
sox -M "$T"/c{1,2,3,4,5}.wav "$T/pattern.wav"
sox "$T/pattern.wav" "$T/m2.wav" repeat 9
sox "$T/pattern.wav" "$T/m30.wav" repeat 149
sox "$T/pattern.wav" -r 48000 -b 24 "$T/pattern48.flac"
sox "$T/pattern48.flac" "$T/m2.flac" repeat 9
sox "$T/pattern48.flac" "$T/m30.flac" repeat 149

# measure NAME CMD...: median peak RSS (MB) and wall time (s) over RUNS runs.
declare -A RSS WALL
measure() {
  local name=$1 r rs=() ws=()
  shift
  for r in $(seq "$RUNS"); do
    rm -rf "$T/data"
    mkdir -p "$T/data"
    /usr/bin/time -f "%M %e" -o "$T/time" "$@" >/dev/null 2>"$T/err" || { cat "$T/err"; exit 1; }
    read -r kb s <"$T/time"
    rs+=("$(awk -v k="$kb" 'BEGIN {printf "%.1f", k / 1024}')")
    ws+=("$s")
  done
  RSS[$name]=$(printf '%s\n' "${rs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
  WALL[$name]=$(printf '%s\n' "${ws[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
  printf '  %-28s %8s MB %8s s\n' "$name" "${RSS[$name]}" "${WALL[$name]}"
}

S=judge,clerk,plaintiff,defendant,witness
for len in 2 30; do
  for fmt in wav flac; do
    f="$T/m$len.$fmt"
    measure "diarize $fmt $len" "$CS" diarize --seats "$S" --json "$f"
    measure "transcribe $fmt $len" "$CS" transcribe --asr none --seats "$S" --json "$f"
    measure "import $fmt $len" "$CS" import --data "$T/data" --courtroom bench --hearing h1 --asr none --seats "$S" "$f"
  done
done

out=docs/bench-audioin.md
{
  echo "# Benchmark: reading recordings (diarize, transcribe, import)"
  echo
  echo "\`scripts/bench-audioin.sh\` on $(date -u +%Y-%m-%d), $(nproc) CPUs. A 5-seat hearing generated with sox"
  echo "(each seat speaks 2 s in turn, 150 turns per 30 minutes), as a 16 kHz 16-bit"
  echo "WAVE_FORMAT_EXTENSIBLE WAV and as a 48 kHz 24-bit FLAC. Peak RSS (\`/usr/bin/time %M\`) and"
  echo "wall time, medians of $RUNS runs. \`transcribe\` and \`import\` run with \`--asr none\`"
  echo "(the utterances stay pending), so the figures are the reading, resampling, diarizing,"
  echo "archiving and record path without an engine."
  echo
  echo "| command | format | 2 min: RSS | 2 min: time | 30 min: RSS | 30 min: time |"
  echo "|---|---|---|---|---|---|"
  for c in diarize transcribe import; do
    for fmt in wav flac; do
      echo "| $c | $fmt | ${RSS[$c $fmt 2]} MB | ${WALL[$c $fmt 2]} s | ${RSS[$c $fmt 30]} MB | ${WALL[$c $fmt 30]} s |"
    done
  done
} >"$out"
rows=()
for c in diarize transcribe import; do
  for fmt in wav flac; do
    lim=$(awk -v b="${RSS[$c $fmt 2]}" 'BEGIN {printf "%.1f", b * 1.5 + 8}')
    rows+=("peak RSS, $c of a 30-minute 5-seat $fmt|${RSS[$c $fmt 30]} MB|≤ 1.5 × the 2-minute file + 8 MB ($lim MB)|${RSS[$c $fmt 2]} MB for 2 minutes|$(bench_le "${RSS[$c $fmt 30]}" "$lim")")
  done
done
bench_summary "$out" "${rows[@]}"
cat "$out"
