# courtscribe — see README.md. `make run` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
GO ?= go
DATA ?= $(CURDIR)/var/demo
BIN := bin/courtscribe
PKGS := ./...
FUZZTIME ?= 10000x

.PHONY: all deps build test vet lint fmt-check unit device-test whisper-test fuzz-short run bench bench-ingest bench-agent bench-diarize bench-asr bench-transcript bench-models bench-live bench-e2e bench-ui bench-backup bench-scale bench-altroom soak e2e fuzz clean

all: build

deps:
	@scripts/deps.sh

build:
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/courtscribe

# Everything CI runs.
test: deps vet lint fmt-check unit device-test whisper-test fuzz-short
	@echo "make test: all stages passed"

vet:
	$(GO) vet $(PKGS)

# golangci-lint, pinned in scripts/lint.sh, configured in .golangci.yml.
lint:
	@scripts/lint.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi; \
	out=$$(git grep -l '^import ($$' -- '*.go' || true); \
	if [ -n "$$out" ]; then echo "import blocks (one import declaration a line, see docs/architecture.md; run scripts/imports.sh) in:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -timeout 30m $(PKGS)

# The real-device test: PulseAudio null sink + portaudio capture through the agent.
device-test:
	@scripts/device-test.sh

# The whisper-tagged engine tests, where libwhisper is installed.
whisper-test:
	@scripts/whisper-test.sh

fuzz-short:
	@scripts/fuzz.sh $(FUZZTIME)

fuzz:
	@scripts/fuzz.sh 10m

run: deps build
	@scripts/run-demo.sh

bench: deps build
	@scripts/bench.sh

bench-ingest bench-agent bench-diarize bench-asr bench-transcript bench-models bench-live bench-e2e bench-ui bench-backup bench-scale bench-altroom: deps build
	@scripts/bench.sh $(patsubst bench-%,%,$@)
.PHONY: bench-audioin
bench-audioin: deps build
	@scripts/bench.sh audioin

soak: deps build
	@scripts/soak.sh

# The end-to-end suites of the built binary (scripts/faults), checked to leave no binary behind.
e2e:
	@scripts/e2e.sh

clean:
	rm -rf bin var
