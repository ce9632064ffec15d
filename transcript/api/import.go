package api

import "context"
import "crypto/rand"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "net/http"
import "os"
import "path/filepath"
import "regexp"
import "strconv"
import "strings"
import "sync"
import "time"
import "unicode"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/atomicfile"
import "github.com/courtscribe/courtscribe/transcript"

// Importing a past hearing's recording through the API (admin only), in resumable chunks:
//
//	POST   /api/hearings/{id}/import/uploads                    {"courtroom","seats":[..],"files":[{"name","seat","size","sha256"}]}
//	                                                           → 201 the upload (its id, every file's received bytes)
//	GET    /api/hearings/{id}/import/uploads/{upload}            → the upload: received bytes per file, state
//	PUT    /api/hearings/{id}/import/uploads/{upload}/files/{n}?offset=K   raw bytes, at most MaxImportChunk;
//	                                                           K must equal the bytes received so far (409 with them if not)
//	POST   /api/hearings/{id}/import/uploads/{upload}/commit     → 202; the import runs (state importing → imported|failed)
//	DELETE /api/hearings/{id}/import/uploads/{upload}            drops the upload
//
// Every size is a claim: the declared sizes are bounded (MaxImportBytes in all), a chunk may
// not pass its file's declared size, a file is complete only at exactly that size, and a
// declared SHA-256 must match what arrived before the import starts. Uploads live in
// DATA/imports/<upload>/ and survive a restart of the server (resume with GET, then PUT).

// Importer brings uploaded files into a hearing (the server's import, the same as the
// courtscribe import command).
type Importer interface {
	Import(ctx context.Context, req ImportRequest) (*ImportResult, error)
}

// ImportRequest is a committed upload.
type ImportRequest struct {
	Actor     string
	Hearing   string
	Courtroom string
	Seats     []string     // seat names in channel order (one multi-channel file) or of the seat files
	Files     []ImportFile // one multi-channel file, or one mono file per seat
}

// ImportFile is one uploaded original.
type ImportFile struct {
	Name string // the original's base name
	Seat string // empty for the one multi-channel file
	Path string // where the bytes are on the server
}

// ImportResult is what an import did.
type ImportResult struct {
	Seconds  float64 `json:"seconds"`
	Segments int     `json:"segments"`
	Pending  int     `json:"pending"`
}

// Import limits (defaults of Config).
const (
	DefaultMaxImportBytes = 16 << 30 // one upload, all files (a 6-hour 8-seat 48 kHz 24-bit day is about 15 GB)
	MaxImportChunk        = 32 << 20 // one PUT
	maxImportFiles        = wire.MaxSeats
	maxOpenUploads        = 8
	importsDir            = "imports"
)

type uploadFile struct {
	Name     string `json:"name"`
	Seat     string `json:"seat,omitempty"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256,omitempty"`
	Received int64  `json:"received"`
}

// upload is an import upload: its state, guarded by mu, is an uploadView.
type upload struct {
	uploadView
	mu sync.Mutex
}

// uploadView is an upload as the API shows it and upload.json keeps it.
type uploadView struct {
	ID        string        `json:"upload"`
	Hearing   string        `json:"hearing"`
	Courtroom string        `json:"courtroom"`
	Seats     []string      `json:"seats"`
	Files     []uploadFile  `json:"files"`
	Owner     string        `json:"owner"`
	Created   time.Time     `json:"created"`
	State     string        `json:"state"` // uploading, importing, imported, failed
	Error     string        `json:"error,omitempty"`
	Result    *ImportResult `json:"result,omitempty"`
}

type importState struct {
	mu      sync.Mutex
	uploads map[string]*upload
}

var uploadIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (s *Server) importRoutes() {
	s.imports = &importState{uploads: map[string]*upload{}}
	s.handle("POST /api/hearings/{id}/import/uploads", accessSession, s.importCreate)
	s.handle("GET /api/hearings/{id}/import/uploads/{upload}", accessSession, s.importGet)
	s.handle("PUT /api/hearings/{id}/import/uploads/{upload}/files/{n}", accessSession, s.importPut)
	s.handle("POST /api/hearings/{id}/import/uploads/{upload}/commit", accessSession, s.importCommit)
	s.handle("DELETE /api/hearings/{id}/import/uploads/{upload}", accessSession, s.importDelete)
}

func (s *Server) importAdmin(w http.ResponseWriter, r *http.Request) bool {
	if p := userOf(r); p == nil || p.user.Role != transcript.RoleAdmin {
		writeError(w, http.StatusForbidden, "forbidden", "only an administrator imports recordings")
		return false
	}
	if s.cfg.Importer == nil || s.cfg.DataDir == "" {
		writeError(w, http.StatusNotImplemented, "no_import", "this server does not import recordings")
		return false
	}
	return true
}

