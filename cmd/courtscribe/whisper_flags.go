package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/whisper"
)

// gpuFlags are the whisper engine's device settings, shared by server, transcribe and backfill.
type gpuFlags struct {
	gpu       bool
	noGPU     bool
	device    int
	flashAttn bool
	audioCtx  string
	bestOf    int
}

func addGPUFlags(f *pflag.FlagSet, g *gpuFlags) {
	d := whisper.DefaultConfig()
	f.BoolVar(&g.gpu, "gpu", d.GPU, "let whisper.cpp use a GPU when libwhisper was built with one (CUDA, Vulkan, Metal); a CPU-only libwhisper ignores it")
	f.BoolVar(&g.noGPU, "no-gpu", false, "decode on the CPU even when libwhisper has a GPU backend (overrides --gpu)")
	f.IntVar(&g.device, "gpu-device", d.GPUDevice, "which GPU whisper.cpp uses (0: the first)")
	f.BoolVar(&g.flashAttn, "flash-attn", d.FlashAttn, "flash attention in whisper.cpp (--flash-attn=false turns it off)")
	f.IntVar(&g.bestOf, "best-of", 0, "candidates greedy decoding samples when whisper.cpp falls back to a higher temperature (0: whisper.cpp's default, 5; whisper-cli -bo)")
	f.StringVar(&g.audioCtx, "audio-ctx", d.AudioCtx, "encoder window per utterance: full (30 s, as Whisper was trained) or fit (sized to the utterance; less work, see docs/asr.md)")
}

func (g gpuFlags) apply(cfg *whisper.Config) error {
	if g.device < 0 || g.device > 255 {
		return fmt.Errorf("--gpu-device %d: want 0..255", g.device)
	}
	if g.bestOf < 0 || g.bestOf > 16 {
		return fmt.Errorf("--best-of %d: want 1..16 (0: whisper.cpp's default)", g.bestOf)
	}
	cfg.BestOf = g.bestOf
	switch g.audioCtx {
	case "":
		g.audioCtx = whisper.DefaultConfig().AudioCtx
	case whisper.AudioCtxFull, whisper.AudioCtxFit:
	default:
		return fmt.Errorf("--audio-ctx %q: want %s or %s", g.audioCtx, whisper.AudioCtxFull, whisper.AudioCtxFit)
	}
	cfg.GPU = g.gpu && !g.noGPU
	cfg.GPUDevice, cfg.FlashAttn, cfg.AudioCtx = g.device, g.flashAttn, g.audioCtx
	return nil
}

// engineSettings is the whisper engine's own account of how it runs (model, workers, GPU,
// flash attention, system info); ok is false for other engines.
func engineSettings(e asr.Engine) (whisper.Settings, bool) {
	s, ok := e.(interface{ Settings() whisper.Settings })
	if !ok {
		return whisper.Settings{}, false
	}
	return s.Settings(), true
}

// engineSummary is the engine line of /readyz and the record health panel: model, workers on
// how many loaded models, the device, flash attention and the audio context mode.
func engineSummary(s whisper.Settings) string {
	fa := "off"
	if s.FlashAttn {
		fa = "on"
	}
	return fmt.Sprintf("whisper %s · %d workers on %d loaded model(s), %d threads each · %s · flash-attn %s · audio-ctx %s",
		s.Model, s.Workers, s.ModelsLoaded, s.Threads, s.Backend(), fa, s.AudioCtx)
}
