package api

import "bytes"
import "context"
import "fmt"
import "net/http"
import "strconv"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/export"

// export serves GET /api/hearings/{id}/export?version=N&format=F[&lines_per_page=L]: the record of a version (0
// or absent: the latest version, or the current state before finalization) as json (the
// canonical, signable record; it verifies offline with transcript.VerifyRecord), txt (庭审笔录
// or the US transcript layout), pdf, srt or vtt (transcript/export). lines_per_page sets the US
// transcript's numbered lines per page (export.MinLinesPerPage–MaxLinesPerPage, default 25);
// anything else is a 400.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	ver, err := s.versionParam(r, h)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	ctype, ok := exportTypes[format]
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid", "format: one of "+strings.Join(export.Formats, ", "))
		return
	}
	opt := export.Options{Now: s.cfg.Clock()}
	if v := r.URL.Query().Get("lines_per_page"); v != "" { // the US transcript layout's
		n, err := strconv.Atoi(v)
		if err == nil {
			err = export.CheckLinesPerPage(n)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("lines_per_page: a number of lines from %d to %d (default %d), not %q",
				export.MinLinesPerPage, export.MaxLinesPerPage, export.DefaultLinesPerPage, v))
			return
		}
		opt.LinesPerPage = n
	}
	rec, err := s.store.Record(r.Context(), h.ID, ver)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, rec, format, opt); err != nil {
		s.log.Error("api: export failed", "hearing", h.ID, "format", format, "err", err)
		writeError(w, http.StatusInternalServerError, "export", "export failed: "+err.Error())
		return
	}
	if format == "pdf" {
		if f, _, err := export.PDFFonts(opt); err == nil {
			s.log.Debug("api: pdf export", "hearing", h.ID, "cjk_font", f.Name, "serif", f.Serif, "path", f.Path)
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-v%d.%s"`, h.ID, rec.Version, format))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	s.delivered(r, err)
}

var exportTypes = map[string]string{
	"json": "application/json; charset=utf-8", "txt": "text/plain; charset=utf-8", "pdf": "application/pdf",
	"srt": "application/x-subrip; charset=utf-8", "vtt": "text/vtt; charset=utf-8",
}

func (s *Server) versionParam(r *http.Request, h *transcript.Hearing) (int, error) {
	v := r.URL.Query().Get("version")
	if v == "" {
		return h.Version, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("version must be a number")
	}
	return n, nil
}

// VersionCheck is the verification result of one version.
type VersionCheck struct {
	Number      int       `json:"number"`
	Hash        string    `json:"hash"`
	HashOK      bool      `json:"hash_ok"`
	Signed      bool      `json:"signed"`
	SignatureOK bool      `json:"signature_ok"`
	Signer      string    `json:"signer,omitempty"`
	SignerName  string    `json:"signer_name,omitempty"`
	SignedAt    time.Time `json:"signed_at,omitzero"`
	Problem     string    `json:"problem,omitempty"`
	// Signatures lists every signature of the version (the panel, the clerk), each checked;
	// Missing names the required signers who have not signed yet (Signed is false until
	// nobody is missing). Reviews are the parties' reviews.
	Signatures []SignatureCheck         `json:"signatures"`
	Missing    []Person                 `json:"missing"`
	Reviews    []transcript.PartyReview `json:"reviews"`
}

// SignatureCheck is one signature of a version.
type SignatureCheck struct {
	Signer         string    `json:"signer"`
	SignerName     string    `json:"signer_name,omitempty"`
	Role           string    `json:"role,omitempty"`
	KeyFingerprint string    `json:"key_fingerprint,omitempty"`
	SignedAt       time.Time `json:"signed_at"`
	OK             bool      `json:"ok"`
}

// Person is a user of the record with the name they are printed as.
type Person struct {
	User string `json:"user"`
	Name string `json:"name,omitempty"`
}

// Verification is the answer of GET /api/hearings/{id}/verify.
type Verification struct {
	AuditOK  bool           `json:"audit_ok"`
	Problems []string       `json:"problems"`
	Versions []VersionCheck `json:"versions"`
	// Verified is true when the history is intact and the latest version is signed and its
	// signature and hash check out.
	Verified bool `json:"verified"`
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	ctx := r.Context()
	out := Verification{Problems: []string{}, Versions: []VersionCheck{}}
	rep, err := s.store.AuditHearing(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out.AuditOK = rep == nil || rep.OK()
	if rep != nil {
		for _, p := range rep.Problems {
			out.Problems = append(out.Problems, p.String())
		}
	}
	vs, err := s.store.Versions(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	// Signatures count only with a key registered for their signer (the store's key history).
	var keys transcript.KeyHistory
	if kh, ok := s.store.(interface {
		KeyHistory(context.Context) (transcript.KeyHistory, error)
	}); ok {
		if keys, err = kh.KeyHistory(ctx); err != nil {
			s.storeError(w, r, err)
			return
		}
	}
	for _, v := range vs {
		c := VersionCheck{Number: v.Number, Hash: v.Hash}
		rec, err := s.store.Record(ctx, h.ID, v.Number)
		if err != nil {
			c.Problem = err.Error()
			out.Versions = append(out.Versions, c)
			continue
		}
		c.Problem = checkRecord(rec, &c, keys)
		out.Versions = append(out.Versions, c)
	}
	if n := len(out.Versions); n > 0 {
		last := out.Versions[n-1]
		out.Verified = out.AuditOK && last.HashOK && last.Signed && last.SignatureOK
	}
	writeJSON(w, http.StatusOK, out)
}

// checkRecord verifies a record the way an offline verifier does and fills c; the signature
// must be made with a key registered for its signer (keys; nil vouches for none).
func checkRecord(rec *transcript.Record, c *VersionCheck, keys transcript.KeyHistory) string {
	hash, err := transcript.RecordHash(rec)
	if err != nil {
		return err.Error()
	}
	c.HashOK = hash == rec.VersionHash && (c.Hash == "" || hash == c.Hash)
	if !c.HashOK {
		return "the record's content does not match its version hash"
	}
	c.Signatures, c.Missing, c.Reviews = []SignatureCheck{}, []Person{}, rec.Reviews
	if c.Reviews == nil {
		c.Reviews = []transcript.PartyReview{}
	}
	for _, u := range rec.MissingSigners() {
		c.Missing = append(c.Missing, Person{User: u, Name: rec.Hearing.NameOf(u)})
	}
	if rec.Signature == nil {
		return ""
	}
	c.Signer, c.SignerName, c.SignedAt = rec.Signature.Signer, rec.Signature.SignerName, rec.Signature.SignedAt
	rh := transcript.ReviewsHash(rec.Reviews)
	problem := ""
	for _, sg := range rec.Signatures() {
		sc := SignatureCheck{Signer: sg.Signer, SignerName: sg.SignerName, Role: sg.Role, KeyFingerprint: sg.KeyFingerprint, SignedAt: sg.SignedAt}
		if err := transcript.VerifyPinned(&sg, hash, keys); err != nil {
			problem = sg.Signer + ": " + err.Error()
		} else if sg.ReviewsHash != rh {
			problem = sg.Signer + ": the signature covers other party reviews"
		} else {
			sc.OK = true
		}
		c.Signatures = append(c.Signatures, sc)
	}
	c.Signed = len(c.Missing) == 0
	c.SignatureOK = problem == ""
	return problem
}

// VerifyExport checks an exported JSON record offline (transcript.VerifyRecord: canonical
// form, version hash, signature against the key the signature names).
func VerifyExport(b []byte) (*transcript.Record, error) {
	res, err := transcript.VerifyRecord(b, nil, "")
	if err != nil {
		return nil, err
	}
	return res.Record, nil
}
