package main

import "strings"
import "testing"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

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
			var g *server.GPUConfig
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
				sc := server.DefaultConfig()
				cmd, g = serverCmd(&sc), &sc.Record.GPU
			}
			if err := cmd.ParseFlags(c.args); err != nil {
				t.Fatalf("%s %v: %v", name, c.args, err)
			}
			cfg := whisper.DefaultConfig()
			err := g.Apply(&cfg)
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
}
