package server

import "context"
import "log/slog"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/whisper"

// Where libwhisper is linked, the device settings reach the running engine, and its summary
// (the /readyz engine line) says how it runs.
func TestEngineSettingsReachWhisper(t *testing.T) {
	if !whisper.Built {
		t.Skip("built without libwhisper")
	}
	model := filepath.Join("..", "..", "..", "..", "shared", "testdata", "for-tests-ggml-tiny.bin")
	if _, err := os.Stat(model); err != nil {
		t.Skipf("test model not found: %v", err)
	}
	eng, err := NewEngine(context.Background(), EngineConfig{Kind: "whisper", Model: model, Workers: 3, Language: "en",
		GPU: GPUConfig{GPU: true, NoGPU: true, Device: 1, FlashAttn: false, AudioCtx: "fit"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ws, ok := EngineSettings(eng)
	if !ok || ws.GPU || ws.GPUDevice != 1 || ws.FlashAttn || ws.AudioCtx != "fit" || ws.Workers != 3 || ws.ModelsLoaded != 1 {
		t.Fatalf("engine settings %+v", ws)
	}
	if s := EngineSummary(ws); !strings.Contains(s, "3 workers on 1 loaded model(s)") || !strings.Contains(s, "CPU (--no-gpu)") || !strings.Contains(s, "flash-attn off") {
		t.Errorf("summary %q", s)
	}
}
