package models

import "bytes"
import "context"
import "crypto/sha256"
import "encoding/hex"
import "errors"
import "fmt"
import "net/http"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

// hub is a model hub on loopback: it serves one file with Range support (http.ServeContent)
// and records the requests. Knobs make it misbehave like real servers and networks do.
type hub struct {
	t       *testing.T
	content []byte
	srv     *httptest.Server

	mu          sync.Mutex
	ranges      []string // Range header of each request ("" when none)
	sent        int64    // body bytes written
	ignoreRange bool     // answer 200 with the whole file even to a Range request
	breakAfter  int64    // >0: the first response stops (connection closed) after this many bytes
	status      int      // non-zero: answer this status instead
}

func newHub(t *testing.T, content []byte) *hub {
	h := &hub{t: t, content: content}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.ranges = append(h.ranges, r.Header.Get("Range"))
	status, breakAfter := h.status, h.breakAfter
	h.breakAfter = 0
	if h.ignoreRange {
		r.Header.Del("Range")
	}
	h.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	cw := &countingWriter{ResponseWriter: w, h: h, limit: breakAfter}
	if breakAfter > 0 {
		// Announce the whole length, send part of it, and drop the connection.
		w.Header().Set("Content-Length", fmt.Sprint(len(h.content)))
		w.WriteHeader(http.StatusOK)
		cw.Write(h.content[:breakAfter])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	http.ServeContent(cw, r, "model.bin", time.Time{}, bytes.NewReader(h.content))
}

type countingWriter struct {
	http.ResponseWriter
	h     *hub
	limit int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.h.mu.Lock()
	c.h.sent += int64(n)
	c.h.mu.Unlock()
	return n, err
}

func (h *hub) url() string { return h.srv.URL + "/ggerganov/whisper.cpp/resolve/main/" }

func (h *hub) stats() ([]string, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ranges...), h.sent
}

// testEntry is a catalog-style entry for content.
func testEntry(content []byte) Entry {
	sum := sha256.Sum256(content)
	return Entry{Name: "test-tiny", Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Weights: "f16"}
}

func testModelBytes(t *testing.T) []byte {
	hp, _ := KnownHParams("tiny")
	return headerOnly(t, hp, nil)
}

func TestDownloadFresh(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	dir := t.TempDir()
	var last, calls int64
	path, err := Download(context.Background(), testEntry(content), DownloadOptions{
		Dir: dir, BaseURL: h.url(),
		Progress: func(done, total int64) {
			if done < last || total != int64(len(content)) {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
			calls++
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "ggml-test-tiny.bin") {
		t.Errorf("path %s", path)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, content) {
		t.Fatal("downloaded bytes differ")
	}
	if last != int64(len(content)) || calls < 2 {
		t.Errorf("progress ended at %d after %d calls", last, calls)
	}
	if _, err := os.Stat(path + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".part left behind: %v", err)
	}
	// A second run finds the file, verifies it and fetches nothing.
	ranges, _ := h.stats()
	if _, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url()}); err != nil {
		t.Fatal(err)
	}
	if again, _ := h.stats(); len(again) != len(ranges) {
		t.Errorf("second download made %d requests", len(again)-len(ranges))
	}
}

func TestDownloadResumesPartFile(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	dir := t.TempDir()
	half := int64(len(content) / 2)
	part := filepath.Join(dir, "ggml-test-tiny.bin.part")
	if err := os.WriteFile(part, content[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, URL: h.url() + "ggml-tiny.bin"})
	if err != nil {
		t.Fatal(err)
	}
	ranges, sent := h.stats()
	if len(ranges) != 1 || ranges[0] != fmt.Sprintf("bytes=%d-", half) {
		t.Errorf("requests %q", ranges)
	}
	if sent != int64(len(content))-half {
		t.Errorf("server sent %d bytes, want only the missing %d", sent, int64(len(content))-half)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("resumed file differs")
	}
}

func TestDownloadServerIgnoresRange(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	h.ignoreRange = true
	dir := t.TempDir()
	// A stale, wrong prefix: with the server sending everything again, it must be replaced.
	if err := os.WriteFile(filepath.Join(dir, "ggml-test-tiny.bin.part"), bytes.Repeat([]byte{9}, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url()})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("file differs")
	}
}

