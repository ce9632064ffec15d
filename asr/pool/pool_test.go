package pool

import "context"
import "errors"
import "fmt"
import "math"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

// fakeEngine is the outermost boundary: a stand-in for whisper.cpp that answers with a
// function of the request.
type fakeEngine struct {
	fn    func(ctx context.Context, req asr.Request) (asr.Transcript, error)
	calls atomic.Int64
	inUse atomic.Int64
	peak  atomic.Int64
}

func (f *fakeEngine) Name() string { return "fake" }
func (f *fakeEngine) Close() error { return nil }
func (f *fakeEngine) Transcribe(ctx context.Context, req asr.Request) (asr.Transcript, error) {
	f.calls.Add(1)
	n := f.inUse.Add(1)
	defer f.inUse.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return f.fn(ctx, req)
}

func echo(_ context.Context, req asr.Request) (asr.Transcript, error) {
	d := float64(len(req.PCM)) / wire.SampleRate
	text := fmt.Sprintf("%s spoke at %.1f", req.Utterance.Seat, req.Utterance.Start)
	return asr.Transcript{Text: text, NoSpeechProb: -1, Spans: []asr.Span{{
		Start: 0.1, End: d + 5, Text: text, NoSpeechProb: -1,
		Tokens: []asr.Token{{Text: " " + req.Utterance.Seat, P: 0.9, Start: 0.1, End: 0.4}, {Text: " spoke", P: 0.7, Start: 0.4, End: d + 5}},
	}}}, nil
}

func speech(sec float64) []int16 {
	out := make([]int16, int(sec*wire.SampleRate))
	for i := range out {
		out[i] = int16(5000 * math.Sin(2*math.Pi*200*float64(i)/wire.SampleRate))
	}
	return out
}

type collector struct {
	mu  sync.Mutex
	out []asr.Result
	in  atomic.Int32 // detects concurrent emit calls
	bad atomic.Bool
}

func (c *collector) emit(r asr.Result) {
	if c.in.Add(1) > 1 {
		c.bad.Store(true)
	}
	defer c.in.Add(-1)
	c.mu.Lock()
	c.out = append(c.out, r)
	c.mu.Unlock()
}

func (c *collector) results() []asr.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]asr.Result(nil), c.out...)
}

func (c *collector) waitFor(t *testing.T, n int) []asr.Result {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := c.results(); len(r) >= n {
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d results, have %d", n, len(c.results()))
	return nil
}

func start(t *testing.T, eng asr.Engine, cfg Config) (*Pipeline, *collector, func()) {
	t.Helper()
	c := &collector{}
	p, err := New(eng, cfg, nil, c.emit)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	return p, c, func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		if c.bad.Load() {
			t.Error("emit was called concurrently")
		}
	}
}

func utt(seat string, start, dur float64) asr.Utterance {
	return asr.Utterance{Hearing: "h1", Seat: seat, Start: start, End: start + dur}
}

