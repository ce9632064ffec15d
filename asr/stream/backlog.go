package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/transcript"
)

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
	open map[string][]*utter // hearing \x00 seat → pending segments handed out
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
	if b.open == nil {
		b.open = map[string][]*utter{}
	}
	out := make([]asr.Utterance, 0, len(segs))
	for _, s := range segs {
		if b.Skip != nil && b.Skip(s.ID) {
			continue
		}
		u := asr.Utterance{ID: SegmentUtteranceID(s.ID), Hearing: s.HearingID, Seat: s.Seat,
			Start: float64(s.StartMS) / 1000, End: float64(s.EndMS) / 1000, Overlap: s.Overlap}
		k := s.HearingID + "\x00" + s.Seat
		known := false
		for _, o := range b.open[k] {
			if o.seg == s.ID {
				// handed out before: the segment may have grown since (a turn in progress)
				known = true
				o.start, o.end = u.Start, u.End
				o.pieces = map[int]string{}
			}
		}
		if !known {
			b.open[k] = append(b.open[k], &utter{seg: s.ID, start: u.Start, end: u.End, pieces: map[int]string{}})
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
	k := r.Utterance.Hearing + "\x00" + r.Utterance.Seat
	list := b.open[k]
	idx := -1
	for i, u := range list {
		if r.Utterance.Start >= u.start-0.001 && r.Utterance.Start <= u.end+0.001 {
			idx = i
			break
		}
	}
	if idx < 0 {
		b.mu.Unlock()
		return fmt.Errorf("backfill result for %s: no pending segment of seat %s at %.3f s", r.Utterance.ID, r.Utterance.Seat, r.Utterance.Start)
	}
	u := list[idx]
	total := max(r.Pieces, 1)
	piece := max(r.Piece, 1)
	u.pieces[piece] = r.Text
	if len(u.pieces) < total {
		b.mu.Unlock()
		return nil
	}
	parts := make([]string, 0, total)
	for i := 1; i <= total; i++ {
		if t := u.pieces[i]; t != "" {
			parts = append(parts, t)
		}
	}
	b.open[k] = append(list[:idx:idx], list[idx+1:]...)
	b.mu.Unlock()
	engine := r.Engine
	if engine == "" {
		engine = "backfill"
	}
	_, err := b.Record.SetEngineResult(ctx, "engine:"+engine, u.seg, transcript.EngineResult{
		Text: asr.CleanText(strings.Join(parts, " ")), Confidence: r.Confidence, Final: true, Engine: engine})
	return err
}
