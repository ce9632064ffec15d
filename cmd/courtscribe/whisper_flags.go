package main

import "github.com/spf13/pflag"

import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

// addGPUFlags adds the whisper engine's device flags, shared by server, transcribe and backfill.
func addGPUFlags(f *pflag.FlagSet, g *server.GPUConfig) {
	d := whisper.DefaultConfig()
	f.BoolVar(&g.GPU, "gpu", d.GPU, "let whisper.cpp use a GPU when libwhisper was built with one (CUDA, Vulkan, Metal); a CPU-only libwhisper ignores it")
	f.BoolVar(&g.NoGPU, "no-gpu", false, "decode on the CPU even when libwhisper has a GPU backend (overrides --gpu)")
	f.IntVar(&g.Device, "gpu-device", d.GPUDevice, "which GPU whisper.cpp uses (0: the first)")
	f.BoolVar(&g.FlashAttn, "flash-attn", d.FlashAttn, "flash attention in whisper.cpp (--flash-attn=false turns it off)")
	f.IntVar(&g.BestOf, "best-of", 0, "candidates greedy decoding samples when whisper.cpp falls back to a higher temperature (0: whisper.cpp's default, 5; whisper-cli -bo)")
	f.StringVar(&g.AudioCtx, "audio-ctx", d.AudioCtx, "encoder window per utterance: full (30 s, as Whisper was trained) or fit (sized to the utterance; less work, see docs/asr.md)")
}
