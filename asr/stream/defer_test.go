package stream

import "context"
import "fmt"
import "strings"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/backfill"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// packingEcho is echoEngine that can pack (asr.Packer), counting its calls.
type packingEcho struct {
	echoEngine
	single, packed, packedUtts atomic.Int64
}

func (e *packingEcho) Transcribe(ctx context.Context, r asr.Request) (asr.Transcript, error) {
	e.single.Add(1)
	return e.echoEngine.Transcribe(ctx, r)
}

func (e *packingEcho) TranscribePacked(_ context.Context, reqs []asr.Request) ([]asr.Transcript, asr.PackStats, error) {
	e.packed.Add(1)
	e.packedUtts.Add(int64(len(reqs)))
	out := make([]asr.Transcript, len(reqs))
	for i, r := range reqs {
		out[i] = asr.Transcript{Text: fmt.Sprintf("%s spoke %.1f s, packed", r.Utterance.Seat, float64(len(r.PCM))/wire.SampleRate), NoSpeechProb: -1}
	}
	return out, asr.PackStats{Windows: 1, Packed: len(reqs)}, nil
}

// TestDeferredHearingIsPackedByBackfill: the utterances of a deferred hearing (an import) are
// recorded pending without reaching the engine, and a backfill then transcribes them in
// packed batches.
func TestDeferredHearingIsPackedByBackfill(t *testing.T) {
	ctx := context.Background()
	id := "room3-import"
	data, store, audio := archivedScene(t, id)
	eng := &packingEcho{}
	pc := pool.DefaultConfig()
	pc.PartialInterval = time.Second
	st := startStream(t, store, data, eng, pc, Config{})
	st.Defer(id, true)
	if !st.Deferred(id) {
		t.Fatal("Deferred is false after Defer")
	}
	st.HearingOpened(twoSeats(id), 0)
	feedBlocks(st, id, audio, 0, len(audio[0]), time.Millisecond)
	st.HearingClosed(id)
	var pending []transcript.Segment
	poll(400, 50*time.Millisecond, func() bool {
		pending, _ = store.PendingSegments(ctx, id, 0)
		h, _ := store.GetHearing(ctx, id)
		return h != nil && h.Status == transcript.StatusClosed && len(pending) >= 2
	})
	if len(pending) < 2 {
		t.Fatalf("deferred hearing: %d pending segments, want the judge's and the witness's", len(pending))
	}
	if n := eng.single.Load() + eng.packed.Load(); n != 0 {
		t.Fatalf("the engine was called %d times for a deferred hearing", n)
	}
	st.mu.Lock()
	for k, l := range st.pending.open {
		if strings.HasPrefix(k, id+"\x00") && len(l) > 0 {
			t.Errorf("%d segments of %q still wait for engine text that will not come", len(l), k)
		}
	}
	st.mu.Unlock()
	st.Defer(id, false)

	p, _ := pool.New(eng, pool.DefaultConfig(), nil, func(asr.Result) {})
	bf := &backfill.Backfiller{Store: &Backlog{Record: store}, Audio: archive.Archive{Dir: data}, Engine: p, Policy: pool.DefaultConfig().Policy}
	rep, err := bf.Run(ctx, id)
	if err != nil || rep.Completed != len(pending) {
		t.Fatalf("backfill: %v %+v", err, rep)
	}
	if eng.packed.Load() == 0 || eng.packedUtts.Load() < 2 {
		t.Fatalf("backfill did not pack: %d packed calls for %d utterances, %d single", eng.packed.Load(), eng.packedUtts.Load(), eng.single.Load())
	}
	segs, _ := store.ListSegments(ctx, id, false)
	for _, s := range segs {
		if s.Status != transcript.SegmentFinal || !strings.Contains(s.Text, "spoke") {
			t.Errorf("segment %d after backfill: %s %q", s.ID, s.Status, s.Text)
		}
	}
}
