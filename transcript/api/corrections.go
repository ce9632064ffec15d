package api

import "encoding/base64"
import "mime"
import "net/http"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

type correctReq struct {
	SegmentID int64  `json:"segment_id"`
	Text      string `json:"text"`
	Reason    string `json:"reason"`
	// Request is the party's written request this correction answers (optional).
	Request *struct {
		Party      string    `json:"party"`
		Text       string    `json:"text"`
		ReceivedAt time.Time `json:"received_at,omitzero"`
		FileName   string    `json:"file_name,omitempty"`
		FileBase64 string    `json:"file_base64,omitempty"` // the document, within the 1 MiB body
	} `json:"request,omitempty"`
}

func (s *Server) correct(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *correctReq) {
	var cr *transcript.CorrectionRequest
	var file []byte
	if q := req.Request; q != nil {
		cr = &transcript.CorrectionRequest{Party: q.Party, Text: q.Text, ReceivedAt: q.ReceivedAt, FileName: q.FileName}
		if q.FileBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(q.FileBase64)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", "request.file_base64 is not base64")
				return
			}
			file = b
		}
	}
	c, v, err := s.store.CorrectOnRequest(r.Context(), userOf(r).user.Name, h.ID, req.SegmentID, req.Text, req.Reason, cr, file)
	s.reply(w, r, http.StatusOK, map[string]any{"correction": c, "version": v}, err)
}

func (s *Server) correctionFile(w http.ResponseWriter, r *http.Request) {
	h, cid := s.hearingItem(w, r, transcript.ActionRead, "cid", "correction")
	if h == nil {
		return
	}
	name, data, err := s.store.CorrectionFile(r.Context(), h.ID, cid)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, err = w.Write(data)
	s.delivered(r, err)
}
