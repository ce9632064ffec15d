#!/usr/bin/env bash
# make bench-e2e: end of speech → final text on the clerk's screen, p50/p95.
# A real `courtscribe server`, a real agent replaying a generated hearing at real time (as a
# microphone delivers it) and headless Chromium on the live hearing page, where the moment each
# segment is drawn final is noted (TestBenchEndToEndLatency in scripts/faults says exactly how).
# Cases, in one invocation:
#   pipeline   an engine that answers at once (an in-test whisper-server): courtscribe's own
#              share (turn-end detection, archive, store, fan-out, rendering) — the baseline
#   whisper    the whisper.cpp engine (binary built with -tags whisper) on whisper.cpp's
#              weightless tiny test model: real compute; skipped, and said so, without libwhisper
# Environment: BENCH_E2E_SCENE (default mandarin-civil), BENCH_E2E_LANG (default zh),
# BENCH_E2E_RUNS (default 1; every run is a whole hearing, all its utterances are timed),
# COURTSCRIBE_WHISPER_PREFIX (where libwhisper is). Writes docs/bench-e2e.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
SCENE=${BENCH_E2E_SCENE:-mandarin-civil}
LANG_=${BENCH_E2E_LANG:-zh}
RUNS=${BENCH_E2E_RUNS:-1}
TD=$(cd .. && pwd)/shared/testdata
OUT=docs/bench-e2e.md
TARGET_P50=2000 TARGET_P95=4000
[ -x /usr/bin/chromium ] || { echo "bench-e2e: /usr/bin/chromium missing (make deps installs it)"; exit 2; }
go run ./scripts/hearinggen gen -out var/hearings "scripts/scenes/$SCENE.json"
WAV=$(pwd)/var/hearings/$SCENE.wav
load0=$(cut -d' ' -f1-3 /proc/loadavg)

