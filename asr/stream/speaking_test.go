package stream

import "context"
import "fmt"
import "slices"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// told records what a stream's speaking signal said, as "seat state@seconds" (off as "off").
type told struct {
	mu  sync.Mutex
	got []string
}

func (w *told) Speaking(hearing, seat, state string, at float64) {
	if state == SeatOff {
		state = "off"
	}
	w.mu.Lock()
	w.got = append(w.got, fmt.Sprintf("%s %s %s@%.1f", hearing, seat, state, at))
	w.mu.Unlock()
}

func (w *told) said() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// speakingHearing is a live hearing h1 (judge, witness) in a real store, a Stream on it that
// tells w, and the stream's state of the hearing, so a test can hand it diarizer events the
// diarizer on this branch does not emit yet (Tentative, Withdrawn).
func speakingHearing(t *testing.T, w *told) (context.Context, Record, *Stream, *hearing) {
	t.Helper()
	ctx, store, _ := judgeAndWitness(t)
	st, err := New(Config{Record: store, Audio: roomAudio, Speaking: w.Speaking})
	if err != nil {
		t.Fatal(err)
	}
	h := &hearing{id: "h1", seats: []string{"judge", "witness"}, open: map[string]*openTurn{},
		recorded: map[string]float64{}, told: map[string]string{}}
	return ctx, store, st, h
}

// history is the hearing's stored events (the record's changes, its audit trail's input).
func history(t *testing.T, ctx context.Context, r Record, id string) []transcript.Event {
	t.Helper()
	evs, err := r.(interface {
		EventsSince(context.Context, string, int64, int) ([]transcript.Event, error)
	}).EventsSince(ctx, id, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// A door slam: Tentative, then Withdrawn. The seat is told tentative, then off; the record has
// no segment and no new entry in its history.
func TestTentativeWithdrawnLeavesTheRecordAlone(t *testing.T) {
	w := &told{}
	ctx, store, st, h := speakingHearing(t, w)
	before := len(history(t, ctx, store, "h1"))
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Tentative, Seat: "judge", Start: 1.0, Decided: 1.1}})
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Withdrawn, Seat: "judge", Start: 1.0, Decided: 1.3}})
	if got, want := w.said(), []string{"h1 judge tentative@1.0", "h1 judge off@1.3"}; !slices.Equal(got, want) {
		t.Fatalf("signals %q, want %q", got, want)
	}
	segs, _ := store.ListSegments(ctx, "h1", true)
	if n := len(history(t, ctx, store, "h1")); len(segs) != 0 || n != before {
		t.Fatalf("the record changed: %d segments, %d history entries (was %d)", len(segs), n, before)
	}
	if len(h.open) != 0 || st.Stats().Utterances != 0 {
		t.Fatalf("a withdrawn start left a turn: open %v, stats %+v", h.open, st.Stats())
	}
}

// A spoken turn: Tentative, Start, End. The seat is told tentative, speaking, off; the record
// gets the turn's segment from the Start (at the tentative start) to the End, and only that.
func TestTentativeStartEndSignalsAndRecordsTheTurn(t *testing.T) {
	w := &told{}
	ctx, store, st, h := speakingHearing(t, w)
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Tentative, Seat: "witness", Start: 2.0, Decided: 2.1}})
	if segs, _ := store.ListSegments(ctx, "h1", true); len(segs) != 0 {
		t.Fatalf("a tentative start made segments %+v", segs)
	}
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Start, Seat: "witness", Start: 2.0, Decided: 2.3}})
	segs, _ := store.ListSegments(ctx, "h1", true)
	if len(segs) != 1 || segs[0].Seat != "witness" || segs[0].StartMS != 2000 {
		t.Fatalf("after the Start: segments %+v, want the witness's from 2 s", segs)
	}
	st.events(ctx, h, []diarize.Event{{Kind: diarize.End, Seat: "witness", Start: 2.0, End: 5.0, Decided: 5.5}})
	want := []string{"h1 witness tentative@2.0", "h1 witness speaking@2.0", "h1 witness off@5.0"}
	if got := w.said(); !slices.Equal(got, want) {
		t.Fatalf("signals %q, want %q", got, want)
	}
	segs, _ = store.ListSegments(ctx, "h1", true)
	if len(segs) != 1 || segs[0].EndMS != 5000 {
		t.Fatalf("after the End: segments %+v, want one, ending at 5 s", segs)
	}
}

