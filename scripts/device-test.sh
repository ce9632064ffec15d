#!/usr/bin/env bash
# TODO(device-test): filled in by the issue that owns it.
echo "device-test: not implemented yet"
