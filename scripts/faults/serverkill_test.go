package faults

import "fmt"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

// editAttempt is one clerk edit sent through the API.
type editAttempt struct {
	text  string
	acked bool // answered 200
}

// clerkEditor edits every new segment of a hearing through the API and remembers what the
// server acknowledged.
type clerkEditor struct {
	t        *testing.T
	clerk    *api
	hearing  string
	attempts map[int64][]editAttempt
	acked    int
	n        int
}

// round edits each segment that has no acknowledged edit yet; errors (a killed server) are
// expected and only mean "not acknowledged".
func (e *clerkEditor) round() {
	segs, err := e.clerk.segments(e.hearing)
	if err != nil {
		return
	}
	for _, s := range segs {
		if s.Deleted {
			continue
		}
		done := false
		for _, a := range e.attempts[s.ID] {
			done = done || a.acked
		}
		if done {
			continue
		}
		e.n++
		text := fmt.Sprintf("书记员更正 %d: segment %d of seat %s", e.n, s.ID, s.Seat)
		code, err := e.clerk.call("POST", fmt.Sprintf("/api/segments/%d/edit", s.ID),
			map[string]any{"revision": s.Revision, "text": text}, nil)
		ok := err == nil && code == 200
		e.attempts[s.ID] = append(e.attempts[s.ID], editAttempt{text: text, acked: ok})
		if ok {
			e.acked++
		}
	}
}

// check proves every acknowledged edit is the segment's text now (or a later edit of ours
// whose answer was lost in the kill).
func (e *clerkEditor) check(segs []segment) {
	e.t.Helper()
	cur := map[int64]segment{}
	for _, s := range segs {
		cur[s.ID] = s
	}
	for id, as := range e.attempts {
		last := -1
		for i, a := range as {
			if a.acked {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		s, ok := cur[id]
		if !ok {
			e.t.Fatalf("segment %d with an acknowledged edit is gone after the restart", id)
		}
		okText := false
		for _, a := range as[last:] {
			okText = okText || s.Text == a.text
		}
		if !okText {
			e.t.Fatalf("segment %d: acknowledged edit %q lost; the record says %q", id, as[last].text, s.Text)
		}
	}
}

// bugLostUtterance names the loss of an utterance in progress when the server dies (fixed: the
// restarted stream diarizes the archive again after the last recorded turn).
const bugLostUtterance = "asr/stream (Stream.HearingOpened after a restart): the utterance in progress when the server was killed " +
	"never becomes a segment: the restarted server's diarizer starts fresh at the durable end (the head of the turn, " +
	"diarized before the kill but not yet ended, is forgotten; the tail is short and falls in the new diarizer's " +
	"first-second floor calibration) and nothing re-diarizes the archived audio after the last segment, so the record " +
	"has no segment (not even pending) for speech that is in the archive"

// TestServerKilledMidHearing: the server is SIGKILLed mid-hearing (short form once, long form
// three times) while a clerk edits segments through the API, and restarted on the same data.
// Zero samples are lost or doubled, every edit answered 200 before a kill is in the record
// after the restart, and `courtscribe transcript audit` finds the hash chain intact.
func TestServerKilledMidHearing(t *testing.T) {
	t.Parallel()
	kills := pick(1, 3)
	seconds := pick(24.0, 90.0)
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	tok := testrig.Token(t, data, "court-kill")
	addUser(t, data, "admin", "admin")
	addUser(t, data, "clerk1", "clerk")
	srv := startServer(t, data, addr)
	path, h := generate(t, 3, seconds, 81, false)
	ag := testrig.Start(t, "agent", nil, agentArgs(addr, tok, "court-kill", 3, path, filepath.Join(t.TempDir(), "spool"))...)
	hearing := hearingOf(t, ag, 20*time.Second)

	admin := login(t, addr, "admin")
	testrig.Eventually(t, 20*time.Second, "the record to hold the hearing and take its clerk", func() bool {
		code, _ := admin.call("PATCH", "/api/hearings/"+hearing, map[string]any{"clerk": "clerk1"}, nil)
		return code == 200
	})
	ed := &clerkEditor{t: t, clerk: login(t, addr, "clerk1"), hearing: hearing, attempts: map[int64][]editAttempt{}}

	start := time.Now()
	every := time.Duration(seconds/float64(kills+1)*1000) * time.Millisecond
	for k := 1; k <= kills; k++ {
		for time.Since(start) < time.Duration(k)*every || ed.acked < 2*k {
			if time.Since(start) > time.Duration(seconds)*time.Second {
				t.Fatalf("only %d edits acknowledged before kill %d; segments: the diarizer made too few", ed.acked, k)
			}
			ed.round()
			time.Sleep(150 * time.Millisecond)
		}
		// Edit while the kill lands: the answer of the request in flight may be lost.
		go srv.Kill()
		ed.round()
		srv.Kill()
		t.Logf("kill %d at %v with %d edits acknowledged", k, time.Since(start).Round(time.Millisecond), ed.acked)
		srv = startServer(t, data, addr)
		ed.clerk = login(t, addr, "clerk1")
		segs, err := ed.clerk.segments(hearing)
		if err != nil {
			t.Fatal(err)
		}
		ed.check(segs)
	}
	for !ag.Exited() {
		ed.round()
		time.Sleep(200 * time.Millisecond)
	}
	ag.Wait(t, time.Minute)
	checkArchive(t, data, hearing, h)
	segs, err := ed.clerk.segments(hearing)
	if err != nil {
		t.Fatal(err)
	}
	ed.check(segs)
	miss := uncovered(h, segs)
	knownBugCheck(t, len(miss) > 0, bugLostUtterance,
		fmt.Sprintf("%d of %d spoken turns have no segment in the record after the kill (sample ranges %+v); their audio is archived", len(miss), len(h.Turns)-1, miss))
	t.Logf("%d segments, %d edits acknowledged across %d kills", len(segs), ed.acked, kills)
	srv.Stop(t)

	out, err := exec.Command(testrig.Binary(t), "transcript", "audit", "--data", data, "--hearing", hearing).CombinedOutput()
	if err != nil {
		t.Fatalf("transcript audit: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "audit: OK") {
		t.Fatalf("transcript audit:\n%s", out)
	}
}
