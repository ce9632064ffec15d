#!/usr/bin/env bash
# make bench-ingest: N simulated agents × 4 seats stream 100 ms frames at real-time pace over
# loopback into one `courtscribe server` (archive on the project's disk, every ack after fsync).
# Reports server CPU per seat channel and the ack latency (agent side: frame sent → ack
# received) p50/p99, medians over RUNS runs, for a baseline (1 agent) and the target load.
# Writes docs/bench-ingest.md.
#
#   AGENTS=50 SEATS=4 BENCH_SECONDS=20 RUNS=3 BENCH_SERVER="ingest full ingest-tmpfs" scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
AGENTS=${AGENTS:-50}
SEATS=${SEATS:-4}
DUR=${BENCH_SECONDS:-20}
RUNS=${RUNS:-3}
DATA=${BENCH_DATA:-var/bench-ingest}
OUT=docs/bench-ingest.md

ulimit -n 8192 2>/dev/null || true
mkdir -p bin docs
go build -o bin/courtscribe ./cmd/courtscribe
go test -c -o bin/ingest-load ./asr/ingest/ingesttest
MODES=${BENCH_SERVER:-ingest full}
srv=""
stop_server() {
  if [ -n "$srv" ]; then
    kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null || true
    srv=""
  fi
}
SHM=/dev/shm/courtscribe-bench-ingest
cleanup() {
  stop_server
  rm -rf "$DATA" "$SHM"
}
trap cleanup EXIT
start_server() { # mode: ingest (ingest and archive only), full (courtscribe server with every
  # stage), ingest-tmpfs (ingest with the archive in /dev/shm: no disk, isolates CPU from fsync)
  dir=$DATA
  [ "$1" = ingest-tmpfs ] && dir=$SHM
  rm -rf "$dir"
  mkdir -p "$dir"
  log=$dir/server.log
  if [ "$1" = full ]; then
    bin/courtscribe server --listen 127.0.0.1:0 --data "$dir" >"$log" 2>&1 &
  else
    COURTSCRIBE_LOAD_SERVE=127.0.0.1:0 COURTSCRIBE_LOAD_DATA="$dir" bin/ingest-load -test.run '^TestLoadServe$' >"$log" 2>&1 &
  fi
  srv=$!
  addr=""
  for _ in $(seq 1 200); do
    addr=$( (grep -o '^LISTEN [^ ]*' "$log" | sed 's/^LISTEN //'; grep -o 'msg="server listening" addr=[^ ]*' "$log" | sed 's/.*addr=//') | head -n1 || true)
    [ -n "$addr" ] && break
    sleep 0.05
  done
  [ -n "$addr" ] || { echo "bench-ingest: server did not start"; cat "$log"; exit 1; }
  token=$(bin/courtscribe tokens add --data "$dir" --courtroom bench | tail -n1)
}
# The server's own ack latency histogram (frame received → durable), bucket upper bounds.
buckets() {
  local body
  exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"
  printf 'GET /metrics HTTP/1.0\r\nHost: bench\r\n\r\n' >&3
  body=$(cat <&3)
  exec 3<&-
  echo "$body" | awk '/^courtscribe_ingest_ack_latency_seconds_bucket/ { match($0, /le="[^"]*"/); print substr($0, RSTART+4, RLENGTH-5), $2 }'
}
# server_pct before-file after-file p → upper bound in ms of the bucket holding percentile p
server_pct() {
  paste -d' ' "$1" "$2" | awk -v p="$3" '{ le[NR]=$1; d[NR]=$4-$2 } END {
    tot=d[NR]; if (tot <= 0) { print "nan"; exit }
    for (i=1; i<=NR; i++) if (d[i] >= p*tot) { if (le[i]=="+Inf") print "inf"; else printf "%g\n", le[i]*1000; exit } }'
}
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$srv/stat"; }

