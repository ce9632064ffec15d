package capture

import "bufio"
import "context"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// realServer starts the real asr/ingest server on loopback with a token for courtroom.
func realServer(t *testing.T, courtroom string) (url, token, dataDir string) {
	t.Helper()
	dataDir = t.TempDir()
	cfg := ingest.DefaultConfig(dataDir)
	cfg.Logger = testLogger(t).With("part", "ingest")
	srv, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err = srv.Tokens().Add(courtroom)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.CloseClientConnections()
		srv.Close(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http"), token, dataDir
}

func archived(t *testing.T, dataDir, hearing, seat string) []int16 {
	t.Helper()
	a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(dataDir, hearing), archive.AudioDir, seat+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	return a.Channels[0]
}

// The agent against the real ingest server through a link that is cut several times while a
// real-time replay runs: the archive holds every sample exactly once.
func TestAgentRealServerThroughCutLink(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (real server, 3 s of real-time replay)")
	}
	url, token, data := realServer(t, "room-9")
	proxy, err := ingesttest.NewProxy(strings.TrimPrefix(url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	dir := t.TempDir()
	rep, pcm := pacedTestReplay(t, dir, 44100, 2, 3)
	seats := []wire.Seat{{Name: "judge", Channel: 1}, {Name: "defense", Channel: 2}}
	hearing := make(chan string, 1)
	cfg := AgentConfig{Server: "ws://" + proxy.Addr(), Token: token, Courtroom: "room-9", Seats: seats,
		SpoolDir: filepath.Join(dir, "spool"), FrameSamples: 1600, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logger: testLogger(t), OnHearing: func(h string) { hearing <- h }}
	done := make(chan error, 1)
	go func() { done <- RunAgent(context.Background(), cfg, rep) }()
	cuts := 0
	for cuts < 5 {
		select {
		case err := <-done:
			t.Fatalf("agent ended after %d cuts: %v", cuts, err)
		case <-time.After(400 * time.Millisecond):
			if proxy.Cut() > 0 {
				cuts++
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h := <-hearing
	for i, s := range seats {
		want := expected16k(t, 44100, pcm[s.Channel-1])
		got := archived(t, data, h, s.Name)
		if len(got) != len(want) {
			t.Fatalf("seat %s: archive has %d samples, want %d", s.Name, len(got), len(want))
		}
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("seat %s (%d) sample %d: archive %d, want %d", s.Name, i, k, got[k], want[k])
			}
		}
	}
	if gaps, _ := archive.ReadGaps(data, h); len(gaps) != 0 {
		t.Fatalf("cuts of the link must not become gaps: %+v", gaps)
	}
}

// An agent process killed with SIGKILL and started again on the same spool continues the same
// session: nothing spooled is lost or doubled, and the downtime is one agent-down gap whose
// length is the wall-clock time the agent was away.
func TestAgentProcessSIGKILLResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and replays 6 s in real time")
	}
	bin := testrig.Binary(t)
	url, token, data := realServer(t, "room-3")
	dir := t.TempDir()
	src := filepath.Join(dir, "h.wav")
	pcm := writeTestWAV(t, src, 16000, 2, 6)
	args := []string{"agent", "--server", url, "--token", token, "--courtroom", "room-3",
		"--seats", "judge=1,witness=2", "--source", src, "--spool", filepath.Join(dir, "spool"),
		"--frame-ms", "100", "--max-backoff", "200ms"}
	start := func() (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(bin, args...)
		cmd.Stderr = tWriter{t}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, bufio.NewScanner(out)
	}
	first, out := start()
	if !out.Scan() || !strings.HasPrefix(out.Text(), "hearing: ") {
		first.Process.Kill()
		first.Wait()
		t.Fatalf("first stdout line %q, want hearing: ID", out.Text())
	}
	hearing := strings.TrimPrefix(out.Text(), "hearing: ")
	testrig.Eventually(t, 10*time.Second, "2 s of audio in the archive", func() bool {
		st, err := os.Stat(filepath.Join(archive.HearingDir(data, hearing), archive.AudioDir, "judge.wav"))
		return err == nil && st.Size() > 44+2*32000
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	killed := time.Now()
	time.Sleep(700 * time.Millisecond)
	restarted := time.Now()
	second, out2 := start()
	for out2.Scan() {
		t.Logf("second agent stdout: %s", out2.Text())
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("restarted agent: %v", err)
	}
	down := restarted.Sub(killed)

	// The gap is the wall-clock time from the end of the last spooled frame (its wall anchor,
	// before the kill) to the restart: it ends when the new process started capturing.
	g, gapDur := testrig.OneGap(t, data, hearing, wire.GapAgentDown)
	gapEnd := g.Wall.Add(gapDur)
	if g.Wall.IsZero() || g.Wall.After(killed) || gapDur < down {
		t.Fatalf("gap of %v from %v for a downtime of %v (killed at %v)", gapDur, g.Wall, down, killed)
	}
	if gapEnd.Before(restarted) || gapEnd.After(restarted.Add(3*time.Second)) {
		t.Fatalf("gap ends at %v; the agent was restarted at %v", gapEnd, restarted)
	}
	for c, seat := range []string{"judge", "witness"} {
		got := archived(t, data, hearing, seat)
		if len(got) != len(pcm[c]) {
			t.Fatalf("%s: archive has %d samples, the timeline of the 6 s replay is %d", seat, len(got), len(pcm[c]))
		}
		for k := range got {
			inGap := int64(k) >= g.FirstSample && int64(k) < g.FirstSample+g.Samples
			want := pcm[c][k]
			if inGap {
				want = 0
			}
			if got[k] != want {
				t.Fatalf("%s sample %d (gap %d+%d): archive %d, want %d", seat, k, g.FirstSample, g.Samples, got[k], want)
			}
		}
	}
}
