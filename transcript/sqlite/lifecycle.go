package sqlite

import "bytes"
import "context"
import "crypto/ed25519"
import "crypto/sha256"
import "database/sql"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "strings"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/transcript"

// transition changes the hearing status inside a write.
func (s *Store) transition(ctx context.Context, actor, id, reason string, from []transcript.HearingStatus, to transcript.HearingStatus,
	extra func(t *tx, h *transcript.Hearing) error) (*transcript.Hearing, error) {
	var out *transcript.Hearing
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, id)
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || h.Status == f
		}
		if !ok {
			return transcript.Statef("hearing %s is %s, cannot go to %s", id, h.Status, to)
		}
		if extra != nil {
			if err := extra(t, h); err != nil {
				return err
			}
		}
		h.Status = to
		out, err = t.saveHearing(ctx, h, actor, transcript.EventHearingStatus, reason)
		return err
	})
	return out, err
}

// Start implements transcript.Lifecycle.
func (s *Store) Start(ctx context.Context, actor, id string) (*transcript.Hearing, error) {
	return s.transition(ctx, actor, id, "hearing opened", []transcript.HearingStatus{transcript.StatusScheduled}, transcript.StatusLive,
		func(t *tx, h *transcript.Hearing) error {
			if h.StartedAt.IsZero() {
				h.StartedAt = t.now
			}
			return nil
		})
}

func (s *Store) pause(ctx context.Context, actor, id string, atMS int64, reason string, kind transcript.NoteKind,
	from, to transcript.HearingStatus) (*transcript.Hearing, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, transcript.Invalidf("a %s needs a reason", kind)
	}
	if err := checkText(reason); err != nil {
		return nil, err
	}
	if atMS < 0 {
		return nil, transcript.Invalidf("time %d ms", atMS)
	}
	return s.transition(ctx, actor, id, reason, []transcript.HearingStatus{from}, to, func(t *tx, h *transcript.Hearing) error {
		_, err := t.insertNote(ctx, id, actor, transcript.Note{Kind: kind, AtMS: atMS, Text: reason})
		return err
	})
}

// Recess implements transcript.Lifecycle.
func (s *Store) Recess(ctx context.Context, actor, id string, atMS int64, reason string) (*transcript.Hearing, error) {
	return s.pause(ctx, actor, id, atMS, reason, transcript.NoteRecess, transcript.StatusLive, transcript.StatusRecess)
}

// Resume implements transcript.Lifecycle.
func (s *Store) Resume(ctx context.Context, actor, id string, atMS int64, reason string) (*transcript.Hearing, error) {
	return s.pause(ctx, actor, id, atMS, reason, transcript.NoteResume, transcript.StatusRecess, transcript.StatusLive)
}

// CloseHearing implements transcript.Lifecycle.
func (s *Store) CloseHearing(ctx context.Context, actor, id string, audio []transcript.AudioFile) (*transcript.Hearing, error) {
	audio, source, gaps, err := s.closingAudio(id, audio)
	if err != nil {
		return nil, err
	}
	if err := checkAudioList(audio); err != nil {
		return nil, err
	}
	return s.transition(ctx, actor, id, "hearing closed", []transcript.HearingStatus{transcript.StatusLive, transcript.StatusRecess}, transcript.StatusClosed,
		func(t *tx, h *transcript.Hearing) error {
			h.ClosedAt = t.now
			return t.recordAudio(ctx, actor, id, source, audio, gaps)
		})
}

// closingAudio is the audio list of a hearing being closed and where it comes from: the list
// given, else the one in the hearing's archive directory with the gaps the ingest server
// recorded, else none.
func (s *Store) closingAudio(id string, audio []transcript.AudioFile) ([]transcript.AudioFile, string, []transcript.Note, error) {
	if audio != nil {
		return audio, "given", nil, nil
	}
	if s.data == "" {
		return []transcript.AudioFile{}, "none", nil, nil
	}
	dir := archive.HearingDir(s.data, id)
	audio, source, err := transcript.LoadAudio(dir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("hearing %s: audio: %w", id, err)
	}
	gaps, err := transcript.LoadGaps(dir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("hearing %s: audio gaps: %w", id, err)
	}
	return audio, source, gaps, nil
}

