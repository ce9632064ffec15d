package sqlite

import "context"
import "database/sql"
import "errors"
import "fmt"
import "slices"
import "strings"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

const segCols = `id, hearing_id, seat, start_ms, end_ms, engine_text, text, confidence, status, revision, overlap, deleted, edited, updated_by, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanSegment(r scanner) (*transcript.Segment, error) {
	var g transcript.Segment
	var status, at string
	if err := r.Scan(&g.ID, &g.HearingID, &g.Seat, &g.StartMS, &g.EndMS, &g.EngineText, &g.Text, &g.Confidence,
		&status, &g.Revision, &g.Overlap, &g.Deleted, &g.Edited, &g.UpdatedBy, &at); err != nil {
		return nil, err
	}
	g.Status = transcript.SegmentStatus(status)
	g.UpdatedAt = parseTime(at)
	return &g, nil
}

func getSegment(ctx context.Context, q querier, id int64) (*transcript.Segment, error) {
	g, err := scanSegment(q.QueryRowContext(ctx, `SELECT `+segCols+` FROM segments WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("segment %d: %w", id, transcript.ErrNotFound)
	}
	return g, err
}

// editableHearing reads a hearing whose record can still be edited (not yet finalized); why
// is added to the refusal.
func editableHearing(ctx context.Context, q querier, id, why string) (*transcript.Hearing, error) {
	h, err := getHearing(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !h.Status.Editable() {
		return nil, transcript.Statef("hearing %s is %s%s", h.ID, h.Status, why)
	}
	return h, nil
}

// GetSegment implements transcript.Segments.
func (s *Store) GetSegment(ctx context.Context, id int64) (*transcript.Segment, error) {
	return getSegment(ctx, s.rdb, id)
}

func querySegments(ctx context.Context, q querier, where string, args ...any) ([]transcript.Segment, error) {
	return queryRows(ctx, q, scanSegment, `SELECT `+segCols+` FROM segments WHERE `+where, args...)
}

// queryRows runs a query and scans each row it returns with scan.
func queryRows[T any](ctx context.Context, q querier, scan func(scanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// ListSegments implements transcript.Segments.
func (s *Store) ListSegments(ctx context.Context, hearingID string, includeDeleted bool) ([]transcript.Segment, error) {
	w := `hearing_id=?`
	if !includeDeleted {
		w += ` AND deleted=0`
	}
	return querySegments(ctx, s.rdb, w+` ORDER BY start_ms, id`, hearingID)
}

// PendingSegments implements transcript.Segments.
func (s *Store) PendingSegments(ctx context.Context, hearingID string, limit int) ([]transcript.Segment, error) {
	if limit <= 0 {
		limit = 1000
	}
	if hearingID == "" {
		return querySegments(ctx, s.rdb, `status='pending' AND deleted=0 AND edited=0 ORDER BY id LIMIT ?`, limit)
	}
	return querySegments(ctx, s.rdb, `hearing_id=? AND status='pending' AND deleted=0 AND edited=0 ORDER BY id LIMIT ?`, hearingID, limit)
}

// insertSegment stores a new segment row and its event.
func (t *tx) insertSegment(ctx context.Context, g *transcript.Segment, kind transcript.EventKind, actor, reason string) error {
	g.UpdatedAt, g.UpdatedBy = t.now, actor
	id, err := t.insertID(ctx, `INSERT INTO segments(hearing_id, seat, start_ms, end_ms, engine_text, text, confidence, status, revision, overlap, deleted, edited, updated_by, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, g.HearingID, g.Seat, g.StartMS, g.EndMS, g.EngineText, g.Text, g.Confidence,
		string(g.Status), g.Revision, g.Overlap, g.Deleted, g.Edited, g.UpdatedBy, fmtTime(g.UpdatedAt))
	if err != nil {
		return err
	}
	g.ID = id
	_, err = t.appendEvent(ctx, transcript.Event{HearingID: g.HearingID, Kind: kind, SegmentID: g.ID, Actor: actor, Reason: reason, After: mustJSON(g)})
	return err
}

// saveSegment writes a changed segment (revision + 1) and its event.
func (t *tx) saveSegment(ctx context.Context, before, g *transcript.Segment, kind transcript.EventKind, actor, reason string) error {
	g.Revision = before.Revision + 1
	g.UpdatedAt, g.UpdatedBy = t.now, actor
	_, err := t.ExecContext(ctx, `UPDATE segments SET seat=?, start_ms=?, end_ms=?, engine_text=?, text=?, confidence=?, status=?, revision=?, overlap=?, deleted=?, edited=?, updated_by=?, updated_at=? WHERE id=?`,
		g.Seat, g.StartMS, g.EndMS, g.EngineText, g.Text, g.Confidence, string(g.Status), g.Revision, g.Overlap, g.Deleted, g.Edited, g.UpdatedBy, fmtTime(g.UpdatedAt), g.ID)
	if err != nil {
		return err
	}
	_, err = t.appendEvent(ctx, transcript.Event{HearingID: g.HearingID, Kind: kind, SegmentID: g.ID, Actor: actor, Reason: reason,
		Before: mustJSON(before), After: mustJSON(g)})
	return err
}

// editable loads a segment for a change by a person: the hearing must be editable and the
// base revision current.
func (t *tx) editable(ctx context.Context, id, base int64, needHearing bool) (*transcript.Segment, *transcript.Hearing, error) {
	g, err := getSegment(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	var status string
	if err := t.QueryRowContext(ctx, `SELECT status FROM hearings WHERE id=?`, g.HearingID).Scan(&status); err != nil {
		return nil, nil, err
	}
	if !transcript.HearingStatus(status).Editable() {
		return nil, nil, transcript.Statef("hearing %s is %s; changes after finalization are corrections", g.HearingID, status)
	}
	if g.Revision != base {
		return nil, nil, &transcript.ConflictError{Current: *g, Base: base}
	}
	if g.Deleted {
		return nil, nil, transcript.Invalidf("segment %d is deleted", id)
	}
	if !needHearing {
		return g, nil, nil
	}
	h, err := getHearing(ctx, t, g.HearingID)
	return g, h, err
}

// AppendSegment implements transcript.Segments.
func (s *Store) AppendSegment(ctx context.Context, actor, hearingID string, n transcript.NewSegment) (*transcript.Segment, error) {
	if !wire.ValidSeatName(n.Seat) {
		return nil, transcript.Invalidf("seat name %q", n.Seat)
	}
	if n.StartMS < 0 || n.EndMS < n.StartMS {
		return nil, transcript.Invalidf("segment time %d–%d ms", n.StartMS, n.EndMS)
	}
	g := &transcript.Segment{HearingID: hearingID, Seat: n.Seat, StartMS: n.StartMS, EndMS: n.EndMS, Overlap: n.Overlap,
		Status: transcript.SegmentPending, Revision: 1}
	err := s.write(ctx, func(t *tx) error {
		if _, err := editableHearing(ctx, t, hearingID, ""); err != nil {
			return err
		}
		return t.insertSegment(ctx, g, transcript.EventSegmentAppended, actor, "")
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// SetEngineResult implements transcript.Segments.
func (s *Store) SetEngineResult(ctx context.Context, actor string, id int64, r transcript.EngineResult) (*transcript.Segment, error) {
	if err := checkText(r.Text); err != nil {
		return nil, err
	}
	var out *transcript.Segment
	err := s.write(ctx, func(t *tx) error {
		g, err := getSegment(ctx, t, id)
		if err != nil {
			return err
		}
		if _, err := editableHearing(ctx, t, g.HearingID, ""); err != nil {
			return err
		}
		if r.Extent {
			if r.EndMS <= g.StartMS {
				return fmt.Errorf("%w: segment end %d ms is not after its start %d ms", transcript.ErrInvalid, r.EndMS, g.StartMS)
			}
			if (r.EndMS == g.EndMS && (!r.Overlap || g.Overlap)) || g.Deleted {
				out = g
				return nil
			}
			before := *g
			g.EndMS = r.EndMS
			g.Overlap = g.Overlap || r.Overlap
			out = g
			return t.saveSegment(ctx, &before, g, transcript.EventSegmentEngine, actor, "the speaker's turn continues")
		}
		if g.Status == transcript.SegmentFinal && !r.Final {
			out = g // a late partial result; the final one stands
			return nil
		}
		before := *g
		g.EngineText = r.Text
		g.Confidence = r.Confidence
		g.Status = transcript.SegmentPartial
		if r.Final {
			g.Status = transcript.SegmentFinal
		}
		reason := ""
		if g.Edited {
			reason = "edited by a person: the engine's text is kept in the history only"
		} else {
			g.Text = r.Text
		}
		if r.Engine != "" && actor == "" {
			actor = "engine:" + r.Engine
		}
		out = g
		return t.saveSegment(ctx, &before, g, transcript.EventSegmentEngine, actor, reason)
	})
	return out, err
}

// EditText implements transcript.Segments.
func (s *Store) EditText(ctx context.Context, actor string, id, base int64, text string) (*transcript.Segment, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	return s.editSegment(ctx, actor, id, base, false, transcript.EventSegmentEdited, "", func(g *transcript.Segment, _ *transcript.Hearing) error {
		g.Text, g.Edited = text, true
		return nil
	})
}

// editSegment applies change to an editable segment (at revision base) and saves it with one
// event of the kind given; the hearing is read too when needHearing.
func (s *Store) editSegment(ctx context.Context, actor string, id, base int64, needHearing bool, kind transcript.EventKind, reason string,
	change func(g *transcript.Segment, h *transcript.Hearing) error) (*transcript.Segment, error) {
	var out *transcript.Segment
	err := s.write(ctx, func(t *tx) error {
		g, h, err := t.editable(ctx, id, base, needHearing)
		if err != nil {
			return err
		}
		before := *g
		if err := change(g, h); err != nil {
			return err
		}
		out = g
		return t.saveSegment(ctx, &before, g, kind, actor, reason)
	})
	return out, err
}

// Relabel implements transcript.Segments.
func (s *Store) Relabel(ctx context.Context, actor string, id, base int64, seat string) (*transcript.Segment, error) {
	return s.editSegment(ctx, actor, id, base, true, transcript.EventSegmentRelabel, "", func(g *transcript.Segment, h *transcript.Hearing) error {
		if _, ok := h.SeatByName(seat); !ok {
			return transcript.Invalidf("seat %q is not in the seat map of hearing %s", seat, h.ID)
		}
		g.Seat = seat
		return nil
	})
}

// Split implements transcript.Segments.
func (s *Store) Split(ctx context.Context, actor string, id, base int64, offset int, atMS int64) (first, second *transcript.Segment, err error) {
	err = s.write(ctx, func(t *tx) error {
		g, _, err := t.editable(ctx, id, base, false)
		if err != nil {
			return err
		}
		runes := []rune(g.Text)
		if offset <= 0 || offset >= len(runes) {
			return transcript.Invalidf("split offset %d outside the text (1…%d)", offset, len(runes)-1)
		}
		if atMS <= g.StartMS || atMS >= g.EndMS {
			return transcript.Invalidf("split time %d ms outside the segment (%d…%d)", atMS, g.StartMS, g.EndMS)
		}
		before := *g
		tail := &transcript.Segment{HearingID: g.HearingID, Seat: g.Seat, StartMS: atMS, EndMS: g.EndMS,
			Text: strings.TrimSpace(string(runes[offset:])), Confidence: g.Confidence, Status: g.Status,
			Revision: 1, Overlap: g.Overlap, Edited: true}
		g.Text = strings.TrimSpace(string(runes[:offset]))
		g.EndMS = atMS
		g.Edited = true
		if err := t.saveSegment(ctx, &before, g, transcript.EventSegmentSplit, actor, ""); err != nil {
			return err
		}
		if err := t.insertSegment(ctx, tail, transcript.EventSegmentSplitNew, actor, fmt.Sprintf("split from segment %d", g.ID)); err != nil {
			return err
		}
		first, second = g, tail
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return first, second, nil
}

// Merge implements transcript.Segments.
func (s *Store) Merge(ctx context.Context, actor string, id, base, nextRev int64) (*transcript.Segment, error) {
	var out *transcript.Segment
	err := s.write(ctx, func(t *tx) error {
		g, h, err := t.editable(ctx, id, base, true)
		if err != nil {
			return err
		}
		nexts, err := querySegments(ctx, t, `hearing_id=? AND deleted=0 AND id<>? AND (start_ms>? OR (start_ms=? AND id>?)) ORDER BY start_ms, id LIMIT 1`,
			g.HearingID, g.ID, g.StartMS, g.StartMS, g.ID)
		if err != nil {
			return err
		}
		if len(nexts) == 0 {
			return transcript.Invalidf("segment %d is the last one: nothing to merge with", id)
		}
		n := nexts[0]
		if n.Revision != nextRev {
			return &transcript.ConflictError{Current: n, Base: nextRev}
		}
		if n.Seat != g.Seat {
			return transcript.Invalidf("the next segment %d belongs to seat %s, not %s: relabel first", n.ID, n.Seat, g.Seat)
		}
		before, nbefore := *g, n
		sep := " "
		if h.Language == "zh" {
			sep = ""
		}
		switch {
		case g.Text == "":
			g.Text = n.Text
		case n.Text != "":
			g.Text = g.Text + sep + n.Text
		}
		g.EndMS = max(g.EndMS, n.EndMS)
		g.Overlap = g.Overlap || n.Overlap
		g.Edited = true
		if n.Status == transcript.SegmentPending || g.Status == transcript.SegmentPending {
			g.Status = transcript.SegmentPending
		} else if n.Status == transcript.SegmentPartial {
			g.Status = transcript.SegmentPartial
		}
		n.Deleted = true
		if err := t.saveSegment(ctx, &before, g, transcript.EventSegmentMerged, actor, fmt.Sprintf("merged with segment %d", n.ID)); err != nil {
			return err
		}
		out = g
		return t.saveSegment(ctx, &nbefore, &n, transcript.EventSegmentDeleted, actor, fmt.Sprintf("merged into segment %d", g.ID))
	})
	return out, err
}

// Delete implements transcript.Segments.
func (s *Store) Delete(ctx context.Context, actor string, id, base int64, reason string) (*transcript.Segment, error) {
	if err := checkText(reason); err != nil {
		return nil, err
	}
	return s.editSegment(ctx, actor, id, base, false, transcript.EventSegmentDeleted, reason, func(g *transcript.Segment, _ *transcript.Hearing) error {
		g.Deleted = true
		return nil
	})
}

// AddNote implements transcript.Segments.
func (s *Store) AddNote(ctx context.Context, actor, hearingID string, n transcript.Note) (*transcript.Note, error) {
	switch n.Kind {
	case transcript.NoteAnnotation, transcript.NoteGap:
		n.Seat, n.Witness = "", ""
	case transcript.NoteSworn, transcript.NoteExhibit:
		n.Seat = ""
	case transcript.NoteExamination:
		if !slices.Contains(transcript.Examinations, n.Text) {
			return nil, transcript.Invalidf("examination %q: direct, cross, redirect, recross or end", n.Text)
		}
	default:
		return nil, transcript.Invalidf("note kind %q: annotation, gap, sworn, examination or exhibit (recess and resume go through the lifecycle)", n.Kind)
	}
	if (n.Kind == transcript.NoteSworn || n.Kind == transcript.NoteExamination && n.Text != "end") && n.Witness == "" {
		return nil, transcript.Invalidf("a %s mark names the witness's seat", n.Kind)
	}
	if n.Kind == transcript.NoteExamination && n.Text != "end" && n.Seat == "" {
		return nil, transcript.Invalidf("an examination mark names the examining counsel's seat")
	}
	if err := checkText(n.Text); err != nil {
		return nil, err
	}
	if n.AtMS < 0 || (n.Kind == transcript.NoteGap && n.EndMS <= n.AtMS) {
		return nil, transcript.Invalidf("note time %d–%d ms", n.AtMS, n.EndMS)
	}
	var out *transcript.Note
	err := s.write(ctx, func(t *tx) error {
		h, err := editableHearing(ctx, t, hearingID, "")
		if err != nil {
			return err
		}
		for _, seat := range []string{n.Seat, n.Witness} {
			if _, ok := h.SeatByName(seat); seat != "" && !ok {
				return transcript.Invalidf("seat %q is not in the seat map of hearing %s", seat, h.ID)
			}
		}
		if n.SegmentID != 0 {
			g, err := getSegment(ctx, t, n.SegmentID)
			if err != nil {
				return err
			}
			if g.HearingID != hearingID {
				return transcript.Invalidf("segment %d belongs to another hearing", n.SegmentID)
			}
		}
		out, err = t.insertNote(ctx, hearingID, actor, n)
		return err
	})
	return out, err
}

func (t *tx) insertNote(ctx context.Context, hearingID, actor string, n transcript.Note) (*transcript.Note, error) {
	n.HearingID, n.Author, n.CreatedAt = hearingID, actor, t.now
	id, err := t.insertID(ctx, `INSERT INTO notes(hearing_id, kind, at_ms, end_ms, segment_id, text, author, created_at, seat, witness) VALUES(?,?,?,?,?,?,?,?,?,?)`,
		hearingID, string(n.Kind), n.AtMS, n.EndMS, n.SegmentID, n.Text, n.Author, fmtTime(n.CreatedAt), n.Seat, n.Witness)
	if err != nil {
		return nil, err
	}
	n.ID = id
	_, err = t.appendEvent(ctx, transcript.Event{HearingID: hearingID, Kind: transcript.EventNoteAdded, NoteID: n.ID, SegmentID: 0, Actor: actor, After: mustJSON(&n)})
	return &n, err
}

// ListNotes implements transcript.Segments.
func (s *Store) ListNotes(ctx context.Context, hearingID string) ([]transcript.Note, error) {
	return queryNotes(ctx, s.rdb, hearingID)
}

const noteCols = `id, hearing_id, kind, at_ms, end_ms, segment_id, text, author, created_at, revision, deleted, updated_by, updated_at, seat, witness`

func scanNote(r scanner) (*transcript.Note, error) {
	var n transcript.Note
	var kind, at, upd string
	if err := r.Scan(&n.ID, &n.HearingID, &kind, &n.AtMS, &n.EndMS, &n.SegmentID, &n.Text, &n.Author, &at, &n.Revision, &n.Deleted, &n.UpdatedBy, &upd, &n.Seat, &n.Witness); err != nil {
		return nil, err
	}
	n.Kind, n.CreatedAt = transcript.NoteKind(kind), parseTime(at)
	if upd != "" {
		n.UpdatedAt = parseTime(upd)
	}
	return &n, nil
}

// queryNotes returns every note of the hearing, struck ones too (Deleted).
func queryNotes(ctx context.Context, q querier, hearingID string) ([]transcript.Note, error) {
	return queryRows(ctx, q, scanNote, `SELECT `+noteCols+` FROM notes WHERE hearing_id=? ORDER BY at_ms, id`, hearingID)
}

// InsertSegment implements transcript.Segments.
func (s *Store) InsertSegment(ctx context.Context, actor, hearingID string, n transcript.InsertedSegment) (*transcript.Segment, error) {
	n.Reason = strings.TrimSpace(n.Reason)
	if n.Reason == "" {
		return nil, transcript.Invalidf("an inserted utterance needs a reason")
	}
	if strings.TrimSpace(n.Text) == "" {
		return nil, transcript.Invalidf("an inserted utterance needs its text")
	}
	if err := checkText(n.Text); err != nil {
		return nil, err
	}
	if err := checkText(n.Reason); err != nil {
		return nil, err
	}
	if n.StartMS < 0 || n.EndMS <= n.StartMS {
		return nil, transcript.Invalidf("utterance time %d–%d ms: the end must be after the start", n.StartMS, n.EndMS)
	}
	var out *transcript.Segment
	err := s.write(ctx, func(t *tx) error {
		h, err := editableHearing(ctx, t, hearingID, "; changes after finalization are corrections")
		if err != nil {
			return err
		}
		if _, ok := h.SeatByName(n.Seat); !ok {
			return transcript.Invalidf("seat %q is not in the seat map of hearing %s", n.Seat, h.ID)
		}
		g := &transcript.Segment{HearingID: hearingID, Seat: n.Seat, StartMS: n.StartMS, EndMS: n.EndMS, Text: n.Text,
			Status: transcript.SegmentFinal, Revision: 1, Edited: true}
		out = g
		return t.insertSegment(ctx, g, transcript.EventSegmentInserted, actor, n.Reason)
	})
	return out, err
}

// changeNote loads an annotation for a change by a person; with strike, also one of the
// clerk's marks (sworn, examination, exhibit): a mark set by mistake is struck and set anew,
// never rewritten.
func (t *tx) changeNote(ctx context.Context, hearingID string, id, base int64, strike bool) (*transcript.Note, error) {
	n, err := scanNote(t.QueryRowContext(ctx, `SELECT `+noteCols+` FROM notes WHERE id=?`, id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && n.HearingID != hearingID {
		return nil, fmt.Errorf("note %d of hearing %s: %w", id, hearingID, transcript.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var status string
	if err := t.QueryRowContext(ctx, `SELECT status FROM hearings WHERE id=?`, n.HearingID).Scan(&status); err != nil {
		return nil, err
	}
	if !transcript.HearingStatus(status).Editable() {
		return nil, transcript.Statef("hearing %s is %s; changes after finalization are corrections", n.HearingID, status)
	}
	mark := n.Kind == transcript.NoteSworn || n.Kind == transcript.NoteExamination || n.Kind == transcript.NoteExhibit
	if n.Kind != transcript.NoteAnnotation && (!strike || !mark) {
		return nil, transcript.Invalidf("a %s note is part of the hearing's lifecycle or recording; only the clerk's remarks can be changed", n.Kind)
	}
	if n.Deleted {
		return nil, transcript.Invalidf("note %d is struck", id)
	}
	if n.Revision != base {
		return nil, fmt.Errorf("%w: note %d is at revision %d, the change was based on %d", transcript.ErrConflict, id, n.Revision, base)
	}
	return n, nil
}

func (t *tx) saveNote(ctx context.Context, before, n *transcript.Note, kind transcript.EventKind, actor, reason string) error {
	n.Revision = before.Revision + 1
	n.UpdatedBy, n.UpdatedAt = actor, t.now
	if _, err := t.ExecContext(ctx, `UPDATE notes SET text=?, revision=?, deleted=?, updated_by=?, updated_at=? WHERE id=?`,
		n.Text, n.Revision, n.Deleted, n.UpdatedBy, fmtTime(n.UpdatedAt), n.ID); err != nil {
		return err
	}
	_, err := t.appendEvent(ctx, transcript.Event{HearingID: n.HearingID, Kind: kind, NoteID: n.ID, Actor: actor, Reason: reason,
		Before: mustJSON(before), After: mustJSON(n)})
	return err
}

func noteReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", transcript.Invalidf("changing a note needs a reason")
	}
	return reason, checkText(reason)
}

// EditNote implements transcript.Segments.
func (s *Store) EditNote(ctx context.Context, actor, hearingID string, id, base int64, text, reason string) (*transcript.Note, error) {
	reason, err := noteReason(reason)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, transcript.Invalidf("a note needs text (strike it instead)")
	}
	if err := checkText(text); err != nil {
		return nil, err
	}
	return s.updateNote(ctx, actor, hearingID, id, base, false, transcript.EventNoteEdited, reason, func(n *transcript.Note) { n.Text = text })
}

// updateNote applies change to a note a person may change (see changeNote) and saves it with
// one event of the kind given.
func (s *Store) updateNote(ctx context.Context, actor, hearingID string, id, base int64, strike bool, kind transcript.EventKind, reason string,
	change func(n *transcript.Note)) (*transcript.Note, error) {
	var out *transcript.Note
	err := s.write(ctx, func(t *tx) error {
		n, err := t.changeNote(ctx, hearingID, id, base, strike)
		if err != nil {
			return err
		}
		before := *n
		change(n)
		out = n
		return t.saveNote(ctx, &before, n, kind, actor, reason)
	})
	return out, err
}

// DeleteNote implements transcript.Segments.
func (s *Store) DeleteNote(ctx context.Context, actor, hearingID string, id, base int64, reason string) (*transcript.Note, error) {
	reason, err := noteReason(reason)
	if err != nil {
		return nil, err
	}
	return s.updateNote(ctx, actor, hearingID, id, base, true, transcript.EventNoteDeleted, reason, func(n *transcript.Note) { n.Deleted = true })
}
