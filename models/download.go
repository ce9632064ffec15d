package models

import "context"
import "crypto/sha256"
import "encoding/hex"
import "errors"
import "fmt"
import "hash"
import "io"
import "log/slog"
import "net/http"
import "os"
import "path/filepath"
import "strconv"
import "strings"

import "github.com/courtscribe/courtscribe/internal/ctxio"

// ErrNoHash is returned by Download for a model whose SHA-256 is not known, unless
// DownloadOptions.InsecureSkipHash is set.
var ErrNoHash = errors.New("model has no known SHA-256")

// ErrMismatch is wrapped by errors for a file whose size or SHA-256 is not the expected one.
var ErrMismatch = errors.New("model file does not match the catalog")

// DownloadOptions configure Download. Zero values are usable except Dir.
type DownloadOptions struct {
	Dir     string // destination directory (created if missing)
	URL     string // full source URL; empty means the entry's file under BaseURL
	BaseURL string // mirror base URL; empty means DefaultBaseURL
	// InsecureSkipHash allows an entry without SHA-256 (the file is still size- and
	// ggml-checked).
	InsecureSkipHash bool
	Client           *http.Client // nil means http.DefaultClient
	// Retries is how many times a transfer broken off by a network error resumes from where
	// it stopped before Download gives up (the .part file stays for a later run anyway).
	Retries int
	// Progress, if set, is called from Download's goroutine as bytes arrive: done of total
	// (total -1 when unknown).
	Progress func(done, total int64)
	Logger   *slog.Logger // nil discards
}

// Download fetches a catalog model into opt.Dir as its File name: into NAME.part first,
// resuming a .part left by an earlier run with an HTTP Range request, then checks the size,
// the SHA-256 and the ggml structure (Validate), and renames the .part into place atomically.
// A file already present is verified, not fetched again. It returns the final path.
func Download(ctx context.Context, e Entry, opt DownloadOptions) (string, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if e.SHA256 == "" && !opt.InsecureSkipHash {
		return "", fmt.Errorf("%s: %w; refusing to download it without --insecure-skip-hash", e.Name, ErrNoHash)
	}
	if e.SHA256 != "" && !isHexSHA256(e.SHA256) {
		return "", fmt.Errorf("%s: SHA-256 %q is not 64 lower-case hex digits", e.Name, e.SHA256)
	}
	if opt.Dir == "" {
		return "", errors.New("download: no destination directory")
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return "", err
	}
	dest := filepath.Join(opt.Dir, e.File())
	if _, err := os.Stat(dest); err == nil {
		if err := checkFile(ctx, dest, e); err != nil {
			return "", fmt.Errorf("%s already exists and %w; remove it to download again", dest, err)
		}
		log.Info("model already present and verified", "model", e.Name, "path", dest)
		return dest, nil
	}
	url := opt.URL
	if url == "" {
		url = e.URL(opt.BaseURL)
	}
	client := opt.Client
	if client == nil {
		client = http.DefaultClient
	}
	part := dest + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()

	d := &transfer{client: client, url: url, f: f, want: e.Size, log: log, progress: opt.Progress}
	for attempt := 0; ; attempt++ {
		err = d.run(ctx)
		if err == nil {
			break
		}
		var ne *netError
		if !errors.As(err, &ne) || attempt >= opt.Retries || ctx.Err() != nil {
			return "", fmt.Errorf("download %s: %w (partial file kept: %s)", e.Name, err, part)
		}
		log.Warn("download interrupted, resuming", "model", e.Name, "at", d.done, "err", err)
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	err = f.Close()
	f = nil
	if err != nil {
		return "", err
	}
	sum := hex.EncodeToString(d.hash.Sum(nil))
	if e.Size > 0 && d.done != e.Size {
		return "", fmt.Errorf("download %s: %w: got %d bytes, want %d (partial file kept: %s)", e.Name, ErrMismatch, d.done, e.Size, part)
	}
	if e.SHA256 != "" && sum != e.SHA256 {
		os.Remove(part) // corrupt: resuming it would only repeat the mismatch
		return "", fmt.Errorf("download %s: %w: SHA-256 %s, want %s (removed %s)", e.Name, ErrMismatch, sum, e.SHA256, part)
	}
	if _, err := Validate(part); err != nil {
		os.Remove(part)
		return "", fmt.Errorf("download %s: %w (removed the download)", e.Name, err)
	}
	if err := os.Rename(part, dest); err != nil {
		return "", err
	}
	if dir, err := os.Open(opt.Dir); err == nil {
		// Make the rename durable. Best effort: some systems cannot sync a directory, and the
		// model is in place and verified either way.
		_ = dir.Sync()
		dir.Close()
	}
	log.Info("model downloaded", "model", e.Name, "path", dest, "bytes", d.done, "sha256", sum)
	return dest, nil
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// netError marks a transfer error worth resuming after (the connection broke, not the
// server's answer).
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// transfer is one download into an open .part file; done bytes of it are hashed in hash.
type transfer struct {
	client   *http.Client
	url      string
	f        *os.File
	want     int64 // expected total size, 0 if unknown
	log      *slog.Logger
	progress func(done, total int64)

	hash hash.Hash
	done int64
}

// resumeFrom hashes the first n bytes already in the .part file (or starts over at 0).
func (d *transfer) resumeFrom(ctx context.Context, n int64) error {
	d.hash, d.done = sha256.New(), 0
	if n == 0 {
		if err := d.f.Truncate(0); err != nil {
			return err
		}
		_, err := d.f.Seek(0, io.SeekStart)
		return err
	}
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(d.hash, ctxio.NewReader(ctx, io.LimitReader(d.f, n))); err != nil {
		return err
	}
	d.done = n
	return d.f.Truncate(n)
}

// answer is what a transfer does with the server's answer to its request.
type answer int

const (
	answerBody     answer = iota // read the body into the .part file
	answerComplete               // the .part file is already the whole model
	answerRestart                // the .part file was emptied: request the whole file again
)

func (d *transfer) run(ctx context.Context) error {
	have, err := d.resume(ctx)
	if err != nil {
		return err
	}
	if d.want > 0 && have == d.want {
		return nil // a complete .part left by an interrupted rename
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return &netError{err}
	}
	defer resp.Body.Close()
	total, next, err := d.accept(ctx, resp, have)
	if err != nil {
		return err
	}
	switch next {
	case answerComplete:
		return nil
	case answerRestart:
		return d.run(ctx)
	case answerBody:
	}
	if d.want > 0 && total >= 0 && total != d.want {
		return fmt.Errorf("%w: server offers %d bytes, want %d", ErrMismatch, total, d.want)
	}
	if total < 0 && d.want > 0 {
		total = d.want
	}
	return d.receive(ctx, resp.Body, total)
}

// resume hashes what the .part file already holds (nothing when it is longer than the model)
// and returns its length.
func (d *transfer) resume(ctx context.Context) (int64, error) {
	st, err := d.f.Stat()
	if err != nil {
		return 0, err
	}
	have := st.Size()
	if d.want > 0 && have > d.want {
		d.log.Warn("partial file longer than the model, starting over", "bytes", have, "want", d.want)
		have = 0
	}
	if err := d.resumeFrom(ctx, have); err != nil {
		return 0, err
	}
	return have, nil
}

// accept checks the server's answer to a request for the bytes after have, and returns the
// total size it announces (-1 when unknown) and what to do next.
func (d *transfer) accept(ctx context.Context, resp *http.Response, have int64) (int64, answer, error) {
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			return 0, answerBody, fmt.Errorf("server answered range %d- with Content-Range %q", have, resp.Header.Get("Content-Range"))
		}
		d.log.Info("resuming download", "from", have)
		return size, answerBody, nil
	case resp.StatusCode == http.StatusOK:
		if have > 0 {
			d.log.Info("server ignored the range request, starting over")
			if err := d.resumeFrom(ctx, 0); err != nil {
				return 0, answerBody, err
			}
		}
		return resp.ContentLength, answerBody, nil
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		// The .part may already be complete (size unknown to the catalog), or longer than
		// the file now served: start over once, without a range.
		if _, size, ok := parseContentRange(resp.Header.Get("Content-Range")); ok && size == have {
			return 0, answerComplete, nil
		}
		if err := d.resumeFrom(ctx, 0); err != nil {
			return 0, answerBody, err
		}
		return 0, answerRestart, nil
	default:
		return 0, answerBody, fmt.Errorf("GET %s: %s", d.url, resp.Status)
	}
}