// Events that do not fit the seat's state change nothing (a Tentative during a turn, a
// Withdrawn after its Start); a Start without a Tentative is speaking at once; a seat still
// on when the audio stops is told off; no hook, no signal, no panic.
func TestSpeakingFollowsTheSeatsState(t *testing.T) {
	w := &told{}
	ctx, _, st, h := speakingHearing(t, w)
	st.events(ctx, h, []diarize.Event{
		{Kind: diarize.Start, Seat: "judge", Start: 1, Decided: 1.2},
		{Kind: diarize.Tentative, Seat: "judge", Start: 3, Decided: 3.1},
		{Kind: diarize.Withdrawn, Seat: "judge", Start: 3, Decided: 3.3},
		{Kind: diarize.Tentative, Seat: "witness", Start: 4, Decided: 4.1},
	})
	h.next = 5 * wire.SampleRate
	st.silence(h)
	want := []string{"h1 judge speaking@1.0", "h1 witness tentative@4.0", "h1 judge off@5.0", "h1 witness off@5.0"}
	got := w.said()
	slices.Sort(got[2:]) // silence tells the seats in map order
	if !slices.Equal(got, want) {
		t.Fatalf("signals %q, want %q", got, want)
	}
	st.cfg.Speaking = nil
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Tentative, Seat: "judge", Start: 6}})
	if len(h.told) != 0 {
		t.Fatalf("state kept without a hook: %v", h.told)
	}
}

// An imported recording (NotLive) is diarized and recorded, but no seat of it is told on: it is
// fed faster than real time and nobody is speaking it now. Cleared, the hearing signals again.
func TestNotLiveHearingSignalsNothing(t *testing.T) {
	w := &told{}
	ctx, store, st, h := speakingHearing(t, w)
	st.NotLive("h1", true)
	st.events(ctx, h, []diarize.Event{
		{Kind: diarize.Tentative, Seat: "witness", Start: 2.0, Decided: 2.1},
		{Kind: diarize.Start, Seat: "witness", Start: 2.0, Decided: 2.3},
		{Kind: diarize.End, Seat: "witness", Start: 2.0, End: 5.0, Decided: 5.5},
	})
	if got := w.said(); len(got) != 0 {
		t.Fatalf("an imported hearing signalled %q", got)
	}
	if segs, _ := store.ListSegments(ctx, "h1", true); len(segs) != 1 {
		t.Fatalf("segments %+v, want the witness's turn recorded", segs)
	}
	st.NotLive("h1", false)
	st.events(ctx, h, []diarize.Event{{Kind: diarize.Start, Seat: "judge", Start: 6, Decided: 6.1}})
	if got, want := w.said(), []string{"h1 judge speaking@6.0"}; !slices.Equal(got, want) {
		t.Fatalf("signals %q after the import, want %q", got, want)
	}
}

// After a restart, the audio the stream diarizes again from the archive (catch-up) puts the
// cut turns in the record but signals nothing: only live audio does.
func TestCatchUpAfterRestartSignalsNothing(t *testing.T) {
	ctx := context.Background()
	id := "room7-catchup"
	data, store, audio := archivedScene(t, id)
	w := &told{}
	st := startStream(t, store, data, &echoEngine{}, pool.DefaultConfig(), Config{Speaking: w.Speaking})
	restartAt := 14 * wire.SampleRate // the judge spoke 1–12 s before it; the witness speaks from 15 s
	st.HearingOpened(twoSeats(id), int64(restartAt))
	var judge *transcript.Segment
	poll(400, 25*time.Millisecond, func() bool {
		judge = lastSegment(ctx, store, id, onSeat("judge"))
		return judge != nil && judge.EndMS > 10000
	})
	if judge == nil {
		t.Fatal("the catch-up did not record the judge's turn; the test would prove nothing")
	}
	feedBlocks(st, id, audio, restartAt, 20*wire.SampleRate, 0)
	st.SessionEnded(id)
	var got []string
	// SessionEnded ends the witness's turn: the last signal is an off.
	poll(400, 25*time.Millisecond, func() bool { got = w.said(); return len(got) >= 2 && strings.Contains(got[len(got)-1], " off@") })
	time.Sleep(100 * time.Millisecond) // nothing more may follow
	got = w.said()
	for _, s := range got {
		if strings.Contains(s, " judge ") {
			t.Fatalf("the judge's old turn, diarized again in the catch-up, was signalled: %q", got)
		}
	}
	// The witness's live speech (15–20 s): speaking from about 15 s, off at the end; a diarizer
	// that splits the speech at a pause says speaking and off more than once, in turn, and one
	// whose start waits for voicing says tentative before speaking (a Tentative start).
	var plain []string
	for _, s := range got {
		if !strings.Contains(s, " witness tentative@") {
			plain = append(plain, s)
		}
	}
	if len(plain)%2 != 0 || len(plain) == 0 || !strings.HasPrefix(plain[0], id+" witness speaking@1") {
		t.Fatalf("signals %q, want the witness's live turn: speaking from about 15 s, then off", got)
	}
	for i, s := range plain {
		if want := []string{" witness speaking@", " witness off@"}[i%2]; !strings.Contains(s, want) {
			t.Fatalf("signal %d is %q, want%s…: %q", i, s, want, got)
		}
	}
	for i, s := range got {
		if strings.Contains(s, " witness tentative@") && (i+1 >= len(got) || !strings.Contains(got[i+1], " witness speaking@") && !strings.Contains(got[i+1], " witness off@")) {
			t.Fatalf("signal %d, %q, is followed by neither speaking nor off: %q", i, s, got)
		}
	}
}
