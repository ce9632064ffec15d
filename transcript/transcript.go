// Package transcript is the hearing record of courtscribe: hearings, segments, notes, the
// append-only revision history (events) with its SHA-256 audit chain, the hearing lifecycle
// (scheduled → live ⇄ recess → closed → finalized → signed, then corrections as new versions),
// users and roles, Ed25519 signing and offline verification of signed records.
//
// The Store interface (store.go) is what the rest of the system calls; transcript/sqlite is
// the SQLite implementation. Exports (json, txt, pdf, srt, vtt) live in transcript/export.
//
// Time inside a hearing is milliseconds since the start of the hearing's audio stream (the
// sample index at 16 kHz divided by 16). Wall-clock times are UTC time.Time values.
package transcript

import "encoding/json"
import "time"

// HearingStatus is where a hearing is in its lifecycle.
type HearingStatus string

// Lifecycle states. Allowed transitions:
//
//	scheduled → live
//	live      → recess, closed
//	recess    → live (resume), closed
//	closed    → finalized           (clerk; text frozen, version 1 hashed)
//	finalized → signed              (judge on the bench)
//	signed    → finalized           (a correction 补正 appends a record and a new version to sign)
const (
	StatusScheduled HearingStatus = "scheduled"
	StatusLive      HearingStatus = "live"
	StatusRecess    HearingStatus = "recess"
	StatusClosed    HearingStatus = "closed"
	StatusFinalized HearingStatus = "finalized"
	StatusSigned    HearingStatus = "signed"
)

// Editable reports whether segments of a hearing in this status may be changed by clerks
// and the engine (before finalization).
func (s HearingStatus) Editable() bool {
	return s == StatusScheduled || s == StatusLive || s == StatusRecess || s == StatusClosed
}

// Seat maps one microphone seat of the courtroom to a role and a person.
// Examples: {judge, 审判长, 张三}, {plaintiff, 原告代理人, 李四}, {judge, THE COURT, ""},
// {counsel1, MR. SMITH, "John Smith"}.
type Seat struct {
	Seat   string `json:"seat"`             // seat name as the capture agent uses it (wire.Seat)
	Role   string `json:"role"`             // label printed before the text: 审判长, THE COURT, 原告代理人
	Person string `json:"person,omitempty"` // the person's name
	// Witness marks a seat whose speech is testimony; the US layout prints it as "A." and
	// the examining counsel as "Q." while a witness is being examined.
	Witness bool `json:"witness,omitempty"`
}

// A seat's speaking state, as a live view shows it: asr/stream tells it from the seat
// diarizer's events (Tentative, Start, End, Withdrawn) and transcript/live carries it to the
// browsers. It is never part of the record.
const (
	SeatOff       = ""          // not speaking: the turn ended, or its tentative start was withdrawn
	SeatTentative = "tentative" // may be speaking: sound over the floor and the bleed, voicing not confirmed yet
	SeatSpeaking  = "speaking"  // speaking: the diarizer confirmed the turn's start
)