func TestDownloadResumesAfterBrokenConnection(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	h.breakAfter = 100000
	dir := t.TempDir()
	e := testEntry(content)
	// Without retries the error keeps the .part…
	_, err := Download(context.Background(), e, DownloadOptions{Dir: dir, BaseURL: h.url()})
	if err == nil || !strings.Contains(err.Error(), "partial file kept") {
		t.Fatalf("want a kept partial file, got %v", err)
	}
	st, err := os.Stat(filepath.Join(dir, e.File()+".part"))
	if err != nil || st.Size() != 100000 {
		t.Fatalf("part: %v %v", st, err)
	}
	// …and with retries a broken transfer resumes by itself.
	h.breakAfter = 300000
	path, err := Download(context.Background(), e, DownloadOptions{Dir: dir, BaseURL: h.url(), Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	ranges, _ := h.stats()
	// The broken response is a 200 from the start (this hub ignores the range while
	// breaking), so the client starts over, is cut at 300000 and resumes from there.
	want := []string{"", "bytes=100000-", "bytes=300000-"}
	if fmt.Sprint(ranges) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", ranges, want)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Fatal("file differs")
	}
}

func TestDownloadRejectsWrongContent(t *testing.T) {
	content := testModelBytes(t)
	bad := bytes.Clone(content)
	bad[len(bad)-1] ^= 1
	h := newHub(t, bad)
	dir := t.TempDir()
	_, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url()})
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("want SHA-256 mismatch, got %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v behind", ents)
	}
	// Wrong size is caught before reading the body.
	h2 := newHub(t, content[:1000])
	if _, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h2.url()}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("want size mismatch, got %v", err)
	}
}

func TestDownloadRejectsNonModel(t *testing.T) {
	// Right hash, but the file is not a ggml model: Validate stops it.
	junk := bytes.Repeat([]byte("not a model "), 100)
	h := newHub(t, junk)
	dir := t.TempDir()
	_, err := Download(context.Background(), testEntry(junk), DownloadOptions{Dir: dir, BaseURL: h.url()})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("want ErrInvalid, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ggml-test-tiny.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Error("invalid model was put in place")
	}
}

func TestDownloadWithoutHash(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	e := testEntry(content)
	e.SHA256 = ""
	dir := t.TempDir()
	if _, err := Download(context.Background(), e, DownloadOptions{Dir: dir, BaseURL: h.url()}); !errors.Is(err, ErrNoHash) {
		t.Fatalf("want ErrNoHash, got %v", err)
	}
	if ranges, _ := h.stats(); len(ranges) != 0 {
		t.Fatal("refused download still contacted the server")
	}
	if _, err := Download(context.Background(), e, DownloadOptions{Dir: dir, BaseURL: h.url(), InsecureSkipHash: true}); err != nil {
		t.Fatal(err)
	}
}

func TestDownloadErrors(t *testing.T) {
	content := testModelBytes(t)
	h := newHub(t, content)
	h.status = http.StatusNotFound
	dir := t.TempDir()
	if _, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url(), Retries: 3}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("want 404, got %v", err)
	}
	if ranges, _ := h.stats(); len(ranges) != 1 {
		t.Errorf("a 404 was retried: %d requests", len(ranges))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.status = 0
	if _, err := Download(ctx, testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url(), Retries: 3}); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	// An existing file that does not match is never overwritten.
	dest := filepath.Join(dir, "ggml-test-tiny.bin")
	if err := os.WriteFile(dest, content[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Download(context.Background(), testEntry(content), DownloadOptions{Dir: dir, BaseURL: h.url()}); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("want refusal, got %v", err)
	}
	if _, err := Download(context.Background(), testEntry(content), DownloadOptions{}); err == nil {
		t.Fatal("no directory accepted")
	}
}

func TestParseContentRange(t *testing.T) {
	for _, c := range []struct {
		in          string
		start, size int64
		ok          bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes */575451", -1, 575451, true},
		{"bytes 1-2", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"bytes x-2/3", 0, 0, false},
		{"bytes 1-2/-3", 0, 0, false},
		{"", 0, 0, false},
	} {
		s, n, ok := parseContentRange(c.in)
		if s != c.start || n != c.size || ok != c.ok {
			t.Errorf("%q: got %d %d %v", c.in, s, n, ok)
		}
	}
}