// receive appends the body to the .part file and the hash, reporting progress of total.
func (d *transfer) receive(ctx context.Context, body io.Reader, total int64) error {
	if d.progress != nil {
		d.progress(d.done, total)
	}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if err := d.write(buf[:n], total); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &netError{rerr}
		}
	}
	if total >= 0 && d.done != total {
		return &netError{fmt.Errorf("connection closed at %d of %d bytes", d.done, total)}
	}
	return nil
}

// write appends p to the .part file and the hash.
func (d *transfer) write(p []byte, total int64) error {
	if d.want > 0 && d.done+int64(len(p)) > d.want {
		return fmt.Errorf("%w: server sent more than %d bytes", ErrMismatch, d.want)
	}
	if _, err := d.f.Write(p); err != nil {
		return err
	}
	d.hash.Write(p)
	d.done += int64(len(p))
	if d.progress != nil {
		d.progress(d.done, total)
	}
	return nil
}

// parseContentRange reads "bytes START-END/SIZE" or "bytes */SIZE" (START -1 then).
func parseContentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	size, err := strconv.ParseInt(sz, 10, 64)
	if err != nil || size < 0 {
		return 0, 0, false
	}
	if rng == "*" {
		return -1, size, true
	}
	a, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err = strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	return start, size, true
}

// FileSHA256 returns the lower-case hex SHA-256 of the file at path.
func FileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxio.NewReader(ctx, f)); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkFile checks a file against a catalog entry: size, SHA-256 (when known), ggml structure.
func checkFile(ctx context.Context, path string, e Entry) error {
	info, err := Validate(path)
	if err != nil {
		return err
	}
	if e.Size > 0 && info.Size != e.Size {
		return fmt.Errorf("%w: %d bytes, %s has %d", ErrMismatch, info.Size, e.Name, e.Size)
	}
	if e.SHA256 == "" {
		return nil
	}
	sum, err := FileSHA256(ctx, path)
	if err != nil {
		return err
	}
	if sum != e.SHA256 {
		return fmt.Errorf("%w: SHA-256 %s, %s has %s", ErrMismatch, sum, e.Name, e.SHA256)
	}
	return nil
}