// Hearing is one court session with its case data and seat map.
type Hearing struct {
	ID         string `json:"id"`          // same id as DATA/hearings/ID/ of the ingest server
	CaseNumber string `json:"case_number"` // 案号
	Cause      string `json:"cause"`       // 案由
	Court      string `json:"court"`
	Courtroom  string `json:"courtroom"`
	Title      string `json:"title"`
	Language   string `json:"language"` // "zh" or "en"
	// TimeZone is the court's IANA time zone (e.g. Asia/Shanghai, America/Chicago): every
	// wall-clock time of the hearing is printed in it. Set from the server's --timezone when
	// the hearing is created.
	TimeZone string `json:"time_zone,omitempty"`

	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	StartedAt   time.Time `json:"started_at,omitzero"` // first transition to live
	ClosedAt    time.Time `json:"closed_at,omitzero"`

	Presiding string   `json:"presiding"`        // user name of the presiding judge (审判长)
	Judges    []string `json:"judges,omitempty"` // other judges on the bench (审判员), user names
	Clerk     string   `json:"clerk"`            // user name of the clerk (书记员)
	// Parties present, free text lines for the record header (当事人及诉讼参加人到庭情况).
	Parties []string `json:"parties,omitempty"`
	// PartyList is the structured block of parties and their agents (当事人及其诉讼代理人);
	// when set, exports print it instead of the free-text Parties lines.
	PartyList []Party `json:"party_list,omitempty"`
	// NotPublic marks a hearing held in camera (不公开开庭审理), with the legal reason.
	NotPublic       bool   `json:"not_public,omitempty"`
	NotPublicReason string `json:"not_public_reason,omitempty"`
	// Reporter and ReporterCredential name who certifies a US transcript (the official
	// reporter or recorder, e.g. "CSR No. 12345"); default the clerk's display name.
	Reporter           string `json:"reporter,omitempty"`
	ReporterCredential string `json:"reporter_credential,omitempty"`

	Seats      []Seat   `json:"seats"`
	Vocabulary []string `json:"vocabulary,omitempty"` // terms for the engine prompt

	Status  HearingStatus `json:"status"`
	Version int           `json:"version"` // record version; 0 until finalized

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Bench returns the user names of all judges of the hearing, presiding first.
func (h *Hearing) Bench() []string {
	out := make([]string, 0, 1+len(h.Judges))
	if h.Presiding != "" {
		out = append(out, h.Presiding)
	}
	for _, j := range h.Judges {
		if j != "" && j != h.Presiding {
			out = append(out, j)
		}
	}
	return out
}

// OnBench reports whether the user name sits on the hearing's bench.
func (h *Hearing) OnBench(name string) bool {
	for _, b := range h.Bench() {
		if b == name {
			return true
		}
	}
	return false
}

// SeatByName returns the seat entry with that seat name.
func (h *Hearing) SeatByName(seat string) (Seat, bool) {
	for _, s := range h.Seats {
		if s.Seat == seat {
			return s, true
		}
	}
	return Seat{}, false
}

// Party is one party with its agents: {原告, 张某, "男，1980年1月1日出生，住北京市朝阳区", [{委托诉讼代理人, 李四, 北京某律师事务所律师}]}.
type Party struct {
	Role    string  `json:"role"` // 原告, 被告, 第三人; Plaintiff, Defendant
	Name    string  `json:"name"`
	Details string  `json:"details,omitempty"`
	Present bool    `json:"present,omitempty"` // appeared in court (到庭)
	Agents  []Agent `json:"agents,omitempty"`
}

// Agent is a party's representative: 委托诉讼代理人, 法定代理人; Counsel.
type Agent struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Details string `json:"details,omitempty"` // firm, bar number
	Present bool   `json:"present,omitempty"`
}

// HearingUpdate changes the case data of a hearing. Nil fields are left as they are.
type HearingUpdate struct {
	CaseNumber         *string
	Cause              *string
	Court              *string
	Courtroom          *string
	Title              *string
	Language           *string
	TimeZone           *string
	ScheduledAt        *time.Time
	Presiding          *string
	Judges             *[]string
	Clerk              *string
	Parties            *[]string
	PartyList          *[]Party
	NotPublic          *bool
	NotPublicReason    *string
	Reporter           *string
	ReporterCredential *string
	Seats              *[]Seat
	Vocabulary         *[]string
}

// SegmentStatus is how far the engine got with a segment.
type SegmentStatus string

// Segment statuses.
const (
	SegmentPending SegmentStatus = "pending" // diarized, not yet transcribed (backfill queue)
	SegmentPartial SegmentStatus = "partial" // a partial engine result
	SegmentFinal   SegmentStatus = "final"   // the engine's final result
)