// checkAudioList refuses files without a name or SHA-256 and names listed twice.
func checkAudioList(audio []transcript.AudioFile) error {
	seen := map[string]bool{}
	for _, f := range audio {
		if f.Name == "" || len(f.SHA256) != 64 || f.Bytes < 0 {
			return transcript.Invalidf("audio file %q without a name or SHA-256", f.Name)
		}
		if seen[f.Name] {
			return transcript.Invalidf("audio file %q listed twice", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// recordAudio stores the closed hearing's audio list, turns the recorded gaps into gap notes
// (once) and records the list in the history.
func (t *tx) recordAudio(ctx context.Context, actor, id, source string, audio []transcript.AudioFile, gaps []transcript.Note) error {
	if _, err := t.ExecContext(ctx, `DELETE FROM audio_files WHERE hearing_id=?`, id); err != nil {
		return err
	}
	for _, f := range audio {
		if _, err := t.ExecContext(ctx, `INSERT INTO audio_files(hearing_id, name, bytes, sha256) VALUES(?,?,?,?)`, id, f.Name, f.Bytes, f.SHA256); err != nil {
			return fmt.Errorf("audio file %s: %w", f.Name, err)
		}
	}
	for _, g := range gaps {
		if err := t.gapNote(ctx, id, g); err != nil {
			return err
		}
	}
	got, err := queryAudio(ctx, t, id)
	if err != nil {
		return err
	}
	_, err = t.appendEvent(ctx, transcript.Event{HearingID: id, Kind: transcript.EventAudio, Actor: actor, Reason: source, After: mustJSON(got)})
	return err
}

// gapNote adds a gap the ingest server recorded as a gap note, unless the hearing has it.
func (t *tx) gapNote(ctx context.Context, id string, g transcript.Note) error {
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM notes WHERE hearing_id=? AND kind='gap' AND at_ms=? AND end_ms=?`, id, g.AtMS, g.EndMS).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := t.insertNote(ctx, id, "system", g)
	return err
}

func queryAudio(ctx context.Context, q querier, id string) ([]transcript.AudioFile, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, bytes, sha256 FROM audio_files WHERE hearing_id=? ORDER BY name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []transcript.AudioFile{}
	for rows.Next() {
		var f transcript.AudioFile
		if err := rows.Scan(&f.Name, &f.Bytes, &f.SHA256); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func queryCorrections(ctx context.Context, q querier, id string) ([]transcript.Correction, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, version, segment_id, before, after, reason, author, created_at, request FROM corrections WHERE hearing_id=? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []transcript.Correction{}
	for rows.Next() {
		var c transcript.Correction
		var at, req string
		if err := rows.Scan(&c.ID, &c.Version, &c.SegmentID, &c.Before, &c.After, &c.Reason, &c.Author, &at, &req); err != nil {
			return nil, err
		}
		c.CreatedAt = parseTime(at)
		if req != "" {
			c.Request = &transcript.CorrectionRequest{}
			if err := json.Unmarshal([]byte(req), c.Request); err != nil {
				return nil, fmt.Errorf("correction %d: stored request: %w", c.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// buildRecord assembles the record of the current state (unhashed).
func buildRecord(ctx context.Context, q querier, h *transcript.Hearing) (*transcript.Record, error) {
	r := &transcript.Record{Schema: transcript.RecordSchema, Version: h.Version,
		Hearing: transcript.RecordHearing{ID: h.ID, CaseNumber: h.CaseNumber, Cause: h.Cause, Court: h.Court, Courtroom: h.Courtroom,
			Title: h.Title, Language: h.Language, TimeZone: h.TimeZone, ScheduledAt: h.ScheduledAt, StartedAt: h.StartedAt, ClosedAt: h.ClosedAt,
			Presiding: h.Presiding, Judges: nonNil(h.Judges), Clerk: h.Clerk, Parties: nonNil(h.Parties), Seats: h.Seats,
			PartyList: h.PartyList, NotPublic: h.NotPublic, NotPublicReason: h.NotPublicReason, Reporter: h.Reporter, ReporterCredential: h.ReporterCredential}}
	if r.Hearing.Seats == nil {
		r.Hearing.Seats = []transcript.Seat{}
	}
	segs, err := querySegments(ctx, q, `hearing_id=? AND deleted=0 ORDER BY start_ms, id`, h.ID)
	if err != nil {
		return nil, err
	}
	r.Segments = make([]transcript.RecordSegment, 0, len(segs))
	for _, g := range segs {
		seat, _ := h.SeatByName(g.Seat)
		role := seat.Role
		if role == "" {
			role = g.Seat
		}
		r.Segments = append(r.Segments, transcript.RecordSegment{ID: g.ID, Seat: g.Seat, Role: role, Person: seat.Person,
			StartMS: g.StartMS, EndMS: g.EndMS, Text: g.Text, Revision: g.Revision, Overlap: g.Overlap, Edited: g.Edited})
	}
	notes, err := queryNotes(ctx, q, h.ID)
	if err != nil {
		return nil, err
	}
	r.Notes = make([]transcript.RecordNote, 0, len(notes))
	for _, n := range notes {
		if n.Deleted {
			continue
		}
		r.Notes = append(r.Notes, transcript.RecordNote{Kind: n.Kind, AtMS: n.AtMS, EndMS: n.EndMS, Text: n.Text, Author: n.Author, Seat: n.Seat, Witness: n.Witness})
	}
	if r.Corrections, err = queryCorrections(ctx, q, h.ID); err != nil {
		return nil, err
	}
	if r.Audio, err = queryAudio(ctx, q, h.ID); err != nil {
		return nil, err
	}
	people := append(h.Bench(), h.Clerk)
	for _, c := range r.Corrections {
		people = append(people, c.Author)
	}
	if err := addNames(ctx, q, &r.Hearing, people...); err != nil {
		return nil, err
	}
	err = q.QueryRowContext(ctx, `SELECT hash FROM events WHERE hearing_id=? ORDER BY seq DESC LIMIT 1`, h.ID).Scan(&r.AuditHead)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return r, nil
}

// addNames puts the display names of users into the record's name map.
func addNames(ctx context.Context, q querier, h *transcript.RecordHearing, users ...string) error {
	for _, u := range users {
		if u == "" || h.Names[u] != "" {
			continue
		}
		var name string
		err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE name=?`, u).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) || err == nil && name == "" {
			continue
		}
		if err != nil {
			return err
		}
		if h.Names == nil {
			h.Names = map[string]string{}
		}
		h.Names[u] = name
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// newVersion freezes the current state as version h.Version+1 (inside a write).
func (t *tx) newVersion(ctx context.Context, h *transcript.Hearing, actor, reason string) (*transcript.Version, error) {
	h.Version++
	h.Status = transcript.StatusFinalized
	r, err := buildRecord(ctx, t, h)
	if err != nil {
		return nil, err
	}
	r.FinalizedBy, r.FinalizedAt = actor, t.now
	if err := addNames(ctx, t, &r.Hearing, actor); err != nil {
		return nil, err
	}
	if r.VersionHash, err = transcript.RecordHash(r); err != nil {
		return nil, err
	}
	doc, err := r.Canonical()
	if err != nil {
		return nil, err
	}
	v := &transcript.Version{HearingID: h.ID, Number: h.Version, Hash: r.VersionHash, CreatedBy: actor, CreatedAt: t.now}
	if _, err := t.ExecContext(ctx, `INSERT INTO versions(hearing_id, number, hash, record, created_by, created_at) VALUES(?,?,?,?,?,?)`,
		h.ID, v.Number, v.Hash, string(doc), actor, fmtTime(v.CreatedAt)); err != nil {
		return nil, err
	}
	if _, err := t.saveHearing(ctx, h, actor, transcript.EventHearingStatus, reason); err != nil {
		return nil, err
	}
	if _, err := t.appendEvent(ctx, transcript.Event{HearingID: h.ID, Kind: transcript.EventFinalized, Actor: actor, After: mustJSON(v)}); err != nil {
		return nil, err
	}
	return v, nil
}

// Finalize implements transcript.Lifecycle.
func (s *Store) Finalize(ctx context.Context, actor, id string) (*transcript.Version, error) {
	var v *transcript.Version
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, id)
		if err != nil {
			return err
		}
		if h.Status != transcript.StatusClosed {
			return transcript.Statef("hearing %s is %s; only a closed hearing can be finalized", id, h.Status)
		}
		v, err = t.newVersion(ctx, h, actor, "finalized by the clerk")
		return err
	})
	return v, err
}

