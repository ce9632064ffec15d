package ingest

import "context"
import "log/slog"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

// rig is one ingest server on loopback with a fresh data directory and a token for "room1".
type rig struct {
	t     *testing.T
	dir   string
	srv   *Server
	http  *httptest.Server
	token string
	rec   *recorder
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigDir(t, t.TempDir())
}

// newRigDir starts a server on dir; opts adjust its configuration.
func newRigDir(t *testing.T, dir string, opts ...func(*Config)) *rig {
	t.Helper()
	r := &rig{t: t, dir: dir, rec: &recorder{}}
	cfg := DefaultConfig(dir)
	cfg.Logger = testLogger(t)
	cfg.Listener = r.rec
	cfg.TakeoverTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	r.http = httptest.NewServer(srv.Handler())
	tok, _, err := srv.Tokens().Add("room1")
	if err != nil {
		t.Fatal(err)
	}
	r.token = tok
	t.Cleanup(r.stop)
	return r
}

func (r *rig) stop() {
	if r.http == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.srv.Close(ctx); err != nil {
		r.t.Errorf("server close: %v", err)
	}
	r.http.CloseClientConnections()
	r.http.Close()
	r.http = nil
}

func (r *rig) url() string { return "ws" + strings.TrimPrefix(r.http.URL, "http") + AgentPath }

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

var fourSeats = []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}, {Name: "prosecutor", Channel: 3}, {Name: "defense", Channel: 4}}

// testPCM makes deterministic, distinct audio per seat.
func testPCM(seats, samples int, seed uint64) [][]int16 {
	return testrig.FullScalePCM(seats, samples, seed)
}

func (r *rig) agent(session string, pcm [][]int16) *ingesttest.Agent {
	return &ingesttest.Agent{URL: r.url(), Token: r.token, Courtroom: "room1", Session: session,
		Seats: fourSeats[:len(pcm)], PCM: pcm, FrameSamples: 1600, Window: 16}
}

// checkArchive proves every seat WAV holds exactly want (sample-exact, via SHA-256 of PCM).
func checkArchive(t *testing.T, dataDir, hearing string, seats []wire.Seat, want [][]int16) {
	t.Helper()
	for i, s := range seats {
		a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(dataDir, hearing), archive.AudioDir, s.Name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		if a.SampleRate != wire.SampleRate || len(a.Channels) != 1 {
			t.Fatalf("seat %s: %d Hz %d channels", s.Name, a.SampleRate, len(a.Channels))
		}
		got := a.Channels[0]
		if len(got) != len(want[i]) || testrig.HashPCM(got) != testrig.HashPCM(want[i]) {
			first := -1
			for k := 0; k < min(len(got), len(want[i])); k++ {
				if got[k] != want[i][k] {
					first = k
					break
				}
			}
			t.Fatalf("seat %s: archive has %d samples, source %d; first difference at %d", s.Name, len(got), len(want[i]), first)
		}
	}
}

// recorder is an AudioListener that keeps everything.
type recorder struct {
	mu     sync.Mutex
	opened []string
	closed []string
	next   map[string]int64
	audio  map[string][][]int16
	gaps   []archive.GapRecord
	bad    string
}

func (r *recorder) HearingOpened(h archive.HearingInfo, next int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opened = append(r.opened, h.Hearing)
	if r.next == nil {
		r.next, r.audio = map[string]int64{}, map[string][][]int16{}
	}
	r.next[h.Hearing] = next
	if r.audio[h.Hearing] == nil {
		r.audio[h.Hearing] = make([][]int16, len(h.Seats))
	}
}

func (r *recorder) Audio(hearing string, first int64, pcm [][]int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if first != r.next[hearing] {
		r.bad = "audio not contiguous"
	}
	for i := range pcm {
		r.audio[hearing][i] = append(r.audio[hearing][i], pcm[i]...)
	}
	r.next[hearing] = first + int64(len(pcm[0]))
}

func (r *recorder) Gap(hearing string, first, n int64, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if first != r.next[hearing] {
		r.bad = "gap not contiguous"
	}
	for i := range r.audio[hearing] {
		r.audio[hearing][i] = append(r.audio[hearing][i], make([]int16, n)...)
	}
	r.gaps = append(r.gaps, archive.GapRecord{FirstSample: first, Samples: n, Reason: reason})
	r.next[hearing] = first + n
}

func (r *recorder) HearingClosed(hearing string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = append(r.closed, hearing)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
