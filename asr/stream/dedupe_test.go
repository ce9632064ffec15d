package stream

import "context"
import "math"
import "math/rand/v2"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

func TestTextSimilarity(t *testing.T) {
	for _, c := range []struct {
		a, b string
		dup  bool
	}{
		{"Where were you on the night of March third?", "where were you on the night of march third", true},
		{"Where were you on the night of March third?", "you on the night of March", true}, // bleed of a fragment
		{"Where were you on the night of March third?", "Where were you on the night of Mar 3rd?", true},
		{"Where were you on the night of March third?", "Objection, hearsay.", false},
		{"你那天晚上几点离开家的？", "那天晚上几点离开家", true},
		{"你那天晚上几点离开家的？", "我不记得了。", false},
		{"Yes.", "Yes.", false}, // too short to call a duplicate: two people may say it at once
		// An interjection over a long answer: most of its letters appear, in order, in any long
		// enough text, but as no stretch of it.
		{longAnswer, "Objection, Your Honor!", false},
		{longAnswer, "and when I looked up I saw a man in a dark jacket", true},
		{"你那天晚上几点离开家的？我记得是九点以后，因为新闻已经开始了，然后我就出门去找他。", "我反对！", false},
		{"", "anything at all", false},
	} {
		if got := NearDuplicate(c.a, c.b); got != c.dup {
			t.Errorf("NearDuplicate(%q, %q) = %v (similarity %.2f)", c.a, c.b, got, TextSimilarity(c.a, c.b))
		}
	}
}

// micAudio is the archive's audio of one talker speaking from 1 s to 4 s (a 180 Hz tone that
// swells 4 times a second), as each seat's mic carries it: its own noise, the voice at the
// level it reaches that mic, delay samples late, all through the mic's gain. Seats not in mics
// hear it as def says.
type micAudio struct {
	seed uint64
	def  micPath
	mics map[string]micPath
}

type micPath struct {
	gain, level, noise float64
	delay              int
}

func (m micAudio) Audio(_ context.Context, _, seat string, start, end float64) ([]int16, error) {
	r := rand.New(rand.NewPCG(m.seed, uint64(len(seat))))
	p, ok := m.mics[seat]
	if !ok {
		p = m.def
	}
	n := int((end - start) * wire.SampleRate)
	out := make([]int16, n)
	for i := range n {
		t := start + float64(i-p.delay)/wire.SampleRate
		v := p.noise * r.NormFloat64()
		if t >= 1 && t < 4 {
			v += p.level * math.Sin(2*math.Pi*180*t) * (0.6 + 0.4*math.Sin(2*math.Pi*4*t))
		}
		out[i] = int16(max(-32768, min(32767, p.gain*v)))
	}
	return out, nil
}

// roomAudio is the archive's audio of a bleed duplicate: the witness speaks from 1 s to 4 s on
// its own (low-gain) mic; the judge's hot mic, +12 dB, hears the same speech 10 dB down and
// delayed, plus its own hotter noise. Raw level says the judge; level over each mic's own floor
// says the witness.
var roomAudio = micAudio{seed: 1, def: micPath{gain: 1, level: 3000, noise: 30},
	mics: map[string]micPath{"judge": {gain: math.Pow(10, 12.0/20), level: 3000 * math.Pow(10, -10.0/20), noise: 30, delay: 80}}}

func TestBleedDuplicateIsDeletedWithItsReason(t *testing.T) {
	for _, keepBoth := range []bool{false, true} {
		ctx := context.Background()
		store := openStore(t, t.TempDir())
		if _, err := store.CreateHearing(ctx, "system", transcript.Hearing{ID: "h1", Language: "en",
			Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "witness", Role: "THE WITNESS"}, {Seat: "clerk", Role: "THE CLERK"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Start(ctx, "system", "h1"); err != nil {
			t.Fatal(err)
		}
		st, err := New(Config{Record: store, Audio: roomAudio, KeepDuplicates: keepBoth})
		if err != nil {
			t.Fatal(err)
		}
		witness, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "witness", StartMS: 1000, EndMS: 4000, Overlap: true})
		judge, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 1300, EndMS: 3900, Overlap: true})
		clerk, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "clerk", StartMS: 2000, EndMS: 3000, Overlap: true})
		final := func(seg *transcript.Segment, text string) {
			st.Result(asr.Result{Utterance: asr.Utterance{ID: SegmentUtteranceID(seg.ID), Hearing: "h1", Seat: seg.Seat},
				Status: asr.StatusFinal, Text: text, Engine: "test"})
		}
		final(witness, "I was at home with my wife, watching the news until about eleven.")
		final(clerk, "Could the witness repeat the date, please?") // real double talk: different words
		final(judge, "at home with my wife watching the news until about eleven")
		segs, err := store.ListSegments(ctx, "h1", false)
		if err != nil {
			t.Fatal(err)
		}
		var seats []string
		for _, s := range segs {
			seats = append(seats, s.Seat)
		}
		if keepBoth {
			if len(segs) != 3 {
				t.Fatalf("with the check off, every segment stays: %v", seats)
			}
			continue
		}
		if len(segs) != 2 || segs[0].Seat != "witness" || segs[1].Seat != "clerk" {
			t.Fatalf("record keeps %v; want the witness's words on the witness and the clerk's own line", seats)
		}
		hist, err := store.SegmentHistory(ctx, judge.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		if last.Kind != transcript.EventSegmentDeleted || last.Actor != ActorDiarizer ||
			!strings.Contains(last.Reason, "bleed") || !strings.Contains(last.Reason, "seat witness heard") {
			t.Fatalf("the deletion's revision: %s by %s, reason %q", last.Kind, last.Actor, last.Reason)
		}
		if got := st.Stats().Duplicates; got != 1 {
			t.Fatalf("stats count %d duplicates", got)
		}
	}
}

