#!/usr/bin/env bash
# make bench-altroom: the seat diarizer on rooms the project's own generator (asr/diarize/scene)
# did not draw. scripts/altroom/render.py, an acoustic model written apart from it (Python with
# NumPy/SciPy, espeak-ng voices, jfk.wav as a witness), renders its six courtrooms a-f for seed
# offsets 0, 1 and 2 (the same room and seats, another draw of script and noise) into
# var/altroom; `hearinggen score` runs the diarizer and bench-diarize's baselines on each and
# scores them as bench-diarize does (DER with a 0.25 s collar, sounds reported as speech,
# murmur/AC turns, speed); docs/bench-altroom.md gets one row per hearing, the mean per room and
# a summary. A room's DER target is bench-diarize's rule applied to the render's acoustic
# crosstalk and RT60 (meta.json). The renders are deterministic per seed offset (same numpy,
# scipy and espeak-ng), 30-40 MB each; the figures are those of docs/diarize.md ("An
# independent renderer"). Without a python3 that has numpy and scipy, espeak-ng or
# ../shared/testdata/jfk.wav it measures nothing, says why and exits 0, keeping the last figures.
#
# Environment: ALTROOM_SCENES (default "a b c d e f"), ALTROOM_OFFSETS (default "0 1 2"), RUNS
# (timing runs per method, default 5), PYTHON (default: the first of python3 and
# /usr/bin/python3 that imports numpy and scipy), ALTROOM_JFK (default ../shared/testdata/jfk.wav).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
OUT=docs/bench-altroom.md
WORK=var/altroom
SCENES=${ALTROOM_SCENES:-a b c d e f}
OFFSETS=${ALTROOM_OFFSETS:-0 1 2}
JFK=${ALTROOM_JFK:-$(cd .. && pwd)/shared/testdata/jfk.wav}

skip() {
  bench_skip altroom "$OUT" "Independent renderer benchmark (altroom)" "Summary" "$1" \
    "The figures below are those of the last run (its date is in the next paragraph)." \
    "DER, mean of the altroom hearings|skipped: $1|—|—|n/a"
}

py=""
if [ -n "${PYTHON:-}" ]; then
  "$PYTHON" -c 'import numpy, scipy' 2>/dev/null && py=$PYTHON
else
  for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import numpy, scipy' 2>/dev/null && { py=$p; break; }
  done
fi
[ -n "$py" ] || skip "no ${PYTHON:-python3} with numpy and scipy (make deps installs Debian's python3-numpy and python3-scipy)"
command -v espeak-ng >/dev/null || skip "espeak-ng missing (make deps installs it)"
[ -f "$JFK" ] || skip "$JFK not found (the witness of rooms b and e speaks its phrases; set ALTROOM_JFK)"

mkdir -p "$WORK"
go build -o "$WORK/hearinggen" ./scripts/hearinggen
versions=$("$py" -c 'import numpy, scipy; print("numpy %s, scipy %s" % (numpy.__version__, scipy.__version__))')
versions+=", espeak-ng $(espeak-ng --version | sed -n 's/.*text-to-speech: *\([^ ]*\).*/\1/p')"
echo "bench-altroom: rendering rooms ${SCENES// /,} × seed offsets ${OFFSETS// /,} into $WORK ($py: $versions)"
t0=$SECONDS
# One render per process, as many at once as there are CPUs; they share the espeak-ng cache.
for o in $OFFSETS; do for s in $SCENES; do echo "$o $s"; done; done |
  xargs -P "$(nproc)" -n 2 sh -c 'exec "$0" scripts/altroom/render.py --out "$1" --jfk "$2" --seed-offset "$3" "$4"' "$py" "$WORK" "$JFK"
echo "bench-altroom: rendered in $((SECONDS - t0)) s"

rows=""
for s in $SCENES; do
  wavs=()
  for o in $OFFSETS; do wavs+=("$WORK/$("$py" scripts/altroom/render.py --names --seed-offset "$o" "$s").wav"); done
  # Seats in channel order and the DER target, from the first render's meta.json: bench-diarize's
  # rule (scripts/hearinggen target()) on the acoustic crosstalk of its nearest pair and RT60.
  read -r seats target < <("$py" - "${wavs[0]%.wav}.meta.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
lo = min(v for row in m["crosstalk_db"].values() for v in row.values())
print(",".join(m["seats"]), 5 if lo >= 6 and m["rt60"] <= 0.8 else 10 if lo >= 3 and lo < 6 else 0)
EOF
  )
  "$WORK/hearinggen" score -seats "$seats" -target "$target" -runs "${RUNS:-5}" -md "$WORK/score-$s.md" "${wavs[@]}"
  rows+=$(tail -n +3 "$WORK/score-$s.md")$'\n'
