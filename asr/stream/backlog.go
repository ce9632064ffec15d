package stream

import "context"
import "fmt"
import "sync"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/transcript"

// PendingRecord is what backfill needs from the hearing record; transcript.Store has it.
type PendingRecord interface {
	PendingSegments(ctx context.Context, hearingID string, limit int) ([]transcript.Segment, error)
	SetEngineResult(ctx context.Context, actor string, segmentID int64, r transcript.EngineResult) (*transcript.Segment, error)
}

// Backlog adapts the hearing record to asr.PendingStore: the pending segments of a hearing
// are backfill's utterances, and results are written back as final engine results. Pieces of
// a long segment that backfill splits are joined and recorded once, when all are done.
type Backlog struct {
	Record PendingRecord
	// Skip, when set, leaves out segments the live path still owns (Stream.InProgress: a turn
	// being spoken, whose extent and text are not final yet).
	Skip func(seg int64) bool

	mu   sync.Mutex
	open joiner // pending segments handed out
}

var _ asr.PendingStore = (*Backlog)(nil)

// Pending implements asr.PendingStore.
func (b *Backlog) Pending(ctx context.Context, hearing string) ([]asr.Utterance, error) {
	segs, err := b.Record.PendingSegments(ctx, hearing, 0)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]asr.Utterance, 0, len(segs))
	for _, s := range segs {
		if b.Skip != nil && b.Skip(s.ID) {
			continue
		}
		u := asr.Utterance{ID: SegmentUtteranceID(s.ID), Hearing: s.HearingID, Seat: s.Seat,
			Start: msToSeconds(s.StartMS), End: msToSeconds(s.EndMS), Overlap: s.Overlap}
		if o := b.open.bySeg(s.HearingID, s.Seat, s.ID); o != nil {
			// handed out before: the segment may have grown since (a turn in progress)
			o.start, o.end = u.Start, u.End
			o.pieces = map[int]string{}
		} else {
			b.open.add(s.HearingID, s.Seat, &utter{seg: s.ID, start: u.Start, end: u.End, pieces: map[int]string{}})
		}
		out = append(out, u)
	}
	return out, nil
}

// Complete implements asr.PendingStore.
func (b *Backlog) Complete(ctx context.Context, r asr.Result) error {
	if r.Status == asr.StatusPending || r.Status == asr.StatusPartial {
		return nil
	}
	b.mu.Lock()
	u := b.open.at(r.Utterance.Hearing, r.Utterance.Seat, r.Utterance.Start)
	if u == nil {
		b.mu.Unlock()
		return fmt.Errorf("backfill result for %s: no pending segment of seat %s at %.3f s", r.Utterance.ID, r.Utterance.Seat, r.Utterance.Start)
	}
	text, done := b.open.addPiece(r.Utterance.Hearing, r.Utterance.Seat, u, max(r.Piece, 1), max(r.Pieces, 1), r.Text)
	b.mu.Unlock()
	if !done {
		return nil
	}
	engine := r.Engine
	if engine == "" {
		engine = "backfill"
	}
	_, err := b.Record.SetEngineResult(ctx, "engine:"+engine, u.seg, transcript.EngineResult{
		Text: asr.CleanText(text), Confidence: r.Confidence, Final: true, Engine: engine})
	return err
}
