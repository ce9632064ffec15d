#!/usr/bin/env bash
# Checks the unit files parse (systemd-analyze verify where available).
set -euo pipefail
cd "$(dirname "$0")"
if command -v systemd-analyze >/dev/null; then
  for u in *.service *.timer; do systemd-analyze verify --man=no "$u" 2>&1 | grep -v "Command .* is not executable\|not found\|Failed to" || true; done
fi
