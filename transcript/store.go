package transcript

import "context"
import "errors"
import "fmt"

// Store is the hearing record. Every method that changes something appends events to the
// hearing's history and updates the current state in the same transaction, then calls the
// subscribed listeners with the committed events (in commit order, after the commit).
//
// Every change names its actor: a user name for people, "diarizer", "engine:NAME" or "system".
// Methods are safe for concurrent use. Close must be safe to call twice.
//
// The implementation is transcript/sqlite, on an SQLite file or on PostgreSQL (one store,
// two SQL dialects: sqlite.OpenData, sqlite.OpenPostgres).
type Store interface {
	Hearings
	Segments
	Lifecycle
	Users
	EventLog

	// Close releases the database. Listeners get nothing afterwards.
	Close() error
}

// ListHearingsOptions filters ListHearings. Zero values mean no filter.
type ListHearingsOptions struct {
	Status HearingStatus
	User   string // hearings where this user is clerk or on the bench
	Limit  int
}

// Hearings create, change and read hearings.
type Hearings interface {
	// CreateHearing stores a new hearing in status scheduled (h.Status and h.Version are
	// ignored). h.ID must be a valid wire id; ErrExists if it is taken.
	CreateHearing(ctx context.Context, actor string, h Hearing) (*Hearing, error)
	// UpdateHearing changes case data; refused (ErrState) once the hearing is finalized.
	UpdateHearing(ctx context.Context, actor, id string, u HearingUpdate) (*Hearing, error)
	// GetHearing returns the hearing or ErrNotFound.
	GetHearing(ctx context.Context, id string) (*Hearing, error)
	// ListHearings returns hearings, newest scheduled first.
	ListHearings(ctx context.Context, opt ListHearingsOptions) ([]Hearing, error)
}

// Segments are the text of a hearing. Changes by people name the revision they were based on;
// a stale revision returns a *ConflictError (errors.Is(err, ErrConflict)) carrying the current
// segment, and nothing changes. Changes are refused with ErrState once the hearing is
// finalized (use Lifecycle.Correct after signing).
type Segments interface {
	// AppendSegment adds a pending segment from the seat diarizer.
	AppendSegment(ctx context.Context, actor, hearingID string, s NewSegment) (*Segment, error)
	// SetEngineResult records an engine result. If a person already edited the segment, the
	// clerk's text stays and the engine text goes to EngineText and the history only. A partial
	// result after a final one is ignored (returns the segment unchanged, no event).
	SetEngineResult(ctx context.Context, actor string, segmentID int64, r EngineResult) (*Segment, error)
	// EditText replaces the current text.
	EditText(ctx context.Context, actor string, segmentID, baseRevision int64, text string) (*Segment, error)
	// Relabel attributes the segment to another seat of the hearing's seat map.
	Relabel(ctx context.Context, actor string, segmentID, baseRevision int64, seat string) (*Segment, error)
	// Split cuts the segment at a character (rune) offset of its current text and at hearing
	// time atMS (StartMS < atMS < EndMS). The first half keeps the id; the second is new.
	Split(ctx context.Context, actor string, segmentID, baseRevision int64, offset int, atMS int64) (first, second *Segment, err error)
	// Merge joins the segment with the next live segment of the same hearing (by start time),
	// which is marked deleted. nextRevision is the revision of that next segment.
	Merge(ctx context.Context, actor string, segmentID, baseRevision, nextRevision int64) (*Segment, error)
	// Delete marks the segment deleted (a revision; nothing is ever removed).
	Delete(ctx context.Context, actor string, segmentID, baseRevision int64, reason string) (*Segment, error)
	// AddNote adds an annotation or gap note. Recess and resume notes come from Lifecycle.
	AddNote(ctx context.Context, actor, hearingID string, n Note) (*Note, error)
	// InsertSegment adds an utterance the recording or the diarizer missed, typed by the
	// clerk with its seat, time and a reason (event segment.inserted). The text is verified.
	InsertSegment(ctx context.Context, actor, hearingID string, n InsertedSegment) (*Segment, error)
	// EditNote changes an annotation's text; DeleteNote strikes it. Both name the note's
	// revision they were based on (a stale one is ErrConflict) and need a reason.
	// The note must belong to hearingID (ErrNotFound otherwise).
	EditNote(ctx context.Context, actor, hearingID string, noteID, baseRevision int64, text, reason string) (*Note, error)
	DeleteNote(ctx context.Context, actor, hearingID string, noteID, baseRevision int64, reason string) (*Note, error)

	// GetSegment returns one segment (deleted ones too) or ErrNotFound.
	GetSegment(ctx context.Context, segmentID int64) (*Segment, error)
	// ListSegments returns a hearing's segments ordered by start time, then id.
	ListSegments(ctx context.Context, hearingID string, includeDeleted bool) ([]Segment, error)
	// ListNotes returns a hearing's notes ordered by time, then id; struck notes carry
	// Deleted (the record leaves them out).
	ListNotes(ctx context.Context, hearingID string) ([]Note, error)
	// PendingSegments returns segments still waiting for an engine (status pending, and no
	// person typed or confirmed their text: such a segment is verified), oldest first, of one hearing or of all hearings when hearingID is "". limit ≤ 0 means 1000.
	PendingSegments(ctx context.Context, hearingID string, limit int) ([]Segment, error)
}

