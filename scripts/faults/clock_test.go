package faults

import "context"
import "errors"
import "log/slog"
import "net/http/httptest"
import "path/filepath"
import "strconv"
import "strings"
import "sync"
import "testing"
import "time"

import "go.uber.org/goleak"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// jumpingClock is the agent's wall clock being stepped (NTP, an operator, a dead CMOS battery):
// its offset from real time follows a schedule of real elapsed time.
type jumpingClock struct {
	start time.Time
	steps []clockStep
}

type clockStep struct {
	after  time.Duration // real time since start
	offset time.Duration // wall clock minus real time from then on
}

func (c *jumpingClock) Now() time.Time {
	now := time.Now()
	var off time.Duration
	for _, s := range c.steps {
		if now.Sub(c.start) >= s.after {
			off = s.offset
		}
	}
	return now.Add(off)
}

// timeline is an ingest.AudioListener that checks hearing time: every durable block must
// start where the previous ended, and no gap may appear.
type timeline struct {
	mu     sync.Mutex
	next   map[string]int64
	gaps   []string
	breaks []string
}

func (l *timeline) HearingOpened(h archive.HearingInfo, next int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.next == nil {
		l.next = map[string]int64{}
	}
	if prev, ok := l.next[h.Hearing]; ok && prev != next {
		l.breaks = append(l.breaks, "reopened at "+itoa(next)+" after "+itoa(prev))
	}
	l.next[h.Hearing] = next
}

func (l *timeline) Audio(hearing string, first int64, pcm [][]int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if first != l.next[hearing] {
		l.breaks = append(l.breaks, "audio at "+itoa(first)+" after "+itoa(l.next[hearing]))
	}
	l.next[hearing] = first + int64(len(pcm[0]))
}

func (l *timeline) Gap(hearing string, first, n int64, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gaps = append(l.gaps, reason+" at "+itoa(first)+" for "+itoa(n))
	l.next[hearing] = first + n
}

func (l *timeline) HearingClosed(string) {}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestAgentClockJumps: capture.RunAgent streams a real-time replay to a real ingest server on
// loopback while its wall clock is stepped back an hour, forward two hours, back 3 s and
// forward 90 s. Hearing time is the sample index, so nothing may notice: the durable audio
// arrives contiguous from sample 0 to the end, no gap is invented, and the archive equals the
// source per seat. (The wall clock cannot be stepped for a Go process here, so this runs the
// library with a capture.Clock.)
func TestAgentClockJumps(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	data := t.TempDir()
	tl := &timeline{}
	cfg := ingest.DefaultConfig(data)
	cfg.Listener = tl
	srv, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer srv.Close(context.Background())
	tok, _, err := srv.Tokens().Add("court-clock")
	if err != nil {
		t.Fatal(err)
	}
	path, h := generate(t, 3, 5.3, 111, false)
	src, err := capture.OpenReplay(path, true, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	clock := &jumpingClock{start: time.Now(), steps: []clockStep{
		{after: time.Second, offset: -time.Hour},
		{after: 2 * time.Second, offset: 2 * time.Hour},
		{after: 3 * time.Second, offset: -3 * time.Second},
		{after: 4 * time.Second, offset: 90 * time.Second},
	}}
	var hearing string
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = capture.RunAgent(ctx, capture.AgentConfig{
		Server: "ws" + strings.TrimPrefix(hs.URL, "http"), Token: tok, Courtroom: "court-clock",
		Seats:    []wire.Seat{{Name: seatNames[0], Channel: 1}, {Name: seatNames[1], Channel: 2}, {Name: seatNames[2], Channel: 3}},
		SpoolDir: filepath.Join(t.TempDir(), "spool"), FrameSamples: 1600, CloseHearing: true,
		MaxBackoff: 200 * time.Millisecond, Clock: clock, Logger: slog.New(slog.DiscardHandler),
		OnHearing: func(id string) { hearing = id },
	}, src)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(clock.start) < 4*time.Second {
		t.Fatalf("the replay ended before the last clock step")
	}
	testrig.Eventually(t, 10*time.Second, "the manifest", func() bool {
		_, err := archive.ReadManifest(data, hearing)
		return err == nil
	})
	tl.mu.Lock()
	gaps, breaks, end := tl.gaps, tl.breaks, tl.next[hearing]
	tl.mu.Unlock()
	if len(gaps) > 0 || len(breaks) > 0 || end != h.Samples {
		t.Fatalf("hearing time after clock jumps: gaps %v, discontinuities %v, end %d of %d", gaps, breaks, end, h.Samples)
	}
	checkArchive(t, data, hearing, h)
}

// TestAgentRestartAfterClockStep: an agent stops with frames it could not deliver (the server
// unreachable; the spool keeps them, like after a crash) and starts again on the same spool.
// With the wall clock stepped back an hour in between, the computed downtime is negative: no
// gap may be invented and no audio may overlap: the timeline continues at the next sample and
// the archive equals the source. The control (the real clock, 1.5 s down) records a gap of that
// length, so the test sees the difference.
func TestAgentRestartAfterClockStep(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offset  time.Duration
		wantGap bool
	}{{"clock-set-back-1h", -time.Hour, false}, {"control-real-clock", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			data := t.TempDir()
			srv, err := ingest.New(ingest.DefaultConfig(data))
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			defer srv.Close(context.Background())
			tok, _, err := srv.Tokens().Add("court-restart")
			if err != nil {
				t.Fatal(err)
			}
			path, h := generate(t, 2, 4, 112, true)
			cfg := capture.AgentConfig{Server: "ws://" + testrig.FreeAddr(t), Token: tok, Courtroom: "court-restart",
				Seats:    []wire.Seat{{Name: seatNames[0], Channel: 1}, {Name: seatNames[1], Channel: 2}},
				SpoolDir: filepath.Join(t.TempDir(), "spool"), FrameSamples: 1600, CloseHearing: true,
				MinBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, DrainTimeout: 100 * time.Millisecond,
				Logger: slog.New(slog.DiscardHandler)}

			// First run: nobody listens; stop after 1.5 s with everything still spooled.
			src, err := capture.OpenReplay(path, true, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			err = capture.RunAgent(ctx, cfg, src)
			cancel()
			if !errors.Is(err, capture.ErrNotDrained) {
				t.Fatalf("first run: %v, want ErrNotDrained", err)
			}
			time.Sleep(1500 * time.Millisecond)

			// Second run: the real server, the clock stepped.
			src, err = capture.OpenReplay(path, true, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Server = "ws" + strings.TrimPrefix(hs.URL, "http")
			cfg.Clock = &jumpingClock{start: time.Now(), steps: []clockStep{{after: 0, offset: tc.offset}}}
			var hearing string
			cfg.OnHearing = func(id string) { hearing = id }
			ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := capture.RunAgent(ctx, cfg, src); err != nil {
				t.Fatal(err)
			}
			testrig.Eventually(t, 10*time.Second, "the manifest", func() bool {
				_, err := archive.ReadManifest(data, hearing)
				return err == nil
			})
			gaps, err := archive.ReadGaps(data, hearing)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.wantGap {
				checkArchive(t, data, hearing, h)
				return
			}
			if len(gaps) != 1 {
				t.Fatalf("control: want one agent-down gap, have %+v", gaps)
			}
			sec := float64(gaps[0].Samples) / wire.SampleRate
			if sec < 1.3 || sec > 2.5 {
				t.Fatalf("control: gap of %.2f s for about 1.6 s down", sec)
			}
			t.Logf("control: gap %.3f s at sample %d", sec, gaps[0].FirstSample)
		})
	}
}