// Sign implements transcript.Lifecycle.
func (s *Store) Sign(ctx context.Context, signer, password, id string) (*transcript.Signature, error) {
	k, err := s.signingUser(ctx, signer)
	if err != nil {
		return nil, err
	}
	if err := s.openSigningKey(ctx, k, password); err != nil {
		return nil, err
	}
	var sig *transcript.Signature
	err = s.write(ctx, func(t *tx) error {
		var err error
		sig, err = t.sign(ctx, k, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sig, nil
}

// signingKey is who signs and with which key.
type signingKey struct {
	signer, display string
	role            transcript.Role
	sealed          string
	priv            ed25519.PrivateKey
	enrolled        transcript.SealedKey // a clerk's first key, made now
}

// signingUser reads the signer: an active judge with a signing key, or an active clerk.
func (s *Store) signingUser(ctx context.Context, signer string) (*signingKey, error) {
	k := &signingKey{signer: signer}
	var role string
	var disabled bool
	err := s.rdb.QueryRowContext(ctx, `SELECT sealed_key, display_name, role, disabled FROM users WHERE name=?`, signer).Scan(&k.sealed, &k.display, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, transcript.ErrAuth
	}
	if err != nil {
		return nil, err
	}
	r := transcript.Role(role)
	if disabled || (r != transcript.RoleJudge && r != transcript.RoleClerk) || (r == transcript.RoleJudge && k.sealed == "") {
		return nil, fmt.Errorf("%w: %s is not an active judge or clerk with a signing key", transcript.ErrDenied, signer)
	}
	k.role = r
	return k, nil
}

// openSigningKey opens the signer's sealed key with the password (slow, argon2id: outside the
// writer); a clerk without one has it made now, after the password is checked.
func (s *Store) openSigningKey(ctx context.Context, k *signingKey, password string) error {
	var err error
	if k.sealed != "" {
		k.priv, err = transcript.SealedKey(k.sealed).Open(password)
		return err
	}
	if _, err := s.Authenticate(ctx, k.signer, password); err != nil {
		return err
	}
	var pub ed25519.PublicKey
	if pub, k.enrolled, err = transcript.NewJudgeKey(password, s.argon); err != nil {
		return err
	}
	if k.priv, err = k.enrolled.Open(password); err != nil {
		return fmt.Errorf("sealing the new signing key of %s: %w", k.signer, err)
	}
	if !bytes.Equal(k.priv.Public().(ed25519.PublicKey), pub) {
		return fmt.Errorf("sealing the new signing key of %s: <nil>", k.signer) // the message it always had
	}
	return nil
}

// sign signs the hearing's finalized version in the writer's transaction; the hearing is
// signed once the whole bench and the clerk have.
func (t *tx) sign(ctx context.Context, k *signingKey, id string) (*transcript.Signature, error) {
	h, err := getHearing(ctx, t, id)
	if err != nil {
		return nil, err
	}
	if h.Status != transcript.StatusFinalized {
		return nil, transcript.Statef("hearing %s is %s; only a finalized version can be signed", id, h.Status)
	}
	part, err := signingPart(k, h, id)
	if err != nil {
		return nil, err
	}
	var hash, cosJSON, revJSON string
	var first sql.NullString
	if err := t.QueryRowContext(ctx, `SELECT hash, signature, cosignatures, reviews FROM versions WHERE hearing_id=? AND number=?`, id, h.Version).
		Scan(&hash, &first, &cosJSON, &revJSON); err != nil {
		return nil, err
	}
	sigs, err := decodeSignatures(first, cosJSON)
	if err != nil {
		return nil, err
	}
	for _, x := range sigs {
		if x.Signer == k.signer {
			return nil, transcript.Statef("%s already signed version %d of hearing %s", k.signer, h.Version, id)
		}
	}
	reviews, err := decodeReviews(revJSON)
	if err != nil {
		return nil, err
	}
	if k.enrolled != "" { // the clerk's key, registered in the users chain before it signs
		if err := t.enrollKey(ctx, k); err != nil {
			return nil, err
		}
	}
	sig, err := transcript.NewRoleSignature(k.priv, k.signer, k.display, part, id, h.Version, hash, transcript.ReviewsHash(reviews), t.now)
	if err != nil {
		return nil, err
	}
	if !first.Valid {
		_, err = t.ExecContext(ctx, `UPDATE versions SET signature=? WHERE hearing_id=? AND number=?`, string(mustJSON(sig)), id, h.Version)
	} else {
		cos := append(sigs[1:], *sig)
		_, err = t.ExecContext(ctx, `UPDATE versions SET cosignatures=? WHERE hearing_id=? AND number=?`, string(mustJSON(cos)), id, h.Version)
	}
	if err != nil {
		return nil, err
	}
	if _, err := t.appendEvent(ctx, transcript.Event{HearingID: id, Kind: transcript.EventSigned, Actor: k.signer, After: mustJSON(sig)}); err != nil {
		return nil, err
	}
	if !allSigned(h, k.signer, sigs) {
		return sig, nil // others still have to sign
	}
	h.Status = transcript.StatusSigned
	_, err = t.saveHearing(ctx, h, k.signer, transcript.EventHearingStatus, fmt.Sprintf("version %d signed by the whole panel and the clerk", h.Version))
	return sig, err
}

// signingPart is the part the signer signs in: presiding judge, judge of the panel or clerk.
func signingPart(k *signingKey, h *transcript.Hearing, id string) (string, error) {
	switch {
	case k.role == transcript.RoleJudge && k.signer == h.Presiding:
		return "presiding", nil
	case k.role == transcript.RoleJudge && h.OnBench(k.signer):
		return "judge", nil
	case k.role == transcript.RoleClerk && k.signer == h.Clerk:
		return "clerk", nil
	}
	return "", fmt.Errorf("%w: %s does not sit on the bench of hearing %s and is not its clerk", transcript.ErrDenied, k.signer, id)
}

// enrollKey registers a clerk's new key in the users chain.
func (t *tx) enrollKey(ctx context.Context, k *signingKey) error {
	pub := k.priv.Public().(ed25519.PublicKey)
	if _, err := t.ExecContext(ctx, `UPDATE users SET public_key=?, sealed_key=? WHERE name=? AND sealed_key=''`,
		[]byte(pub), string(k.enrolled), k.signer); err != nil {
		return err
	}
	u, err := getUser(ctx, t, k.signer)
	if err != nil {
		return err
	}
	if !bytes.Equal(u.PublicKey, pub) {
		return fmt.Errorf("%w: the signing key of %s changed meanwhile", transcript.ErrConflict, k.signer)
	}
	_, err = t.appendEvent(ctx, transcript.Event{Kind: transcript.EventUserChanged, Actor: k.signer, Reason: "signing key created at the first signature", After: mustJSON(u)})
	return err
}

// allSigned reports whether the bench and the clerk have all signed, signer included.
func allSigned(h *transcript.Hearing, signer string, sigs []transcript.Signature) bool {
	signed := map[string]bool{signer: true}
	for _, x := range sigs {
		signed[x.Signer] = true
	}
	for _, u := range append(h.Bench(), h.Clerk) {
		if u != "" && !signed[u] {
			return false
		}
	}
	return true
}

func decodeSignatures(first sql.NullString, cos string) ([]transcript.Signature, error) {
	var out []transcript.Signature
	if first.Valid {
		var s transcript.Signature
		if err := json.Unmarshal([]byte(first.String), &s); err != nil {
			return nil, fmt.Errorf("stored signature: %w", err)
		}
		out = append(out, s)
	}
	if cos != "" {
		var more []transcript.Signature
		if err := json.Unmarshal([]byte(cos), &more); err != nil {
			return nil, fmt.Errorf("stored co-signatures: %w", err)
		}
		out = append(out, more...)
	}
	return out, nil
}

func decodeReviews(s string) ([]transcript.PartyReview, error) {
	if s == "" {
		return nil, nil
	}
	var out []transcript.PartyReview
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("stored reviews: %w", err)
	}
	return out, nil
}

// RecordReview implements transcript.Lifecycle.
func (s *Store) RecordReview(ctx context.Context, actor, id string, rv transcript.PartyReview) (*transcript.PartyReview, error) {
	rv.Party, rv.Reason = strings.TrimSpace(rv.Party), strings.TrimSpace(rv.Reason)
	if rv.Party == "" {
		return nil, transcript.Invalidf("a review names the party who read the record")
	}
	switch rv.Outcome {
	case transcript.ReviewConfirmed:
	case transcript.ReviewRefused:
		if rv.Reason == "" {
			return nil, transcript.Invalidf("a refusal to sign is recorded with its reason")
		}
	default:
		return nil, transcript.Invalidf("review outcome %q: confirmed or refused", rv.Outcome)
	}
	for _, f := range []string{rv.Party, rv.Reason} {
		if err := checkText(f); err != nil {
			return nil, err
		}
	}
	var out *transcript.PartyReview
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, id)
		if err != nil {
			return err
		}
		if h.Status != transcript.StatusFinalized {
			return transcript.Statef("hearing %s is %s; parties review a finalized version", id, h.Status)
		}
		var first sql.NullString
		var revJSON string
		if err := t.QueryRowContext(ctx, `SELECT signature, reviews FROM versions WHERE hearing_id=? AND number=?`, id, h.Version).Scan(&first, &revJSON); err != nil {
			return err
		}
		if first.Valid {
			return transcript.Statef("version %d of hearing %s is already being signed: the parties' review comes before the signatures", h.Version, id)
		}
		reviews, err := decodeReviews(revJSON)
		if err != nil {
			return err
		}
		rv.RecordedBy, rv.At = actor, t.now
		reviews = append(reviews, rv)
		if _, err := t.ExecContext(ctx, `UPDATE versions SET reviews=? WHERE hearing_id=? AND number=?`, string(mustJSON(reviews)), id, h.Version); err != nil {
			return err
		}
		out = &rv
		_, err = t.appendEvent(ctx, transcript.Event{HearingID: id, Kind: transcript.EventReviewed, Actor: actor, Reason: rv.Outcome, After: mustJSON(&rv)})
		return err
	})
	return out, err
}

