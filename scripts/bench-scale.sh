#!/usr/bin/env bash
# make bench-scale: a central site against one courthouse server (issue 15). Writes
# docs/bench-scale.md.
#
# Section 1 (transcript/sqlite TestScaleReplicas): 100 hearings, 20 clerks editing (EDITS edits
# each, every edit waiting for its commit), 200 viewers following through live hubs; SQLite (one
# store) against PostgreSQL (private cluster on loopback, fsync on) with 1, 2 and 3 store
# replicas, clerks and viewers spread over them. Edit commit p50/p99 and live fan-out p50/p99
# (edit call → the viewer's hub hands the event out, on any replica).
# Section 2 (scripts/faults TestReplicasIngestFailover): two server replicas sharing the
# archive, the real agent with both URLs, replica A killed with SIGKILL mid-hearing: failover
# time and samples lost.
#
#   EDITS=50 scripts/bench-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
EDITS=${EDITS:-50}
OUT=docs/bench-scale.md
mkdir -p bin docs
host="$(nproc) CPU cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, $(go version | awk '{print $3}')"

go test -c -o bin/transcript-sqlite.test ./transcript/sqlite
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
(cd transcript/sqlite && COURTSCRIBE_BENCH_SCALE=$EDITS ../../bin/transcript-sqlite.test -test.run '^TestScaleReplicas$' -test.count=1) | grep '^BENCH ' >"$raw"
field() { grep "config=$1 " "$raw" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
table="| configuration | edit commit p50 (ms) | edit commit p99 (ms) | live fan-out p50 (ms) | live fan-out p99 (ms) |
|---|---|---|---|---|"
for c in sqlite pg1 pg2 pg3; do
  case $c in sqlite) l="SQLite, one server (baseline)" ;; pg1) l="PostgreSQL, 1 replica" ;; pg2) l="PostgreSQL, 2 replicas" ;; pg3) l="PostgreSQL, 3 replicas" ;; esac
  table+="
| $l | $(field $c commit_p50) | $(field $c commit_p99) | $(field $c fan_p50) | $(field $c fan_p99) |"
done

# Section 3 (scripts/faults TestScaleServers): the same court through real server processes,
# clerks' edits over HTTP and viewers on live websockets.
EDITS_SERVERS=${EDITS_SERVERS:-20}
go test -c -o bin/courtscribe-e2e.test ./scripts/faults
rawsrv=$(mktemp)
trap 'rm -f "$raw" "$rawsrv"' EXIT
(cd scripts/faults && COURTSCRIBE_BENCH_SCALE_SERVERS=$EDITS_SERVERS ../../bin/courtscribe-e2e.test -test.run '^TestScaleServers$' -test.count=1) | grep '^BENCHSRV ' >"$rawsrv"
fsrv() { grep "config=$1 " "$rawsrv" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
tablesrv="| configuration | edit commit p50 (ms) | edit commit p99 (ms) | live fan-out p50 (ms) | live fan-out p99 (ms) | deliveries |
|---|---|---|---|---|---|"
for c in sqlite pg1 pg2 pg3; do
  case $c in sqlite) l="SQLite, one server process (baseline)" ;; pg1) l="PostgreSQL, 1 server process" ;; pg2) l="PostgreSQL, 2 server processes" ;; pg3) l="PostgreSQL, 3 server processes" ;; esac
  tablesrv+="
| $l | $(fsrv $c commit_p50) | $(fsrv $c commit_p99) | $(fsrv $c fan_p50) | $(fsrv $c fan_p99) | $(fsrv $c deliveries) of $(( $(fsrv $c edits) * 2 )) |"
done

fo=$(go test -count=1 -v -run '^TestReplicasIngestFailover$' ./scripts/faults 2>&1 | grep 'killed mid-hearing' || true)
failover=$(sed -n 's/.*replica B \([0-9.]*\)\(m\?s\) later.*/\1 \2/p' <<<"$fo" | awk '{print ($2=="ms") ? $1/1000 : $1}')
lost=n/a
grep -q '0 samples lost' <<<"$fo" && lost=0
edits_lost=$(sed -n 's/.*acknowledged edits lost: \([0-9]*\) of \([0-9]*\).*/\1/p' <<<"$fo")
edits_acked=$(sed -n 's/.*acknowledged edits lost: \([0-9]*\) of \([0-9]*\).*/\2/p' <<<"$fo")

{
  echo "# Scale: PostgreSQL replicas against one SQLite server"
  echo
  echo "\`make bench-scale\` on $(date -u +%Y-%m-%d), $host. 100 hearings, 20 clerks × $EDITS edits, 200 viewers."
  echo
  echo "## In one process (store replicas and live hubs, no HTTP)"
  echo
  echo "$table"
  echo
  echo "## Through server processes (HTTP edits, websocket viewers)"
  echo
  echo "\`TestScaleServers\`: real \`courtscribe server\` processes on loopback (PostgreSQL replicas share the database and the data directory), 100 hearings, 20 clerks × $EDITS_SERVERS edits through the HTTP API (each waits for its answer), 200 viewers on live websockets (two per hearing, spread over the replicas). Commit = request → answer; fan-out = edit request → the frame on a viewer's websocket."
  echo
  echo "$tablesrv"
  echo
  echo "Replica killed with SIGKILL mid-hearing (--ingest-lease 2s): agent on the other replica after ${failover:-n/a} s; samples lost: $lost; a clerk adding notes through the killed replica until it died: acknowledged edits lost ${edits_lost:-n/a} of ${edits_acked:-n/a} (read back through the other replica, which also served the hearing's audio from the shared archive while it did not own it)."
} >"$OUT"
bench_summary "$OUT" \
  "edit commit p99, PostgreSQL 2 replicas (ms)|$(field pg2 commit_p99)|—|SQLite $(field sqlite commit_p99)|n/a" \
  "live fan-out p99, PostgreSQL 2 replicas (ms)|$(field pg2 fan_p99)|—|SQLite $(field sqlite fan_p99)|n/a" \
  "live fan-out p99, PostgreSQL 3 replicas (ms)|$(field pg3 fan_p99)|—|SQLite $(field sqlite fan_p99)|n/a" \
  "edit commit p99 over HTTP, 2 server processes on PostgreSQL (ms)|$(fsrv pg2 commit_p99)|—|one SQLite server $(fsrv sqlite commit_p99)|n/a" \
  "websocket fan-out p99, 2 server processes on PostgreSQL (ms)|$(fsrv pg2 fan_p99)|—|one SQLite server $(fsrv sqlite fan_p99)|n/a" \
  "replica failover, agent reconnected (s)|${failover:-n/a}|≤ lease + 1 s (3)||$(bench_le "${failover:-n/a}" 3)" \
  "samples lost in a replica failover|$lost|0||$(bench_le "$lost" 0)" \
  "acknowledged edits lost in a replica failover|${edits_lost:-n/a}|0||$(bench_le "${edits_lost:-n/a}" 0)"
cat "$OUT"
