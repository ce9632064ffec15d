package faults

import "fmt"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/internal/testrig"

// soakSample is one look at the server process.
type soakSample struct {
	at         time.Duration
	rss        int64
	fds        int
	goroutines float64
	connected  float64
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestSoak: N courtrooms × M seats replay at real time into one server (short form 2 × 3 for
// 20 s; long form 8 × 6 for 30 minutes, COURTSCRIBE_SOAK_ROOMS, _SEATS, _DURATION). The
// server's RSS and open files (from /proc) and go_goroutines (from /metrics) are sampled
// throughout: memory must stay flat (the last third's median RSS within 25 % + 16 MiB of the
// middle third's), goroutines must not grow while the agents stream, and once the hearings are
// closed the goroutines and files return to the level before the agents came. Every archive
// equals the source per seat, with no gap.
func TestSoak(t *testing.T) {
	t.Parallel()
	rooms, seats, dur, every := 2, 3, 20*time.Second, time.Second
	if long() {
		rooms = testrig.EnvInt("COURTSCRIBE_SOAK_ROOMS", 8)
		seats = testrig.EnvInt("COURTSCRIBE_SOAK_SEATS", 6)
		dur = envDuration("COURTSCRIBE_SOAK_DURATION", 30*time.Minute)
		every = max(time.Second, min(10*time.Second, dur/180))
	}
	if seats > len(seatNames) {
		t.Fatalf("at most %d seats", len(seatNames))
	}
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	toks := make([]string, rooms)
	for r := range rooms {
		toks[r] = testrig.Token(t, data, fmt.Sprintf("court-%d", r+1))
	}
	genStart := time.Now()
	path, h := generate(t, seats, dur.Seconds(), 131, false)
	t.Logf("generated %d seats × %v in %v", seats, dur, time.Since(genStart).Round(time.Millisecond))
	srv := startServer(t, data, addr)

	sample := func(start time.Time) soakSample {
		s := soakSample{at: time.Since(start)}
		s.rss, _ = procRSS(srv.Pid())
		s.fds, _ = procFDs(srv.Pid())
		s.goroutines, _ = metric(addr, "go_goroutines")
		s.connected, _ = metric(addr, "courtscribe_ingest_agents_connected")
		return s
	}
	time.Sleep(500 * time.Millisecond)
	before := sample(time.Now())

	start := time.Now()
	agents := make([]*testrig.Proc, rooms)
	for r := range rooms {
		agents[r] = testrig.Start(t, fmt.Sprintf("agent court-%d", r+1), nil, agentArgs(addr, toks[r], fmt.Sprintf("court-%d", r+1), seats, path,
			filepath.Join(t.TempDir(), "spool"), "--close-hearing", "--log-level", "info")...)
	}
	hearings := make([]string, rooms)
	for r, a := range agents {
		hearings[r] = hearingOf(t, a, 30*time.Second)
	}
	var steady []soakSample // samples while every agent streams
	deadline := start.Add(dur + 3*time.Minute)
	for {
		running := 0
		for _, a := range agents {
			if !a.Exited() {
				running++
			}
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d agents still running %v after the hearing's end", running, time.Since(start)-dur)
		}
		s := sample(start)
		if running == rooms && int(s.connected) == rooms && s.at < dur {
			steady = append(steady, s)
		}
		time.Sleep(every)
	}
	for _, a := range agents {
		a.Wait(t, time.Minute)
	}
	for r, id := range hearings {
		testrig.Eventually(t, 30*time.Second, "the manifest of "+id, func() bool {
			_, err := os.Stat(filepath.Join(archive.HearingDir(data, id), archive.ManifestFile))
			return err == nil
		})
		checkArchive(t, data, hearings[r], h)
	}
	var after soakSample
	testrig.Eventually(t, 30*time.Second, "goroutines to settle after the hearings closed", func() bool {
		after = sample(start)
		return after.goroutines <= before.goroutines+10 && after.connected == 0
	})

	if len(steady) < 6 {
		t.Fatalf("only %d samples while every agent streamed", len(steady))
	}
	third := len(steady) / 3
	mid, last := steady[third:2*third], steady[2*third:]
	col := func(ss []soakSample, f func(soakSample) float64) []float64 {
		out := make([]float64, len(ss))
		for i, s := range ss {
			out[i] = f(s)
		}
		return out
	}
	rss := func(s soakSample) float64 { return float64(s.rss) }
	gor := func(s soakSample) float64 { return s.goroutines }
	fds := func(s soakSample) float64 { return float64(s.fds) }
	midRSS, lastRSS := testrig.Quantile(col(mid, rss), 0.5), testrig.Quantile(col(last, rss), 0.5)
	midG, lastG := slices.Max(col(mid, gor)), slices.Max(col(last, gor))
	midF, lastF := slices.Max(col(mid, fds)), slices.Max(col(last, fds))

	var b strings.Builder
	fmt.Fprintf(&b, "| courtrooms × seats | duration | samples | RSS before | RSS mid (median) | RSS last (median) | RSS peak | goroutines before / mid max / last max / after | fds before / mid max / last max / after | archives |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	peak := slices.Max(col(steady, rss))
	fmt.Fprintf(&b, "| %d × %d | %v | %d every %v | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %.0f / %.0f / %.0f / %.0f | %d / %.0f / %.0f / %d | %d exact, 0 gaps |\n",
		rooms, seats, dur, len(steady), every, float64(before.rss)/(1<<20), midRSS/(1<<20), lastRSS/(1<<20), peak/(1<<20),
		before.goroutines, midG, lastG, after.goroutines, before.fds, midF, lastF, after.fds, rooms)
	t.Logf("soak:\n%s", b.String())
	if p := os.Getenv("COURTSCRIBE_SOAK_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Errorf("writing the soak report: %v", err)
		}
	}

	if lastRSS > 1.25*midRSS+16<<20 {
		t.Errorf("server memory grows: RSS median %.1f MiB in the middle third, %.1f MiB in the last", midRSS/(1<<20), lastRSS/(1<<20))
	}
	if lastG > midG+10 {
		t.Errorf("goroutines grow while streaming: %v at most in the middle third, %v in the last", midG, lastG)
	}
	if lastF > midF+10 {
		t.Errorf("open files grow while streaming: %v at most in the middle third, %v in the last", midF, lastF)
	}
	if after.fds > before.fds+10 {
		t.Errorf("files left open after the hearings closed: %d before the agents, %d after", before.fds, after.fds)
	}
	srv.Stop(t)
}
