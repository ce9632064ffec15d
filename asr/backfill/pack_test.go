package backfill

import "context"
import "errors"
import "fmt"
import "sort"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/capture/wire"

// packer is flaky that can also pack (asr.Packer), without libwhisper: it lays the requests
// out with the whisper engine's PackAudio, "hears" each run of sound in the window by its tone
// frequency, with times, and splits the text back with the whisper engine's SplitPacked.
type packer struct {
	flaky
	mu      sync.Mutex
	batches []int // utterances per packed call
	failing int   // packed calls that fail before the engine packs again
}

func (e *packer) TranscribePacked(ctx context.Context, reqs []asr.Request) ([]asr.Transcript, asr.PackStats, error) {
	if e.down.Load() {
		return nil, asr.PackStats{}, fmt.Errorf("engine crashed: %w", asr.ErrUnavailable)
	}
	e.mu.Lock()
	e.batches = append(e.batches, len(reqs))
	fail := e.failing > 0
	if fail {
		e.failing--
	}
	e.mu.Unlock()
	if fail {
		return nil, asr.PackStats{}, errors.New("whisper: whisper_full failed (-6)")
	}
	utts := make([][]float32, len(reqs))
	var pcm []int16
	for i, r := range reqs {
		utts[i] = asr.Float32(r.PCM)
		if i > 0 {
			pcm = append(pcm, make([]int16, whisper.PackGapSamples)...)
		}
		pcm = append(pcm, r.PCM...)
	}
	_, spans := whisper.PackAudio(utts, whisper.PackGapSamples)
	var t asr.Transcript
	for start := 0; start < len(pcm); {
		for start < len(pcm) && pcm[start] == 0 {
			start++
		}
		end := start
		for silent := 0; end < len(pcm) && silent < 1600; end++ { // a run ends at 0.1 s of silence
			if pcm[end] == 0 {
				silent++
			} else {
				silent = 0
			}
		}
		if end > start {
			text := fmt.Sprintf("tone %d Hz", zeroCrossHz(pcm[start:end]))
			s0, s1 := float64(start)/wire.SampleRate, float64(end-1600)/wire.SampleRate
			t.Spans = append(t.Spans, asr.Span{Start: s0, End: s1, Text: text, NoSpeechProb: -1,
				Tokens: []asr.Token{{Text: " " + text, P: 0.9, Start: s0, End: s1}}})
		}
		start = end
	}
	out, amb := whisper.SplitPacked(t, spans, 0.2)
	for i := range amb {
		if amb[i] {
			return nil, asr.PackStats{}, fmt.Errorf("utterance %d not attributable", i)
		}
	}
	return out, asr.PackStats{Windows: 1, Packed: len(reqs)}, nil
}

func (e *packer) packed() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int(nil), e.batches...)
}

// allPending puts a hearing's utterances in the store as pending, as a recording without an
// engine (or an import) leaves them.
func allPending(store *memStore, us []asr.Utterance) {
	for _, u := range us {
		store.record(asr.Result{Utterance: u, Status: asr.StatusPending, Error: "no engine"})
	}
}

// TestBackfillPacks: backfill hands a packing engine batches of consecutive pending utterances
// up to BatchSeconds, and every utterance gets the text of its own audio.
func TestBackfillPacks(t *testing.T) {
	dir := t.TempDir()
	us, _ := hearing(t, dir, 8) // 2 s utterances
	for _, tc := range []struct {
		batch   float64
		want    string
		workers int
	}{
		{0, "[8]", 0},      // default 28 s: 8×2 s + 7×0.75 s = 21.25 s
		{10, "[3 3 2]", 0}, // 3×2 s + 2×0.75 s = 7.5 s; a fourth would make 10.25 s
		{-1, "[]", 0},      // one by one
		{1, "[]", 0},       // every utterance longer than the window: alone, so one by one
		{asr.PackWindowSeconds, "[8]", 0},
		{10, "[2 3 3]", 2}, // two batches at once, recorded in time order
	} {
		eng := &packer{}
		store := newMemStore()
		allPending(store, us)
		p, stop := runPool(t, eng, store)
		b := &Backfiller{Store: store, Audio: archive.Archive{Dir: dir}, Engine: p, Policy: policy.DefaultConfig(), BatchSeconds: tc.batch, Workers: tc.workers}
		rep, err := b.Run(context.Background(), "h1")
		stop()
		if err != nil || rep.Completed != 8 || rep.Remaining != 0 || rep.Failed != 0 {
			t.Fatalf("batch %v s: %+v %v", tc.batch, rep, err)
		}
		got := eng.packed()
		if tc.workers > 1 {
			sort.Ints(got)
		}
		if got := fmt.Sprint(got); got != tc.want {
			t.Errorf("batch %v s: packed calls of %s utterances, want %s", tc.batch, got, tc.want)
		}
		checkAllTranscribed(t, store, us)
	}
}

// TestBackfillPackedBatchFails: a packed batch that fails is transcribed one by one, and a
// batch the engine cannot take leaves every utterance pending for the next round.
func TestBackfillPackedBatchFails(t *testing.T) {
	dir := t.TempDir()
	us, _ := hearing(t, dir, 8)
	eng := &packer{failing: 1}
	store := newMemStore()
	allPending(store, us)
	p, stop := runPool(t, eng, store)
	defer stop()
	b := &Backfiller{Store: store, Audio: archive.Archive{Dir: dir}, Engine: p, Policy: policy.DefaultConfig(), BatchSeconds: 10}
	rep, err := b.Run(context.Background(), "h1")
	if err != nil || rep.Completed != 8 {
		t.Fatalf("%+v %v", rep, err)
	}
	if got := fmt.Sprint(eng.packed()); got != "[3 3 2]" {
		t.Fatalf("packed calls of %s utterances, want [3 3 2] (the first failed)", got)
	}
	checkAllTranscribed(t, store, us)

	// The engine is down: nothing is lost, everything stays pending, and comes back later.
	store = newMemStore()
	allPending(store, us)
	eng.down.Store(true)
	b.Store = store
	rep, err = b.Run(context.Background(), "h1")
	if !errors.Is(err, ErrStillUnavailable) || rep.Remaining != 8 || rep.Completed != 0 {
		t.Fatalf("engine down: %+v %v", rep, err)
	}
	if pend, _ := store.Pending(context.Background(), "h1"); len(pend) != 8 {
		t.Fatalf("engine down: %d pending, want 8", len(pend))
	}
	eng.down.Store(false)
	if rep, err = b.Run(context.Background(), "h1"); err != nil || rep.Completed != 8 {
		t.Fatalf("engine back: %+v %v", rep, err)
	}
	checkAllTranscribed(t, store, us)
}
