package transcript

import "bytes"
import "crypto/ed25519"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "fmt"
import "time"

// RecordSchema names the format of the canonical record (documented in docs/transcript.md).
const RecordSchema = "courtscribe.record/1"

// Record is the canonical, signable hearing record of one version. Its canonical encoding
// (Canonical) is JSON with the struct's field order, UTF-8 without HTML escaping, no
// insignificant white space. VersionHash is SHA-256 of the canonical encoding of the record
// with VersionHash = "" and Signature = nil.
type Record struct {
	Schema      string          `json:"schema"`
	Hearing     RecordHearing   `json:"hearing"`
	Version     int             `json:"version"`
	FinalizedBy string          `json:"finalized_by,omitempty"`
	FinalizedAt time.Time       `json:"finalized_at,omitzero"`
	Segments    []RecordSegment `json:"segments"`
	Notes       []RecordNote    `json:"notes"`
	Corrections []Correction    `json:"corrections"`
	Audio       []AudioFile     `json:"audio"`
	// AuditHead is the hash of the last history event included in this version.
	AuditHead   string     `json:"audit_head"`
	VersionHash string     `json:"version_hash"`
	Signature   *Signature `json:"signature,omitempty"`
	// Cosignatures are the other signatures the procedure requires (the other judges of the
	// panel, the clerk), each over the same version hash; like Signature, outside the hash.
	Cosignatures []Signature `json:"cosignatures,omitempty"`
	// Reviews record the parties' reading of this version (art. 150 CPL): confirmed, or
	// refused with the reason. Recorded before anyone signs; every signature covers them by
	// ReviewsHash.
	Reviews []PartyReview `json:"reviews,omitempty"`
}

// PartyReview is one party's review of a finalized version, recorded by the clerk.
type PartyReview struct {
	Party      string    `json:"party"`            // who read it, as the record names them
	Outcome    string    `json:"outcome"`          // "confirmed" (以上笔录已阅，无误) or "refused" (拒绝签名)
	Reason     string    `json:"reason,omitempty"` // why they refused, or what they noted
	RecordedBy string    `json:"recorded_by"`
	At         time.Time `json:"at"`
}

// Review outcomes.
const (
	ReviewConfirmed = "confirmed"
	ReviewRefused   = "refused"
)

