//go:build whisper

package models

// These tests need libwhisper (scripts/whisper-test.sh finds it): they check the validator
// against the real whisper.cpp loader.

import "bytes"
import "errors"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"

import "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"

// loadValidated is how a caller loads a model: Validate first, whisper.cpp only if it passes.
// loads counts how often whisper.cpp was reached.
func loadValidated(t *testing.T, path string, loads *int) (*Info, error) {
	t.Helper()
	info, err := Validate(path)
	if err != nil {
		return nil, err
	}
	*loads++
	m, err := whisper.New(path)
	if err != nil {
		return info, err
	}
	return info, m.Close()
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWhisperLoadsValidModels(t *testing.T) {
	tiny, _ := KnownHParams("tiny")
	paths := map[string]string{
		"WriteTestModel tiny":         writeFile(t, "tiny.bin", headerOnly(t, tiny, nil)),
		"full synthetic f16":          writeFile(t, "f16.bin", fullModel(t, smallHParams(1))),
		"full synthetic f32":          writeFile(t, "f32.bin", fullModel(t, smallHParams(0))),
		"full synthetic q8_0":         writeFile(t, "q8.bin", fullModel(t, smallHParams(1007))),
		"full synthetic q5_1 (qntv2)": writeFile(t, "q51.bin", fullModel(t, smallHParams(2009))),
	}
	if td := sharedTestdataOrEmpty(t); td != "" {
		paths["whisper.cpp tiny"] = filepath.Join(td, "for-tests-ggml-tiny.bin")
		paths["whisper.cpp base.en"] = filepath.Join(td, "for-tests-ggml-base.en.bin")
	}
	for name, p := range paths {
		t.Run(name, func(t *testing.T) {
			loads := 0
			info, err := loadValidated(t, p, &loads)
			if err != nil {
				t.Fatalf("loads=%d: %v", loads, err)
			}
			if loads != 1 {
				t.Fatal("whisper.cpp not reached")
			}
			if strings.HasPrefix(name, "full") == info.HeaderOnly {
				t.Errorf("header-only %v for %s", info.HeaderOnly, name)
			}
		})
	}
}

func sharedTestdataOrEmpty(t *testing.T) string {
	var td string
	t.Run("shared testdata", func(t *testing.T) { td = sharedTestdata(t) })
	return td
}

func TestWhisperRunsFullSyntheticModel(t *testing.T) {
	// A full model written from expectedTensors loads and runs the encoder and decoder: the
	// layout the validator checks is the layout whisper.cpp reads.
	p := writeFile(t, "f16.bin", fullModel(t, smallHParams(1)))
	if _, err := Validate(p); err != nil {
		t.Fatal(err)
	}
	m, err := whisper.New(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, err := m.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx.SetThreads(2)
	ctx.SetMaxTokensPerSegment(8)
	samples := make([]float32, whisper.SampleRate) // one second of silence
	if err := ctx.Process(samples, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestWhisperNeverSeesCorruptModels(t *testing.T) {
	good := fullModel(t, smallHParams(1))
	dir := t.TempDir()
	for i, c := range corruptions {
		p := filepath.Join(dir, "m.bin")
		if err := os.WriteFile(p, c.damage(t, bytes.Clone(good)), 0o644); err != nil {
			t.Fatal(err)
		}
		loads := 0
		_, err := loadValidated(t, p, &loads)
		if !errors.Is(err, ErrInvalid) || loads != 0 {
			t.Errorf("%d %s: want ErrInvalid before whisper.cpp, got loads=%d err=%v", i, c.name, loads, err)
		}
	}
}

// TestWhisperAbortsOnBadFtype shows what Validate prevents: whisper.cpp given a file type it
// does not know (here 4, Q4_1_SOME_F16) hits GGML_ASSERT and aborts the whole process. The
// load runs in a child process (this test binary, re-executed).
func TestWhisperAbortsOnBadFtype(t *testing.T) {
	if p := os.Getenv("COURTSCRIBE_MODELS_CHILD_LOAD"); p != "" {
		m, err := whisper.New(p)
		if err == nil {
			m.Close()
		}
		os.Exit(0) // reached only if whisper.cpp did not abort
	}
	b := headerOnly(t, smallHParams(1), nil)
	b = put32(b, 44, 4)
	p := writeFile(t, "ftype4.bin", b)
	if _, err := Validate(p); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWhisperAbortsOnBadFtype$")
	cmd.Env = append(os.Environ(), "COURTSCRIBE_MODELS_CHILD_LOAD="+p)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Success() {
		t.Fatalf("whisper.cpp survived ftype 4 (err %v); the test no longer shows a crash", err)
	}
	if !bytes.Contains(out, []byte("GGML_ASSERT")) {
		t.Logf("child output:\n%s", out)
	}
}