func (s *Server) maxImportBytes() int64 {
	if s.cfg.MaxImportBytes > 0 {
		return s.cfg.MaxImportBytes
	}
	return DefaultMaxImportBytes
}

// cleanFileName keeps an original's base name printable and short; it only names the file in
// the history, the bytes are stored under a number.
func cleanFileName(n string) (string, bool) {
	n = filepath.Base(strings.ReplaceAll(n, "\\", "/"))
	if n == "." || n == ".." || n == "/" || n == "" || len(n) > 255 {
		return "", false
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return "", false
		}
	}
	return n, true
}

type importCreateReq struct {
	Courtroom string       `json:"courtroom"`
	Seats     []string     `json:"seats"`
	Files     []uploadFile `json:"files"`
}

func (s *Server) importCreate(w http.ResponseWriter, r *http.Request) {
	if !s.importAdmin(w, r) {
		return
	}
	id := r.PathValue("id")
	var req importCreateReq
	if !s.decode(w, r, &req) {
		return
	}
	total, msg := req.check(id, s.maxImportBytes())
	if msg != "" {
		writeError(w, http.StatusBadRequest, "invalid", msg)
		return
	}
	if !s.hearingTakesImport(w, r, id, req.Courtroom) {
		return
	}
	if open := s.openUploads(); open >= maxOpenUploads {
		writeError(w, http.StatusTooManyRequests, "too_many", fmt.Sprintf("%d uploads are open; finish or delete one first", open))
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	u := &upload{uploadView: uploadView{ID: hex.EncodeToString(b), Hearing: id, Courtroom: req.Courtroom, Seats: req.Seats,
		Files: req.Files, Owner: userOf(r).user.Name, Created: s.cfg.Clock().UTC(), State: "uploading"}}
	if err := s.createUpload(u); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.imports.mu.Lock()
	s.imports.uploads[u.ID] = u
	s.imports.mu.Unlock()
	s.log.Info("api: import upload created", "hearing", id, "upload", u.ID, "files", len(u.Files), "bytes", total, "by", u.Owner)
	writeJSON(w, http.StatusCreated, u.view())
}

// check validates an upload request for hearing id and cleans its file names; it returns the
// bytes announced in all, or what is wrong with the request.
func (req *importCreateReq) check(id string, maxBytes int64) (int64, string) {
	if !wire.ValidID(id) || !wire.ValidID(req.Courtroom) {
		return 0, fmt.Sprintf("hearing %q or courtroom %q is not a valid identifier", id, req.Courtroom)
	}
	if len(req.Files) < 1 || len(req.Files) > maxImportFiles {
		return 0, fmt.Sprintf("give 1 to %d files", maxImportFiles)
	}
	if len(req.Seats) < 1 || len(req.Seats) > wire.MaxSeats {
		return 0, fmt.Sprintf("give 1 to %d seats", wire.MaxSeats)
	}
	seen := map[string]bool{}
	for _, st := range req.Seats {
		if !wire.ValidSeatName(st) || seen[st] {
			return 0, fmt.Sprintf("seat %q is not valid or named twice", st)
		}
		seen[st] = true
	}
	perSeat := len(req.Files) > 1 || req.Files[0].Seat != ""
	if perSeat && len(req.Files) != len(req.Seats) {
		return 0, fmt.Sprintf("%d seat files for %d seats: give one mono file per seat, or one multi-channel file", len(req.Files), len(req.Seats))
	}
	var total int64
	fileSeats := map[string]bool{}
	for i := range req.Files {
		f := &req.Files[i]
		if msg := f.check(i, maxBytes-total, maxBytes); msg != "" {
			return 0, msg
		}
		total += f.Size
		if perSeat {
			if !seen[f.Seat] || fileSeats[f.Seat] {
				return 0, fmt.Sprintf("file %s: seat %q is not one of the seats or has two files", f.Name, f.Seat)
			}
			fileSeats[f.Seat] = true
		}
	}
	return total, ""
}

// check validates file i of an upload request, with left bytes of the upload's maxBytes still
// free, and cleans its name and checksum; it returns what is wrong with it.
func (f *uploadFile) check(i int, left, maxBytes int64) string {
	name, ok := cleanFileName(f.Name)
	if !ok {
		return fmt.Sprintf("file %d: name %q is not usable", i, f.Name)
	}
	f.Name, f.Received = name, 0
	if f.Size < 1 || f.Size > left {
		return fmt.Sprintf("file %s: size %d; an upload holds at most %d bytes in all", name, f.Size, maxBytes)
	}
	if f.SHA256 != "" {
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size {
			return fmt.Sprintf("file %s: sha256 %q is not a hex SHA-256", name, f.SHA256)
		}
		f.SHA256 = strings.ToLower(f.SHA256)
	}
	return ""
}

// hearingTakesImport is the record's side of the refusal (the import checks again,
// authoritatively): the hearing, if it exists, must be the courtroom's and not yet started. It
// answers the request itself when it returns false.
func (s *Server) hearingTakesImport(w http.ResponseWriter, r *http.Request, id, courtroom string) bool {
	h, err := s.store.GetHearing(r.Context(), id)
	if errors.Is(err, transcript.ErrNotFound) {
		return true
	}
	if err != nil {
		s.storeError(w, r, err)
		return false
	}
	if h.Courtroom != "" && h.Courtroom != courtroom {
		writeError(w, http.StatusConflict, "courtroom", fmt.Sprintf("hearing %s belongs to courtroom %s", id, h.Courtroom))
		return false
	}
	if h.Status != transcript.StatusScheduled {
		writeError(w, http.StatusConflict, "state", fmt.Sprintf("hearing %s is %s; only a new or scheduled hearing takes an imported recording", id, h.Status))
		return false
	}
	return true
}

// openUploads counts the uploads still uploading or importing.
func (s *Server) openUploads() int {
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	open := 0
	for _, u := range s.imports.uploads {
		u.mu.Lock()
		if u.State == "uploading" || u.State == "importing" {
			open++
		}
		u.mu.Unlock()
	}
	return open
}

// createUpload makes a new upload's folder, an empty file for each of its files, and its
// upload.json.
func (s *Server) createUpload(u *upload) error {
	dir := s.uploadDir(u.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i := range u.Files {
		if err := os.Mkdir(filepath.Join(dir, strconv.Itoa(i)), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(s.uploadPath(u, i), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		f.Close()
	}
	return u.save(dir)
}

func (s *Server) uploadDir(id string) string { return filepath.Join(s.cfg.DataDir, importsDir, id) }

// uploadPath is where file i of an upload is kept: under its original name (which then names it
// in error messages), in a folder of its own.
func (s *Server) uploadPath(u *upload, i int) string {
	return filepath.Join(s.uploadDir(u.ID), strconv.Itoa(i), u.Files[i].Name)
}

func (u *upload) save(dir string) error {
	b, err := json.Marshal(u.view())
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "upload.json"), b, 0o600)
}

// view is a copy safe to encode (with u.mu held, or before u is shared).
func (u *upload) view() uploadView {
	v := u.uploadView
	v.Files = append([]uploadFile(nil), u.Files...)
	return v
}

// lookup finds an upload of the hearing (in memory, or left on disk by an earlier run).
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *upload {
	id := r.PathValue("upload")
	notFound := func() { writeError(w, http.StatusNotFound, "not_found", "no such upload") }
	if !uploadIDRE.MatchString(id) {
		notFound()
		return nil
	}
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	u := s.imports.uploads[id]
	if u == nil {
		dir := s.uploadDir(id)
		b, err := os.ReadFile(filepath.Join(dir, "upload.json"))
		if err != nil {
			notFound()
			return nil
		}
		var v uploadView
		if json.Unmarshal(b, &v) != nil || v.ID != id {
			notFound()
			return nil
		}
		u = &upload{uploadView: v}
		for i := range u.Files { // what is on disk is what arrived
			if _, ok := cleanFileName(u.Files[i].Name); !ok {
				notFound()
				return nil
			}
			if st, err := os.Stat(s.uploadPath(u, i)); err == nil {
				u.Files[i].Received = min(st.Size(), u.Files[i].Size)
			}
		}
		if u.State == "importing" { // the server stopped during the import
			u.State, u.Error = "failed", "the server stopped during the import; see the hearing before retrying"
		}
		s.imports.uploads[id] = u
	}
	if u.Hearing != r.PathValue("id") {
		notFound()
		return nil
	}
	return u
}

// adminUpload checks that an administrator asks and finds the request's upload; it answers
// the request itself when it returns nil.
func (s *Server) adminUpload(w http.ResponseWriter, r *http.Request) *upload {
	if !s.importAdmin(w, r) {
		return nil
	}
	return s.lookup(w, r)
}

func (s *Server) importGet(w http.ResponseWriter, r *http.Request) {
	if u := s.adminUpload(w, r); u != nil {
		u.mu.Lock()
		v := u.view()
		u.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) importPut(w http.ResponseWriter, r *http.Request) {
	u := s.adminUpload(w, r)
	if u == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	offset, oerr := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	u.mu.Lock() // one chunk of an upload at a time
	defer u.mu.Unlock()
	if err != nil || n < 0 || n >= len(u.Files) || oerr != nil {
		writeError(w, http.StatusBadRequest, "invalid", "PUT .../files/{n}?offset=K with n a file of the upload and K its bytes received so far")
		return
	}
	if u.State != "uploading" {
		writeError(w, http.StatusConflict, "state", "the upload is "+u.State)
		return
	}
	f := &u.Files[n]
	if offset != f.Received {
		writeJSON(w, http.StatusConflict, map[string]any{"error": fmt.Sprintf("file %d has %d bytes; send from there", n, f.Received), "code": "offset", "received": f.Received})
		return
	}
	left := f.Size - f.Received
	if r.ContentLength > left || r.ContentLength > MaxImportChunk {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a chunk is at most %d bytes and file %d has %d bytes left", MaxImportChunk, n, left))
		return
	}
	out, err := os.OpenFile(s.uploadPath(u, n), os.O_WRONLY, 0)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	defer out.Close()
	// Cut a torn earlier chunk back to what was acknowledged, then append.
	if err := out.Truncate(f.Received); err != nil {
		s.storeError(w, r, err)
		return
	}
	if _, err := out.Seek(f.Received, io.SeekStart); err != nil {
		s.storeError(w, r, err)
		return
	}
	body := http.MaxBytesReader(w, r.Body, min(left, MaxImportChunk))
	got, err := io.Copy(out, body)
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		// Keep nothing of a chunk that did not arrive whole: the client resends it.
		_ = out.Truncate(f.Received)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a chunk is at most %d bytes and file %d has %d bytes left", MaxImportChunk, n, left))
			return
		}
		writeError(w, http.StatusBadRequest, "incomplete", "the chunk did not arrive whole: "+err.Error())
		return
	}
	f.Received += got
	_ = u.save(s.uploadDir(u.ID)) // the files on disk are the truth on restart
	writeJSON(w, http.StatusOK, map[string]any{"file": n, "received": f.Received, "size": f.Size})
}

func (s *Server) importCommit(w http.ResponseWriter, r *http.Request) {
	u := s.adminUpload(w, r)
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.State != "uploading" {
		writeError(w, http.StatusConflict, "state", "the upload is "+u.State)
		return
	}
	dir := s.uploadDir(u.ID)
	req := ImportRequest{Actor: userOf(r).user.Name, Hearing: u.Hearing, Courtroom: u.Courtroom, Seats: u.Seats}
	for i, f := range u.Files {
		if f.Received != f.Size {
			writeError(w, http.StatusConflict, "incomplete", fmt.Sprintf("file %d (%s) has %d of %d bytes", i, f.Name, f.Received, f.Size))
			return
		}
		p := s.uploadPath(u, i)
		if f.SHA256 != "" {
			sum, err := fileSHA256(p)
			if err != nil {
				s.storeError(w, r, err)
				return
			}
			if sum != f.SHA256 {
				writeError(w, http.StatusConflict, "checksum", fmt.Sprintf("file %d (%s) arrived with SHA-256 %s, not %s: upload it again", i, f.Name, sum, f.SHA256))
				return
			}
		}
		req.Files = append(req.Files, ImportFile{Name: f.Name, Seat: f.Seat, Path: p})
	}
	u.State = "importing"
	_ = u.save(dir)
	s.importWG.Add(1)
	go func() {
		defer s.importWG.Done()
		ctx, cancel := s.importContext()
		defer cancel()
		res, err := s.cfg.Importer.Import(ctx, req)
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			u.State, u.Error = "failed", err.Error()
			s.log.Warn("api: import failed", "hearing", u.Hearing, "upload", u.ID, "err", err)
		} else {
			u.State, u.Result = "imported", res
			s.log.Info("api: hearing imported", "hearing", u.Hearing, "upload", u.ID, "seconds", res.Seconds)
			for i := range u.Files { // the archive holds the audio now; the originals' hashes are in the history
				os.RemoveAll(filepath.Join(dir, strconv.Itoa(i)))
			}
		}
		_ = u.save(dir)
	}()
	writeJSON(w, http.StatusAccepted, u.view())
}

func (s *Server) importDelete(w http.ResponseWriter, r *http.Request) {
	u := s.adminUpload(w, r)
	if u == nil {
		return
	}
	u.mu.Lock()
	if u.State == "importing" {
		u.mu.Unlock()
		writeError(w, http.StatusConflict, "state", "the upload is being imported")
		return
	}
	u.State = "deleted"
	u.mu.Unlock()
	s.imports.mu.Lock()
	delete(s.imports.uploads, u.ID)
	s.imports.mu.Unlock()
	if err := os.RemoveAll(s.uploadDir(u.ID)); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
