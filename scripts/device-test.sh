#!/usr/bin/env bash
# The real-device test (make device-test): a PulseAudio null sink of 8 channels, a known signal
# played into it with pacat, the agent capturing the sink's monitor through portaudio (ALSA
# host API → ALSA pulse plugin, Debian libasound2-plugins) and streaming to the real ingest
# server; the Go test TestRealCapture checks the archive against the signal.
# If PulseAudio cannot start here, the test is SKIPPED loudly and the script exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
  echo "################################################################"
  echo "device-test: SKIPPED — $*"
  echo "################################################################"
  exit 0
}

command -v pulseaudio >/dev/null || skip "pulseaudio is not installed (scripts/deps.sh installs it)"
command -v pacat >/dev/null || skip "pacat is not installed (pulseaudio-utils)"

T=$(mktemp -d)
pa_pid=""
cleanup() {
  if [ -n "$pa_pid" ]; then
    kill "$pa_pid" 2>/dev/null || true
    wait "$pa_pid" 2>/dev/null || true
  fi
  rm -rf "$T"
}
trap cleanup EXIT

SINK=courtscribe_test
cat >"$T/pa.cfg" <<CFG
load-module module-native-protocol-unix socket=$T/native auth-anonymous=1
load-module module-null-sink sink_name=$SINK channels=8 rate=48000 channel_map=front-left,front-right,rear-left,rear-right,front-center,lfe,side-left,side-right
set-default-sink $SINK
set-default-source $SINK.monitor
CFG

# A private PulseAudio (works as root with --system=false); its own runtime dir and HOME so it
# touches nothing of the machine's.
HOME="$T" XDG_RUNTIME_DIR="$T" PULSE_RUNTIME_PATH="$T" \
  pulseaudio --daemonize=no --exit-idle-time=-1 --system=false -n -F "$T/pa.cfg" \
  --log-target=file:"$T/pulse.log" >/dev/null 2>&1 &
pa_pid=$!
export PULSE_SERVER="unix:$T/native"
ok=""
for _ in $(seq 50); do
  if pactl info >/dev/null 2>&1; then ok=1; break; fi
  if ! kill -0 "$pa_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$ok" ]; then
  reason=$(tail -3 "$T/pulse.log" 2>/dev/null | tr '\n' ' ')
  skip "PulseAudio did not start: ${reason:-no log}"
fi
echo "device-test: PulseAudio up (pid $pa_pid), null sink $SINK with 8 channels"
COURTSCRIBE_TEST_SINK=$SINK go test -tags devicetest -count=1 -timeout 5m -v -run '^(TestRealCapture|TestOpenByIndexAndName)$' ./capture/device/ 2>&1 |
  grep -v "^ALSA lib\|^Cannot connect\|^jack server\|^JackShm" || { echo "device-test: FAILED"; exit 1; }
echo "device-test: passed"