done
header=$(head -n 2 "$WORK/score-${SCENES%% *}.md")

# Over every hearing (not the per-room means): courtscribe's mean DER and targets met, its
# sounds and murmur/AC turns, and each baseline's mean DER and targets met.
# shellcheck disable=SC2016
agg='BEGIN {FS = "|"}
NR == 1 {nf = NF; for (k = 11; k < nf; k++) {name[k] = $k; gsub(/^ +| +$/, "", name[k])}; next}
NR == 2 || $2 ~ /\*\*mean/ || NF < 11 {next}
{
  n++; der = $5 + 0; sum += der; tgt = $4; gsub(/[^0-9.]/, "", tgt); tgt += 0
  if (tgt > 0) {targets++; if (der <= tgt) met++}
  split($8, so, " of "); rep += so[1] + 0; tot += so[2] + 0
  split($9, ma, " / "); mur += ma[1]; ac += ma[2]
  for (k = 11; k < nf; k++) {b = $k + 0; bsum[k] += b; if (tgt > 0 && b <= tgt) bmet[k]++}
}
END {
  if (n == 0) exit 1
  for (k = 11; k < nf; k++) {bder = bder sep name[k] " " sprintf("%.2f%%", bsum[k] / n); bm = bm sep name[k] " " (bmet[k] + 0) " of " targets; sep = ", "}
  printf "n=%d\nder=%.2f\nmet=%d\ntargets=%d\nrep=%d\ntot=%d\nmur=%d\nac=%d\nbder=%s\nbmet=%s\n", n, sum / n, met, targets, rep, tot, mur, ac, bder, bm
}'
declare -A A
while IFS='=' read -r k v; do A[$k]=$v; done < <(printf '%s\n%s' "$header" "$rows" | awk "$agg")

{
  echo "# Independent renderer benchmark (altroom)"
  echo
  echo "Generated by \`make bench-altroom\` (scripts/bench-altroom.sh: scripts/altroom/render.py, then"
  echo "\`hearinggen score\`) on $(date -u +%F), $(nproc) CPU cores, $(uname -m); $versions. The rooms"
  echo "are rendered by a model written apart from the project's generator (scripts/altroom/README.md,"
  echo "docs/diarize.md \"An independent renderer\"): rooms ${SCENES// /, }, seed offsets ${OFFSETS// /, } (\`_sN\`: the"
  echo "same room and seats, another draw of script and noise). Scored as \`make bench-diarize\` scores"
  echo "(docs/bench-diarize.md says how): DER with 10 ms frames and a 0.25 s collar (miss/false alarm/seat"
  echo "confusion), the same without the collar, non-speech sounds reported as speech, turns made by"
  echo "gallery murmur / the air conditioner switching, speed in channel-seconds per CPU-second (the"
  echo "median of ${RUNS:-5} timed runs); the other methods' DER beside it. A room's target is bench-diarize's rule on the"
  echo "render's acoustic crosstalk and RT60 (≤ 5 % where every pair is ≥ 6 dB apart at RT60 ≤ 0.8 s,"
  echo "≤ 10 % with the nearest pair 3-6 dB apart). The mean rows average the room's draws."
  echo
  echo "$header"
  printf '%s' "$rows"
  echo
  echo "Over the ${A[n]} hearings: courtscribe's mean DER **${A[der]} %**, targets met ${A[met]} of ${A[targets]}, sounds"
  echo "reported as speech ${A[rep]} of ${A[tot]}, murmur / AC turns ${A[mur]} / ${A[ac]}. Mean DER of the other methods:"
  echo "${A[bder]}."
} >"$OUT"
bench_summary "$OUT" \
  "DER, mean of the ${A[n]} altroom hearings (independent renderer)|${A[der]}%|—|${A[bder]}|—" \
  "DER target met, altroom hearings|${A[met]} of ${A[targets]}|${A[targets]} of ${A[targets]}|${A[bmet]}|$(bench_ge "${A[met]}" "${A[targets]}")" \
  "sounds reported as ≥ 0.3 s speech, altroom hearings|${A[rep]} of ${A[tot]}|0|—|$(bench_le "${A[rep]}" 0)" \
  "turns made by murmur / AC switching, altroom hearings|${A[mur]} / ${A[ac]}|0 / 0|—|$(bench_le "$((A[mur] + A[ac]))" 0)"
echo
cat "$OUT"
echo "wrote $OUT"
