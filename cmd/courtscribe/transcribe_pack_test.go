package main

import "context"
import "errors"
import "fmt"
import "log/slog"
import "strings"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/transcript"

// packingEngine stands in for the whisper engine's packing (asr.Packer) without libwhisper: it
// names each utterance it is given, and says whether it came through a packed call.
type packingEngine struct {
	mu      sync.Mutex
	batches [][]string
	singles int
	fail    bool
}

func (e *packingEngine) Name() string { return "packing" }
func (e *packingEngine) Close() error { return nil }
func (e *packingEngine) Transcribe(_ context.Context, req asr.Request) (asr.Transcript, error) {
	e.mu.Lock()
	e.singles++
	e.mu.Unlock()
	text := fmt.Sprintf("alone %s %.0f", req.Utterance.Seat, req.Utterance.Start)
	return asr.Transcript{Text: text, NoSpeechProb: -1, Spans: []asr.Span{{Start: 0, End: 1, Text: text, NoSpeechProb: -1}}}, nil
}
func (e *packingEngine) TranscribePacked(_ context.Context, reqs []asr.Request) ([]asr.Transcript, asr.PackStats, error) {
	e.mu.Lock()
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.Utterance.ID)
	}
	e.batches = append(e.batches, ids)
	fail := e.fail
	e.mu.Unlock()
	if fail {
		return nil, asr.PackStats{}, errors.New("whisper: whisper_full failed")
	}
	out := make([]asr.Transcript, len(reqs))
	for i, r := range reqs {
		text := fmt.Sprintf("packed %s %.0f", r.Utterance.Seat, r.Utterance.Start)
		out[i] = asr.Transcript{Text: text, NoSpeechProb: -1, Spans: []asr.Span{{Start: 0, End: 1, Text: text, NoSpeechProb: -1}}}
	}
	return out, asr.PackStats{Windows: 1, Packed: len(reqs)}, nil
}

// TestTranscribePacksUtterances: `transcribe` hands consecutive utterances to a packing engine
// in batches of up to --batch-seconds, each result lands on its own utterance, a blip is
// settled without the engine, and a failed batch is transcribed one by one.
func TestTranscribePacksUtterances(t *testing.T) {
	path := twoSeatHearing(t)
	segs := []diarize.Turn{
		{Seat: "judge", Start: 1, End: 6}, {Seat: "clerk", Start: 8, End: 10}, {Seat: "clerk", Start: 10.5, End: 13},
		{Seat: "judge", Start: 14, End: 14.1}, // a blip: not merged (its own seat's last turn is 8 s back)
	}
	for _, tc := range []struct {
		batch   float64
		fail    bool
		batches string
		prefix  string
	}{
		{asr.PackWindowSeconds, false, "[[judge@16000 clerk@128000 clerk@168000]]", "packed"},
		{8, false, "[[judge@16000 clerk@128000]]", ""}, // 5+0.75+2 fits 8; +0.75+2.5 does not: alone
		{0, false, "[]", "alone"},
		{asr.PackWindowSeconds, true, "[[judge@16000 clerk@128000 clerk@168000]]", "alone"},
	} {
		eng := &packingEngine{fail: tc.fail}
		fl := transcribeFlags{seats: []string{"judge", "clerk"}, engineFlags: engineFlags{language: "en", workers: 2, batch: tc.batch}}
		r, _, err := openTranscribeAudio(path, fl)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := transcribeUtterances(context.Background(), eng, fl, segs, r, slog.New(slog.DiscardHandler))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(eng.batches); got != tc.batches {
			t.Errorf("batch %v s: packed calls %s, want %s", tc.batch, got, tc.batches)
		}
		if len(rs) != len(segs) {
			t.Fatalf("batch %v s: %d results for %d utterances: %+v", tc.batch, len(rs), len(segs), rs)
		}
		for i, res := range rs {
			s := segs[i]
			if res.Utterance.Seat != s.Seat || res.Utterance.Start != s.Start {
				t.Fatalf("batch %v s: result %d is %s@%.1f, want %s@%.1f", tc.batch, i, res.Utterance.Seat, res.Utterance.Start, s.Seat, s.Start)
			}
			if i == 3 {
				if res.Status != asr.StatusEmpty {
					t.Errorf("blip: %+v", res)
				}
				continue
			}
			prefix := tc.prefix
			if prefix == "" { // batch 8: the judge and the clerk's first packed, the clerk's second alone
				prefix = map[bool]string{true: "alone", false: "packed"}[i == 2]
			}
			if want := fmt.Sprintf("%s %s %.0f", prefix, s.Seat, s.Start); res.Text != want || res.Status != asr.StatusFinal {
				t.Errorf("batch %v s: result %d %q %s, want %q final", tc.batch, i, res.Text, res.Status, want)
			}
		}
	}
}

// TestImportPacksUtterances: `import` records the hearing's utterances without handing them to
// the engine while it archives and diarizes, then transcribes them in packed batches; every
// segment ends final with its packed text.
func TestImportPacksUtterances(t *testing.T) {
	path := twoSeatHearing(t)
	data := t.TempDir()
	eng := &packingEngine{}
	fl := importFlags{data: data, courtroom: "room-3", hearing: "2019-civil-18", seats: []string{"judge", "clerk"},
		engineFlags: engineFlags{asrKind: "test", language: "en", workers: 1, batch: asr.PackWindowSeconds}, engine: eng}
	rep, err := runImportJSON(t, fl, path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments < 2 || rep.Pending != 0 {
		t.Fatalf("report %+v: want ≥ 2 transcribed segments, none pending", rep)
	}
	eng.mu.Lock()
	batches, singles := eng.batches, eng.singles
	eng.mu.Unlock()
	if len(batches) != 1 || len(batches[0]) != rep.Segments || singles != 0 {
		t.Fatalf("packed calls %v and %d single calls for %d segments: want one packed batch of all (15 s of audio)", batches, singles, rep.Segments)
	}
	st := openRecord(t, data)
	defer st.Close()
	segs, err := st.ListSegments(context.Background(), fl.hearing, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if want := fmt.Sprintf("packed %s ", s.Seat); s.Status != transcript.SegmentFinal || !strings.HasPrefix(s.Text, want) {
			t.Errorf("segment %+v: want final %q…", s, want)
		}
	}
}
