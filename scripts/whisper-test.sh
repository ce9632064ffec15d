#!/usr/bin/env bash
# TODO(whisper-test): filled in by the issue that owns it.
echo "whisper-test: not implemented yet"
