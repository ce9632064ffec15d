package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
	"github.com/courtscribe/courtscribe/transcript/export"
)

// export serves GET /api/hearings/{id}/export?version=N&format=F: the record of a version (0
// or absent: the latest version, or the current state before finalization) as json (the
// canonical, signable record; it verifies offline with transcript.VerifyRecord), txt (庭审笔录
// or the US transcript layout), pdf, srt or vtt (transcript/export).
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
	rec, err := s.store.Record(r.Context(), h.ID, ver)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, rec, format, export.Options{Now: s.cfg.Clock()}); err != nil {
		s.log.Error("api: export failed", "hearing", h.ID, "format", format, "err", err)
		writeError(w, http.StatusInternalServerError, "export", "export failed: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-v%d.%s"`, h.ID, rec.Version, format))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
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
	for _, v := range vs {
		c := VersionCheck{Number: v.Number, Hash: v.Hash}
		rec, err := s.store.Record(ctx, h.ID, v.Number)
		if err != nil {
			c.Problem = err.Error()
			out.Versions = append(out.Versions, c)
			continue
		}
		c.Problem = checkRecord(rec, &c)
		out.Versions = append(out.Versions, c)
	}
	if n := len(out.Versions); n > 0 {
		last := out.Versions[n-1]
		out.Verified = out.AuditOK && last.HashOK && last.Signed && last.SignatureOK
	}
	writeJSON(w, http.StatusOK, out)
}

// checkRecord verifies a record the way an offline verifier does and fills c.
func checkRecord(rec *transcript.Record, c *VersionCheck) string {
	hash, err := transcript.RecordHash(rec)
	if err != nil {
		return err.Error()
	}
	c.HashOK = hash == rec.VersionHash && (c.Hash == "" || hash == c.Hash)
	if !c.HashOK {
		return "the record's content does not match its version hash"
	}
	if rec.Signature == nil {
		return ""
	}
	c.Signed, c.Signer, c.SignerName, c.SignedAt = true, rec.Signature.Signer, rec.Signature.SignerName, rec.Signature.SignedAt
	if err := transcript.VerifySignature(rec.Signature, hash, nil); err != nil {
		return err.Error()
	}
	c.SignatureOK = true
	return ""
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