// A clerk's edit is never overridden by the duplicate check.
func TestEditedSegmentIsNotDeduplicated(t *testing.T) {
	ctx, store, st := judgeAndWitness(t)
	witness, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "witness", StartMS: 1000, EndMS: 4000})
	judge, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 1300, EndMS: 3900})
	finalText(st, judge, "at home with my wife watching the news")
	g, _ := store.GetSegment(ctx, judge.ID)
	if _, err := store.EditText(ctx, "clerk1", judge.ID, g.Revision, "at home with my wife watching the news"); err != nil {
		t.Fatal(err)
	}
	finalText(st, witness, "I was at home with my wife, watching the news.")
	segs, _ := store.ListSegments(ctx, "h1", false)
	if len(segs) != 2 {
		t.Fatalf("%d segments; the clerk's edited segment must stay and the witness's too", len(segs))
	}
}

// The clearer seat's segment is a fragment of the other's: deleting the longer one would lose
// words, so both stay.
func TestDuplicateCheckLosesNoWords(t *testing.T) {
	ctx, store, st := judgeAndWitness(t)
	witness, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "witness", StartMS: 1000, EndMS: 4000})
	judge, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 500, EndMS: 4500})
	finalText(st, judge, "Before that, I was at home with my wife watching the news, and then the phone rang twice")
	finalText(st, witness, "at home with my wife watching the news")
	segs, _ := store.ListSegments(ctx, "h1", false)
	if len(segs) != 2 {
		t.Fatalf("%d segments; the judge's longer segment holds words the witness's does not", len(segs))
	}
}

// turnedAwayAudio: the witness speaks from 1 s to 4 s turned away from their own mic, which
// is noisy (a fan beside it), while the clerk's quiet mic 1.5 m away hears the same words about
// as loud, 5 ms later: over its own floor the clerk's mic is 10 dB the clearer.
var turnedAwayAudio = micAudio{seed: 2, def: micPath{gain: 1, level: 1000, noise: 100},
	mics: map[string]micPath{"clerk": {gain: 1, level: 1000, noise: 30, delay: 80}}}

// TestBleedFragmentInsideTheLineIsDeleted: the diarizer let the clerk's mic through for 0.6 s in
// the middle of the witness's 3 s answer, and the engine wrote a piece of the answer on it. The
// clerk's mic heard that moment clearer over its own floor (that is why it was let through), so
// clarity alone keeps the clerk's piece and, its text being the shorter, deletes nothing. The
// piece lies within the witness's segment: the record deletes it, says why, and keeps the answer
// whole on the witness. A segment that sticks out of the other's span, or is not that short, is
// still decided by clarity (TestBleedDuplicateIsDeletedWithItsReason, TestDuplicateCheckLosesNoWords).
func TestBleedFragmentInsideTheLineIsDeleted(t *testing.T) {
	ctx, store, st := liveHearing(t, turnedAwayAudio, transcript.Seat{Seat: "witness", Role: "THE WITNESS"}, transcript.Seat{Seat: "clerk", Role: "THE CLERK"})
	if ca, cb := clarity(mustAudio(t, "clerk", 0, 2.6), 2*wire.SampleRate), clarity(mustAudio(t, "witness", 0, 2.6), 2*wire.SampleRate); ca < cb+6 {
		t.Fatalf("the clerk's mic must hear the moment clearer over its floor: %.1f dB against the witness's %.1f", ca, cb)
	}
	witness, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "witness", StartMS: 1000, EndMS: 4000})
	clerk, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "clerk", StartMS: 2000, EndMS: 2600})
	finalText(st, clerk, "with my wife watching")
	finalText(st, witness, "I was at home with my wife, watching the news until about eleven.")
	segs, _ := store.ListSegments(ctx, "h1", false)
	if len(segs) != 1 || segs[0].ID != witness.ID {
		t.Fatalf("record keeps %+v; want only the witness's answer", segs)
	}
	hist, _ := store.SegmentHistory(ctx, clerk.ID)
	if last := hist[len(hist)-1]; last.Kind != transcript.EventSegmentDeleted || !strings.Contains(last.Reason, "lies within seat witness's") {
		t.Fatalf("the clerk's piece: %s, reason %q", last.Kind, last.Reason)
	}
}

