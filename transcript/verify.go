package transcript

import "bytes"
import "crypto/ed25519"
import "encoding/json"
import "errors"
import "fmt"
import "io"

// MaxRecordBytes bounds a record file read by ParseRecord.
const MaxRecordBytes = 256 << 20

// ParseRecord decodes a record export strictly: one JSON object, no unknown fields, and the
// bytes must be exactly its canonical encoding (optionally followed by one "\n"), so that
// any changed byte — even white space — is detected.
func ParseRecord(b []byte) (*Record, error) {
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("record: larger than %d bytes", MaxRecordBytes)
	}
	if what := notARecord(b); what != "" {
		return nil, errNotRecord(what)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("record: trailing data after the JSON object")
	}
	if r.Schema != RecordSchema {
		return nil, fmt.Errorf("record: schema %q, want %q", r.Schema, RecordSchema)
	}
	canon, err := r.Canonical()
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	body := bytes.TrimSuffix(b, []byte("\n"))
	if !bytes.Equal(body, canon) {
		i := 0
		for i < len(body) && i < len(canon) && body[i] == canon[i] {
			i++
		}
		return nil, fmt.Errorf("record: not in canonical form from byte %d on (the file was altered or re-formatted)", i)
	}
	return &r, nil
}

// VerifyResult says what VerifyRecord checked.
type VerifyResult struct {
	Record      *Record
	VersionHash string
	Signer      string
	Signers     []string // everyone who signed, the first signer first
	Missing     []string // required signers (bench, clerk) who have not signed
	AudioFiles  int      // audio files whose SHA-256 matched (0 when no audio directory was given)
}

// VerifyRecord verifies a signed record export offline: canonical form, version hash,
// Ed25519 signature (against trusted when not nil, else the key the signature block names)
// and, when audioDir is not "", the SHA-256 of every audio file. Any failure is an error that
// says why.
func VerifyRecord(file []byte, trusted ed25519.PublicKey, audioDir string) (*VerifyResult, error) {
	r, err := ParseRecord(file)
	if err != nil {
		return nil, err
	}
	if r.Signature == nil && r.VersionHash == "" {
		state := "not finalized"
		if r.Version > 0 {
			state = fmt.Sprintf("version %d, not signed", r.Version)
		}
		return nil, fmt.Errorf("signature: this is an unsigned draft of hearing %s (%s): it has no version hash or signature to verify yet. "+
			"The clerk finalizes the hearing and the judge signs it; then export it again with --format json", r.Hearing.ID, state)
	}
	hash, err := RecordHash(r)
	if err != nil {
		return nil, err
	}
	if hash != r.VersionHash {
		return nil, fmt.Errorf("version hash: the record's content hashes to %s, the record states %s (the content was altered)", hash, r.VersionHash)
	}
	if r.Signature == nil {
		return nil, errors.New("signature: the record is not signed")
	}
	if r.Signature.HearingID != r.Hearing.ID || r.Signature.Version != r.Version {
		return nil, fmt.Errorf("signature: made for hearing %s version %d, record is hearing %s version %d",
			r.Signature.HearingID, r.Signature.Version, r.Hearing.ID, r.Version)
	}
	if err := VerifySignature(r.Signature, hash, trusted); err != nil {
		return nil, err
	}
	// Every co-signature (the rest of the panel, the clerk) verifies against its own key, for
	// this hearing and version; each signature covers the parties' reviews the record carries.
	rh := ReviewsHash(r.Reviews)
	res := &VerifyResult{Record: r, VersionHash: hash, Signer: r.Signature.Signer}
	seen := map[string]bool{}
	for i, s := range r.Signatures() {
		if seen[s.Signer] {
			return nil, fmt.Errorf("signature: %s signed twice", s.Signer)
		}
		seen[s.Signer] = true
		if s.HearingID != r.Hearing.ID || s.Version != r.Version {
			return nil, fmt.Errorf("signature of %s: made for hearing %s version %d, record is hearing %s version %d", s.Signer, s.HearingID, s.Version, r.Hearing.ID, r.Version)
		}
		if i > 0 {
			if err := VerifySignature(&s, hash, nil); err != nil {
				return nil, fmt.Errorf("signature of %s: %w", s.Signer, err)
			}
		}
		if s.ReviewsHash != rh {
			return nil, fmt.Errorf("signature of %s: covers other party reviews than the record carries (added or altered after signing)", s.Signer)
		}
		res.Signers = append(res.Signers, s.Signer)
	}
	res.Missing = r.MissingSigners()
	if audioDir != "" {
		if bad := VerifyAudio(r.Audio, audioDir); len(bad) > 0 {
			return res, fmt.Errorf("audio: %d of %d files do not match: %s", len(bad), len(r.Audio), bad[0])
		}
		res.AudioFiles = len(r.Audio)
	}
	return res, nil
}
