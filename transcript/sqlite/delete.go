package sqlite

import "context"

import "github.com/courtscribe/courtscribe/transcript"

// DeleteOptions qualify DeleteHearing.
type DeleteOptions struct {
	// Signed must be set to delete a finalized or signed record (an admin's explicit decision;
	// the retention policy never sets it).
	Signed bool
	// Retention marks a deletion made by the retention policy.
	Retention bool
}

// DeleteHearing removes a hearing and everything the record holds about it (segments, notes,
// corrections, versions, audio list and its own event chain) in one transaction, and appends a
// hearing.deleted event with the hearing's chain head to the chain of administration (hearing
// ""), so the deletion itself is on the audit trail. A live hearing or one in recess is refused;
// a finalized or signed one needs opt.Signed. reason is required. The archived audio files are
// the caller's to remove (see transcript/backup.DeleteHearing).
func (s *Store) DeleteHearing(ctx context.Context, actor, id, reason string, opt DeleteOptions) (*transcript.HearingDeletion, error) {
	if reason == "" || len(reason) > maxField {
		return nil, transcript.Invalidf("deleting a hearing needs a reason (at most %d bytes)", maxField)
	}
	var out *transcript.HearingDeletion
	err := s.write(ctx, func(t *tx) error {
		h, err := getHearing(ctx, t, id)
		if err != nil {
			return err
		}
		switch h.Status {
		case transcript.StatusLive, transcript.StatusRecess:
			return transcript.Statef("hearing %s is %s: close it before deleting it", id, h.Status)
		case transcript.StatusFinalized, transcript.StatusSigned:
			if !opt.Signed {
				return transcript.Statef("hearing %s is %s: deleting a finalized or signed record needs the explicit confirmation", id, h.Status)
			}
		default: // scheduled or closed: deleted as they are
		}
		d := &transcript.HearingDeletion{Hearing: id, CaseNumber: h.CaseNumber, Court: h.Court, Courtroom: h.Courtroom,
			Status: h.Status, Version: h.Version, ClosedAt: h.ClosedAt, Reason: reason, Retention: opt.Retention}
		err = t.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE((SELECT hash FROM events WHERE hearing_id=? ORDER BY seq DESC LIMIT 1),'') FROM events WHERE hearing_id=?`,
			id, id).Scan(&d.Events, &d.Head)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM segments WHERE hearing_id=?`, `DELETE FROM notes WHERE hearing_id=?`,
			`DELETE FROM corrections WHERE hearing_id=?`, `DELETE FROM audio_files WHERE hearing_id=?`,
			`DELETE FROM versions WHERE hearing_id=?`, `DELETE FROM events WHERE hearing_id=?`,
			`DELETE FROM hearings WHERE id=?`,
		} {
			if _, err := t.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		if _, err := t.appendEvent(ctx, transcript.Event{HearingID: "", Kind: transcript.EventHearingDeleted, Actor: actor,
			Reason: reason, Before: []byte(mustJSON(h)), After: mustJSON(d)}); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

// Deletions lists the hearing.deleted events of the chain of administration, oldest first.
func (s *Store) Deletions(ctx context.Context) ([]transcript.Event, error) {
	return queryEvents(ctx, s.rdb, `hearing_id='' AND kind=? ORDER BY seq`, string(transcript.EventHearingDeleted))
}