// Lifecycle moves a hearing through its states (see HearingStatus) and keeps its versions.
type Lifecycle interface {
	// Start: scheduled → live.
	Start(ctx context.Context, actor, hearingID string) (*Hearing, error)
	// Recess: live → recess. The reason is required and becomes a recess note.
	Recess(ctx context.Context, actor, hearingID string, atMS int64, reason string) (*Hearing, error)
	// Resume: recess → live. The reason is required and becomes a resume note.
	Resume(ctx context.Context, actor, hearingID string, atMS int64, reason string) (*Hearing, error)
	// CloseHearing: live|recess → closed. audio lists the hearing's audio files with their
	// SHA-256; when nil, the store reads DATA/hearings/ID/manifest.json or hashes
	// DATA/hearings/ID/audio/*.wav itself (see LoadAudio).
	CloseHearing(ctx context.Context, actor, hearingID string, audio []AudioFile) (*Hearing, error)
	// Finalize: closed → finalized by the clerk. Freezes the text and stores version 1 with
	// the hash of the canonical record (RecordHash).
	Finalize(ctx context.Context, actor, hearingID string) (*Version, error)
	// Sign: a required signer (a judge of the bench or the hearing's clerk) unlocks the
	// private key with the password and signs the current version's hash; the hearing becomes
	// signed when the whole panel and the clerk have signed. A clerk without a key gets one at
	// the first signature (chained as a user change).
	Sign(ctx context.Context, judge, password, hearingID string) (*Signature, error)
	// Correct appends a 补正 to a signed record: the segment's text changes, a Correction is
	// recorded and a new version (status finalized) awaits its own signature.
	Correct(ctx context.Context, actor, hearingID string, segmentID int64, text, reason string) (*Correction, *Version, error)
	// CorrectOnRequest is Correct answering a party's written request, which is kept with the
	// correction (file bytes stored, their SHA-256 and size in the record). req may be nil.
	CorrectOnRequest(ctx context.Context, actor, hearingID string, segmentID int64, text, reason string, req *CorrectionRequest, file []byte) (*Correction, *Version, error)
	// CorrectionFile returns the document attached to a correction's request (ErrNotFound if none).
	CorrectionFile(ctx context.Context, hearingID string, correctionID int64) (name string, data []byte, err error)
	// RecordReview records a party's review of the current finalized version (confirmed, or
	// refused with a reason); refused once anyone signed that version (ErrState).
	RecordReview(ctx context.Context, actor, hearingID string, rv PartyReview) (*PartyReview, error)
	// Versions lists the hearing's versions, oldest first, with their signatures.
	Versions(ctx context.Context, hearingID string) ([]Version, error)
	// Record builds the canonical record of a version (0: the current state, unsigned and
	// without hash when not finalized). A signed version carries its Signature.
	Record(ctx context.Context, hearingID string, version int) (*Record, error)
	// AuditHearing re-verifies the hash chain, that the current rows (hearing, segments,
	// notes, audio list) equal the state the history says, and every version's hash and
	// signature. Findings are in the report (report.OK()); the error is for failures to read.
	// hearingID "" audits the chain of user administration.
	AuditHearing(ctx context.Context, hearingID string) (*AuditReport, error)
}

// Users are the people who log in. Passwords are stored as argon2id hashes.
type Users interface {
	// CreateUser adds a user. Judges get an Ed25519 key pair whose private key is encrypted
	// with their password. ErrExists when the name is taken.
	CreateUser(ctx context.Context, actor string, name string, role Role, password string) (*User, error)
	// GetUser returns the user or ErrNotFound.
	GetUser(ctx context.Context, name string) (*User, error)
	// ListUsers returns all users by name.
	ListUsers(ctx context.Context) ([]User, error)
	// SetPassword changes the password (and re-encrypts a judge's private key; the old
	// password is needed for that: oldPassword is ignored for non-judges).
	SetPassword(ctx context.Context, actor, name, oldPassword, newPassword string) error
	// SetDisabled disables or enables a user. Disabled users cannot authenticate.
	SetDisabled(ctx context.Context, actor, name string, disabled bool) error
	// SetDisplayName sets the name a user is printed as in records and headers (chained).
	SetDisplayName(ctx context.Context, actor, name, displayName string) error
	// Authenticate checks a password. Wrong name or password → ErrAuth (same error for both).
	Authenticate(ctx context.Context, name, password string) (*User, error)
}

// EventLog reads the history and lets the live hub follow it.
type EventLog interface {
	// EventsSince returns events of a hearing with ID > afterID in ID order, at most limit
	// (≤ 0: 1000). Used by live clients to resume after a reconnect.
	EventsSince(ctx context.Context, hearingID string, afterID int64, limit int) ([]Event, error)
	// SegmentHistory returns every event that touched the segment, oldest first.
	SegmentHistory(ctx context.Context, segmentID int64) ([]Event, error)
	// Subscribe registers a listener called after each commit with each committed event, in
	// ID order, from the committing goroutine. The listener must not block (hand the event
	// to a channel) and must not call the store. cancel removes it; safe to call twice.
	Subscribe(listener func(Event)) (cancel func())
}

// Errors of the store. Test with errors.Is.
var (
	ErrNotFound = errors.New("transcript: not found")
	ErrExists   = errors.New("transcript: already exists")
	ErrConflict = errors.New("transcript: conflict: the segment changed since the base revision")
	ErrState    = errors.New("transcript: not allowed in the hearing's current status")
	ErrInvalid  = errors.New("transcript: invalid input")
	ErrAuth     = errors.New("transcript: wrong user name or password")
	ErrDenied   = errors.New("transcript: not permitted")
)

// ConflictError is returned for a stale base revision. errors.Is(err, ErrConflict) holds.
type ConflictError struct {
	Current Segment // the segment as it is now
	Base    int64   // the revision the edit was based on
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("transcript: conflict: segment %d is at revision %d, edit was based on %d",
		e.Current.ID, e.Current.Revision, e.Base)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Invalidf returns an error wrapping ErrInvalid.
func Invalidf(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// Statef returns an error wrapping ErrState.
func Statef(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrState, fmt.Sprintf(format, a...))
}
