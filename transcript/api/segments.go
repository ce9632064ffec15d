package api

import "net/http"
import "strings"
import "time"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// segmentsResp is a hearing's whole current text. Head is an event id taken before the text
// was read: a live feed opened with ?after=Head misses nothing (events between Head and the
// read arrive again and are applied idempotently by revision).
type segmentsResp struct {
	Head     int64                `json:"head"`
	Hearing  *transcript.Hearing  `json:"hearing"`
	Segments []transcript.Segment `json:"segments"`
	Notes    []transcript.Note    `json:"notes"`
	Versions []transcript.Version `json:"versions"`
	Can      map[string]bool      `json:"can"`
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	ctx := r.Context()
	head, err := s.hub.Head(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	// Re-read the hearing after the head so its status is not older than the head.
	if h, err = s.store.GetHearing(ctx, h.ID); err != nil {
		s.storeError(w, r, err)
		return
	}
	segs, err := s.store.ListSegments(ctx, h.ID, r.URL.Query().Get("deleted") == "1")
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	notes, err := s.store.ListNotes(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	vers, err := s.store.Versions(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, segmentsResp{Head: head, Hearing: h, Segments: orEmpty(segs), Notes: orEmpty(notes), Versions: orEmpty(vers),
		Can: s.can(userOf(r).user, h)})
}

type insertReq struct {
	Seat    string `json:"seat"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
	Reason  string `json:"reason"`
}

// insertSegment adds an utterance the recording or the diarizer missed.
func (s *Server) insertSegment(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *insertReq) {
	if !wire.ValidSeatName(req.Seat) || utf8.RuneCountInString(req.Text) > maxSegmentText {
		writeError(w, http.StatusBadRequest, "invalid", "seat and text (at most 20000 characters) are required")
		return
	}
	sg, err := s.store.InsertSegment(r.Context(), userOf(r).user.Name, h.ID, transcript.InsertedSegment{
		Seat: req.Seat, StartMS: req.StartMS, EndMS: req.EndMS, Text: req.Text, Reason: req.Reason})
	s.reply(w, r, http.StatusCreated, segmentChange{Segment: sg}, err)
}

// segment loads the request's segment and checks the action on its hearing.
func (s *Server) segment(w http.ResponseWriter, r *http.Request, a transcript.Action) (*transcript.Segment, *transcript.Hearing) {
	id, ok := pathInt(r, "sid")
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid", "bad segment id")
		return nil, nil
	}
	sg, err := s.store.GetSegment(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return nil, nil
	}
	h, err := s.store.GetHearing(r.Context(), sg.HearingID)
	if err != nil {
		s.storeError(w, r, err)
		return nil, nil
	}
	if !transcript.Can(userOf(r).user, a, h) {
		s.forbid(w, actionWords[a]+" this hearing")
		return nil, nil
	}
	return sg, h
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	if sg, _ := s.segment(w, r, transcript.ActionRead); sg != nil {
		writeJSON(w, http.StatusOK, sg)
	}
}

// HistoryEntry is one revision of a segment as the history view shows it.
type HistoryEntry struct {
	EventID int64                `json:"event_id"`
	Kind    transcript.EventKind `json:"kind"`
	Actor   string               `json:"actor"`
	At      time.Time            `json:"at"`
	Reason  string               `json:"reason,omitempty"`
	Before  rawJSON              `json:"before"`
	After   rawJSON              `json:"after"`
	Hash    string               `json:"hash"`
}

type rawJSON []byte

func (b rawJSON) MarshalJSON() ([]byte, error) {
	if len(b) == 0 {
		return []byte("null"), nil
	}
	return b, nil
}

func (s *Server) segmentHistory(w http.ResponseWriter, r *http.Request) {
	sg, _ := s.segment(w, r, transcript.ActionRead)
	if sg == nil {
		return
	}
	evs, err := s.store.SegmentHistory(r.Context(), sg.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]HistoryEntry, len(evs))
	for i, e := range evs {
		out[i] = HistoryEntry{EventID: e.ID, Kind: e.Kind, Actor: e.Actor, At: e.At, Reason: e.Reason,
			Before: rawJSON(e.Before), After: rawJSON(e.After), Hash: e.Hash}
	}
	writeJSON(w, http.StatusOK, out)
}

// segmentReq is the body of every segment change. Revision is the revision the change was
// based on; the other fields depend on the operation.
type segmentReq struct {
	Revision     int64   `json:"revision"`
	Text         *string `json:"text,omitempty"`          // edit
	Seat         string  `json:"seat,omitempty"`          // relabel
	Offset       *int    `json:"offset,omitempty"`        // split: rune offset in the text
	AtMS         int64   `json:"at_ms,omitempty"`         // split: hearing time (0: proportional)
	NextRevision int64   `json:"next_revision,omitempty"` // merge
	Reason       string  `json:"reason,omitempty"`        // delete
}

// segmentChange is the answer to a segment change: the segment(s) as they are now.
type segmentChange struct {
	Segment *transcript.Segment `json:"segment"`
	Second  *transcript.Segment `json:"second,omitempty"` // split: the new second half
}

const maxSegmentText = 20000 // runes

func (s *Server) segmentOp(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sg, _ := s.segment(w, r, transcript.ActionEdit)
		if sg == nil {
			return
		}
		var req segmentReq
		if !s.decode(w, r, &req) {
			return
		}
		if req.Revision <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", "revision (the revision the change is based on) is required")
			return
		}
		actor := userOf(r).user.Name
		ctx := r.Context()
		var out segmentChange
		var err error
		switch op {
		case "edit":
			if req.Text == nil || !utf8.ValidString(*req.Text) || utf8.RuneCountInString(*req.Text) > maxSegmentText {
				writeError(w, http.StatusBadRequest, "invalid", "text is required (valid UTF-8, at most 20000 characters)")
				return
			}
			out.Segment, err = s.store.EditText(ctx, actor, sg.ID, req.Revision, *req.Text)
		case "relabel":
			if !wire.ValidSeatName(req.Seat) {
				writeError(w, http.StatusBadRequest, "invalid", "seat is required")
				return
			}
			out.Segment, err = s.store.Relabel(ctx, actor, sg.ID, req.Revision, req.Seat)
		case "split":
			if req.Offset == nil {
				writeError(w, http.StatusBadRequest, "invalid", "offset is required")
				return
			}
			at := req.AtMS
			if at == 0 {
				at = splitTime(sg, *req.Offset)
			}
			out.Segment, out.Second, err = s.store.Split(ctx, actor, sg.ID, req.Revision, *req.Offset, at)
		case "merge":
			if req.NextRevision <= 0 {
				writeError(w, http.StatusBadRequest, "invalid", "next_revision (of the following segment) is required")
				return
			}
			out.Segment, err = s.store.Merge(ctx, actor, sg.ID, req.Revision, req.NextRevision)
		case "delete":
			if strings.TrimSpace(req.Reason) == "" {
				writeError(w, http.StatusBadRequest, "invalid", "striking a segment needs a reason")
				return
			}
			out.Segment, err = s.store.Delete(ctx, actor, sg.ID, req.Revision, req.Reason)
		}
		s.reply(w, r, http.StatusOK, out, err)
	}
}

// splitTime places a split proportionally to the character offset, strictly inside the
// segment.
func splitTime(sg *transcript.Segment, offset int) int64 {
	n := utf8.RuneCountInString(sg.Text)
	if n == 0 || sg.EndMS-sg.StartMS < 2 {
		return sg.StartMS + (sg.EndMS-sg.StartMS)/2
	}
	at := sg.StartMS + (sg.EndMS-sg.StartMS)*int64(offset)/int64(n)
	return min(max(at, sg.StartMS+1), sg.EndMS-1)
}