func TestFinalResultsInHearingTime(t *testing.T) {
	eng := &fakeEngine{fn: echo}
	cfg := DefaultConfig()
	cfg.Workers = 2
	p, c, stop := start(t, eng, cfg)
	for i := 0; i < 10; i++ {
		u := utt([]string{"judge", "clerk"}[i%2], float64(10*i), 2)
		if err := p.Submit(u, speech(2)); err != nil {
			t.Fatal(err)
		}
	}
	rs := c.waitFor(t, 10)
	stop()
	for _, r := range rs {
		if r.Status != asr.StatusFinal {
			t.Fatalf("result %v not final: %+v", r, r.Flags)
		}
		u := r.Utterance
		if u.ID != asr.UtteranceID(u.Seat, u.Start) || r.Engine != "fake" {
			t.Errorf("id %q engine %q", u.ID, r.Engine)
		}
		if !strings.Contains(r.Text, u.Seat) {
			t.Errorf("text %q for seat %s", r.Text, u.Seat)
		}
		s := r.Spans[0]
		if math.Abs(s.Start-(u.Start+0.1)) > 1e-9 || s.End != u.End {
			t.Errorf("segment %.3f..%.3f not mapped into %.3f..%.3f", s.Start, s.End, u.Start, u.End)
		}
		if tk := s.Tokens[1]; tk.End != u.End || tk.Start < u.Start {
			t.Errorf("token times %.3f..%.3f", tk.Start, tk.End)
		}
		if math.Abs(r.Confidence-0.8) > 1e-9 {
			t.Errorf("confidence %v", r.Confidence)
		}
	}
	if eng.peak.Load() > 2 {
		t.Errorf("%d engine calls at once with 2 workers", eng.peak.Load())
	}
	st := p.Stats()
	if st.Submitted != 10 || st.Final != 10 || st.Busy != 0 || st.Queued != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestLongUtteranceSplitWithPromptCarry(t *testing.T) {
	var mu sync.Mutex
	var prompts []string
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		mu.Lock()
		prompts = append(prompts, req.Prompt)
		mu.Unlock()
		if len(req.PCM) > 30*wire.SampleRate {
			return asr.Transcript{}, errors.New("engine got more than 30 s")
		}
		return echo(ctx, req)
	}}
	p, c, stop := start(t, eng, DefaultConfig())
	p.SetVocabulary("h1", []string{"Zhang San", "breach of contract"})
	if err := p.Submit(utt("witness", 100, 65), speech(65)); err != nil {
		t.Fatal(err)
	}
	rs := c.waitFor(t, 3)
	stop()
	for i, r := range rs {
		if r.Status != asr.StatusFinal || r.Piece != i+1 || r.Pieces != 3 {
			t.Fatalf("piece %d: %+v", i, r)
		}
		if i > 0 {
			if r.Utterance.Start != rs[i-1].Utterance.End {
				t.Errorf("pieces not contiguous")
			}
			if !strings.Contains(prompts[i], rs[i-1].Text) {
				t.Errorf("prompt %q does not carry previous piece %q", prompts[i], rs[i-1].Text)
			}
		}
		if !strings.HasPrefix(prompts[i], "Zhang San, breach of contract.") {
			t.Errorf("prompt %q lacks the vocabulary", prompts[i])
		}
	}
	if rs[0].Utterance.ID != asr.UtteranceID("witness", 100) || rs[2].Utterance.End != 165 {
		t.Errorf("ids/times %+v", rs)
	}
}

func TestGuardsAndBlips(t *testing.T) {
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		if req.Utterance.Seat == "silent" {
			return asr.Transcript{Text: "Thank you.", NoSpeechProb: -1}, nil
		}
		return asr.Transcript{Text: "objection objection objection objection objection objection objection objection", NoSpeechProb: -1}, nil
	}}
	p, c, stop := start(t, eng, DefaultConfig())
	_ = p.Submit(utt("silent", 0, 2), make([]int16, 2*wire.SampleRate))
	c.waitFor(t, 1)
	_ = p.Submit(utt("loud", 5, 2), speech(2))
	c.waitFor(t, 2)
	_ = p.Submit(utt("blip", 9, 0.1), speech(0.1))
	rs := c.waitFor(t, 3)
	stop()
	if r := rs[0]; r.Status != asr.StatusEmpty || r.Text != "" || r.Dropped != "Thank you." || len(r.Flags) == 0 {
		t.Errorf("text on silence: %+v", r)
	}
	if r := rs[1]; r.Status != asr.StatusSuspect || r.Text == "" || !strings.Contains(r.Flags[0], "repeated") {
		t.Errorf("repetition: %+v", r)
	}
	if r := rs[2]; r.Status != asr.StatusEmpty || !strings.Contains(r.Flags[0], "blip") {
		t.Errorf("blip: %+v", r)
	}
	if eng.calls.Load() != 2 {
		t.Errorf("blip reached the engine")
	}
}

