#!/usr/bin/env bash
# make bench-agent: CPU (% of one core, total and per channel) and RSS of `courtscribe agent`
# capturing 8 seats for ~30 s into a real `courtscribe server` on loopback. Cases, all run
# in this one invocation:
#   baseline   real-time WAV replay, 8 ch at 16 kHz (no resampling)
#   replay48k  real-time WAV replay, 8 ch at 48 kHz (resampled to 16 kHz)
#   device48k  portaudio capture of a PulseAudio null sink's monitor, 8 ch at 48 kHz, while
#              pacat plays noise into the sink (skipped, and said so, when PulseAudio cannot start)
# CPU is sampled from /proc/PID/stat over 5 s windows after a 3 s warm-up; the table shows
# medians over the windows. Writes docs/bench-agent.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench_lib.sh
DUR=${BENCH_AGENT_SECONDS:-30}
WIN=5
T=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

echo "bench-agent: building"
go build -o "$T/courtscribe" ./cmd/courtscribe
CS="$T/courtscribe"
TCK=$(getconf CLK_TCK)

PORT=$((20000 + RANDOM % 20000))
"$CS" tokens add --data "$T/data" --courtroom bench-room >"$T/token.txt"
TOKEN=$(tail -1 "$T/token.txt")
"$CS" server --listen "127.0.0.1:$PORT" --data "$T/data" 2>"$T/server.log" &
pids+=($!)
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

