#!/usr/bin/env bash
# TODO(soak): filled in by the issue that owns it.
echo "soak: not implemented yet"
