package transcript

import "crypto/sha256"
import "encoding/hex"
import "fmt"
import "strconv"
import "time"

// AuditReport is the result of AuditHearing.
type AuditReport struct {
	HearingID string         `json:"hearing_id"`
	Events    int            `json:"events"`   // events checked
	Head      string         `json:"head"`     // hash of the last event
	Segments  int            `json:"segments"` // current segment rows compared with the history
	Notes     int            `json:"notes"`    // note rows compared
	Versions  int            `json:"versions"` // versions whose hash and signature were re-checked
	Problems  []AuditProblem `json:"problems,omitempty"`
}

// OK reports whether the audit found nothing wrong.
func (r *AuditReport) OK() bool { return len(r.Problems) == 0 }

// AuditProblem is one finding. EventSeq/EventID name the first broken event where the
// problem is in the chain; SegmentID/NoteID where a current row disagrees with its history.
type AuditProblem struct {
	EventID   int64  `json:"event_id,omitempty"`
	EventSeq  int64  `json:"event_seq,omitempty"`
	SegmentID int64  `json:"segment_id,omitempty"`
	NoteID    int64  `json:"note_id,omitempty"`
	Version   int    `json:"version,omitempty"`
	Message   string `json:"message"`
}

func (p AuditProblem) String() string {
	s := ""
	if p.EventID != 0 {
		s += fmt.Sprintf("event id=%d seq=%d: ", p.EventID, p.EventSeq)
	}
	if p.SegmentID != 0 {
		s += fmt.Sprintf("segment %d: ", p.SegmentID)
	}
	if p.NoteID != 0 {
		s += fmt.Sprintf("note %d: ", p.NoteID)
	}
	if p.Version != 0 {
		s += fmt.Sprintf("version %d: ", p.Version)
	}
	return s + p.Message
}

// EventTime formats an event time the way it is stored and hashed.
func EventTime(t time.Time) string { return normTime(t).Format(time.RFC3339Nano) }

// EventHash computes the chain hash of an event: hex SHA-256 over
//
//	"courtscribe-event-v1\n" prev_hash "\n" canonical
//
// where canonical is the JSON array
// [seq, hearing_id, kind, segment_id, note_id, actor, at (RFC 3339, UTC, µs), reason, before, after]
// with before/after the stored snapshot bytes (null when empty). Event.ID is not hashed: it is
// assigned by the database; Seq orders the chain.
func EventHash(e *Event) string {
	h := sha256.New()
	h.Write([]byte("courtscribe-event-v1\n"))
	h.Write([]byte(e.PrevHash))
	h.Write([]byte("\n"))
	h.Write(eventCanonical(e))
	return hex.EncodeToString(h.Sum(nil))
}

func eventCanonical(e *Event) []byte {
	b := make([]byte, 0, 256+len(e.Before)+len(e.After))
	num := func(v int64) { b = strconv.AppendInt(append(b, ','), v, 10) }
	str := func(s string) { b = appendJSONString(append(b, ','), s) }
	b = strconv.AppendInt(append(b, '['), e.Seq, 10)
	str(e.HearingID)
	str(string(e.Kind))
	num(e.SegmentID)
	num(e.NoteID)
	str(e.Actor)
	str(EventTime(e.At))
	str(e.Reason)
	b = appendRaw(append(b, ','), e.Before)
	b = appendRaw(append(b, ','), e.After)
	return append(b, ']')
}

// appendRaw appends a snapshot as a JSON string of its bytes, so that the encoding is
// unambiguous whatever the snapshot holds.
func appendRaw(b, raw []byte) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return appendJSONString(b, string(raw))
}

func appendJSONString(b []byte, s string) []byte {
	j, _ := canonicalJSON(s) // a string always encodes
	return append(b, j...)
}
