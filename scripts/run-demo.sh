#!/usr/bin/env bash
# TODO(run-demo): filled in by the issue that owns it.
echo "run-demo: not implemented yet"
