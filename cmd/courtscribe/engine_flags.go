package main

import "fmt"
import "github.com/courtscribe/courtscribe/asr"

import "github.com/spf13/pflag"

import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

// engineFlags choose and size the transcription engine of the offline commands (backfill,
// transcribe, import).
type engineFlags struct {
	asrKind  string
	model    string
	urls     []string
	language string
	workers  int
	threads  int
	gpu      server.GPUConfig
	batch    float64
}

// engineFlagDefaults is what differs between the commands' engine flags.
type engineFlagDefaults struct {
	asr, asrHelp           string // --asr
	language, languageHelp string // --language
	workersHelp            string // --workers
	gpu                    bool   // the GPU flags too
}

// add binds the engine flags.
func (e *engineFlags) add(f *pflag.FlagSet, d engineFlagDefaults) {
	f.StringVar(&e.asrKind, "asr", d.asr, d.asrHelp)
	f.StringVar(&e.model, "model", "", "ggml Whisper model file for --asr whisper")
	f.StringSliceVar(&e.urls, "asr-url", nil, "whisper-server or OpenAI-compatible URL(s) for --asr remote")
	f.StringVar(&e.language, "language", d.language, d.languageHelp)
	f.IntVar(&e.workers, "workers", 1, d.workersHelp)
	f.IntVar(&e.threads, "threads", 0, "threads per whisper worker (0: CPUs / workers)")
	if d.gpu {
		addGPUFlags(f, &e.gpu)
	}
	batchFlag(f, &e.batch)
}

// checkLanguage refuses a --language the engines do not take.
func (e *engineFlags) checkLanguage() error {
	if _, err := asr.ParseLanguage(e.language); err != nil {
		return fmt.Errorf("--%w", err)
	}
	return nil
}

// check refuses a bad --language, then --asr whisper in a build without libwhisper.
func (e *engineFlags) check() error {
	if err := e.checkLanguage(); err != nil {
		return err
	}
	if e.asrKind == "whisper" && !whisper.Built {
		return whisper.ErrNotBuilt
	}
	return nil
}

// engineConfig is the engine the flags name.
func (e *engineFlags) engineConfig() server.EngineConfig {
	return server.EngineConfig{Kind: e.asrKind, Model: e.model, URLs: e.urls, Workers: e.workers, Language: e.language, Threads: e.threads, GPU: e.gpu}
}