func mustAudio(t *testing.T, seat string, start, end float64) []int16 {
	t.Helper()
	pcm, err := turnedAwayAudio.Audio(context.Background(), "h1", seat, start, end)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// longAnswer is a witness's long answer, the kind a short objection is spoken over.
const longAnswer = "I was working the late shift at the pharmacy on Elm Street. It was a quiet night, so I " +
	"was restocking the shelves near the front window. At about a quarter past nine I heard a car door slam, " +
	"and when I looked up I saw a man in a dark jacket walking quickly toward the alley. He stopped under " +
	"the street lamp and looked back over his shoulder, and that is when I saw his face clearly."

// TestInterjectionOverALongAnswerIsKept: the judge says "Objection overruled, go on" while the
// witness answers at length; the witness's mic hears the common span clearer, and the judge's
// few words share most of their letters, in order, with the long answer. They are not the
// answer's words, and the record keeps both segments.
func TestInterjectionOverALongAnswerIsKept(t *testing.T) {
	ctx, store, st := judgeAndWitness(t)
	witness, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "witness", StartMS: 1000, EndMS: 4000})
	judge, _ := store.AppendSegment(ctx, ActorDiarizer, "h1", transcript.NewSegment{Seat: "judge", StartMS: 2000, EndMS: 3000})
	finalText(st, witness, longAnswer)
	finalText(st, judge, "Objection overruled, go on.")
	segs, _ := store.ListSegments(ctx, "h1", false)
	if len(segs) != 2 {
		t.Fatalf("%d segments, want both: the judge's interjection is not the witness's words: %+v", len(segs), segs)
	}
}

// judgeAndWitness is a live hearing h1 with a judge's and a witness's seat, and a Stream that
// reads roomAudio and records into it.
func judgeAndWitness(t *testing.T) (context.Context, *sqlite.Store, *Stream) {
	t.Helper()
	return liveHearing(t, roomAudio, transcript.Seat{Seat: "judge", Role: "THE COURT"}, transcript.Seat{Seat: "witness", Role: "THE WITNESS"})
}

// liveHearing is a live hearing h1 with these seats, and a Stream that reads audio and records
// into it.
func liveHearing(t *testing.T, audio micAudio, seats ...transcript.Seat) (context.Context, *sqlite.Store, *Stream) {
	t.Helper()
	ctx := context.Background()
	store := openStore(t, t.TempDir())
	if _, err := store.CreateHearing(ctx, "system", transcript.Hearing{ID: "h1", Language: "en", Seats: seats}); err != nil {
		t.Fatal(err)
	}
	store.Start(ctx, "system", "h1")
	st, _ := New(Config{Record: store, Audio: audio})
	return ctx, store, st
}

// finalText gives the stream the engine's final text of a segment of hearing h1.
func finalText(st *Stream, seg *transcript.Segment, text string) {
	st.Result(asr.Result{Utterance: asr.Utterance{ID: SegmentUtteranceID(seg.ID), Hearing: "h1", Seat: seg.Seat},
		Status: asr.StatusFinal, Text: text, Engine: "test"})
}

// FuzzTextSimilarity: the similarity of any two texts lies in [0, 1], does not depend on their
// order, is 1 for a text with itself and for any stretch of it, and never calls a text too short
// to compare a duplicate.
func FuzzTextSimilarity(f *testing.F) {
	f.Add(longAnswer, "Objection, Your Honor!")
	f.Add("你那天晚上几点离开家的？", "那天晚上几点离开家")
	f.Add("Yes.", "Yes.")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := TextSimilarity(a, b)
		if s < 0 || s > 1 || s != TextSimilarity(b, a) {
			t.Fatalf("TextSimilarity(%q, %q) = %v, reversed %v", a, b, s, TextSimilarity(b, a))
		}
		na := normText(a)
		if len(na) > 0 && len(na) <= 2000 {
			if self := TextSimilarity(a, a); self != 1 {
				t.Fatalf("TextSimilarity(%q, itself) = %v", a, self)
			}
			part := string(na[len(na)/4 : len(na)-len(na)/4])
			if len(part) > 0 && TextSimilarity(a, part) != 1 {
				t.Fatalf("a stretch %q of %q: similarity %v", part, a, TextSimilarity(a, part))
			}
		}
		if min(len(normText(a)), len(normText(b))) < MinDuplicateRunes && NearDuplicate(a, b) {
			t.Fatalf("NearDuplicate(%q, %q) with fewer than %d letters", a, b, MinDuplicateRunes)
		}
	})
}
