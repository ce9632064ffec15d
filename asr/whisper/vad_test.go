//go:build whisper

package whisper

import "math/rand"
import "os"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// speechShare is the share of VADFrame frames whose probability is over 0.5.
func speechShare(p []float32) float64 {
	n := 0
	for _, x := range p {
		if x > 0.5 {
			n++
		}
	}
	return float64(n) / float64(max(1, len(p)))
}

// The real Silero model hears the JFK speech and not silence or white noise.
func TestSileroVAD(t *testing.T) {
	v, err := OpenVAD(testrig.Testdata(t, "for-tests-silero-v6.2.0-ggml.bin"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	speech := jfk(t)
	p, err := v.Probs(speech)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(speech) / VADFrame; len(p) < want || len(p) > want+1 {
		t.Fatalf("%d probabilities for %d samples, want %d", len(p), len(speech), want)
	}
	if s := speechShare(p); s < 0.5 {
		t.Fatalf("jfk.wav: %.0f %% of frames speech, want most", 100*s)
	}
	r := rand.New(rand.NewSource(1))
	noise := make([]int16, 5*wire.SampleRate)
	for i := range noise {
		noise[i] = int16(r.NormFloat64() * 300)
	}
	for name, pcm := range map[string][]int16{"silence": make([]int16, 5*wire.SampleRate), "white noise": noise} {
		p, err := v.Probs(pcm)
		if err != nil {
			t.Fatal(err)
		}
		if s := speechShare(p); s > 0.05 {
			t.Errorf("%s: %.0f %% of frames speech", name, 100*s)
		}
	}
	v.Close()
	if _, err := v.Probs(speech); err == nil {
		t.Fatal("Probs after Close: no error")
	}
}

// A missing, tiny or corrupt model file is an error, not a crash.
func TestSileroVADBadModel(t *testing.T) {
	dir := t.TempDir()
	tiny := filepath.Join(dir, "tiny.bin")
	os.WriteFile(tiny, []byte("ggml"), 0o600)
	junk := filepath.Join(dir, "junk.bin")
	b := make([]byte, 64<<10)
	rand.New(rand.NewSource(2)).Read(b)
	os.WriteFile(junk, b, 0o600)
	for _, p := range []string{filepath.Join(dir, "none.bin"), tiny, junk, dir} {
		if v, err := OpenVAD(p, 1); err == nil {
			v.Close()
			t.Errorf("%s: no error", p)
		}
	}
}
