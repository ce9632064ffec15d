package api

import "context"
import "net/http"

import "github.com/courtscribe/courtscribe/transcript"

// DeleteHearingFunc deletes a hearing (record and archive) as an admin action recorded on the
// chain of administration; signed confirms deleting a finalized or signed record. The server
// wires it to transcript/backup.DeleteHearing.
type DeleteHearingFunc func(ctx context.Context, actor, id, reason string, signed bool) (*transcript.HearingDeletion, error)

// IntegrityFunc returns the integrity alarms (from the last scrub) of a hearing.
type IntegrityFunc func(hearingID string) []Alarm

type deleteBody struct {
	Reason string `json:"reason"`
	Signed bool   `json:"signed"` // confirms deleting a finalized or signed record
}

// deleteHearing: DELETE /api/hearings/{id} {"reason": "...", "signed": false}, admins only.
func (s *Server) deleteHearing(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionManageHearing)
	if h == nil {
		return
	}
	if s.cfg.DeleteHearing == nil {
		writeError(w, http.StatusNotImplemented, "unsupported", "deleting hearings is not available on this server")
		return
	}
	var b deleteBody
	if !s.decode(w, r, &b) {
		return
	}
	if b.Reason == "" {
		writeError(w, http.StatusBadRequest, "invalid", "a reason is required to delete a hearing")
		return
	}
	d, err := s.cfg.DeleteHearing(r.Context(), userOf(r).user.Name, h.ID, b.Reason, b.Signed)
	s.reply(w, r, http.StatusOK, d, err)
}

// integrityAlarms adds the last scrub's findings about the hearing to its health panel.
func (s *Server) integrityAlarms(id string) []Alarm {
	if s.cfg.Integrity == nil {
		return nil
	}
	return s.cfg.Integrity(id)
}
