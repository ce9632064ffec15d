package sqlite

import "context"
import "errors"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// A live segment grows while its speaker talks; text and status stay, the history has every
// step and the audit chain holds.
func TestSegmentExtentGrowsLiveSegment(t *testing.T) { testSegmentExtentGrowsLiveSegment(t, sqliteDB) }

func testSegmentExtentGrowsLiveSegment(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h-extent")))
	must[*transcript.Hearing](t)(s.Start(ctx, "system", "h-extent"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h-extent", transcript.NewSegment{Seat: "judge", StartMS: 1000, EndMS: 1100}))
	g = must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:x", g.ID, transcript.EngineResult{Text: "现在开庭", Engine: "x"}))
	if g.Status != transcript.SegmentPartial {
		t.Fatalf("status %s", g.Status)
	}
	g = must[*transcript.Segment](t)(s.SetEngineResult(ctx, "diarizer", g.ID, transcript.EngineResult{Extent: true, EndMS: 4200}))
	if g.EndMS != 4200 || g.Text != "现在开庭" || g.Status != transcript.SegmentPartial {
		t.Fatalf("extent changed more than the end: %+v", g)
	}
	if _, err := s.SetEngineResult(ctx, "diarizer", g.ID, transcript.EngineResult{Extent: true, EndMS: 500}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("an end before the start: %v", err)
	}
	g = must[*transcript.Segment](t)(s.SetEngineResult(ctx, "diarizer", g.ID, transcript.EngineResult{Extent: true, EndMS: 3900, Overlap: true}))
	if g.EndMS != 3900 || !g.Overlap {
		t.Fatalf("the final end may be earlier than a live estimate: %+v", g)
	}
	hist := must[[]transcript.Event](t)(s.SegmentHistory(ctx, g.ID))
	if len(hist) != 4 {
		t.Fatalf("history has %d events, want 4", len(hist))
	}
	if rep, err := s.AuditHearing(ctx, "h-extent"); err != nil {
		t.Fatalf("audit: %v %+v", err, rep)
	}
}
