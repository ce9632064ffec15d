package sqlite

import "context"

import "github.com/courtscribe/courtscribe/transcript"

const eventCols = `id, hearing_id, seq, kind, segment_id, note_id, actor, at, reason, before, after, prev_hash, hash`

func queryEvents(ctx context.Context, q querier, where string, args ...any) ([]transcript.Event, error) {
	return queryRows(ctx, q, scanEvent, `SELECT `+eventCols+` FROM events WHERE `+where, args...)
}

func scanEvent(r scanner) (*transcript.Event, error) {
	var e transcript.Event
	var kind, at string
	var before, after []byte
	if err := r.Scan(&e.ID, &e.HearingID, &e.Seq, &kind, &e.SegmentID, &e.NoteID, &e.Actor, &at, &e.Reason,
		&before, &after, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Before, e.After = before, after
	e.Kind, e.At = transcript.EventKind(kind), parseTime(at)
	return &e, nil
}

// EventsSince implements transcript.EventLog.
func (s *Store) EventsSince(ctx context.Context, hearingID string, afterID int64, limit int) ([]transcript.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	return queryEvents(ctx, s.rdb, `hearing_id=? AND id>? ORDER BY id LIMIT ?`, hearingID, afterID, limit)
}

// SegmentHistory implements transcript.EventLog.
func (s *Store) SegmentHistory(ctx context.Context, segmentID int64) ([]transcript.Event, error) {
	if _, err := getSegment(ctx, s.rdb, segmentID); err != nil {
		return nil, err
	}
	return queryEvents(ctx, s.rdb, `segment_id=? ORDER BY id`, segmentID)
}