results=$(mktemp)
run_load() { # label agents run
  local label=$1 n=$2 r=$3
  local c0 t0 c1 t1 line
  buckets >"$results.b0"
  c0=$(cpu_ticks); t0=$(date +%s.%N)
  line=$(COURTSCRIBE_LOAD_URL="ws://$addr/v1/agent" COURTSCRIBE_LOAD_TOKEN="$token" \
    COURTSCRIBE_LOAD_AGENTS=$n COURTSCRIBE_LOAD_SEATS=$SEATS COURTSCRIBE_LOAD_SECONDS=$DUR \
    COURTSCRIBE_LOAD_RUN="$label$r" bin/ingest-load -test.run '^TestLoad$' -test.count=1 | grep '^LOAD ' | sed 's/^LOAD //')
  c1=$(cpu_ticks); t1=$(date +%s.%N)
  buckets >"$results.b1"
  local s50 s99
  s50=$(server_pct "$results.b0" "$results.b1" 0.5)
  s99=$(server_pct "$results.b0" "$results.b1" 0.99)
  # label channels cpu_pct_of_one_core cpu_per_channel_pct p50 p99 max frames steady_p99 server_p50_le server_p99_le
  echo "$line" | awk -v label="$label" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v tck="$tck" -v s50="$s50" -v s99="$s99" '
    { match($0, /"channels":[0-9]+/); ch=substr($0, RSTART+11, RLENGTH-11)
      match($0, /"p50_ms":[0-9.e+-]+/); p50=substr($0, RSTART+9, RLENGTH-9)
      match($0, /"p99_ms":[0-9.e+-]+/); p99=substr($0, RSTART+9, RLENGTH-9)
      match($0, /"max_ms":[0-9.e+-]+/); mx=substr($0, RSTART+9, RLENGTH-9)
      match($0, /"frames":[0-9]+/); fr=substr($0, RSTART+9, RLENGTH-9)
      match($0, /"steady_p99_ms":[0-9.e+-]+/); sp99=substr($0, RSTART+16, RLENGTH-16)
      cpu=(c1-c0)/tck/(t1-t0)*100
      printf "%s %d %.2f %.4f %.2f %.2f %.2f %d %.2f %s %s\n", label, ch, cpu, cpu/ch, p50, p99, mx, fr, sp99, s50, s99 }' >>"$results"
  tail -n1 "$results"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$DATA"
echo "bench-ingest: data $DATA ($(df -T "$DATA" | awk 'NR==2{print $2}')), $(nproc) cores, ${DUR}s per run, $RUNS runs, servers: $MODES"
for mode in $MODES; do
  start_server "$mode"
  echo "bench-ingest: $mode server on $addr"
  for r in $(seq 1 "$RUNS"); do
    run_load "$mode-baseline" 1 "$r"
    run_load "$mode-target" "$AGENTS" "$r"
  done
  stop_server
done

median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
row() { # label
  local l=$1
  local ch cpu per p50 p99 mx sp99
  ch=$(awk -v l="$l" '$1==l{print $2; exit}' "$results")
  cpu=$(awk -v l="$l" '$1==l{print $3}' "$results" | median)
  per=$(awk -v l="$l" '$1==l{print $4}' "$results" | median)
  p50=$(awk -v l="$l" '$1==l{print $5}' "$results" | median)
  p99=$(awk -v l="$l" '$1==l{print $6}' "$results" | median)
  mx=$(awk -v l="$l" '$1==l{print $7}' "$results" | median)
  sp99=$(awk -v l="$l" '$1==l{print $9}' "$results" | median)
  s50=$(awk -v l="$l" '$1==l{print $10}' "$results" | median)
  s99=$(awk -v l="$l" '$1==l{print $11}' "$results" | median)
  printf "| %s | %s | %.1f %% | %.3f %% | %.2f ms | %.2f ms | %.2f ms | %.1f ms | ≤ %s ms | ≤ %s ms |\n" "$l" "$ch" "$cpu" "$per" "$p50" "$p99" "$sp99" "$mx" "$s50" "$s99"
}
table=$(
  echo "| server, load | seat channels | server CPU (of one core) | CPU per channel | ack p50 | ack p99 | ack p99 after 3 s | ack max | server p50 | server p99 |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for mode in $MODES; do
    row "$mode-baseline"
    row "$mode-target"
  done
)
echo
echo "$table"
first=${MODES%% *}
p99t=$(awk -v l="$first-target" '$1==l{print $6}' "$results" | median)
verdict=$(awk -v p="$p99t" 'BEGIN{ if (p < 50) print "met"; else print "NOT met" }')
{
  echo "# Ingest benchmark"
  echo
  echo "Generated by \`scripts/bench-ingest.sh\` (\`make bench-ingest\`) on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), archive on $(df -T "$DATA" | awk 'NR==2{print $2}')."
  echo
  echo "Each agent streams $SEATS seats of 100 ms frames (16 kHz s16le) at real-time pace for ${DUR} s over"
  echo "loopback websockets into one \`courtscribe server\`; every ack is sent only after the frame is"
  echo "fsynced in every seat WAV (group commit per hearing). Baseline: 1 agent; target: $AGENTS agents."
  echo "Servers: \`ingest\` is the ingest and archive alone (\`asr/ingest\` in its own process, the load"
  echo "generator's TestLoadServe); \`full\` is \`courtscribe server\` with every stage it mounts (record,"
  echo "live stream, transcription pool with no engine); \`ingest-tmpfs\` (when run) is the ingest with"
  echo "its archive in /dev/shm, where fsync costs nothing: it separates CPU from disk."
  echo "Medians over $RUNS runs of each, baseline and target alternating in the same invocation."
  echo "Server CPU is user+system time of the server process over the run's wall time (100 % = one"
  echo "core); ack latency is measured at the agents, from sending a frame to receiving the ack that"
  echo "covers it. The load generator runs on the same cores. \"server p50/p99\" are read from the server's"
  echo "own histogram courtscribe_ingest_ack_latency_seconds (frame received → fsynced and acked), as the"
  echo "upper bound of the histogram bucket (1, 2, 5, 10, 20, 50, 100, 200, 500 ms…)."
  echo
  echo "$table"
  echo
  echo "Target (≥ 200 seat channels at real time, ack p99 < 50 ms), $first server: **$verdict** (p99 $p99t ms)."
  echo
  echo "Load average of the machine (other work shares the cores): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo
  echo "Raw runs (label, channels, CPU %, CPU % per channel, p50, p99, max ms, frames acked, p99 after 3 s,"
  echo "server p50 and p99 bucket bounds in ms):"
  echo
  echo '```'
  cat "$results"
  echo '```'
} >"$OUT"
rows=()
for mode in $MODES; do
  ch=$(awk -v l="$mode-target" '$1==l{print $2; exit}' "$results")
  p99=$(awk -v l="$mode-target" '$1==l{print $6}' "$results" | median)
  bch=$(awk -v l="$mode-baseline" '$1==l{print $2; exit}' "$results")
  b99=$(awk -v l="$mode-baseline" '$1==l{print $6}' "$results" | median)
  rows+=("seat channels at real time, $mode server|$ch|≥ 200|$bch (1 agent)|$(bench_ge "$ch" 200)")
  rows+=("ack p99 at $ch channels, $mode server|$(printf '%.1f' "$p99") ms|< 50 ms|$(printf '%.1f' "$b99") ms at $bch channels|$(bench_le "$p99" 50)")
done
bench_summary "$OUT" "${rows[@]}"
rm -f "$results" "$results.b0" "$results.b1"
echo "bench-ingest: wrote $OUT"
