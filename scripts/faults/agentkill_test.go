package faults

import "math"
import "path/filepath"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestAgentKilledGapEqualsDowntime: the agent, replaying at real-time pace, is SIGKILLed, stays
// down D seconds (short form 2 s, long form 15 s) and is started again on the same spool. The
// archive holds exactly one gap, recorded in gaps.jsonl as agent-down, and its length equals
// the downtime the test measured itself: from the moment it sent SIGKILL to the moment the
// restarted agent logged its first capture ("agent: capturing", the time= of that line).
//
// Tolerance: the gap starts at the end of the last frame the agent had spooled before the
// kill, which is up to one frame (--frame-ms 100) plus one source block (20 ms) before the
// kill; it ends when the restarted agent reads the clock, a little before it logs the capture
// line. So gap − downtime lies in
// [−50 ms, +frame + 100 ms]; process start time is inside both figures, not an error.
// Every other sample of the archive equals the source at its own index.
func TestAgentKilledGapEqualsDowntime(t *testing.T) {
	t.Parallel()
	down := pick(2*time.Second, 15*time.Second)
	const frameMS = 100
	seconds := 4 + down.Seconds() + 5
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	tok := testrig.Token(t, data, "court-agent")
	srv := startServer(t, data, addr)
	path, h := generate(t, 3, seconds, 91, true)
	spool := filepath.Join(t.TempDir(), "spool")
	args := agentArgs(addr, tok, "court-agent", 3, path, spool, "--frame-ms", "100", "--close-hearing")
	ag := testrig.Start(t, "agent", nil, args...)
	hearing := hearingOf(t, ag, 20*time.Second)
	time.Sleep(4 * time.Second)
	if ag.Exited() {
		t.Fatalf("agent ended before the kill:\n%s", ag.Out.String())
	}
	killAt := time.Now()
	ag.Kill()
	time.Sleep(down)
	ag2 := testrig.Start(t, "restarted agent", nil, args...)
	var capAt time.Time
	testrig.Eventually(t, 30*time.Second, "the restarted agent's first capture", func() bool {
		at, line, ok := ag2.Out.First("agent: capturing")
		capAt = at
		if logged, found := testrig.LoggedAt(line); found {
			capAt = logged // when the agent wrote it, not when it reached the test
		}
		return ok
	})
	measured := capAt.Sub(killAt)
	ag2.Wait(t, time.Duration(seconds)*time.Second+60*time.Second)

	g, gapDur := testrig.OneGap(t, data, hearing, wire.GapAgentDown)
	diff := gapDur - measured
	t.Logf("downtime measured %v (kill → first capture; slept %v), gap recorded %v at sample %d, difference %v",
		measured.Round(time.Millisecond), down, gapDur.Round(time.Millisecond), g.FirstSample, diff.Round(time.Millisecond))
	if diff < -50*time.Millisecond || diff > (frameMS+100)*time.Millisecond {
		t.Fatalf("gap %v differs from the measured downtime %v by %v (tolerance −50 ms … +%d ms)", gapDur, measured, diff, frameMS+100)
	}
	if math.Abs(gapDur.Seconds()-down.Seconds()) > 10 {
		t.Fatalf("gap %v is not near the downtime %v", gapDur, down)
	}

	// The timeline: every sample outside the gap is the source's sample at that index.
	for s := range h.Seats {
		a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(data, hearing), archive.AudioDir, seatNames[s]+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		got := a.Channels[0]
		if int64(len(got)) != h.Samples {
			t.Fatalf("seat %s: %d samples archived, the timeline has %d", seatNames[s], len(got), h.Samples)
		}
		for i, v := range got {
			want := h.PCM[s][i]
			if int64(i) >= g.FirstSample && int64(i) < g.FirstSample+g.Samples {
				want = 0
			}
			if v != want {
				t.Fatalf("seat %s sample %d: %d, want %d (gap %d+%d)", seatNames[s], i, v, want, g.FirstSample, g.Samples)
			}
		}
	}
	srv.Stop(t)
}