LEN=$((DUR + 15))
sox -n -r 16000 -c 8 -b 16 "$T/h16.wav" synth "$LEN" pinknoise vol 0.3
sox -n -r 48000 -c 8 -b 16 "$T/h48.wav" synth "$LEN" pinknoise vol 0.3
SEATS=judge=1,clerk=2,prosecutor=3,defense=4,witness=5,plaintiff=6,defendant=7,interpreter=8

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }
pss_kb() { awk '/^Pss:/ {print $2; exit}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

results=()
declare -A sum_per sum_rss
run_case() {
  local name=$1 desc=$2; shift 2
  local spool="$T/spool-$name"
  "$CS" agent --server "ws://127.0.0.1:$PORT" --token "$TOKEN" --courtroom bench-room --seats "$SEATS" \
    --spool "$spool" "$@" >"$T/$name.out" 2>"$T/$name.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do grep -q '^hearing:' "$T/$name.out" 2>/dev/null && break; sleep 0.1; done
  if ! grep -q '^hearing:' "$T/$name.out"; then
    echo "bench-agent: $name did not connect:"; tail -5 "$T/$name.err"; kill "$pid" 2>/dev/null || true
    results+=("| $name | $desc | failed to connect | | | | | | |"); return
  fi
  sleep 3
  local cpus=() rsss=() anons=() psss=()
  local n=$((DUR / WIN)) t0 t1
  for _ in $(seq "$n"); do
    t0=$(ticks "$pid"); sleep "$WIN"; t1=$(ticks "$pid")
    cpus+=("$(awk -v a="$t0" -v b="$t1" -v hz="$TCK" -v w="$WIN" 'BEGIN {printf "%.2f", (b-a)/hz/w*100}')")
    rsss+=("$(rss_kb "$pid")")
    anons+=("$(anon_kb "$pid")")
    psss+=("$(pss_kb "$pid")")
  done
  local hwm; hwm=$(hwm_kb "$pid")
  kill -INT "$pid"; wait "$pid" || echo "bench-agent: $name exited $?"
  local cpu rss
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  rss=$(printf '%s\n' "${rsss[@]}" | median)
  local per; per=$(awk -v c="$cpu" 'BEGIN {printf "%.2f", c/8}')
  local rssmb; rssmb=$(awk -v r="$rss" 'BEGIN {printf "%.1f", r/1024}')
  local hwmmb; hwmmb=$(awk -v r="$hwm" 'BEGIN {printf "%.1f", r/1024}')
  local anonmb; anonmb=$(printf '%s\n' "${anons[@]}" | median | awk '{printf "%.1f", $1/1024}')
  local pssmb; pssmb=$(printf '%s\n' "${psss[@]}" | median | awk '{printf "%.1f", $1/1024}')
  local gaps; gaps=$(grep -c 'ALARM overflow' "$T/$name.err" || true)
  echo "bench-agent: $name cpu windows: ${cpus[*]}"
  sum_per[$name]=$per sum_rss[$name]=$rssmb
  results+=("| $name | $desc | $cpu | $per | $rssmb | $hwmmb | $anonmb | $pssmb | $gaps |")
}

run_case baseline "WAV replay, 8 ch × 16 kHz, real time (no resampling)" --source "$T/h16.wav"
run_case replay48k "WAV replay, 8 ch × 48 kHz, real time" --source "$T/h48.wav"

device_note=""
if command -v pulseaudio >/dev/null && command -v pacat >/dev/null; then
  cat >"$T/pa.cfg" <<CFG
load-module module-native-protocol-unix socket=$T/native auth-anonymous=1
load-module module-null-sink sink_name=bench channels=8 rate=48000 channel_map=front-left,front-right,rear-left,rear-right,front-center,lfe,side-left,side-right
set-default-sink bench
set-default-source bench.monitor
CFG
  HOME="$T" XDG_RUNTIME_DIR="$T" PULSE_RUNTIME_PATH="$T" pulseaudio --daemonize=no --exit-idle-time=-1 \
    --system=false -n -F "$T/pa.cfg" --log-target=file:"$T/pulse.log" >/dev/null 2>&1 &
  pa=$!; pids+=("$pa")
  export PULSE_SERVER="unix:$T/native"
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  if pactl info >/dev/null 2>&1; then
    sox -n -r 48000 -c 8 -b 16 -e signed -t raw - synth "$LEN" pinknoise vol 0.3 2>/dev/null |
      pacat --playback --raw --device=bench --format=s16le --rate=48000 --channels=8 \
        --channel-map=front-left,front-right,rear-left,rear-right,front-center,lfe,side-left,side-right &
    pids+=($!)
    run_case device48k "portaudio (ALSA→pulse) null-sink monitor, 8 ch × 48 kHz" --device pulse --sample-rate 48000 --channels 8
  else
    device_note="device48k SKIPPED: PulseAudio did not start ($(tail -1 "$T/pulse.log" 2>/dev/null))"
  fi
else
  device_note="device48k SKIPPED: pulseaudio/pacat not installed"
fi
[ -n "$device_note" ] && echo "bench-agent: $device_note"

cpu_model=$(awk -F: '/model name/ {gsub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
{
  echo "# Agent benchmark"
  echo
  echo "\`scripts/bench-agent.sh\` ($(date -u +%Y-%m-%d), $(nproc) CPUs, ${cpu_model:-unknown CPU}):"
  echo "\`courtscribe agent\` streaming 8 seats to a real \`courtscribe server\` on loopback for ${DUR} s per case"
  echo "(200 ms frames, every frame fsynced into the spool and acknowledged after the server's fsync;"
  echo "local copy on). CPU is user+system time of the agent process, median of ${WIN} s windows."
  echo "Targets: < 2 % of a core per channel, RSS < 40 MB."
  echo
  echo "| case | source | CPU % of one core | CPU % per channel | RSS MB (median) | peak RSS MB | anon RSS MB | PSS MB | overflow alarms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${results[@]}"
  [ -n "$device_note" ] && { echo; echo "$device_note"; }
  echo
  echo "The baseline (16 kHz source) shows the cost without resampling; the difference to"
  echo "replay48k is the 48 → 16 kHz polyphase resampler for 8 channels."
  echo
  echo "RSS counts file-backed pages: the binary's text and read-only data (the one courtscribe"
  echo "binary, server parts included: ~16.6 MB of it is mapped, as the kernel maps large page-cache"
  echo "folios of it whole), shared libraries and, for the device case, PulseAudio's shared-memory"
  echo "pool through which the recorded audio arrives (1–3 MB). Those pages are shared with other"
  echo "processes mapping them; the agent's own memory is the anon RSS column, and PSS divides"
  echo "shared pages among the processes that use them (here the server runs the same binary)."
  echo
  echo "Device case: portaudio's Pa_Initialize (ALSA host API) opens every PCM that ALSA's"
  echo "configuration defines to list the devices, and alsa-lib loads each PCM type's plugin module"
  echo "for that: with Debian's libasound2-plugins a52 (libavcodec, x265, aom, rsvg, …), jack, oss,"
  echo "speex, upmix, vdownmix, usb_stream and pulse, and keeps them all loaded (~11 MB of the"
  echo "agent's RSS with their relocated data). The agent frees ALSA's configuration right after"
  echo "that enumeration, so ALSA unloads every module no open PCM holds (capture/device"
  echo "initializeForCapture; the device list is unchanged), and opening the stream loads only the"
  echo "chosen device's plugin. The enumeration still leaves behind the libraries that cannot be"
  echo "unloaded (x265, glib/gio/gobject: ~2.8 MB) and pages of resident libraries touched while"
  echo "their symbols were resolved; the peak RSS column includes it (the agent's first half second)."
  echo "The agent also runs with GOGC=50 unless GOGC is set: its live heap is ~1 MB, so the heap goal"
  echo "is 2 MB instead of 4 MB (~1.7 MB less anon memory, about one collection a second), which"
  echo "lowers the replay cases too. Before both changes (commit 00f7645, 2026-11-25) the three cases"
  echo "measured 27.0 / 26.9 / 48.3 MB RSS, anon 7.0 / 6.9 / 10.5 MB, PSS 16.4 / 16.3 / 34.5 MB."
} >docs/bench-agent.md
srows=()
for c in replay48k device48k; do
  [ -n "${sum_per[$c]:-}" ] || continue
  srows+=("agent CPU per channel, $c (8 seats)|${sum_per[$c]} % of a core|< 2 %|${sum_per[baseline]:-n/a} % replaying 16 kHz (no resampling)|$(bench_le "${sum_per[$c]}" 1.999)")
  srows+=("agent RSS, $c (8 seats)|${sum_rss[$c]} MB|< 40 MB|${sum_rss[baseline]:-n/a} MB replaying 16 kHz|$(bench_le "${sum_rss[$c]}" 39.999)")
done
[ -n "$device_note" ] && srows+=("agent, real device capture|$device_note|—|—|n/a")
bench_summary docs/bench-agent.md "${srows[@]}"
echo
cat docs/bench-agent.md
