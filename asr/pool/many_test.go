package pool

import "context"
import "errors"
import "fmt"
import "math"
import "strings"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/capture/wire"

// packEngine is a stand-in for a packing engine (asr.Packer) that works without libwhisper.
// Its "decoder" finds the runs of sound in the audio it is given and names each by its
// loudness (tone(k) decodes to "wk"), with times, so a transcript says whose audio it came
// from. TranscribePacked lays the requests out with the whisper engine's own PackAudio,
// decodes the window once and splits it back with the whisper engine's SplitPacked: the
// engine-independent half of whisper's TranscribePacked.
type packEngine struct {
	mu      sync.Mutex
	batches [][]string // utterance IDs of each packed call
	singles []string   // utterance IDs decoded one by one
	prompts []string   // prompts of the packed requests
	fail    func(ids []string) error
	down    bool // Transcribe fails too
}

func (e *packEngine) Name() string { return "pack" }
func (e *packEngine) Close() error { return nil }

func (e *packEngine) Transcribe(_ context.Context, req asr.Request) (asr.Transcript, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.down {
		return asr.Transcript{}, fmt.Errorf("engine down: %w", asr.ErrUnavailable)
	}
	e.singles = append(e.singles, req.Utterance.ID)
	return decodeRuns(asr.Float32(req.PCM)), nil
}

func (e *packEngine) TranscribePacked(_ context.Context, reqs []asr.Request) ([]asr.Transcript, asr.PackStats, error) {
	ids := make([]string, len(reqs))
	utts := make([][]float32, len(reqs))
	for i, r := range reqs {
		ids[i] = r.Utterance.ID
		utts[i] = asr.Float32(r.PCM)
	}
	e.mu.Lock()
	e.batches = append(e.batches, ids)
	for _, r := range reqs {
		e.prompts = append(e.prompts, r.Prompt)
	}
	fail := e.fail
	e.mu.Unlock()
	if fail != nil {
		if err := fail(ids); err != nil {
			return nil, asr.PackStats{}, err
		}
	}
	window, spans := whisper.PackAudio(utts, whisper.PackGapSamples)
	out, amb := whisper.SplitPacked(decodeRuns(window), spans, 0.2)
	for i := range amb {
		if amb[i] {
			return nil, asr.PackStats{}, fmt.Errorf("utterance %d not attributable", i)
		}
	}
	return out, asr.PackStats{Windows: 1, Packed: len(reqs)}, nil
}

// tone is 1 s or more of a 200 Hz tone whose amplitude names it: decodeRuns reads it as "wk".
func tone(k int, sec float64) []int16 {
	out := make([]int16, int(sec*wire.SampleRate))
	for i := range out {
		out[i] = int16(float64(1000*k) * math.Sin(2*math.Pi*200*float64(i)/wire.SampleRate))
	}
	return out
}

func decodeRuns(x []float32) asr.Transcript {
	const frame = 160
	t := asr.Transcript{NoSpeechProb: -1}
	start, peak := -1, 0.0
	end := func(i int) {
		if start < 0 {
			return
		}
		w := fmt.Sprintf("w%d", int(math.Round(peak*32768/1000)))
		s0, s1 := float64(start)/wire.SampleRate, float64(i)/wire.SampleRate
		t.Spans = append(t.Spans, asr.Span{Start: s0, End: s1, Text: w, NoSpeechProb: 0.01,
			Tokens: []asr.Token{{Text: " " + w, P: 0.9, Start: s0, End: s1}}})
		start, peak = -1, 0
	}
	for i := 0; i < len(x); i += frame {
		p := 0.0
		for _, v := range x[i:min(i+frame, len(x))] {
			p = max(p, math.Abs(float64(v)))
		}
		if p > 0.01 {
			if start < 0 {
				start = i
			}
			peak = max(peak, p)
		} else {
			end(i)
		}
	}
	end(len(x))
	var texts []string
	for _, s := range t.Spans {
		texts = append(texts, s.Text)
	}
	t.Text = asr.JoinText(texts)
	return t
}

