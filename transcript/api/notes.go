package api

import "net/http"
import "strings"

import "github.com/courtscribe/courtscribe/transcript"

type noteReq struct {
	AtMS      int64  `json:"at_ms"`
	SegmentID int64  `json:"segment_id"`
	Text      string `json:"text"`
	// Kind is annotation (default) or one of the clerk's marks: sworn, examination, exhibit.
	Kind    string `json:"kind,omitempty"`
	Seat    string `json:"seat,omitempty"`
	Witness string `json:"witness,omitempty"`
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *noteReq) {
	if strings.TrimSpace(req.Text) == "" || req.AtMS < 0 {
		writeError(w, http.StatusBadRequest, "invalid", "a note needs text and a time")
		return
	}
	kind := transcript.NoteKind(req.Kind)
	switch kind {
	case "":
		kind = transcript.NoteAnnotation
	case transcript.NoteAnnotation, transcript.NoteSworn, transcript.NoteExamination, transcript.NoteExhibit:
	default:
		writeError(w, http.StatusBadRequest, "invalid", "kind: annotation, sworn, examination or exhibit")
		return
	}
	n, err := s.store.AddNote(r.Context(), userOf(r).user.Name, h.ID,
		transcript.Note{Kind: kind, AtMS: req.AtMS, SegmentID: req.SegmentID, Text: req.Text, Seat: req.Seat, Witness: req.Witness})
	s.reply(w, r, http.StatusCreated, n, err)
}

type noteChangeReq struct {
	Revision *int64 `json:"revision"`
	Text     string `json:"text,omitempty"`
	Reason   string `json:"reason"`
}

func (s *Server) noteOp(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, nid := s.hearingItem(w, r, transcript.ActionEdit, "nid", "note")
		if h == nil {
			return
		}
		var req noteChangeReq
		if !s.decode(w, r, &req) {
			return
		}
		if req.Revision == nil {
			writeError(w, http.StatusBadRequest, "invalid", "revision (the note's revision the change is based on) is required")
			return
		}
		var n *transcript.Note
		var err error
		if op == "edit" {
			n, err = s.store.EditNote(r.Context(), userOf(r).user.Name, h.ID, nid, *req.Revision, req.Text, req.Reason)
		} else {
			n, err = s.store.DeleteNote(r.Context(), userOf(r).user.Name, h.ID, nid, *req.Revision, req.Reason)
		}
		s.reply(w, r, http.StatusOK, n, err)
	}
}
