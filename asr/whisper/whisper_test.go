//go:build whisper

package whisper

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/pool"
	"github.com/courtscribe/courtscribe/capture/wavfile"
)

// testdata finds ../shared/testdata next to the repository root (the directory with go.mod).
func testdata(t testing.TB, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data %s not found (expected in ../shared/testdata next to the repository): %v", name, err)
	}
	return p
}

func jfk(t testing.TB) []int16 {
	a, err := wavfile.ReadFile(testdata(t, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != 16000 || len(a.Channels) != 1 {
		t.Fatalf("jfk.wav is %d Hz × %d", a.SampleRate, len(a.Channels))
	}
	return a.Channels[0]
}

func engine(t testing.TB, model string, workers int) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = testdata(t, model)
	cfg.Workers = workers
	cfg.Threads = 1
	e, err := NewEngine(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func checkSane(t *testing.T, tr asr.Transcript, dur float64) {
	t.Helper()
	prev := 0.0
	for i, s := range tr.Segments {
		if s.Start < 0 || s.End < s.Start || s.End > dur+0.5 || s.Start < prev-1e-9 {
			t.Errorf("segment %d %.2f..%.2f not ordered within 0..%.2f", i, s.Start, s.End, dur)
		}
		prev = s.Start
		for _, tk := range s.Tokens {
			if tk.P < 0 || tk.P > 1 {
				t.Errorf("token %q probability %v", tk.Text, tk.P)
			}
			if tk.Start >= 0 && (tk.End < tk.Start || tk.End > dur+0.5) {
				t.Errorf("token %q at %.2f..%.2f", tk.Text, tk.Start, tk.End)
			}
		}
		if s.NoSpeechProb < 0 || s.NoSpeechProb > 1 {
			t.Errorf("segment %d no-speech probability %v", i, s.NoSpeechProb)
		}
	}
}

func TestTranscribeJFK(t *testing.T) {
	pcm := jfk(t)
	for _, m := range []string{"for-tests-ggml-tiny.bin", "for-tests-ggml-tiny.en.bin"} {
		t.Run(m, func(t *testing.T) {
			e := engine(t, m, 1)
			tr, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en", Prompt: "Ask not what your country can do for you."})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d segments, text %.60q, language %s, no-speech %.2f", len(tr.Segments), tr.Text, tr.Language, tr.NoSpeechProb)
			checkSane(t, tr, float64(len(pcm))/16000)
			// the test models have no weights and decode no text; prove the encoder really ran
			w := <-e.free
			ms := w.encodeMS()
			e.free <- w
			if ms <= 0 {
				t.Errorf("encoder time %v ms: whisper.cpp did not run", ms)
			}
		})
	}
}

func TestEnglishOnlyModelRefusesChinese(t *testing.T) {
	e := engine(t, "for-tests-ggml-tiny.en.bin", 1)
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: make([]int16, 16000), Language: "zh"}); err == nil {
		t.Error("zh accepted by an English-only model")
	}
	cfg := DefaultConfig()
	cfg.Model, cfg.Language = e.cfg.Model, "zh"
	if _, err := NewEngine(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "English-only") {
		t.Errorf("zh engine on English-only model: %v", err)
	}
}

func TestCorruptModelRejected(t *testing.T) {
	src, err := os.ReadFile(testdata(t, "for-tests-ggml-tiny.bin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"truncated.bin": src[:len(src)/3],
		"garbage.bin":   []byte("this is not a model at all, it is a court transcript"),
		"empty.bin":     nil,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		cfg := DefaultConfig()
		cfg.Model = p
		if _, err := NewEngine(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "rejected") {
			t.Errorf("%s: %v", name, err)
		}
	}
	cfg := DefaultConfig()
	cfg.Model = filepath.Join(dir, "missing.bin")
	if _, err := NewEngine(context.Background(), cfg, nil); err == nil {
		t.Error("missing model accepted")
	}
}

// a generated hearing: three seats' utterances of tones and noise bursts, through the pool
// with several workers (each with its own model) under -race.
func TestPoolSeveralWorkers(t *testing.T) {
	e := engine(t, "for-tests-ggml-tiny.bin", 2)
	speech := jfk(t)
	var mu sync.Mutex
	var rs []asr.Result
	cfg := pool.DefaultConfig()
	cfg.Workers = 2
	cfg.Language = "en"
	p, err := pool.New(e, cfg, nil, func(r asr.Result) { mu.Lock(); rs = append(rs, r); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	var us []asr.Utterance
	for i := 0; i < 4; i++ {
		seat := []string{"judge", "clerk", "witness"}[i%3]
		start := float64(5 * i)
		n := (2 + i%3) * 16000
		pcm := make([]int16, n)
		copy(pcm, speech[i*8000:])
		for k := range pcm { // mix a seat tone in so seats differ
			pcm[k] += int16(800 * math.Sin(2*math.Pi*float64(200+100*(i%3))*float64(k)/16000))
		}
		u := asr.Utterance{Hearing: "h", Seat: seat, Start: start, End: start + float64(n)/16000}
		us = append(us, u)
		if err := p.Submit(u, pcm); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		mu.Lock()
		n := len(rs)
		mu.Unlock()
		if n == len(us) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if len(rs) != len(us) {
		t.Fatalf("%d results for %d utterances", len(rs), len(us))
	}
	busy := 0
	for _, w := range e.all {
		if w.encodeMS() > 0 {
			busy++
		}
	}
	if busy != 2 {
		t.Errorf("%d of 2 workers ran the encoder", busy)
	}
	for _, r := range rs {
		if r.Status == asr.StatusPending {
			t.Errorf("pending: %s", r.Error)
		}
		for _, s := range r.Segments {
			if s.Start < r.Utterance.Start || s.End > r.Utterance.End || s.End < s.Start {
				t.Errorf("segment %.2f..%.2f outside utterance %.2f..%.2f", s.Start, s.End, r.Utterance.Start, r.Utterance.End)
			}
		}
	}
}

func TestCancelAborts(t *testing.T) {
	e := engine(t, "for-tests-ggml-base.en.bin", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	long := make([]int16, 30*16000)
	copy(long, jfk(t))
	t0 := time.Now()
	_, err := e.Transcribe(ctx, asr.Request{PCM: long})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("decode finished before the deadline (%v): %v", time.Since(t0), err)
	}
	// the worker is usable afterwards
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: jfk(t)[:3*16000]}); err != nil {
		t.Fatal(err)
	}
	if e.Close() != nil || e.Close() != nil {
		t.Error("close twice")
	}
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: long}); !errors.Is(err, asr.ErrUnavailable) {
		t.Errorf("after close: %v", err)
	}
}