func TestFailuresStayPending(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		if down.Load() {
			return asr.Transcript{}, fmt.Errorf("connection refused: %w", asr.ErrUnavailable)
		}
		if req.Utterance.Seat == "slow" {
			<-ctx.Done()
			return asr.Transcript{}, ctx.Err()
		}
		return echo(ctx, req)
	}}
	cfg := DefaultConfig()
	cfg.Timeout = 50 * time.Millisecond
	p, c, stop := start(t, eng, cfg)
	_ = p.Submit(utt("judge", 0, 2), speech(2))
	rs := c.waitFor(t, 1)
	if rs[0].Status != asr.StatusPending || !strings.Contains(rs[0].Error, "connection refused") {
		t.Errorf("down: %+v", rs[0])
	}
	down.Store(false)
	_ = p.Submit(utt("slow", 3, 2), speech(2))
	rs = c.waitFor(t, 2)
	if rs[1].Status != asr.StatusPending || !strings.Contains(rs[1].Error, "timed out") {
		t.Errorf("slow: %+v", rs[1])
	}
	stop()
	// after shutdown: pending at once, not lost
	_ = p.Submit(utt("judge", 9, 2), speech(2))
	rs = c.results()
	if len(rs) != 3 || rs[2].Status != asr.StatusPending {
		t.Errorf("after shutdown: %+v", rs)
	}
	if err := p.Submit(asr.Utterance{Seat: "x", Start: 3, End: 1}, nil); err == nil {
		t.Error("bad utterance accepted")
	}
}

func TestQueueFullAndDrain(t *testing.T) {
	release := make(chan struct{})
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return asr.Transcript{}, ctx.Err()
		}
		return echo(ctx, req)
	}}
	cfg := DefaultConfig()
	cfg.QueueSize = 3
	p, c, stop := start(t, eng, cfg)
	for i := 0; i < 6; i++ { // 1 in the worker, 3 queued, 2 over
		_ = p.Submit(utt("judge", float64(3*i), 2), speech(2))
		for i == 0 && p.Stats().Busy == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	rs := c.waitFor(t, 2)
	for _, r := range rs {
		if r.Status != asr.StatusPending || r.Error != "transcription queue full" {
			t.Errorf("overflow: %+v", r)
		}
	}
	if st := p.Stats(); st.Queued != 3 || st.Busy != 1 {
		t.Errorf("stats %+v", st)
	}
	close(release)
	stop() // graceful drain: the queued ones are transcribed
	rs = c.results()
	if len(rs) != 6 {
		t.Fatalf("%d results, want 6", len(rs))
	}
	for _, r := range rs[2:] {
		if r.Status != asr.StatusFinal {
			t.Errorf("drained: %+v", r)
		}
	}
}

func TestDrainTimeoutLeavesPending(t *testing.T) {
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		<-ctx.Done()
		return asr.Transcript{}, ctx.Err()
	}}
	cfg := DefaultConfig()
	cfg.DrainTimeout = 50 * time.Millisecond
	p, c, stop := start(t, eng, cfg)
	for i := 0; i < 4; i++ {
		_ = p.Submit(utt("judge", float64(3*i), 2), speech(2))
	}
	for p.Stats().Busy == 0 {
		time.Sleep(time.Millisecond)
	}
	stop()
	rs := c.results()
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	for _, r := range rs {
		if r.Status != asr.StatusPending {
			t.Errorf("%+v", r)
		}
	}
}