// piecesOf makes one piece per (hearing, seconds) with tones 1, 2, 3… in order, 2 s apart.
func piecesOf(spec ...any) []policy.Piece {
	var out []policy.Piece
	at := 0.0
	for i := 0; i < len(spec); i += 2 {
		h, sec := spec[i].(string), spec[i+1].(float64)
		k := len(out) + 1
		u := asr.Utterance{Hearing: h, Seat: fmt.Sprintf("seat%d", k%3), Start: at, End: at + sec}
		u.ID = asr.UtteranceID(u.Seat, u.Start)
		out = append(out, policy.Piece{Utterance: u, PCM: tone(k, sec), Index: 1, Count: 1})
		at += sec + 2
	}
	return out
}

func newManyPipeline(t *testing.T, eng asr.Engine) *Pipeline {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Language = "en"
	p, err := New(eng, cfg, nil, func(asr.Result) {})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBatches(t *testing.T) {
	pcs := piecesOf("h1", 3.0, "h1", 3.0, "h1", 20.0, "h1", 3.0, "h2", 3.0, "h2", 29.0, "h2", 2.0)
	var got [][]int
	for _, b := range Batches(pcs, asr.PackWindowSeconds) {
		var ks []int
		for _, pc := range b {
			for k := range pcs {
				if pcs[k].Utterance.ID == pc.Utterance.ID && pcs[k].Utterance.Hearing == pc.Utterance.Hearing {
					ks = append(ks, k)
				}
			}
		}
		got = append(got, ks)
	}
	// 3+0.75+3+0.75+20 = 27.5 fits 28; the next 3 s does not; the hearing changes; 29 s is
	// longer than the window and alone.
	want := "[[0 1 2] [3] [4] [5] [6]]"
	if fmt.Sprint(got) != want {
		t.Fatalf("batches %v, want %s", got, want)
	}
	if n := len(Batches(pcs, 0)); n != len(pcs) {
		t.Fatalf("window 0: %d batches, want one per piece (%d)", n, len(pcs))
	}
}

// TestTranscribeManyPacks: consecutive utterances of one hearing are decoded in packed
// batches, and each result carries its own utterance's text and times on hearing time.
func TestTranscribeManyPacks(t *testing.T) {
	eng := &packEngine{}
	p := newManyPipeline(t, eng)
	p.Commit("h1", "earlier committed text") // the prompt carries it
	pcs := piecesOf("h1", 3.0, "h1", 2.0, "h1", 5.0, "h1", 4.0, "h1", 6.0, "h1", 6.0, "h1", 4.0, "h2", 2.0, "h2", 3.0, "h2", 0.6)
	rs := p.TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds)
	if len(rs) != len(pcs) {
		t.Fatalf("%d results for %d pieces", len(rs), len(pcs))
	}
	for k, r := range rs {
		u := pcs[k].Utterance
		if r.Utterance.ID != u.ID || r.Utterance.Hearing != u.Hearing {
			t.Fatalf("result %d is for %s/%s, want %s/%s", k, r.Utterance.Hearing, r.Utterance.ID, u.Hearing, u.ID)
		}
		if want := fmt.Sprintf("w%d", k+1); r.Text != want || r.Status != asr.StatusFinal {
			t.Errorf("utterance %d (%s): %q %s, want %q final", k, u.ID, r.Text, r.Status, want)
		}
		if len(r.Spans) != 1 {
			t.Fatalf("utterance %d: %d segments", k, len(r.Spans))
		}
		if s := r.Spans[0]; s.Start < u.Start-1e-9 || s.End > u.End+1e-9 || s.End-s.Start < u.Duration()-0.02 {
			t.Errorf("utterance %d %.2f..%.2f: segment %.3f..%.3f not on its own hearing time", k, u.Start, u.End, s.Start, s.End)
		}
	}
	// h1: 3+2+5+4+6 s with gaps = 23 s, +6 s would pass 28; then 6+4; h2: 2+3+0.6.
	want := fmt.Sprint([][]string{
		{pcs[0].Utterance.ID, pcs[1].Utterance.ID, pcs[2].Utterance.ID, pcs[3].Utterance.ID, pcs[4].Utterance.ID},
		{pcs[5].Utterance.ID, pcs[6].Utterance.ID},
		{pcs[7].Utterance.ID, pcs[8].Utterance.ID, pcs[9].Utterance.ID},
	})
	if got := fmt.Sprint(eng.batches); got != want {
		t.Fatalf("packed batches %s, want %s", got, want)
	}
	if len(eng.singles) != 0 {
		t.Fatalf("decoded one by one: %v", eng.singles)
	}
	// each request keeps the hearing's prompt, for an utterance the engine decodes alone
	if len(eng.prompts) == 0 || !strings.Contains(eng.prompts[0], "earlier committed text") {
		t.Fatalf("packed requests lost the hearing's prompt: %q", eng.prompts)
	}
	// finals are committed, so the next one-by-one prompt carries them
	if req := p.request(pcs[0], false); !contains(req.Prompt, "w7") {
		t.Fatalf("packed finals not committed: prompt %q", req.Prompt)
	}
}