// Segment is one utterance of one seat: what the engine heard and what the record says now.
type Segment struct {
	ID        int64  `json:"id"`
	HearingID string `json:"hearing_id"`
	Seat      string `json:"seat"`
	StartMS   int64  `json:"start_ms"` // hearing time
	EndMS     int64  `json:"end_ms"`
	// EngineText is the engine's latest text; Text is the current text of the record.
	EngineText string        `json:"engine_text"`
	Text       string        `json:"text"`
	Confidence float64       `json:"confidence"`
	Status     SegmentStatus `json:"status"`
	// Revision starts at 1 and grows by one with every change of the segment. Every clerk
	// edit names the revision it was based on.
	Revision int64 `json:"revision"`
	Overlap  bool  `json:"overlap"` // another seat spoke at the same time
	Deleted  bool  `json:"deleted"`
	// Edited is true once a person changed the text; engine results after that only go to
	// EngineText and the history.
	Edited    bool      `json:"edited"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewSegment is what the seat diarizer appends (status pending).
type NewSegment struct {
	Seat    string
	StartMS int64
	EndMS   int64
	Overlap bool
}

// EngineResult is an engine's transcription of a segment.
type EngineResult struct {
	Text       string
	Confidence float64
	Final      bool   // final result; otherwise partial
	Engine     string // engine name for the history, e.g. "whisper:base"
	// Extent, when set, changes only the segment's end to EndMS and leaves text and status as
	// they are: a live segment grows while its speaker talks and takes the diarizer's final end
	// when the turn is over. EndMS must be after StartMS.
	Extent bool
	EndMS  int64
	// Overlap, with Extent, marks the segment as overlapping another seat's speech (double
	// talk found while the turn went on); it never clears the flag.
	Overlap bool
}

// NoteKind says what a note is.
type NoteKind string

// Note kinds.
const (
	NoteAnnotation NoteKind = "annotation" // a clerk's remark
	NoteRecess     NoteKind = "recess"     // 休庭, with reason
	NoteResume     NoteKind = "resume"     // 继续开庭, with reason
	NoteGap        NoteKind = "gap"        // audio missing between AtMS and EndMS
	// Marks the clerk sets for the US transcript layout; never guessed from words.
	NoteSworn       NoteKind = "sworn"       // Witness (seat) sworn; Text: the witness's name
	NoteExamination NoteKind = "examination" // Text: direct|cross|redirect|recross|end; Seat: examiner, Witness: witness seat
	NoteExhibit     NoteKind = "exhibit"     // Text: the exhibit, e.g. "Government Exhibit 1 (photograph) received"
)

// Examination kinds of a NoteExamination mark.
var Examinations = []string{"direct", "cross", "redirect", "recross", "end"}

// Note is a marker in the record that is not speech.
type Note struct {
	ID        int64     `json:"id"`
	HearingID string    `json:"hearing_id"`
	Kind      NoteKind  `json:"kind"`
	AtMS      int64     `json:"at_ms"`
	EndMS     int64     `json:"end_ms,omitempty"`     // gaps: end of the missing audio
	SegmentID int64     `json:"segment_id,omitempty"` // annotation attached to a segment
	Seat      string    `json:"seat,omitempty"`       // examination: the examining counsel's seat
	Witness   string    `json:"witness,omitempty"`    // sworn, examination, exhibit: the witness's seat
	Text      string    `json:"text"`                 // the remark or reason
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	// Revision counts changes after the note was added (0: as added); an edit or strike names
	// the revision it was based on. Deleted marks a struck note (the row and history stay).
	Revision  int64     `json:"revision,omitempty"`
	Deleted   bool      `json:"deleted,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// InsertedSegment is an utterance the clerk adds by hand: speech the recording or the
// diarizer missed. Its text is the clerk's, so it is verified from the start.
type InsertedSegment struct {
	Seat    string
	StartMS int64
	EndMS   int64
	Text    string
	Reason  string // required: why the record gains an utterance nobody transcribed
}

// CorrectionRequest is a party's written request for a correction (当事人申请补正), attached
// to the 补正 it led to. Its file, if any, is kept by SHA-256 in the record.
type CorrectionRequest struct {
	Party      string    `json:"party"`                // who asked, as the record names them
	ReceivedAt time.Time `json:"received_at,omitzero"` // when the court received it
	Text       string    `json:"text"`                 // what the request says
	FileName   string    `json:"file_name,omitempty"`  // the scanned or submitted document
	FileSHA256 string    `json:"file_sha256,omitempty"`
	FileBytes  int64     `json:"file_bytes,omitempty"`
}

// Correction is a 补正: a change to a signed record, appended, never silent. It produces a new
// version of the record that needs its own signature.
type Correction struct {
	ID        int64     `json:"id"`
	Version   int       `json:"version"` // the version this correction produced
	SegmentID int64     `json:"segment_id"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	Reason    string    `json:"reason"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	// Request is the party's written request this correction answers, if any.
	Request *CorrectionRequest `json:"request,omitempty"`
}

// EventKind names a change in the history.
type EventKind string

// Event kinds. Every event carries at most one segment, note or hearing snapshot as After.
const (
	EventHearingCreated  EventKind = "hearing.created"
	EventHearingUpdated  EventKind = "hearing.updated"
	EventHearingStatus   EventKind = "hearing.status" // lifecycle transition; Reason says why
	EventSegmentAppended EventKind = "segment.appended"
	EventSegmentEngine   EventKind = "segment.engine" // engine result (partial or final)
	EventSegmentEdited   EventKind = "segment.edited"
	EventSegmentRelabel  EventKind = "segment.relabeled"
	EventSegmentSplit    EventKind = "segment.split" // the first half of a split (original id)
	EventSegmentSplitNew EventKind = "segment.split_new"
	EventSegmentMerged   EventKind = "segment.merged" // the surviving segment of a merge
	EventSegmentDeleted  EventKind = "segment.deleted"
	EventSegmentInserted EventKind = "segment.inserted" // a missed utterance the clerk added; Reason says why
	EventNoteAdded       EventKind = "note.added"
	EventNoteEdited      EventKind = "note.edited"       // Before/After the note; Reason says why
	EventNoteDeleted     EventKind = "note.deleted"      // the note struck (row kept, Deleted); Reason says why
	EventFinalized       EventKind = "hearing.finalized" // After: the Version
	EventSigned          EventKind = "hearing.signed"    // After: the Signature (one per signer)
	EventReviewed        EventKind = "hearing.reviewed"  // After: a PartyReview of the current version
	EventCorrected       EventKind = "hearing.corrected" // a 补正: Before/After the segment, Reason the reason
	EventAudio           EventKind = "hearing.audio"     // After: the []AudioFile at closing; Reason: manifest|computed|given
	EventUserCreated     EventKind = "user.created"      // users chain (HearingID ""): After the User
	EventUserChanged     EventKind = "user.changed"      // password or disabled flag changed; After the User
)

// Event is one append-only entry of a hearing's history. Events of a hearing form a hash
// chain: Hash = SHA-256(PrevHash ‖ canonical encoding of the event), see EventHash.
type Event struct {
	ID        int64     `json:"id"`  // global, strictly increasing; per hearing too
	Seq       int64     `json:"seq"` // 1, 2, 3… within the hearing
	HearingID string    `json:"hearing_id"`
	Kind      EventKind `json:"kind"`
	SegmentID int64     `json:"segment_id,omitempty"`
	NoteID    int64     `json:"note_id,omitempty"`
	Actor     string    `json:"actor"` // user name, or "engine:NAME", "diarizer", "system"
	At        time.Time `json:"at"`
	Reason    string    `json:"reason,omitempty"`
	// Before and After are canonical JSON snapshots (a Segment, Note, Hearing, Version,
	// Signature or Correction), null when there is none.
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
	PrevHash string          `json:"prev_hash"` // hex; "" for the first event of a hearing
	Hash     string          `json:"hash"`      // hex
}

// AudioFile is one archived audio file of a hearing with its SHA-256.
type AudioFile struct {
	Name   string `json:"name"` // path relative to DATA/hearings/ID/, e.g. "audio/judge.wav"
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex
}

// Version is one finalized version of the record.
type Version struct {
	HearingID string    `json:"hearing_id"`
	Number    int       `json:"number"`
	Hash      string    `json:"hash"` // hex SHA-256 of the canonical record (RecordHash)
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Signature is nil until someone signed this version; Cosignatures are the further
	// signatures (the rest of the panel, the clerk); Reviews the parties' reviews.
	Signature    *Signature    `json:"signature,omitempty"`
	Cosignatures []Signature   `json:"cosignatures,omitempty"`
	Reviews      []PartyReview `json:"reviews,omitempty"`
}

// Role of a user.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleTechnician Role = "technician"
	RoleClerk      Role = "clerk"
	RoleJudge      Role = "judge"
	RoleViewer     Role = "viewer"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleTechnician, RoleClerk, RoleJudge, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person who logs in. Judges carry an Ed25519 public key; their private key is
// stored encrypted with a key derived from their password.
type User struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name,omitempty"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	PublicKey   []byte    `json:"public_key,omitempty"` // Ed25519, judges only
	CreatedAt   time.Time `json:"created_at"`
}
