package sqlite

import "context"
import "database/sql"
import "encoding/json"
import "errors"
import "fmt"
import "strings"
import "unicode"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

const (
	maxField = 1 << 10
	maxText  = 64 << 10
)

// lineBreaking reports whether r has no place in a one-line field: control characters (NUL,
// tab, newline, form feed, C1 controls) and the Unicode line and paragraph separators.
func lineBreaking(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

func checkHearing(h *transcript.Hearing) error {
	if !wire.ValidID(h.ID) {
		return transcript.Invalidf("hearing id %q: letters, digits, '.', '_', '-' only", h.ID)
	}
	if h.Language != "zh" && h.Language != "en" {
		return transcript.Invalidf("language %q: zh or en", h.Language)
	}
	if err := transcript.CheckTimeZone(h.TimeZone); err != nil {
		return err
	}
	if len(h.PartyList) > 64 {
		return transcript.Invalidf("at most 64 parties")
	}
	fields := []string{h.CaseNumber, h.Cause, h.Court, h.Courtroom, h.Title, h.Presiding, h.Clerk, h.NotPublicReason, h.Reporter, h.ReporterCredential}
	for _, p := range h.PartyList {
		if len(p.Agents) > 16 {
			return transcript.Invalidf("party %q: at most 16 agents", p.Name)
		}
		fields = append(fields, p.Role, p.Name, p.Details)
		for _, a := range p.Agents {
			fields = append(fields, a.Kind, a.Name, a.Details)
		}
	}
	for _, f := range fields {
		if len(f) > maxField || !utf8.ValidString(f) {
			return transcript.Invalidf("a hearing field is too long or not UTF-8")
		}
	}
	// Every hearing field is one line: a NUL, a form feed or a newline in a seat label broke
	// the TXT layout and forged SRT cues.
	lines := append([]string{h.CaseNumber, h.Cause, h.Court, h.Courtroom, h.Title, h.Presiding, h.Clerk}, h.Judges...)
	lines = append(append(lines, h.Parties...), h.Vocabulary...)
	for _, st := range h.Seats {
		lines = append(lines, st.Role, st.Person)
	}
	for _, f := range lines {
		if i := strings.IndexFunc(f, lineBreaking); i >= 0 {
			return transcript.Invalidf("hearing field %q contains the control character %U", f[:i], []rune(f[i:])[0])
		}
	}
	seen := map[string]bool{}
	for _, s := range h.Seats {
		if !wire.ValidSeatName(s.Seat) {
			return transcript.Invalidf("seat name %q", s.Seat)
		}
		if seen[s.Seat] {
			return transcript.Invalidf("seat %q twice in the seat map", s.Seat)
		}
		seen[s.Seat] = true
		if !utf8.ValidString(s.Role+s.Person) || len(s.Role)+len(s.Person) > maxField {
			return transcript.Invalidf("seat %q: role or person too long or not UTF-8", s.Seat)
		}
	}
	return nil
}

// CreateHearing implements transcript.Hearings.
func (s *Store) CreateHearing(ctx context.Context, actor string, h transcript.Hearing) (*transcript.Hearing, error) {
	if h.TimeZone == "" {
		h.TimeZone = s.tz
	}
	if err := checkHearing(&h); err != nil {
		return nil, err
	}
	h.Status = transcript.StatusScheduled
	h.Version = 0
	h.StartedAt, h.ClosedAt = transcript.NormTime(h.StartedAt), transcript.NormTime(h.ClosedAt)
	h.ScheduledAt = transcript.NormTime(h.ScheduledAt)
	if h.Seats == nil {
		h.Seats = []transcript.Seat{}
	}
	err := s.write(ctx, func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM hearings WHERE id=?`, h.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("hearing %s: %w", h.ID, transcript.ErrExists)
		}
		h.CreatedAt, h.UpdatedAt = t.now, t.now
		doc := mustJSON(&h)
		if _, err := t.ExecContext(ctx, `INSERT INTO hearings(id, doc, status, scheduled_at, created_at) VALUES(?,?,?,?,?)`,
			h.ID, string(doc), string(h.Status), fmtTime(h.ScheduledAt), fmtTime(h.CreatedAt)); err != nil {
			return err
		}
		_, err := t.appendEvent(ctx, transcript.Event{HearingID: h.ID, Kind: transcript.EventHearingCreated, Actor: actor, After: doc})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// UpdateHearing implements transcript.Hearings.
func (s *Store) UpdateHearing(ctx context.Context, actor, id string, u transcript.HearingUpdate) (*transcript.Hearing, error) {
	var out *transcript.Hearing
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, id)
		if err != nil {
			return err
		}
		if !h.Status.Editable() {
			return transcript.Statef("hearing %s is %s", id, h.Status)
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&h.CaseNumber, u.CaseNumber)
		set(&h.Cause, u.Cause)
		set(&h.Court, u.Court)
		set(&h.Courtroom, u.Courtroom)
		set(&h.Title, u.Title)
		set(&h.Language, u.Language)
		set(&h.TimeZone, u.TimeZone)
		set(&h.Presiding, u.Presiding)
		set(&h.Clerk, u.Clerk)
		if u.ScheduledAt != nil {
			h.ScheduledAt = transcript.NormTime(*u.ScheduledAt)
		}
		if u.Judges != nil {
			h.Judges = *u.Judges
		}
		if u.Parties != nil {
			h.Parties = *u.Parties
		}
		if u.PartyList != nil {
			h.PartyList = *u.PartyList
		}
		if u.NotPublic != nil {
			h.NotPublic = *u.NotPublic
		}
		set(&h.NotPublicReason, u.NotPublicReason)
		set(&h.Reporter, u.Reporter)
		set(&h.ReporterCredential, u.ReporterCredential)
		if u.Seats != nil {
			h.Seats = *u.Seats
		}
		if u.Vocabulary != nil {
			h.Vocabulary = *u.Vocabulary
		}
		if err := checkHearing(h); err != nil {
			return err
		}
		out, err = t.saveHearing(ctx, h, actor, transcript.EventHearingUpdated, "")
		return err
	})
	return out, err
}

// saveHearing writes the hearing row and its event (the event's After is the new snapshot).
func (t *tx) saveHearing(ctx context.Context, h *transcript.Hearing, actor string, kind transcript.EventKind, reason string) (*transcript.Hearing, error) {
	before, err := hearingDoc(ctx, t, h.ID)
	if err != nil {
		return nil, err
	}
	h.UpdatedAt = t.now
	doc := mustJSON(h)
	if _, err := t.ExecContext(ctx, `UPDATE hearings SET doc=?, status=?, scheduled_at=? WHERE id=?`,
		string(doc), string(h.Status), fmtTime(h.ScheduledAt), h.ID); err != nil {
		return nil, err
	}
	if _, err := t.appendEvent(ctx, transcript.Event{HearingID: h.ID, Kind: kind, Actor: actor, Reason: reason,
		Before: []byte(before), After: doc}); err != nil {
		return nil, err
	}
	return h, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func hearingDoc(ctx context.Context, q querier, id string) (string, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM hearings WHERE id=?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("hearing %s: %w", id, transcript.ErrNotFound)
	}
	return doc, err
}

func getHearing(ctx context.Context, q querier, id string) (*transcript.Hearing, error) {
	doc, err := hearingDoc(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var h transcript.Hearing
	if err := json.Unmarshal([]byte(doc), &h); err != nil {
		return nil, fmt.Errorf("hearing %s: stored document: %w", id, err)
	}
	return &h, nil
}

// GetHearing implements transcript.Hearings.
func (s *Store) GetHearing(ctx context.Context, id string) (*transcript.Hearing, error) {
	return getHearing(ctx, s.rdb, id)
}

// ListHearings implements transcript.Hearings.
func (s *Store) ListHearings(ctx context.Context, opt transcript.ListHearingsOptions) ([]transcript.Hearing, error) {
	q := `SELECT doc FROM hearings`
	var args []any
	if opt.Status != "" {
		q += ` WHERE status=?`
		args = append(args, string(opt.Status))
	}
	q += ` ORDER BY scheduled_at DESC, created_at DESC, id`
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []transcript.Hearing{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var h transcript.Hearing
		if err := json.Unmarshal([]byte(doc), &h); err != nil {
			return nil, err
		}
		if opt.User != "" && h.Clerk != opt.User && !h.OnBench(opt.User) {
			continue
		}
		out = append(out, h)
		if opt.Limit > 0 && len(out) >= opt.Limit {
			break
		}
	}
	return out, rows.Err()
}

func checkText(text string) error {
	if !utf8.ValidString(text) {
		return transcript.Invalidf("text is not valid UTF-8")
	}
	if len(text) > maxText {
		return transcript.Invalidf("text longer than %d bytes", maxText)
	}
	if strings.ContainsRune(text, 0) {
		return transcript.Invalidf("text contains NUL")
	}
	return nil
}
