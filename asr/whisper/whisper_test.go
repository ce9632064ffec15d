//go:build whisper

package whisper

import "context"
import "errors"
import "fmt"
import "math"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/models"

func jfk(t testing.TB) []int16 {
	a, err := wavfile.ReadFile(testrig.Testdata(t, "jfk.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != wire.SampleRate || len(a.Channels) != 1 {
		t.Fatalf("jfk.wav is %d Hz × %d", a.SampleRate, len(a.Channels))
	}
	return a.Channels[0]
}

func engine(t testing.TB, model string, workers int) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = testrig.Testdata(t, model)
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
	for i, s := range tr.Spans {
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
			t.Logf("%d segments, text %.60q, language %s, no-speech %.2f", len(tr.Spans), tr.Text, tr.Language, tr.NoSpeechProb)
			checkSane(t, tr, float64(len(pcm))/wire.SampleRate)
			// the test models have no weights and decode no text; prove the encoder really ran
			if n := e.Encodes(); n != 1 {
				t.Errorf("%d encoder passes for 11 s of audio, want 1", n)
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
	src, err := os.ReadFile(testrig.Testdata(t, "for-tests-ggml-tiny.bin"))
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
// with several workers (states on one model) under -race.
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
		n := (2 + i%3) * wire.SampleRate
		pcm := make([]int16, n)
		copy(pcm, speech[i*8000:])
		for k := range pcm { // mix a seat tone in so seats differ
			pcm[k] += int16(800 * math.Sin(2*math.Pi*float64(200+100*(i%3))*float64(k)/wire.SampleRate))
		}
		u := asr.Utterance{Hearing: "h", Seat: seat, Start: start, End: start + float64(n)/wire.SampleRate}
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
		if w.encodes() > 0 {
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
		for _, s := range r.Spans {
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
	long := make([]int16, 30*wire.SampleRate)
	copy(long, jfk(t))
	t0 := time.Now()
	_, err := e.Transcribe(ctx, asr.Request{PCM: long})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("decode finished before the deadline (%v): %v", time.Since(t0), err)
	}
	// the worker is usable afterwards
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: jfk(t)[:3*wire.SampleRate]}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // closing twice is fine
		if err := e.Close(); err != nil {
			t.Errorf("close %d: %v", i+1, err)
		}
	}
	if _, err := e.Transcribe(context.Background(), asr.Request{PCM: long}); !errors.Is(err, asr.ErrUnavailable) {
		t.Errorf("after close: %v", err)
	}
}

// utterances cut from jfk.wav with a seat tone mixed in, 2..6 s long.
func testUtterances(t testing.TB, n int) [][]int16 {
	speech := jfk(t)
	var out [][]int16
	for i := 0; i < n; i++ {
		pcm := make([]int16, (2+i%5)*wire.SampleRate)
		copy(pcm, speech[(i*7919)%(len(speech)-len(pcm)):])
		for k := range pcm {
			pcm[k] += int16(600 * math.Sin(2*math.Pi*float64(180+70*i)*float64(k)/wire.SampleRate))
		}
		out = append(out, pcm)
	}
	return out
}

// randomTiny writes a tiny model with pseudo-random weights (models.WriteRandomModel): its
// output depends on the audio, unlike the header-only test models whose weights are all alike.
func randomTiny(t testing.TB) string {
	t.Helper()
	hp, _ := models.KnownHParams("tiny")
	p := filepath.Join(t.TempDir(), "random-tiny.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.WriteRandomModel(f, hp, 14); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func deterministic(t testing.TB, model string, workers int, perWorker bool) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = model
	cfg.Workers, cfg.Threads, cfg.ModelPerWorker = workers, 1, perWorker
	cfg.TemperatureInc = -1 // no sampling at higher temperatures: the same audio gives the same text
	e, err := NewEngine(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// sameTranscript: the same text, segments, tokens and times; probabilities within 1e-3. A
// state's history changes the last digits of the probabilities (whisper.cpp pads its KV cache
// to the longest sequence it has held, which changes the order of float sums), whether or not
// other states run beside it; words and times do not change.
func sameTranscript(a, b asr.Transcript) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-3 }
	if a.Text != b.Text || a.Language != b.Language || len(a.Spans) != len(b.Spans) || !near(a.NoSpeechProb, b.NoSpeechProb) || !near(a.Confidence, b.Confidence) {
		return false
	}
	for i, s := range a.Spans {
		o := b.Spans[i]
		if s.Start != o.Start || s.End != o.End || s.Text != o.Text || !near(s.NoSpeechProb, o.NoSpeechProb) || len(s.Tokens) != len(o.Tokens) {
			return false
		}
		for k, tk := range s.Tokens {
			ok := o.Tokens[k]
			if tk.Text != ok.Text || tk.Start != ok.Start || tk.End != ok.End || !near(tk.P, ok.P) {
				return false
			}
		}
	}
	return true
}

// One model, many workers: four states on one whisper_context decode at the same time and give
// exactly what one state gives one utterance after the other, and only one model is loaded.
func TestSharedModelConcurrentMatchesSequential(t *testing.T) {
	utts := testUtterances(t, 6)
	model := randomTiny(t)
	e := deterministic(t, model, 4, false)
	if e.contexts != 1 || loaded.Load() != 1 {
		t.Fatalf("4 workers loaded %d models (%d alive in the process), want 1", e.contexts, loaded.Load())
	}
	if st := e.Settings(); st.ModelsLoaded != 1 || st.Workers != 4 {
		t.Errorf("settings %+v", st)
	}
	seq := make([]asr.Transcript, len(utts))
	for i, pcm := range utts {
		tr, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en", Prompt: "the court is in session"})
		if err != nil {
			t.Fatal(err)
		}
		seq[i] = tr
		t.Logf("utterance %d: %d segments, %q", i, len(tr.Spans), tr.Text)
	}
	distinct := map[string]bool{}
	for _, tr := range seq {
		distinct[fmt.Sprintf("%+v", tr)] = true
	}
	if len(distinct) < len(seq)/2 {
		t.Fatalf("only %d distinct results for %d different utterances: the comparison below could not tell states apart", len(distinct), len(seq))
	}
	before := make([]int, len(e.all))
	for i, w := range e.all {
		before[i] = w.encodes()
	}
	conc := make([]asr.Transcript, len(utts))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, pcm := range utts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tr, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en", Prompt: "the court is in session"})
			if err != nil {
				t.Error(err)
			}
			conc[i] = tr
		}()
	}
	close(start)
	wg.Wait()
	used := 0
	for i, w := range e.all {
		if w.encodes() > before[i] {
			used++
		}
	}
	if used < 2 {
		t.Errorf("only %d of 4 states decoded during the concurrent round", used)
	}
	tokens := 0
	for i := range utts {
		if !sameTranscript(seq[i], conc[i]) {
			t.Errorf("utterance %d: concurrent result differs from sequential:\n%+v\n%+v", i, conc[i], seq[i])
		}
		for _, s := range seq[i].Spans {
			tokens += len(s.Tokens)
		}
	}
	if tokens == 0 {
		t.Error("the random-weight model decoded no tokens")
	}
	// the layout before the shared model gives the same text: states on separate models
	old := deterministic(t, model, 2, true)
	if old.contexts != 2 || loaded.Load() != 3 {
		t.Errorf("model per worker: %d contexts, %d alive in the process; want 2 and 3", old.contexts, loaded.Load())
	}
	for i, pcm := range utts[:3] {
		tr, err := old.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en", Prompt: "the court is in session"})
		if err != nil {
			t.Fatal(err)
		}
		if !sameTranscript(tr, seq[i]) {
			t.Errorf("utterance %d: model-per-worker result differs from the shared model's", i)
		}
	}
	old.Close()
	e.Close()
	if n := loaded.Load(); n != 0 {
		t.Errorf("%d models still loaded after Close", n)
	}
}