// Correct implements transcript.Lifecycle.
func (s *Store) Correct(ctx context.Context, actor, id string, segmentID int64, text, reason string) (*transcript.Correction, *transcript.Version, error) {
	return s.CorrectOnRequest(ctx, actor, id, segmentID, text, reason, nil, nil)
}

// MaxRequestFile bounds a correction request's attached document.
const MaxRequestFile = 8 << 20

// CorrectOnRequest implements transcript.Lifecycle.
func (s *Store) CorrectOnRequest(ctx context.Context, actor, id string, segmentID int64, text, reason string, req *transcript.CorrectionRequest, file []byte) (*transcript.Correction, *transcript.Version, error) {
	req, file, err := checkCorrectionRequest(req, file)
	if err != nil {
		return nil, nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, nil, transcript.Invalidf("a correction needs a reason")
	}
	if err := checkText(text); err != nil {
		return nil, nil, err
	}
	if err := checkText(reason); err != nil {
		return nil, nil, err
	}
	var c *transcript.Correction
	var v *transcript.Version
	err = s.write(ctx, func(t *tx) error {
		var err error
		c, v, err = t.correct(ctx, actor, id, segmentID, text, reason, req, file)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, v, nil
}

// checkCorrectionRequest checks a party's written request and returns it as it is stored
// (trimmed, with its document's hash and size) and the document; without a request there is
// no document.
func checkCorrectionRequest(req *transcript.CorrectionRequest, file []byte) (*transcript.CorrectionRequest, []byte, error) {
	if req == nil {
		return nil, nil, nil
	}
	r := *req
	r.Party, r.Text, r.FileName = strings.TrimSpace(r.Party), strings.TrimSpace(r.Text), strings.TrimSpace(r.FileName)
	if r.Party == "" || r.Text == "" {
		return nil, nil, transcript.Invalidf("a party's request needs the party and what it asks")
	}
	for _, f := range []string{r.Party, r.Text, r.FileName} {
		if err := checkText(f); err != nil {
			return nil, nil, err
		}
	}
	r.FileSHA256, r.FileBytes = "", 0
	if len(file) > MaxRequestFile {
		return nil, nil, transcript.Invalidf("the request's document is %d bytes; at most %d", len(file), MaxRequestFile)
	}
	if len(file) > 0 {
		if r.FileName == "" || strings.ContainsAny(r.FileName, "/\\") {
			return nil, nil, transcript.Invalidf("the request's document needs a plain file name")
		}
		sum := sha256.Sum256(file)
		r.FileSHA256, r.FileBytes = hex.EncodeToString(sum[:]), int64(len(file))
	} else {
		r.FileName = ""
	}
	r.ReceivedAt = transcript.NormTime(r.ReceivedAt)
	return &r, file, nil
}

// correct corrects a live segment of a finalized or signed record and makes the next version.
func (t *tx) correct(ctx context.Context, actor, id string, segmentID int64, text, reason string, req *transcript.CorrectionRequest, file []byte) (*transcript.Correction, *transcript.Version, error) {
	h, err := getHearing(ctx, t, id)
	if err != nil {
		return nil, nil, err
	}
	if h.Status != transcript.StatusSigned && h.Status != transcript.StatusFinalized {
		return nil, nil, transcript.Statef("hearing %s is %s; corrections are for finalized or signed records (edit instead)", id, h.Status)
	}
	g, err := getSegment(ctx, t, segmentID)
	if err != nil {
		return nil, nil, err
	}
	if g.HearingID != id || g.Deleted {
		return nil, nil, transcript.Invalidf("segment %d is not a live segment of hearing %s", segmentID, id)
	}
	if g.Text == text {
		return nil, nil, transcript.Invalidf("the correction does not change segment %d", segmentID)
	}
	before := *g
	g.Text, g.Edited = text, true
	if err := t.saveSegment(ctx, &before, g, transcript.EventCorrected, actor, reason); err != nil {
		return nil, nil, err
	}
	reqJSON := ""
	if req != nil {
		reqJSON = string(mustJSON(req))
	}
	c := &transcript.Correction{Version: h.Version + 1, SegmentID: segmentID, Before: before.Text, After: text, Reason: reason, Author: actor, CreatedAt: t.now, Request: req}
	cid, err := t.insertID(ctx, `INSERT INTO corrections(hearing_id, version, segment_id, before, after, reason, author, created_at, request, request_file) VALUES(?,?,?,?,?,?,?,?,?,?)`,
		id, c.Version, c.SegmentID, c.Before, c.After, c.Reason, c.Author, fmtTime(c.CreatedAt), reqJSON, file)
	if err != nil {
		return nil, nil, err
	}
	c.ID = cid
	v, err := t.newVersion(ctx, h, actor, fmt.Sprintf("correction (补正) of segment %d: %s", segmentID, reason))
	return c, v, err
}

// CorrectionFile implements transcript.Lifecycle.
func (s *Store) CorrectionFile(ctx context.Context, id string, cid int64) (string, []byte, error) {
	var req string
	var file []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT request, request_file FROM corrections WHERE hearing_id=? AND id=?`, id, cid).Scan(&req, &file)
	if errors.Is(err, sql.ErrNoRows) || err == nil && len(file) == 0 {
		return "", nil, fmt.Errorf("correction %d of hearing %s has no attached document: %w", cid, id, transcript.ErrNotFound)
	}
	if err != nil {
		return "", nil, err
	}
	var r transcript.CorrectionRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		return "", nil, err
	}
	return r.FileName, file, nil
}

// Versions implements transcript.Lifecycle.
func (s *Store) Versions(ctx context.Context, id string) ([]transcript.Version, error) {
	if _, err := hearingDoc(ctx, s.rdb, id); err != nil {
		return nil, err
	}
	return queryVersions(ctx, s.rdb, id)
}

type storedVersion struct {
	transcript.Version
	record  string
	sig     sql.NullString
	cosigs  []transcript.Signature
	reviews []transcript.PartyReview
}

func queryStoredVersions(ctx context.Context, q querier, id string) ([]storedVersion, error) {
	rows, err := q.QueryContext(ctx, `SELECT number, hash, record, created_by, created_at, signature, cosignatures, reviews FROM versions WHERE hearing_id=? ORDER BY number`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedVersion
	for rows.Next() {
		var v storedVersion
		var at, cos, rev string
		if err := rows.Scan(&v.Number, &v.Hash, &v.record, &v.CreatedBy, &at, &v.sig, &cos, &rev); err != nil {
			return nil, err
		}
		all, err := decodeSignatures(sql.NullString{}, cos)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Number, err)
		}
		v.cosigs = all
		if v.reviews, err = decodeReviews(rev); err != nil {
			return nil, fmt.Errorf("version %d: %w", v.Number, err)
		}
		v.HearingID, v.CreatedAt = id, parseTime(at)
		if v.sig.Valid {
			var sg transcript.Signature
			if err := json.Unmarshal([]byte(v.sig.String), &sg); err != nil {
				return nil, fmt.Errorf("version %d: stored signature: %w", v.Number, err)
			}
			v.Signature = &sg
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func queryVersions(ctx context.Context, q querier, id string) ([]transcript.Version, error) {
	sv, err := queryStoredVersions(ctx, q, id)
	if err != nil {
		return nil, err
	}
	out := make([]transcript.Version, len(sv))
	for i := range sv {
		out[i] = sv[i].Version
		out[i].Cosignatures, out[i].Reviews = sv[i].cosigs, sv[i].reviews
	}
	return out, nil
}

// Record implements transcript.Lifecycle.
func (s *Store) Record(ctx context.Context, id string, version int) (*transcript.Record, error) {
	h, err := getHearing(ctx, s.rdb, id)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		if h.Version == 0 {
			return buildRecord(ctx, s.rdb, h)
		}
		version = h.Version
	}
	svs, err := queryStoredVersions(ctx, s.rdb, id)
	if err != nil {
		return nil, err
	}
	for _, v := range svs {
		if v.Number != version {
			continue
		}
		var r transcript.Record
		if err := json.Unmarshal([]byte(v.record), &r); err != nil {
			return nil, fmt.Errorf("version %d: stored record: %w", version, err)
		}
		r.Signature = v.Signature
		r.Cosignatures = v.cosigs
		r.Reviews = v.reviews
		return &r, nil
	}
	return nil, fmt.Errorf("hearing %s version %d: %w", id, version, transcript.ErrNotFound)
}
