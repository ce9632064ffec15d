package capture

import "context"
import "errors"
import "net"
import "net/http"
import "path/filepath"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

func TestJitterStaysInRange(t *testing.T) {
	for _, d := range []time.Duration{time.Millisecond, 250 * time.Millisecond, 15 * time.Second} {
		lo, hi := d, time.Duration(0)
		for i := 0; i < 2000; i++ {
			j := jitter(d)
			lo, hi = min(lo, j), max(hi, j)
		}
		if lo < d/2 || hi > d || hi-lo < d/4 {
			t.Errorf("jitter(%v) ranged %v..%v, want spread within [d/2, d]", d, lo, hi)
		}
	}
}

func TestAgentURL(t *testing.T) {
	for in, want := range map[string]string{
		"ws://127.0.0.1:8080":      "ws://127.0.0.1:8080/v1/agent",
		"ws://h:1/":                "ws://h:1/v1/agent",
		"https://court.example":    "wss://court.example/v1/agent",
		"ws://h:1/custom/v1/agent": "ws://h:1/custom/v1/agent",
		"http://10.0.0.2:9000":     "ws://10.0.0.2:9000/v1/agent",
	} {
		if got, err := AgentURL(in); err != nil || got != want {
			t.Errorf("AgentURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"127.0.0.1:8080", "ftp://x", "ws://", "::"} {
		if _, err := AgentURL(bad); err == nil {
			t.Errorf("AgentURL(%q) accepted", bad)
		}
	}
}

// The server is down when the agent starts and comes up a second later: the agent keeps
// capturing into the spool and the local copy, keeps retrying, and delivers everything.
func TestAgentWaitsForServerThatStartsLater(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused until the server starts

	dir := t.TempDir()
	rep, pcm := pacedTestReplay(t, dir, 16000, 1, 2)
	srv := newWireServer(t, "tok") // its handler, served on addr below
	cfg := AgentConfig{Server: "ws://" + addr, Token: "tok", Courtroom: "room-1", Seats: []wire.Seat{{Name: "clerk", Channel: 1}},
		SpoolDir: filepath.Join(dir, "spool"), MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logger: testLogger(t)}
	done := make(chan error, 1)
	go func() { done <- RunAgent(context.Background(), cfg, rep) }()
	time.Sleep(time.Second)
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	hs := &http.Server{Handler: srv.srv.Config.Handler}
	go hs.Serve(ln2)
	defer hs.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, ss := srv.only()
	if !slices.Equal(ss.pcm[0], pcm[0]) || len(ss.gaps) != 0 {
		t.Fatalf("server holds %d samples and %d gaps; want the whole 2 s source", len(ss.pcm[0]), len(ss.gaps))
	}
}

// With the server unreachable, a stop request ends the agent after the drain timeout with
// ErrNotDrained, and the spool keeps every frame for the next start.
func TestAgentStopWithoutServerKeepsSpool(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	src := filepath.Join(dir, "h.wav")
	writeTestWAV(t, src, 16000, 1, 1)
	rep, _ := OpenReplay(src, false, nil, 0)
	cfg := AgentConfig{Server: "ws://" + addr, Token: "tok", Courtroom: "room-1", Seats: []wire.Seat{{Name: "clerk", Channel: 1}},
		SpoolDir: filepath.Join(dir, "spool"), DrainTimeout: 200 * time.Millisecond, MinBackoff: 20 * time.Millisecond, Logger: testLogger(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = RunAgent(ctx, cfg, rep)
	if !errors.Is(err, ErrNotDrained) || time.Since(start) > 3*time.Second {
		t.Fatalf("RunAgent = %v after %v; want ErrNotDrained soon after the stop", err, time.Since(start))
	}
	sp, err := OpenSpool(cfg.SpoolDir, SpoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st := sp.State(); st.Ended || sp.Unacked() != 5 {
		t.Fatalf("spool after the stop: ended=%v, %d unacked frames (want 5 of 200 ms)", st.Ended, sp.Unacked())
	}
}

func TestUplinkKeepsOnlyLatestLevelsButEveryAlarm(t *testing.T) {
	u, err := NewUplink(UplinkConfig{Server: "ws://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		u.Send(wire.Levels{Type: wire.TypeLevels, AtSample: int64(i)})
		u.Send(wire.Alarm{Type: wire.TypeAlarm, Code: wire.AlarmOverflow, Samples: int64(i)})
	}
	if len(u.levels) != 1 || len(u.text) != 10 {
		t.Fatalf("%d levels and %d other messages queued; want 1 and 10", len(u.levels), len(u.text))
	}
	if b := <-u.levels; !strings.Contains(string(b), `"at_sample":9`) {
		t.Fatalf("queued levels %s, want the latest", b)
	}
}
