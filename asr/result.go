package asr

import "context"
import "encoding/json"

// Status says where an utterance's text stands.
type Status string

// Statuses of a Result.
const (
	// StatusPartial is text of an utterance still in progress; its final replaces it.
	StatusPartial Status = "partial"
	// StatusFinal is the engine's text for a finished utterance, no guard objected.
	StatusFinal Status = "final"
	// StatusSuspect is final text kept but flagged by a guard (see Result.Flags); the clerk
	// should listen before relying on it.
	StatusSuspect Status = "suspect"
	// StatusEmpty is a finished utterance with no text: the engine heard no speech, or a
	// guard dropped what it produced (the dropped text stays in Result.Dropped for audit).
	StatusEmpty Status = "empty"
	// StatusPending is an utterance kept with its audio and timing but not transcribed yet
	// (engine absent, down, slow or the queue full); backfill transcribes it later.
	StatusPending Status = "pending"
)

// Done reports whether the status is a settled final one (not partial, not pending).
func (s Status) Done() bool { return s == StatusFinal || s == StatusSuspect || s == StatusEmpty }

// Result is the outcome for one utterance (or one piece of a split utterance).
type Result struct {
	Utterance Utterance `json:"utterance"`
	Status    Status    `json:"status"`
	Text      string    `json:"text"`
	Language  string    `json:"language,omitempty"`
	// Confidence is the mean probability of the text tokens, 0..1 (0 when unknown).
	Confidence float64 `json:"confidence"`
	// Spans in hearing time.
	Spans []Span `json:"segments,omitempty"`
	// Flags are the reasons a guard gave (suspect or dropped text).
	Flags []string `json:"flags,omitempty"`
	// Dropped is the engine's text a guard removed from the record (StatusEmpty).
	Dropped string `json:"dropped,omitempty"`
	// Engine names the engine that produced the text.
	Engine string `json:"engine,omitempty"`
	// Error says why a pending utterance has no text yet.
	Error string `json:"error,omitempty"`
	// Piece and Pieces number the parts of a long utterance split by the policy (1-based;
	// 0 when the utterance was not split).
	Piece  int `json:"piece,omitempty"`
	Pieces int `json:"pieces,omitempty"`
}

// String is a compact JSON form for logs.
func (r Result) String() string {
	b, _ := json.Marshal(struct {
		ID     string `json:"id"`
		Status Status `json:"status"`
		Text   string `json:"text"`
	}{r.Utterance.ID, r.Status, r.Text})
	return string(b)
}

// PendingStore is what backfill needs from the transcript store: the durable list of
// utterances of a hearing that have no final text yet, and a way to record the text.
// Complete must be idempotent (a result recorded twice is stored once).
type PendingStore interface {
	Pending(ctx context.Context, hearing string) ([]Utterance, error)
	Complete(ctx context.Context, r Result) error
}
