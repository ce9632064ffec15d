//go:build whisper

package whisper

import "context"
import "math"
import "math/rand/v2"
import "os"
import "path/filepath"
import "slices"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestTranscribePacked: six short utterances and one longer than the window come back as seven
// transcripts in order, every time inside its own utterance; the short ones cost one encoder
// window plus one per utterance that fell back, the long one is decoded on its own.
func TestTranscribePacked(t *testing.T) {
	e := deterministic(t, randomTiny(t), 1, false)
	e.cfg.TokenTimestamps = false // the packed decode needs token times; they must not leak out
	utts := testUtterances(t, 6)  // 22 s, one window
	long := make([]int16, PackWindowSamples+16000)
	copy(long, jfk(t))
	var reqs []asr.Request
	for _, u := range utts {
		reqs = append(reqs, asr.Request{PCM: u, Language: "en"})
	}
	reqs = append(reqs, asr.Request{PCM: long, Language: "en"})
	before := e.Encodes()
	out, st, err := e.TranscribePacked(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(reqs) {
		t.Fatalf("%d transcripts for %d utterances", len(out), len(reqs))
	}
	passes := e.Encodes() - before
	t.Logf("stats %+v, %d encoder passes", st, passes)
	if st.Windows != 1 || st.Packed+st.Fallbacks != len(utts) || st.Single != 1 {
		t.Errorf("stats %+v: want one window for the %d short utterances and the long one alone", st, len(utts))
	}
	// Each decode encodes at least once, and again where whisper.cpp seeks on inside its
	// input (its last segment ended early): with random weights the 29 s one often does.
	if decodes := st.Windows + st.Fallbacks + st.Single; passes < decodes || passes >= len(reqs) {
		t.Errorf("%d encoder passes for %d decodes of %d utterances: want at least one per decode, and fewer than one per utterance", passes, decodes, len(reqs))
	}
	if len(st.Alone) == 0 || st.Alone[len(st.Alone)-1] != len(utts) {
		t.Errorf("decoded alone %v: the utterance longer than the window must be", st.Alone)
	}
	alone := map[int]bool{}
	for _, i := range st.Alone {
		alone[i] = true
	}
	// Packed results carry times inside their own utterance (a one-by-one decode is whisper's
	// own answer, which with random weights may run past the audio: not packing's concern).
	tokens := 0
	for i, tr := range out {
		if alone[i] {
			continue
		}
		for _, s := range tr.Spans {
			tokens += len(s.Tokens)
		}
		dur := float64(len(reqs[i].PCM)) / wire.SampleRate
		for _, s := range tr.Spans {
			if s.Start < 0 || s.End > dur+1e-6 || s.Start > s.End {
				t.Errorf("utterance %d (%.1f s): segment %.2f–%.2f %q outside it", i, dur, s.Start, s.End, s.Text)
			}
			for _, tk := range s.Tokens {
				if tk.Start != -1 || tk.End != -1 {
					t.Errorf("utterance %d: token times %v–%v without TokenTimestamps", i, tk.Start, tk.End)
				}
			}
		}
	}
	if tokens == 0 {
		t.Error("the packed utterances hold no tokens: the checks above saw nothing")
	}
}

// packedHearing is a generated hearing of n utterances cut from jfk.wav (2–6 s, a seat tone in
// each), three seats taking turns with 1.5 s between turns, as pieces in time order.
func packedHearing(t testing.TB, hearing string, n int) []policy.Piece {
	t.Helper()
	var pcs []policy.Piece
	at := 1.0
	for i, pcm := range testUtterances(t, n) {
		seat := []string{"judge", "prosecutor", "witness"}[i%3]
		u := asr.Utterance{Hearing: hearing, Seat: seat, Start: at, End: at + float64(len(pcm))/wire.SampleRate}
		u.ID = asr.UtteranceID(seat, u.Start)
		pcs = append(pcs, policy.Piece{Utterance: u, PCM: pcm, Index: 1, Count: 1})
		at = u.End + 1.5
	}
	return pcs
}

// checkPackedResults holds TranscribeMany's answer against the engine's own decode of each
// packed window, taken again after the fact on the same (deterministic) engine: one result
// per piece, in order and for that piece; every token of a packed utterance comes from the
// window's decode at the place that utterance occupies in it (mapped back into the window,
// its midpoint lies in the utterance's share: its audio and half the silence either side), in
// the window's order, none lost or doubled; times inside the utterance on hearing time. It
// returns the number of packed windows and of utterances SplitPacked sends back to a decode
// on their own.
func checkPackedResults(t *testing.T, e *Engine, pcs []policy.Piece, rs []asr.Result, window float64) (windows, fallbacks int) {
	t.Helper()
	if len(rs) != len(pcs) {
		t.Fatalf("%d results for %d utterances", len(rs), len(pcs))
	}
	for i, r := range rs {
		u := pcs[i].Utterance
		if r.Utterance.ID != u.ID || r.Utterance.Seat != u.Seat || r.Utterance.Start != u.Start {
			t.Errorf("result %d is for %s (%s at %.2f s), want %s", i, r.Utterance.ID, r.Utterance.Seat, r.Utterance.Start, u.ID)
		}
		if r.Status == asr.StatusPending {
			t.Errorf("utterance %s left pending: %s", u.ID, r.Error)
		}
		if r.Engine != "whisper" {
			t.Errorf("utterance %s: engine %q", u.ID, r.Engine)
		}
		for _, s := range r.Spans {
			if s.Start < u.Start || s.End > u.End || s.End < s.Start {
				t.Errorf("utterance %s (%.2f–%.2f s): segment %.2f–%.2f %q outside it", u.ID, u.Start, u.End, s.Start, s.End, s.Text)
			}
			for _, tk := range s.Tokens {
				if tk.Start < u.Start || tk.End > u.End || tk.End < tk.Start {
					t.Errorf("utterance %s (%.2f–%.2f s): token %q at %.2f–%.2f outside it", u.ID, u.Start, u.End, tk.Text, tk.Start, tk.End)
				}
			}
		}
	}
	idx := map[string]int{}
	for i, pc := range pcs {
		idx[pc.Utterance.ID] = i
	}
	for _, b := range pool.Batches(pcs, window) {
		if len(b) < 2 {
			continue
		}
		windows++
		utts := make([][]float32, len(b))
		for j, pc := range b {
			utts[j] = asr.Float32(policy.DefaultConfig().Pad(pc.PCM))
		}
		audio, spans := PackAudio(utts, PackGapSamples)
		ref, err := e.withWorker(context.Background(), func(w *worker) (asr.Transcript, error) {
			return e.decode(context.Background(), w, "en", "", audio, 0, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, ambiguous := SplitPacked(ref, spans, 0.2)
		share := func(j int) (float64, float64) { // utterance j's part of the window
			lo, hi := 0.0, math.Inf(1)
			if j > 0 {
				lo = (spans[j-1].End + spans[j].Start) / 2
			}
			if j < len(spans)-1 {
				hi = (spans[j].End + spans[j+1].Start) / 2
			}
			return lo, hi
		}
		// the window's tokens that belong to packed (not fallen back) utterances, in order, and
		// the packed results' tokens mapped back into the window
		type placed struct {
			text       string
			start, end float64
			j          int // the utterance in the batch
		}
		var want, got []placed
		for _, s := range ref.Spans {
			for _, tk := range s.Tokens {
				mid := (tk.Start + tk.End) / 2
				for j := range spans {
					if lo, hi := share(j); mid >= lo-0.01 && mid < hi+0.01 {
						if !ambiguous[j] {
							want = append(want, placed{tk.Text, tk.Start, tk.End, j})
						}
						break
					}
				}
			}
		}
		fell := 0
		for j, pc := range b {
			if ambiguous[j] {
				fell++
				continue
			}
			back := spans[j].Start - pc.Utterance.Start // hearing time → window time
			for _, s := range rs[idx[pc.Utterance.ID]].Spans {
				for _, tk := range s.Tokens {
					got = append(got, placed{tk.Text, tk.Start + back, tk.End + back, j})
				}
			}
		}
		fallbacks += fell
		if len(got) != len(want) {
			t.Errorf("batch from %s: the packed results hold %d tokens, the window's decode %d for them", b[0].Utterance.ID, len(got), len(want))
		}
		for k := range min(len(got), len(want)) {
			g, w := got[k], want[k]
			in := func(x float64) float64 { return min(max(x, spans[w.j].Start), spans[w.j].End) }
			if g.text != w.text || g.j != w.j || math.Abs(g.start-in(w.start)) > 0.011 || math.Abs(g.end-in(w.end)) > 0.011 {
				t.Errorf("batch from %s, token %d: result has %q in utterance %d at %.2f–%.2f s of the window; the window's decode has %q at %.2f–%.2f s, utterance %d's share",
					b[0].Utterance.ID, k, g.text, g.j, g.start, g.end, w.text, w.start, w.end, w.j)
				break
			}
		}
		t.Logf("batch of %d from %s: %d tokens for the packed utterances, %d fell back", len(b), b[0].Utterance.ID, len(want), fell)
	}
	return windows, fallbacks
}

// TestTranscribeManyWhisper: Pipeline.TranscribeMany with the real engine packs a hearing's
// utterances into windows — fewer encoder passes than utterances, one result per utterance
// with its own words and times. With the test model (real graph, no weights: real timings)
// and with a random-weight model (its tokens show where the text went).
func TestTranscribeManyWhisper(t *testing.T) {
	for _, m := range []struct{ name, path string }{
		{"test model", testrig.Testdata(t, "for-tests-ggml-tiny.bin")},
		{"random weights", randomTiny(t)},
	} {
		t.Run(m.name, func(t *testing.T) {
			e := deterministic(t, m.path, 1, false)
			cfg := pool.DefaultConfig()
			cfg.Language = "en"
			p, err := pool.New(e, cfg, nil, func(asr.Result) {})
			if err != nil {
				t.Fatal(err)
			}
			pcs := packedHearing(t, "h-pack", 8) // 29 s of speech: two windows
			before := e.Encodes()
			rs := p.TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds)
			passes := e.Encodes() - before
			windows, fallbacks := checkPackedResults(t, e, pcs, rs, asr.PackWindowSeconds)
			t.Logf("%d utterances: %d packed windows, %d fell back, %d encoder passes", len(pcs), windows, fallbacks, passes)
			if windows != 2 {
				t.Errorf("%d packed windows for 29 s of speech in 8 utterances, want 2", windows)
			}
			if passes >= len(pcs) {
				t.Errorf("%d encoder passes for %d utterances: packing saved nothing", passes, len(pcs))
			}
			if passes < windows+fallbacks {
				t.Errorf("%d encoder passes, fewer than %d windows + %d utterances decoded again alone", passes, windows, fallbacks)
			}
		})
	}
}

// memBacklog is the transcript store's side of backfill (asr.PendingStore) in memory.
type memBacklog struct {
	mu      sync.Mutex
	pending []asr.Utterance
	done    []asr.Result
}

func (s *memBacklog) Pending(_ context.Context, hearing string) ([]asr.Utterance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pending), nil
}

func (s *memBacklog) Complete(_ context.Context, r asr.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = append(s.done, r)
	return nil
}

// TestBackfillPackedWhisper: backfill of a pending hearing through the real archive (one WAV per
// seat) and the whisper engine decodes its utterances in packed windows, records each one
// once, in time order, inside its own span, and spends fewer encoder passes than one by one.
func TestBackfillPackedWhisper(t *testing.T) {
	model := testrig.Testdata(t, "for-tests-ggml-tiny.bin")
	pcs := packedHearing(t, "h-backfill", 8)
	dir := t.TempDir()
	end := int(pcs[len(pcs)-1].Utterance.End*wire.SampleRate) + wire.SampleRate
	seats := map[string][]int16{}
	var pending []asr.Utterance
	for _, pc := range pcs {
		u := pc.Utterance
		if seats[u.Seat] == nil {
			seats[u.Seat] = make([]int16, end)
		}
		copy(seats[u.Seat][int(math.Round(u.Start*wire.SampleRate)):], pc.PCM)
		pending = append(pending, u)
	}
	for seat, pcm := range seats {
		path, err := archive.SeatPath(dir, "h-backfill", seat)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := wavfile.WriteMulti(path, wire.SampleRate, [][]int16{pcm}); err != nil {
			t.Fatal(err)
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })

	for _, c := range []struct {
		name  string
		batch float64
	}{{"packed", 0}, {"one by one", -1}} {
		t.Run(c.name, func(t *testing.T) {
			e := deterministic(t, model, 1, false)
			cfg := pool.DefaultConfig()
			cfg.Language = "en"
			p, err := pool.New(e, cfg, nil, func(asr.Result) {})
			if err != nil {
				t.Fatal(err)
			}
			store := &memBacklog{pending: pending}
			b := &backfill.Backfiller{Store: store, Audio: archive.Archive{Dir: dir}, Engine: p, Policy: policy.DefaultConfig(), BatchSeconds: c.batch}
			rep, err := b.Run(context.Background(), "h-backfill")
			if err != nil {
				t.Fatal(err)
			}
			passes := e.Encodes()
			t.Logf("%+v, %d encoder passes", rep, passes)
			if rep.Completed != len(pcs) || rep.Failed != 0 || rep.Remaining != 0 {
				t.Errorf("report %+v, want %d completed", rep, len(pcs))
			}
			if len(store.done) != len(pcs) {
				t.Fatalf("%d results recorded for %d pending utterances", len(store.done), len(pcs))
			}
			for i, r := range store.done { // recorded in time order, each once
				u := pcs[i].Utterance
				if r.Utterance.ID != u.ID || r.Utterance.End != u.End {
					t.Errorf("record %d is %s (%.2f–%.2f s), want %s (%.2f–%.2f s)", i, r.Utterance.ID, r.Utterance.Start, r.Utterance.End, u.ID, u.Start, u.End)
				}
				if !r.Status.Done() {
					t.Errorf("%s recorded %s: %s", r.Utterance.ID, r.Status, r.Error)
				}
				for _, s := range r.Spans {
					if s.Start < u.Start || s.End > u.End {
						t.Errorf("%s (%.2f–%.2f s): segment %.2f–%.2f outside it", u.ID, u.Start, u.End, s.Start, s.End)
					}
				}
			}
			if c.batch == 0 {
				windows, _ := checkPackedResults(t, e, pcs, store.done, asr.PackWindowSeconds)
				if windows != 2 || passes >= len(pcs) {
					t.Errorf("%d packed windows and %d encoder passes for %d utterances: backfill did not pack", windows, passes, len(pcs))
				}
			} else if passes < len(pcs) {
				t.Errorf("one by one: %d encoder passes for %d utterances", passes, len(pcs))
			}
		})
	}
}
