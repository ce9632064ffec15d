package backfill

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "math"
import "net/http"
import "os"
import "path/filepath"
import "sort"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/asr/remote"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

// memStore stands in for the transcript store (another package): utterances by ID.
type memStore struct {
	mu sync.Mutex
	rs map[string]asr.Result
}

func newMemStore() *memStore { return &memStore{rs: map[string]asr.Result{}} }

func (m *memStore) record(r asr.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.rs[r.Utterance.ID]; ok && old.Status.Done() && r.Status == asr.StatusPending {
		return
	}
	m.rs[r.Utterance.ID] = r
}

func (m *memStore) Pending(ctx context.Context, hearing string) ([]asr.Utterance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []asr.Utterance
	for _, r := range m.rs {
		if r.Status == asr.StatusPending && r.Utterance.Hearing == hearing {
			out = append(out, r.Utterance)
		}
	}
	return out, nil
}

func (m *memStore) Complete(ctx context.Context, r asr.Result) error { m.record(r); return nil }

func (m *memStore) all() []asr.Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []asr.Result
	for _, r := range m.rs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Utterance.Start < out[j].Utterance.Start })
	return out
}

// hearing writes a two-seat archive with utterances of tone every 4 s and returns them.
func hearing(t *testing.T, dir string, n int) ([]asr.Utterance, map[string][]int16) {
	t.Helper()
	audio := filepath.Join(archive.HearingDir(dir, "h1"), archive.AudioDir)
	if err := os.MkdirAll(audio, 0o755); err != nil {
		t.Fatal(err)
	}
	total := (4*n + 2) * wire.SampleRate
	seats := map[string][]int16{"judge": make([]int16, total), "clerk": make([]int16, total)}
	var us []asr.Utterance
	for i := 0; i < n; i++ {
		seat := []string{"judge", "clerk"}[i%2]
		start := float64(4*i + 1)
		u := asr.Utterance{Hearing: "h1", Seat: seat, Start: start, End: start + 2}
		u.ID = asr.UtteranceID(seat, start)
		us = append(us, u)
		freq := 150 + 50*float64(i)
		for k := asr.SampleIndex(u.Start); k < asr.SampleIndex(u.End); k++ {
			seats[seat][k] = int16(6000 * math.Sin(2*math.Pi*freq*float64(k)/wire.SampleRate))
		}
	}
	for seat, pcm := range seats {
		testrig.WriteWAV(t, filepath.Join(audio, seat+".wav"), wire.SampleRate, pcm)
	}
	return us, seats
}

// flaky is the outermost boundary: an engine that is down while down is set and otherwise
// "hears" the tone frequency of the audio, so each text proves which audio it was given.
type flaky struct{ down atomic.Bool }

func (f *flaky) Name() string { return "flaky" }
func (f *flaky) Close() error { return nil }
func (f *flaky) Health(context.Context) error {
	if f.down.Load() {
		return asr.ErrUnavailable
	}
	return nil
}
func (f *flaky) Transcribe(ctx context.Context, req asr.Request) (asr.Transcript, error) {
	if f.down.Load() {
		return asr.Transcript{}, fmt.Errorf("engine crashed: %w", asr.ErrUnavailable)
	}
	text := fmt.Sprintf("tone %d Hz", zeroCrossHz(req.PCM))
	return asr.Transcript{Text: text, NoSpeechProb: -1, Spans: []asr.Span{{Start: 0, End: 1, Text: text, NoSpeechProb: -1}}}, nil
}

// zeroCrossHz estimates a tone's frequency from zero crossings of the non-silent part, rounded to 50 Hz.
func zeroCrossHz(pcm []int16) int {
	n, cross := 0, 0
	for i := 1; i < len(pcm); i++ {
		if pcm[i] == 0 && pcm[i-1] == 0 {
			continue
		}
		n++
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			cross++
		}
	}
	if n == 0 {
		return 0
	}
	hz := float64(cross) / 2 / (float64(n) / wire.SampleRate)
	return int(math.Round(hz/50) * 50)
}

func wantText(i int) string { return fmt.Sprintf("tone %d Hz", 150+50*i) }

