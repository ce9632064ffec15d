#!/usr/bin/env bash
# Runs the whisper-tagged tests (the whisper.cpp engine and the model checks against the real
# loader) where libwhisper is installed; skips them, successfully, where it is not.
#
# libwhisper is found, in this order:
#   1. COURTSCRIBE_WHISPER_PREFIX=<dir> with <dir>/include/whisper.h and <dir>/lib/libwhisper.*
#   2. pkg-config whisper (e.g. Debian's libwhisper-dev, or PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)
#   3. C_INCLUDE_PATH / LIBRARY_PATH already naming directories with whisper.h and libwhisper
#   4. the prefixes /opt/whisper, /usr/local and /usr
# WHISPER_TEST_PKGS overrides the packages tested (default ./...).
set -euo pipefail
cd "$(dirname "$0")/.."

inc="" lib=""
has_lib() { compgen -G "$1/libwhisper.so*" >/dev/null || [ -e "$1/libwhisper.a" ]; }
try_prefix() {
  local p=$1 l
  [ -f "$p/include/whisper.h" ] || return 1
  for l in "$p/lib" "$p/lib64" "$p/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"; do
    if has_lib "$l"; then inc="$p/include" lib="$l"; return 0; fi
  done
  return 1
}
from_paths() {
  local d i="" l=""
  IFS=: read -ra ds <<<"${C_INCLUDE_PATH:-}"
  for d in "${ds[@]}"; do [ -n "$d" ] && [ -f "$d/whisper.h" ] && { i=$d; break; }; done
  IFS=: read -ra ds <<<"${LIBRARY_PATH:-}"
  for d in "${ds[@]}"; do [ -n "$d" ] && has_lib "$d" && { l=$d; break; }; done
  [ -n "$i" ] && [ -n "$l" ] && inc=$i lib=$l
}

how=""
if [ -n "${COURTSCRIBE_WHISPER_PREFIX:-}" ]; then
  try_prefix "$COURTSCRIBE_WHISPER_PREFIX" && how="COURTSCRIBE_WHISPER_PREFIX=$COURTSCRIBE_WHISPER_PREFIX" || {
    echo "whisper-test: COURTSCRIBE_WHISPER_PREFIX=$COURTSCRIBE_WHISPER_PREFIX has no include/whisper.h and lib/libwhisper" >&2
    exit 1
  }
elif pkg-config --exists whisper 2>/dev/null; then
  inc=$(pkg-config --variable=includedir whisper) lib=$(pkg-config --variable=libdir whisper)
  how="pkg-config whisper $(pkg-config --modversion whisper)"
elif from_paths; then
  how="C_INCLUDE_PATH/LIBRARY_PATH"
else
  for p in /opt/whisper /usr/local /usr; do
    if try_prefix "$p"; then how="prefix $p"; break; fi
  done
fi

if [ -z "$how" ]; then
  echo "whisper-tagged tests SKIPPED: libwhisper not found (install libwhisper-dev, or set"
  echo "  COURTSCRIBE_WHISPER_PREFIX=<prefix>, PKG_CONFIG_PATH=<prefix>/lib/pkgconfig, or"
  echo "  C_INCLUDE_PATH=<prefix>/include LIBRARY_PATH=<prefix>/lib; /opt/whisper and /usr/local are checked)"
  exit 0
fi

# The Go bindings link with plain -lwhisper -lggml -lggml-base -lggml-cpu: the compiler and the
# dynamic loader only need the directories.
export CGO_ENABLED=1
export CGO_CFLAGS="${CGO_CFLAGS:-} -I$inc"
export CGO_LDFLAGS="${CGO_LDFLAGS:-} -L$lib"
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# whisper.cpp logs its model loading at length; the tests pass its output through only on failure.
read -ra pkgs <<<"${WHISPER_TEST_PKGS:-./...}"
echo "whisper-test: libwhisper from $how (include $inc, lib $lib); go test -race -tags whisper ${pkgs[*]}"
go test -race -tags whisper -timeout 30m "${pkgs[@]}"
echo "whisper-test: passed"
