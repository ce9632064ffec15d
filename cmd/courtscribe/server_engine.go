package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/remote"
	"github.com/courtscribe/courtscribe/asr/whisper"
)

type engineFlags struct {
	kind     string
	model    string
	urls     []string
	workers  int
	language string
	threads  int
	gpu      gpuFlags
}

// newEngine builds the server's transcription engine from its flags. A whisper engine in a
// binary built without libwhisper, a missing model or a corrupt model file is an error here,
// before the server accepts any audio.
// testEngine, set by tests only, makes the engine of kind "test": a stand-in that needs
// neither libwhisper nor a server (e.g. one that packs, to test import's packed backfill).
var testEngine func() asr.Engine

func newEngine(ctx context.Context, fl engineFlags, log *slog.Logger) (asr.Engine, error) {
	switch fl.kind {
	case "test":
		if testEngine != nil {
			return testEngine(), nil
		}
	case "none", "":
		return asr.None{}, nil
	case "remote":
		cfg := remote.DefaultConfig()
		cfg.URLs = fl.urls
		return remote.New(cfg, log.With("part", "asr-remote"), nil)
	case "whisper":
		if fl.model == "" {
			return nil, fmt.Errorf("--asr whisper needs --model PATH (see courtscribe models)")
		}
		cfg := whisper.DefaultConfig()
		cfg.Model, cfg.Workers, cfg.Threads = fl.model, max(fl.workers, 1), fl.threads
		if err := fl.gpu.apply(&cfg); err != nil {
			return nil, err
		}
		if fl.language != "" {
			cfg.Language = fl.language
		}
		return whisper.New(ctx, cfg, log.With("part", "asr-whisper"))
	}
	return nil, fmt.Errorf("--asr %q: want whisper, remote or none", fl.kind)
}
