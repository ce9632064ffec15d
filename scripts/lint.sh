#!/usr/bin/env bash
# make lint: golangci-lint at a pinned version, from the Go module proxy, with .golangci.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
version=v2.15.0
bin="$($GO env GOPATH)/bin/golangci-lint"
if ! "$bin" version 2>/dev/null | grep -q "version ${version#v} "; then
	echo "lint: installing golangci-lint $version from the module proxy"
	GOFLAGS= $GO install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
fi
nice "$bin" run ./...
echo "lint: golangci-lint $version passed"