// The context parameters reach whisper.cpp: its own load log states them.
func TestContextParamsReachWhisper(t *testing.T) {
	for _, c := range []struct {
		gpu, fa bool
		dev     int
	}{{true, true, 0}, {false, false, 3}, {true, false, 1}} {
		cfg := DefaultConfig()
		cfg.Model = testrig.Testdata(t, "for-tests-ggml-tiny.bin")
		cfg.GPU, cfg.FlashAttn, cfg.GPUDevice = c.gpu, c.fa, c.dev
		e, err := NewEngine(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := func(v bool) string {
			if v {
				return "1"
			}
			return "0"
		}
		for key, want := range map[string]string{
			"use gpu    =": b(c.gpu), "flash attn =": b(c.fa), "gpu_device =": fmt.Sprint(c.dev),
		} {
			if got := logValue(e.loadLog, key); got != want {
				t.Errorf("%+v: whisper.cpp logged %q %q, want %q", c, key, got, want)
			}
		}
		st := e.Settings()
		if st.GPU != c.gpu || st.FlashAttn != c.fa || st.GPUDevice != c.dev || !strings.Contains(st.System, "CPU :") {
			t.Errorf("settings %+v", st)
		}
		if GPUs() == 0 && (st.GPUName != "" || !strings.HasPrefix(st.Backend(), "CPU")) {
			t.Errorf("no GPU here, but the engine reports %q / %q", st.GPUName, st.Backend())
		}
		t.Logf("%s", st)
		// it still decodes
		if _, err := e.Transcribe(context.Background(), asr.Request{PCM: jfk(t)[:2*wire.SampleRate], Language: "en"}); err != nil {
			t.Error(err)
		}
		e.Close()
	}
	cfg := DefaultConfig()
	cfg.Model, cfg.GPUDevice = testrig.Testdata(t, "for-tests-ggml-tiny.bin"), -1
	if _, err := NewEngine(context.Background(), cfg, nil); err == nil {
		t.Error("GPU device -1 accepted")
	}
	cfg.GPUDevice, cfg.AudioCtx = 0, "half"
	if _, err := NewEngine(context.Background(), cfg, nil); err == nil {
		t.Error("audio context mode half accepted")
	}
}

func TestAudioCtxFor(t *testing.T) {
	for _, c := range []struct{ sec, want float64 }{
		{1.1, 128}, {2, 192}, {5, 320}, {10, 576}, {20, 1088}, {27.5, 1472}, {28.8, 0}, {30, 0},
	} {
		if got := AudioCtxFor(int(c.sec * wire.SampleRate)); got != int(c.want) {
			t.Errorf("%.1f s: audio_ctx %d, want %v", c.sec, got, c.want)
		}
	}
	for n := 1; n < 31*wire.SampleRate; n += 1601 {
		c := AudioCtxFor(n)
		if c != 0 && (c%64 != 0 || c*320 < n || c >= 1500) {
			t.Fatalf("%d samples: audio_ctx %d does not cover them", n, c)
		}
	}
}

// In fit mode each utterance is encoded once with an audio_ctx sized to it; long ones keep
// the full window.
func TestAudioCtxFitDecodes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Model, cfg.Threads, cfg.AudioCtx = testrig.Testdata(t, "for-tests-ggml-tiny.bin"), 1, AudioCtxFit
	e, err := NewEngine(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	speech := jfk(t)
	for _, n := range []int{3 * wire.SampleRate, len(speech), 29 * wire.SampleRate} {
		pcm := make([]int16, n)
		copy(pcm, speech)
		before := e.Encodes()
		tr, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		checkSane(t, tr, float64(n)/wire.SampleRate)
		w := e.all[0]
		if w.lastCtx != AudioCtxFor(n) {
			t.Errorf("%d samples: audio_ctx %d, want %d", n, w.lastCtx, AudioCtxFor(n))
		}
		if got := e.Encodes() - before; got != 1 {
			t.Errorf("%d samples: %d encoder passes, want 1", n, got)
		}
	}
	if e.all[0].lastCtx != 0 {
		t.Errorf("29 s utterance: audio_ctx %d, want the full window", e.all[0].lastCtx)
	}
}

// A partial always gets the fitted window; a final keeps the full one unless configured.
func TestAudioCtxPartials(t *testing.T) {
	e := engine(t, "for-tests-ggml-tiny.bin", 1)
	pcm := jfk(t)[:4*wire.SampleRate]
	for _, partial := range []bool{true, false} {
		if _, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en", Partial: partial}); err != nil {
			t.Fatal(err)
		}
		want := 0
		if partial {
			want = AudioCtxFor(len(pcm))
		}
		if got := e.all[0].lastCtx; got != want {
			t.Errorf("partial=%v: audio_ctx %d, want %d", partial, got, want)
		}
	}
}
