package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/courtscribe/courtscribe/asr/whisper"
)

// --gpu/--no-gpu, --gpu-device, --flash-attn and --audio-ctx are on every command that runs
// --asr whisper, and reach whisper.Config (and, where libwhisper is linked, the running engine).
func TestGPUFlagsReachTheEngine(t *testing.T) {
	for _, c := range []struct {
		args            []string
		gpu, fa         bool
		dev             int
		audioCtx, error string
	}{
		{nil, true, true, 0, whisper.AudioCtxFull, ""},
		{[]string{"--no-gpu", "--flash-attn=false"}, false, false, 0, whisper.AudioCtxFull, ""},
		{[]string{"--gpu", "--gpu-device", "2", "--audio-ctx", "fit"}, true, true, 2, whisper.AudioCtxFit, ""},
		{[]string{"--gpu=false"}, false, true, 0, whisper.AudioCtxFull, ""},
		{[]string{"--gpu", "--no-gpu"}, false, true, 0, whisper.AudioCtxFull, ""},
		{[]string{"--gpu-device", "-1"}, true, true, 0, "", "--gpu-device -1"},
		{[]string{"--audio-ctx", "half"}, true, true, 0, "", "--audio-ctx \"half\""},
	} {
		for _, name := range []string{"transcribe", "backfill", "server"} {
			var g *gpuFlags
			var cmd *cobra.Command
			switch name {
			case "transcribe":
				var fl transcribeFlags
				cmd, g = &cobra.Command{}, &fl.gpu
				addGPUFlags(cmd.Flags(), g)
			case "backfill":
				var fl backfillFlags
				cmd, g = &cobra.Command{}, &fl.gpu
				addGPUFlags(cmd.Flags(), g)
			case "server":
				cmd = newServerCmd()
				g = &srvRecord.gpu
			}
			if err := cmd.ParseFlags(c.args); err != nil {
				t.Fatalf("%s %v: %v", name, c.args, err)
			}
			cfg := whisper.DefaultConfig()
			err := g.apply(&cfg)
			if c.error != "" {
				if err == nil || !strings.Contains(err.Error(), c.error) {
					t.Errorf("%s %v: error %v, want %q", name, c.args, err, c.error)
				}
				continue
			}
			if err != nil || cfg.GPU != c.gpu || cfg.FlashAttn != c.fa || cfg.GPUDevice != c.dev || cfg.AudioCtx != c.audioCtx {
				t.Errorf("%s %v: %+v %v", name, c.args, cfg, err)
			}
		}
	}
	// the real commands carry the flags
	for _, cmd := range []*cobra.Command{newTranscribeCmd(), newBackfillCmd(), newServerCmd()} {
		for _, f := range []string{"gpu", "no-gpu", "gpu-device", "flash-attn", "audio-ctx"} {
			if cmd.Flags().Lookup(f) == nil {
				t.Errorf("%s has no --%s", cmd.Name(), f)
			}
		}
	}
	if !whisper.Built {
		return
	}
	model := filepath.Join("..", "..", "..", "shared", "testdata", "for-tests-ggml-tiny.bin")
	if _, err := os.Stat(model); err != nil {
		t.Skipf("test model not found: %v", err)
	}
	eng, err := newEngine(context.Background(), engineFlags{kind: "whisper", model: model, workers: 3, language: "en",
		gpu: gpuFlags{gpu: true, noGPU: true, device: 1, flashAttn: false, audioCtx: "fit"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ws, ok := engineSettings(eng)
	if !ok || ws.GPU || ws.GPUDevice != 1 || ws.FlashAttn || ws.AudioCtx != "fit" || ws.Workers != 3 || ws.ModelsLoaded != 1 {
		t.Fatalf("engine settings %+v", ws)
	}
	if s := engineSummary(ws); !strings.Contains(s, "3 workers on 1 loaded model(s)") || !strings.Contains(s, "CPU (--no-gpu)") || !strings.Contains(s, "flash-attn off") {
		t.Errorf("summary %q", s)
	}
}