func runPool(t *testing.T, eng asr.Engine, store *memStore) (*pool.Pipeline, func()) {
	t.Helper()
	cfg := pool.DefaultConfig()
	cfg.Timeout = 2 * time.Second
	p, err := pool.New(eng, cfg, nil, store.record)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	return p, func() { cancel(); <-done }
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func submitAll(t *testing.T, p *pool.Pipeline, us []asr.Utterance, seats map[string][]int16, store *memStore, from, to int) {
	t.Helper()
	for _, u := range us[from:to] {
		pcm := seats[u.Seat][asr.SampleIndex(u.Start):asr.SampleIndex(u.End)]
		if err := p.Submit(u, pcm); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "results", func() bool { return len(store.all()) >= to })
}

func checkAllTranscribed(t *testing.T, store *memStore, us []asr.Utterance) {
	t.Helper()
	rs := store.all()
	if len(rs) != len(us) {
		t.Fatalf("%d utterances in the store, want %d", len(rs), len(us))
	}
	for i, r := range rs {
		if r.Status != asr.StatusFinal || r.Text != wantText(i) || r.Utterance.ID != us[i].ID {
			t.Errorf("utterance %d: %s %q (%s), want final %q", i, r.Status, r.Text, r.Error, wantText(i))
		}
	}
}

func TestEngineKilledMidHearingIsBackfilled(t *testing.T) {
	dir := t.TempDir()
	us, seats := hearing(t, dir, 8)
	eng := &flaky{}
	store := newMemStore()
	p, stopPool := runPool(t, eng, store)
	defer stopPool()

	submitAll(t, p, us, seats, store, 0, 3)
	eng.down.Store(true) // the engine dies mid-hearing
	submitAll(t, p, us, seats, store, 3, 8)
	if pend, _ := store.Pending(context.Background(), "h1"); len(pend) != 5 {
		t.Fatalf("%d pending, want 5", len(pend))
	}

	b := &Backfiller{Store: store, Audio: archive.Archive{Dir: dir}, Engine: p, Policy: policy.DefaultConfig(), Idle: func() bool { return p.Stats().Busy == 0 }}
	rep, err := b.Run(context.Background(), "h1")
	if !errors.Is(err, ErrStillUnavailable) || rep.Remaining != 5 || rep.Completed != 0 {
		t.Fatalf("run while down: %+v %v", rep, err)
	}

	w := NewWatcher(b, func(context.Context) ([]string, error) { return []string{"h1"}, nil }, eng.Health, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(60 * time.Millisecond)
	if pend, _ := store.Pending(ctx, "h1"); len(pend) != 5 {
		t.Fatalf("backfilled while the engine is down")
	}
	eng.down.Store(false) // the engine comes back
	w.Kick()
	waitUntil(t, "backfill", func() bool { pend, _ := store.Pending(ctx, "h1"); return len(pend) == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkAllTranscribed(t, store, us)
}

// whisperServer is a minimal in-test whisper-server (POST /inference, verbose_json, GET /health)
// that "hears" tone frequencies, on an address it can leave and come back to.
type whisperServer struct {
	t    *testing.T
	addr string
	srv  *http.Server
	done chan struct{}
}

func (s *whisperServer) start() {
	ln := testrig.Listen(s.t, s.addr)
	s.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"ok"}`) })
	mux.HandleFunc("POST /inference", func(w http.ResponseWriter, r *http.Request) {
		f, _, err := r.FormFile("file")
		if err != nil {
			io.WriteString(w, `{"error":"no 'file' field in the request"}`)
			return
		}
		b, _ := io.ReadAll(f)
		pcm, err := archive.ReadRange(bytes.NewReader(b), 0, float64(len(b)-44)/2/wire.SampleRate)
		if err != nil {
			io.WriteString(w, `{"error":"failed to read WAV file"}`)
			return
		}
		text := fmt.Sprintf("tone %d Hz", zeroCrossHz(pcm))
		json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "english", "duration": 1.0, "text": text,
			"segments": []any{map[string]any{"id": 0, "text": text, "start": 0.0, "end": 1.0}}})
	})
	s.srv = &http.Server{Handler: mux}
	s.done = make(chan struct{})
	go func() { defer close(s.done); s.srv.Serve(ln) }()
}

func (s *whisperServer) stop() {
	if s.srv != nil {
		s.srv.Close()
		<-s.done
		s.srv = nil
	}
}

func TestRemoteServerDownAndUpIsBackfilled(t *testing.T) {
	dir := t.TempDir()
	us, seats := hearing(t, dir, 6)
	ws := &whisperServer{t: t, addr: "127.0.0.1:0"}
	ws.start()
	defer ws.stop()
	cfg := remote.DefaultConfig()
	cfg.URLs = []string{"http://" + ws.addr}
	cfg.Timeout = 2 * time.Second
	cfg.RetryDown = 10 * time.Millisecond
	eng, err := remote.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	store := newMemStore()
	p, stopPool := runPool(t, eng, store)
	defer stopPool()

	submitAll(t, p, us, seats, store, 0, 2)
	ws.stop() // whisper-server goes down mid-hearing
	submitAll(t, p, us, seats, store, 2, 6)
	pend, _ := store.Pending(context.Background(), "h1")
	if len(pend) != 4 {
		t.Fatalf("%d pending, want 4", len(pend))
	}
	for _, u := range pend {
		if r := store.rs[u.ID]; !strings.Contains(r.Error, "unavailable") {
			t.Errorf("pending reason %q", r.Error)
		}
	}
	b := &Backfiller{Store: store, Audio: archive.Archive{Dir: dir}, Engine: p, Policy: policy.DefaultConfig()}
	w := NewWatcher(b, func(context.Context) ([]string, error) { return []string{"h1"}, nil }, eng.Health, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	time.Sleep(50 * time.Millisecond)
	ws.start() // and comes back on the same address
	waitUntil(t, "backfill", func() bool { pend, _ := store.Pending(ctx, "h1"); return len(pend) == 0 })
	cancel()
	<-done
	checkAllTranscribed(t, store, us)
}

func TestArchiveReadRange(t *testing.T) {
	dir := t.TempDir()
	_, seats := hearing(t, dir, 3)
	a := archive.Archive{Dir: dir}
	got, err := a.Audio(context.Background(), "h1", "clerk", 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := seats["clerk"][5*wire.SampleRate : 7*wire.SampleRate]; !equal16(got, want) {
		t.Error("range differs from what was written")
	}
	if _, err := a.Audio(context.Background(), "h1", "clerk", 13, 15); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("past end: %v", err)
	}
	if _, err := a.Audio(context.Background(), "h1", "nobody", 0, 1); err == nil {
		t.Error("missing seat read")
	}
	for _, bad := range []string{"../x", "", "a/b"} {
		if _, err := a.Audio(context.Background(), bad, "judge", 0, 1); err == nil {
			t.Errorf("hearing %q accepted", bad)
		}
	}
	stereo := filepath.Join(dir, "stereo.wav")
	if err := wavfile.WriteMulti(stereo, wire.SampleRate, [][]int16{make([]int16, 16000), make([]int16, 16000)}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(stereo)
	if _, err := archive.ReadRange(bytes.NewReader(b), 0, 0.5); err == nil || !strings.Contains(err.Error(), "2 channels") {
		t.Errorf("stereo: %v", err)
	}
}

func equal16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