// TestTranscribeManyBatchFails: a batch whose packed call fails is decoded one by one; every
// utterance still gets its own text, and a batch the engine cannot take at all comes out
// pending, one result per utterance, none lost.
func TestTranscribeManyBatchFails(t *testing.T) {
	eng := &packEngine{}
	pcs := piecesOf("h1", 3.0, "h1", 3.0, "h1", 3.0, "h1", 20.0, "h1", 3.0, "h1", 3.0)
	bad := pcs[1].Utterance.ID
	eng.fail = func(ids []string) error {
		for _, id := range ids {
			if id == bad {
				return errors.New("whisper: whisper_full failed (-6)")
			}
		}
		return nil
	}
	p := newManyPipeline(t, eng)
	rs := p.TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds)
	if len(rs) != len(pcs) {
		t.Fatalf("%d results for %d pieces", len(rs), len(pcs))
	}
	for k, r := range rs {
		if want := fmt.Sprintf("w%d", k+1); r.Text != want || r.Utterance.ID != pcs[k].Utterance.ID {
			t.Errorf("result %d: %s %q, want %s %q", k, r.Utterance.ID, r.Text, pcs[k].Utterance.ID, want)
		}
	}
	// the first batch (0..2: 3+3+3 s, then 20 s would pass 28) failed and went one by one;
	// the second (20+3+3 s and gaps: 27.5 s) packed.
	if got, want := fmt.Sprint(eng.singles), fmt.Sprint([]string{pcs[0].Utterance.ID, pcs[1].Utterance.ID, pcs[2].Utterance.ID}); got != want {
		t.Fatalf("one by one: %s, want %s", got, want)
	}
	if len(eng.batches) != 2 {
		t.Fatalf("%d packed calls, want 2: %v", len(eng.batches), eng.batches)
	}

	down := &packEngine{down: true, fail: func([]string) error { return fmt.Errorf("no worker: %w", asr.ErrUnavailable) }}
	rs = newManyPipeline(t, down).TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds)
	if len(rs) != len(pcs) {
		t.Fatalf("engine down: %d results for %d pieces", len(rs), len(pcs))
	}
	for k, r := range rs {
		if r.Status != asr.StatusPending || r.Utterance.ID != pcs[k].Utterance.ID {
			t.Fatalf("engine down: result %d is %s %s, want %s pending", k, r.Utterance.ID, r.Status, pcs[k].Utterance.ID)
		}
	}
}

// TestTranscribeManyOneByOne: an engine that cannot pack, or window 0, gets one call a piece.
func TestTranscribeManyOneByOne(t *testing.T) {
	pcs := piecesOf("h1", 3.0, "h1", 3.0, "h1", 3.0)
	eng := &fakeEngine{fn: echo}
	rs := newManyPipeline(t, eng).TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds)
	if len(rs) != 3 || eng.calls.Load() != 3 {
		t.Fatalf("%d results, %d calls; want 3 and 3", len(rs), eng.calls.Load())
	}
	for k, r := range rs {
		if r.Utterance.ID != pcs[k].Utterance.ID || r.Status != asr.StatusFinal {
			t.Fatalf("result %d: %s %s", k, r.Utterance.ID, r.Status)
		}
	}
	pe := &packEngine{}
	newManyPipeline(t, pe).TranscribeMany(context.Background(), pcs, 0)
	if len(pe.batches) != 0 || len(pe.singles) != 3 {
		t.Fatalf("window 0: %d packed calls, %d single; want 0 and 3", len(pe.batches), len(pe.singles))
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