func TestPartialsOnlyWhenIdleAndNeverAfterFinal(t *testing.T) {
	now := time.Unix(1000, 0)
	var clockMu sync.Mutex
	gate := make(chan struct{}, 10)
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		if req.Partial {
			<-gate
		}
		return echo(ctx, req)
	}}
	cfg := DefaultConfig()
	cfg.PartialInterval = 3 * time.Second
	cfg.Now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	p, c, stop := start(t, eng, cfg)
	u := utt("judge", 50, 2)
	waitIdle := func() {
		for p.Stats().Busy != 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(5 * time.Millisecond) // let the worker reach its select
	}
	waitIdle()
	if p.Progress(u, speech(2)) {
		t.Error("partial for a 2 s utterance (interval 3 s)")
	}
	u.End = 55
	if !p.Progress(u, speech(5)) {
		t.Fatal("no partial with an idle worker")
	}
	if p.Progress(u, speech(5)) {
		t.Error("second partial while the only worker is busy")
	}
	gate <- struct{}{}
	rs := c.waitFor(t, 1)
	if rs[0].Status != asr.StatusPartial || rs[0].Utterance.ID != asr.UtteranceID("judge", 50) {
		t.Fatalf("partial: %+v", rs[0])
	}
	waitIdle()
	u.End = 56
	if p.Progress(u, speech(6)) {
		t.Error("partial before the interval passed")
	}
	advance(3 * time.Second)
	if !p.Progress(u, speech(6)) {
		t.Fatal("no partial after the interval")
	}
	// the final overtakes the stalled partial: the partial must not come out after it
	u.End = 57
	_ = p.Submit(u, speech(7))
	// one worker, busy with the partial: the final waits in the queue; release the partial
	time.Sleep(10 * time.Millisecond)
	gate <- struct{}{}
	rs = c.waitFor(t, 3)
	stop()
	if rs[1].Status != asr.StatusPartial || rs[2].Status != asr.StatusFinal || rs[2].Utterance.End != 57 {
		t.Errorf("order: %v", rs)
	}
	if p.Progress(u, speech(7)) {
		t.Error("partial after final")
	}
}

func TestPartialAfterFinalIsDropped(t *testing.T) {
	eng := &fakeEngine{fn: echo}
	p, c, stop := start(t, eng, DefaultConfig())
	defer stop()
	u := utt("judge", 0, 4)
	u.ID = asr.UtteranceID(u.Seat, u.Start)
	p.emitResult(asr.Result{Utterance: u, Status: asr.StatusFinal, Text: "final"})
	p.emitResult(asr.Result{Utterance: u, Status: asr.StatusPartial, Text: "late partial"})
	if rs := c.results(); len(rs) != 1 || rs[0].Text != "final" {
		t.Errorf("%v", rs)
	}
}

func TestPerHearingLanguage(t *testing.T) {
	var mu sync.Mutex
	langs := map[string]string{}
	eng := &fakeEngine{fn: func(ctx context.Context, req asr.Request) (asr.Transcript, error) {
		mu.Lock()
		langs[req.Utterance.Hearing] = req.Language
		mu.Unlock()
		return echo(ctx, req)
	}}
	p, c, stop := start(t, eng, DefaultConfig())
	if err := p.SetLanguage("h-en", "en"); err != nil {
		t.Fatal(err)
	}
	if p.SetLanguage("h-fr", "fr") == nil {
		t.Error("fr accepted")
	}
	for _, h := range []string{"h-en", "h-default"} {
		u := utt("judge", 0, 2)
		u.Hearing = h
		_ = p.Submit(u, speech(2))
	}
	c.waitFor(t, 2)
	stop()
	if langs["h-en"] != "en" || langs["h-default"] != "auto" {
		t.Errorf("languages %v", langs)
	}
	p.ForgetHearing("h-en")
}

func TestNewRejectsBadConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Workers = 0
	if _, err := New(asr.None{}, cfg, nil, func(asr.Result) {}); err == nil {
		t.Error("0 workers accepted")
	}
	if _, err := New(nil, DefaultConfig(), nil, func(asr.Result) {}); err == nil {
		t.Error("nil engine accepted")
	}
}

func TestNoneEngineKeepsEverythingPending(t *testing.T) {
	p, c, stop := start(t, asr.None{}, DefaultConfig())
	_ = p.Submit(utt("judge", 0, 40), speech(40))
	rs := c.waitFor(t, 2)
	stop()
	for _, r := range rs {
		if r.Status != asr.StatusPending || !errors.Is(asr.ErrNoEngine, asr.ErrUnavailable) || r.Pieces != 2 {
			t.Errorf("%+v", r)
		}
	}
}