// ReviewsHash is hex SHA-256 of the canonical JSON of the reviews, "" when there are none.
func ReviewsHash(rs []PartyReview) string {
	if len(rs) == 0 {
		return ""
	}
	b, _ := canonicalJSON(rs)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Signatures returns every signature of the record, the first one first.
func (r *Record) Signatures() []Signature {
	var out []Signature
	if r.Signature != nil {
		out = append(out, *r.Signature)
	}
	return append(out, r.Cosignatures...)
}

// RequiredSigners lists who must sign a version: the bench (presiding judge first, then the
// other judges of a collegial panel) and the clerk.
func (h *RecordHearing) RequiredSigners() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range append(append([]string{h.Presiding}, h.Judges...), h.Clerk) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// MissingSigners lists the required signers who have not signed this version.
func (r *Record) MissingSigners() []string {
	signed := map[string]bool{}
	for _, s := range r.Signatures() {
		signed[s.Signer] = true
	}
	var out []string
	for _, u := range r.Hearing.RequiredSigners() {
		if !signed[u] {
			out = append(out, u)
		}
	}
	return out
}

// RecordHearing is the hearing header of a record.
type RecordHearing struct {
	ID                 string    `json:"id"`
	CaseNumber         string    `json:"case_number"`
	Cause              string    `json:"cause"`
	Court              string    `json:"court"`
	Courtroom          string    `json:"courtroom"`
	Title              string    `json:"title"`
	Language           string    `json:"language"`
	TimeZone           string    `json:"time_zone,omitempty"` // IANA zone the court's times are printed in
	ScheduledAt        time.Time `json:"scheduled_at,omitzero"`
	StartedAt          time.Time `json:"started_at,omitzero"`
	ClosedAt           time.Time `json:"closed_at,omitzero"`
	Presiding          string    `json:"presiding"`
	Judges             []string  `json:"judges"`
	Clerk              string    `json:"clerk"`
	Parties            []string  `json:"parties"`
	Seats              []Seat    `json:"seats"`
	PartyList          []Party   `json:"party_list,omitempty"`
	NotPublic          bool      `json:"not_public,omitempty"`
	NotPublicReason    string    `json:"not_public_reason,omitempty"`
	Reporter           string    `json:"reporter,omitempty"`
	ReporterCredential string    `json:"reporter_credential,omitempty"`
	// Names maps the user names of the record (bench, clerk, finalizer, correction authors)
	// to the names they are printed as (users' display names); exports never print logins.
	Names map[string]string `json:"names,omitempty"`
}

// NameOf returns the printed name of a user of the record: the display name, else "".
func (h *RecordHearing) NameOf(user string) string { return h.Names[user] }

// RecordSegment is one utterance as the record states it.
type RecordSegment struct {
	ID       int64  `json:"id"`
	Seat     string `json:"seat"`
	Role     string `json:"role"`
	Person   string `json:"person,omitempty"`
	StartMS  int64  `json:"start_ms"`
	EndMS    int64  `json:"end_ms"`
	Text     string `json:"text"`
	Revision int64  `json:"revision"`
	Overlap  bool   `json:"overlap,omitempty"`
	Edited   bool   `json:"edited,omitempty"`
}

// RecordNote is a note as the record states it.
type RecordNote struct {
	Kind   NoteKind `json:"kind"`
	AtMS   int64    `json:"at_ms"`
	EndMS  int64    `json:"end_ms,omitempty"`
	Text   string   `json:"text"`
	Author string   `json:"author"`
	// Seat and Witness of a sworn, examination or exhibit mark.
	Seat    string `json:"seat,omitempty"`
	Witness string `json:"witness,omitempty"`
}

// Signature is a judge's Ed25519 signature over a version. The signed message is the
// canonical JSON of the Signature with Value = "" (so it covers the signer, the time, the
// version, the version hash and the public key).
type Signature struct {
	Algorithm  string `json:"algorithm"` // "ed25519"
	Signer     string `json:"signer"`    // user name of the judge
	SignerName string `json:"signer_name,omitempty"`
	// Role is the signer's part: "presiding", "judge" or "clerk". KeyFingerprint is the hex
	// SHA-256 of the public key (the signer's registered key). ReviewsHash covers the parties'
	// reviews recorded before signing (ReviewsHash of Record.Reviews).
	Role           string    `json:"role,omitempty"`
	KeyFingerprint string    `json:"key_fingerprint,omitempty"`
	ReviewsHash    string    `json:"reviews_hash,omitempty"`
	HearingID      string    `json:"hearing_id"`
	Version        int       `json:"version"`
	VersionHash    string    `json:"version_hash"` // hex
	SignedAt       time.Time `json:"signed_at"`
	PublicKey      string    `json:"public_key"` // base64 (std) of the 32-byte key
	Value          string    `json:"value"`      // base64 (std) of the 64-byte signature
}

// canonicalJSON encodes v without HTML escaping and without a trailing newline.
func canonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// CanonicalJSON is the canonical encoding used for hashing and exports.
func CanonicalJSON(v any) ([]byte, error) { return canonicalJSON(v) }

// Canonical returns the canonical encoding of the record (as exported, plus "\n" in files).
func (r *Record) Canonical() ([]byte, error) { return canonicalJSON(r) }

// RecordHash computes the version hash: hex SHA-256 of the canonical record without its
// VersionHash and Signature.
func RecordHash(r *Record) (string, error) {
	c := *r
	c.VersionHash = ""
	c.Signature = nil
	c.Cosignatures = nil
	c.Reviews = nil
	b, err := canonicalJSON(&c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// SignedMessage returns the bytes a Signature's Value signs.
func SignedMessage(s *Signature) ([]byte, error) {
	c := *s
	c.Value = ""
	b, err := canonicalJSON(&c)
	if err != nil {
		return nil, err
	}
	return append([]byte("courtscribe-signature-v1\n"), b...), nil
}

// normalizeTimes makes every time of the record UTC with the precision the store keeps, so
// the canonical encoding is the same after a round trip through storage.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// NormTime is the time form the store keeps: UTC, microseconds.
func NormTime(t time.Time) time.Time { return normTime(t) }

// VerifySignature checks a signature block against a public key (nil: the key the block
// names) and the version hash it must cover.
func VerifySignature(s *Signature, versionHash string, pub ed25519.PublicKey) error {
	if s.Algorithm != "ed25519" {
		return fmt.Errorf("signature: unsupported algorithm %q", s.Algorithm)
	}
	if s.VersionHash != versionHash {
		return fmt.Errorf("signature: covers version hash %s, record hash is %s", s.VersionHash, versionHash)
	}
	named, err := decodeKey(s.PublicKey)
	if err != nil {
		return err
	}
	if pub != nil && !bytes.Equal(pub, named) {
		return fmt.Errorf("signature: made with public key %s, not the trusted key %s", s.PublicKey, encodeKey(pub))
	}
	sig, err := decodeB64(s.Value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("signature: malformed value")
	}
	msg, err := SignedMessage(s)
	if err != nil {
		return err
	}
	if !ed25519.Verify(named, msg, sig) {
		return fmt.Errorf("signature: invalid (the record or the signature block was altered, or another key signed it)")
	}
	return nil
}