results=()
run_case() { # name engine [tags]
  local name=$1 engine=$2 tags=${3:-} r line
  local lines=()
  for r in $(seq "$RUNS"); do
    echo "bench-e2e: $name run $r/$RUNS ($SCENE, real time)"
    line=$(COURTSCRIBE_BENCH_E2E=1 COURTSCRIBE_BENCH_E2E_SCENE="$WAV" COURTSCRIBE_BENCH_E2E_LANG="$LANG_" \
      COURTSCRIBE_BENCH_E2E_ENGINE="$engine" COURTSCRIBE_E2E_TAGS="$tags" \
      go test ${tags:+-tags "$tags"} ./scripts/faults -run '^TestBenchEndToEndLatency$' -count 1 -v -timeout 20m | grep '^BENCH e2e' || true)
    [ -n "$line" ] || { echo "bench-e2e: $name run $r failed"; return 1; }
    echo "  $line"
    lines+=("$line")
  done
  local v
  v() { printf '%s\n' "${lines[@]}" | { grep -oE "$1=-?[0-9.]+" || true; } | cut -d= -f2 | sort -g |
    awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
  local p50 p95 mx f50 f95 timed miss
  p50=$(v final_p50_ms) p95=$(v final_p95_ms) mx=$(v final_max_ms) f50=$(v first_text_p50_ms) f95=$(v first_text_p95_ms)
  timed=$(v timed) miss=$(v missed_reference)
  results+=("| $name | $engine | $timed | $p50 | $p95 | $mx | $f50 | $f95 | $miss |")
  [ "$name" = whisper ] && { W50=$p50 W95=$p95; }
  [ "$name" = pipeline ] && { P50=$p50 P95=$p95; }
  return 0
}

W50="" W95="" P50="" P95=""
run_case pipeline instant
whisper_note=""
prefix=""
for p in "${COURTSCRIBE_WHISPER_PREFIX:-}" "$(pkg-config --variable=prefix whisper 2>/dev/null || true)" /opt/whisper /usr/local /usr; do
  [ -n "$p" ] && [ -f "$p/include/whisper.h" ] && compgen -G "$p/lib*/libwhisper.so*" >/dev/null && { prefix=$p; break; }
done
if [ -z "$prefix" ]; then
  whisper_note="whisper case SKIPPED: libwhisper not found (see docs/models.md)"
elif [ ! -f "$TD/for-tests-ggml-tiny.bin" ]; then
  whisper_note="whisper case SKIPPED: ../shared/testdata/for-tests-ggml-tiny.bin not found"
else
  lib=$(dirname "$(compgen -G "$prefix/lib*/libwhisper.so*" | head -1)")
  export CGO_ENABLED=1 CGO_CFLAGS="-I$prefix/include" CGO_LDFLAGS="-L$lib" LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  run_case whisper "whisper:$TD/for-tests-ggml-tiny.bin" whisper
fi
[ -n "$whisper_note" ] && echo "bench-e2e: $whisper_note"

verdict() { bench_le "$@"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
  echo "# End-to-end latency: end of speech → final text on the clerk's screen"
  echo
  echo "\`scripts/bench-e2e.sh\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, $cpu; load average $load0 at the start)."
  echo "A real server and agent on loopback; the agent replays the generated hearing \`$SCENE\`"
  echo "(language $LANG_) at real time; headless Chromium shows the clerk's live hearing page and notes,"
  echo "with a MutationObserver, when each segment is drawn with its final text. End of speech is the"
  echo "agent's capture start plus the reference end of the last utterance the segment covers (hearinggen's"
  echo "ground truth). Every segment of the hearing is timed; $RUNS run(s) per case, medians over runs."
  echo "Targets (clerk's view, on this 2-core machine): final text p50 ≤ $((TARGET_P50 / 1000)) s and p95 ≤ $((TARGET_P95 / 1000)) s after the"
  echo "speaker stops. The pipeline case (an engine that answers at once) is the baseline: what"
  echo "courtscribe itself adds — mostly the diarizer's hangover, which must pass before a turn is over."
  echo
  echo "| case | engine | segments timed | final p50 ms | final p95 ms | final max ms | first text p50 ms | first text p95 ms | reference utterances missed |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}" | sed "s#$TD/##"
  echo
  [ -n "$whisper_note" ] && { echo "$whisper_note"; echo; }
  if [ -n "$W50" ]; then
    echo "Target (final p50 ≤ $TARGET_P50 ms, p95 ≤ $TARGET_P95 ms), whisper: p50 **$(verdict "$W50" $TARGET_P50)** ($W50 ms), p95 **$(verdict "$W95" $TARGET_P95)** ($W95 ms); pipeline baseline p50 $P50 ms, p95 $P95 ms."
  else
    echo "Target (final p50 ≤ $TARGET_P50 ms, p95 ≤ $TARGET_P95 ms), pipeline only: p50 $P50 ms, p95 $P95 ms (no engine measured)."
  fi
  echo
  echo "The weightless test model decodes garbage and falls back through every temperature, so its"
  echo "compute per utterance is an upper bound for a real tiny model of the same size. \"First text\""
  echo "is the first non-empty text drawn for the segment (a partial, when the engine sends one), counted"
  echo "from the end of speech: negative when text appears while the speaker is still talking. The"
  echo "weightless test model's text is empty, so the whisper case has no first text to time."
  echo "Reproduce: \`make bench-e2e\` (BENCH_E2E_SCENE, BENCH_E2E_LANG, BENCH_E2E_RUNS tune it)."
} >"$OUT"
if [ -n "$W50" ]; then
  bench_summary "$OUT" \
    "end of speech → final text on the clerk's screen, p50 (whisper, tiny test model, $SCENE)|$W50 ms|≤ $TARGET_P50 ms|$P50 ms with an engine that answers at once|$(bench_le "$W50" $TARGET_P50)" \
    "end of speech → final text on the clerk's screen, p95 (same run)|$W95 ms|≤ $TARGET_P95 ms|$P95 ms with an engine that answers at once|$(bench_le "$W95" $TARGET_P95)"
else
  bench_summary "$OUT" \
    "end of speech → final text on the clerk's screen, p50 / p95 (no engine measured: $whisper_note)|$P50 ms / $P95 ms (pipeline only)|≤ $TARGET_P50 / $TARGET_P95 ms|—|n/a"
fi
echo
cat "$OUT"
