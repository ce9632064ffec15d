package server

import "context"
import "fmt"
import "log/slog"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/remote"
import "github.com/courtscribe/courtscribe/asr/whisper"

// EngineConfig chooses and sets up a transcription engine: the server's, and the transcribe,
// backfill and import commands'.
type EngineConfig struct {
	Kind     string // whisper, remote, none ("" is none)
	Model    string // ggml model file for whisper
	URLs     []string
	Workers  int
	Language string
	Threads  int
	GPU      GPUConfig
	// Engine, when set, is used as it is whatever Kind says: a stand-in for tests that needs
	// neither libwhisper nor a server (e.g. one that packs, to test import's packed backfill).
	Engine asr.Engine
}

// GPUConfig is the whisper engine's device settings (--gpu, --no-gpu, --gpu-device,
// --flash-attn, --audio-ctx, --best-of).
type GPUConfig struct {
	GPU       bool
	NoGPU     bool
	Device    int
	FlashAttn bool
	AudioCtx  string
	BestOf    int
}

// DefaultGPUConfig is the device settings' defaults: whisper's own.
func DefaultGPUConfig() GPUConfig {
	d := whisper.DefaultConfig()
	return GPUConfig{GPU: d.GPU, Device: d.GPUDevice, FlashAttn: d.FlashAttn, AudioCtx: d.AudioCtx}
}

// Apply checks the settings and writes them into a whisper configuration.
func (g GPUConfig) Apply(cfg *whisper.Config) error {
	if g.Device < 0 || g.Device > 255 {
		return fmt.Errorf("--gpu-device %d: want 0..255", g.Device)
	}
	if g.BestOf < 0 || g.BestOf > 16 {
		return fmt.Errorf("--best-of %d: want 1..16 (0: whisper.cpp's default)", g.BestOf)
	}
	cfg.BestOf = g.BestOf
	switch g.AudioCtx {
	case "":
		g.AudioCtx = whisper.DefaultConfig().AudioCtx
	case whisper.AudioCtxFull, whisper.AudioCtxFit:
	default:
		return fmt.Errorf("--audio-ctx %q: want %s or %s", g.AudioCtx, whisper.AudioCtxFull, whisper.AudioCtxFit)
	}
	cfg.GPU = g.GPU && !g.NoGPU
	cfg.GPUDevice, cfg.FlashAttn, cfg.AudioCtx = g.Device, g.FlashAttn, g.AudioCtx
	return nil
}

// NewEngine builds a transcription engine. A whisper engine in a binary built without
// libwhisper, a missing model or a corrupt model file is an error here, before the server
// accepts any audio.
func NewEngine(ctx context.Context, fl EngineConfig, log *slog.Logger) (asr.Engine, error) {
	if fl.Engine != nil {
		return fl.Engine, nil
	}
	switch fl.Kind {
	case "none", "":
		return asr.None{}, nil
	case "remote":
		cfg := remote.DefaultConfig()
		cfg.URLs = fl.URLs
		return remote.New(cfg, log.With("part", "asr-remote"), nil)
	case "whisper":
		if fl.Model == "" {
			return nil, fmt.Errorf("--asr whisper needs --model PATH (see courtscribe models)")
		}
		cfg := whisper.DefaultConfig()
		cfg.Model, cfg.Workers, cfg.Threads = fl.Model, max(fl.Workers, 1), fl.Threads
		if err := fl.GPU.Apply(&cfg); err != nil {
			return nil, err
		}
		if fl.Language != "" {
			cfg.Language = fl.Language
		}
		return whisper.New(ctx, cfg, log.With("part", "asr-whisper"))
	}
	return nil, fmt.Errorf("--asr %q: want whisper, remote or none", fl.Kind)
}

// EngineSettings is the whisper engine's own account of how it runs (model, workers, GPU,
// flash attention, system info); ok is false for other engines.
func EngineSettings(e asr.Engine) (whisper.Settings, bool) {
	s, ok := e.(interface{ Settings() whisper.Settings })
	if !ok {
		return whisper.Settings{}, false
	}
	return s.Settings(), true
}

// EngineSummary is the engine line of /readyz and the record health panel: model, workers on
// how many loaded models, the device, flash attention and the audio context mode.
func EngineSummary(s whisper.Settings) string {
	fa := "off"
	if s.FlashAttn {
		fa = "on"
	}
	return fmt.Sprintf("whisper %s · %d workers on %d loaded model(s), %d threads each · %s · flash-attn %s · audio-ctx %s",
		s.Model, s.Workers, s.ModelsLoaded, s.Threads, s.Backend(), fa, s.AudioCtx)
}
