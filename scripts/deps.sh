#!/usr/bin/env bash
# Installs the Debian packages courtscribe builds and tests with, only those that are missing.
# Go modules come through `go mod download`. libwhisper is optional and never built here: where
# a distribution ships libwhisper-dev (Debian sid, Ubuntu 26.04) it is installed if available.
set -euo pipefail
pkgs=(
  pkg-config gcc
  portaudio19-dev          # capture: portaudio headers and library
  libasound2-dev           # capture/device calls alsa-lib directly (to unload unused ALSA plugins)
  pulseaudio pulseaudio-utils alsa-utils libasound2-plugins # a virtual audio device for the real capture test
  espeak-ng sox            # synthetic hearings for tests, benchmarks and make run
  python3-numpy python3-scipy # scripts/altroom: the independent room renderer of make bench-altroom
  chromium                 # end-to-end UI tests in a real headless browser
  firefox-esr              # the same UI journey in headless Firefox (through its Marionette protocol)
  fonts-noto-cjk           # CJK fonts for the browser UI (OpenType/CFF: go-pdf/fpdf cannot embed them)
  fonts-arphic-uming       # AR PL UMing: the serif (Ming/Song) CJK font of the 庭审笔录 PDF (TrueType in a .ttc; export/ttc.go copies face 0 out)
  fonts-droid-fallback fonts-dejavu-core # TrueType CJK fallback + Latin (DejaVu Sans/Serif/Mono) fonts that go-pdf/fpdf can embed in PDF exports
  poppler-utils # pdftotext/pdftoppm: the export tests read the PDFs back and docs/screenshots show their pages
  procps psmisc            # ps/pkill for fault-injection scripts
  curl jq                  # make run sets up the demo hearing through the API
  time                     # /usr/bin/time: peak RSS in scripts/bench-audioin.sh
  postgresql               # internal/pgtest starts a private cluster (initdb in a temp dir) for the PostgreSQL store tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Optional: a packaged libwhisper where the distribution has one.
if ! pkg-config --exists whisper 2>/dev/null && apt-cache show libwhisper-dev >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq libwhisper-dev >/dev/null || true
fi
# Debian's postgresql package creates and starts a "main" cluster; the tests never use it
# (internal/pgtest starts its own), so stop it where it runs.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | awk '$4=="online"{print $1, $2}' | while read -r v c; do
    ${SUDO:-} pg_ctlcluster "$v" "$c" stop || true
  done
fi
go mod download
echo "deps: ok"
