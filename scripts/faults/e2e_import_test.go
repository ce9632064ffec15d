package faults

import "bytes"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "fmt"
import "io"
import "net/http"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// put sends raw bytes (a chunk of an upload) and decodes the answer.
func (c *apiClient) put(path string, body []byte, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest("PUT", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Origin", c.base)
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("PUT %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

type apiUpload struct {
	ID    string `json:"upload"`
	State string `json:"state"`
	Error string `json:"error"`
	Files []struct {
		Name     string `json:"name"`
		Size     int64  `json:"size"`
		Received int64  `json:"received"`
	} `json:"files"`
	Result *struct {
		Seconds  float64 `json:"seconds"`
		Segments int     `json:"segments"`
	} `json:"result"`
}

// TestServerImportUploadEndToEnd: an administrator uploads a past hearing's 48 kHz 24-bit FLAC
// to a running server in chunks (one chunk repeated at a stale offset, one too large, a resume
// from the server's count), commits it, and the hearing appears in the record transcribed by
// the engine, closed, exportable, with the original's name and SHA-256 in its history. A clerk
// may not import, and a hearing with audio takes no second import.
func TestServerImportUploadEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox is not installed (apt-get install sox): it writes the FLAC a recorder would")
	}
	pcm := twoSeatSpeech(t)
	data := t.TempDir()
	igAddUsers(t, [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}}, "--data", data)
	engine := testrig.FakeWhisperServer(t)
	dir := t.TempDir()
	wav := filepath.Join(dir, "hearing.wav")
	if err := wavfile.WriteMulti(wav, wire.SampleRate, pcm); err != nil {
		t.Fatal(err)
	}
	flac := filepath.Join(dir, "room5-2019-03-04.flac")
	if out, err := exec.Command("sox", wav, "-r", "48000", "-b", "24", flac).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	orig, _ := os.ReadFile(flac)
	sum := sha256.Sum256(orig)
	hash := hex.EncodeToString(sum[:])

	addr := testrig.FreeAddr(t)
	srv := igStartServer(t, data, addr, "--asr", "remote", "--asr-url", engine.URL, "--language", "en")
	base := "http://" + addr
	admin := apiLogin(t, base, "admin", "pw-admin")
	clerk := apiLogin(t, base, "clerk1", "pw-clerk1")
	const id = "room-5-2019-03-04"
	uploads := "/api/hearings/" + id + "/import/uploads"
	create := map[string]any{"courtroom": "room-5", "seats": []string{"judge", "witness"},
		"files": []map[string]any{{"name": filepath.Base(flac), "size": len(orig), "sha256": hash}}}
	if code := clerk.do("POST", uploads, create, nil); code != http.StatusForbidden {
		t.Fatalf("a clerk created an import upload: %d", code)
	}
	huge := map[string]any{"courtroom": "room-5", "seats": []string{"judge", "witness"},
		"files": []map[string]any{{"name": "x.flac", "size": int64(1) << 40}}}
	if code := admin.do("POST", uploads, huge, nil); code != http.StatusBadRequest {
		t.Fatalf("a 1 TiB upload was accepted: %d", code)
	}
	var up apiUpload
	if code := admin.do("POST", uploads, create, &up); code != http.StatusCreated || up.ID == "" {
		t.Fatalf("create upload: %d %+v", code, up)
	}
	file0 := uploads + "/" + up.ID + "/files/0"
	chunk := len(orig)/3 + 1
	if code := admin.put(file0+"?offset=0", orig[:chunk], nil); code != 200 {
		t.Fatalf("first chunk: %d", code)
	}
	var conflict struct {
		Received int64 `json:"received"`
	}
	if code := admin.put(file0+"?offset=0", orig[:chunk], &conflict); code != http.StatusConflict || conflict.Received != int64(chunk) {
		t.Fatalf("a chunk at a stale offset: %d %+v", code, conflict)
	}
	if code := admin.put(fmt.Sprintf("%s?offset=%d", file0, chunk), append(orig[chunk:], 0, 0), nil); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a chunk past the declared size: %d", code)
	}
	if code := admin.do("POST", uploads+"/"+up.ID+"/commit", nil, nil); code != http.StatusConflict {
		t.Fatalf("commit of an incomplete upload: %d", code)
	}
	// The server restarts mid-upload; resume: ask it what it has, send the rest from there.
	srv.Stop(t)
	srv = igStartServer(t, data, addr, "--asr", "remote", "--asr-url", engine.URL, "--language", "en")
	admin = apiLogin(t, base, "admin", "pw-admin")
	clerk = apiLogin(t, base, "clerk1", "pw-clerk1")
	var st apiUpload
	if code := admin.do("GET", uploads+"/"+up.ID, nil, &st); code != 200 || st.Files[0].Received != int64(chunk) {
		t.Fatalf("upload status: %d %+v", code, st)
	}
	for off := st.Files[0].Received; off < int64(len(orig)); off += int64(chunk) {
		end := min(off+int64(chunk), int64(len(orig)))
		if code := admin.put(fmt.Sprintf("%s?offset=%d", file0, off), orig[off:end], nil); code != 200 {
			t.Fatalf("chunk at %d: %d", off, code)
		}
	}
	if code := admin.do("POST", uploads+"/"+up.ID+"/commit", nil, &st); code != http.StatusAccepted {
		t.Fatalf("commit: %d", code)
	}
	testrig.Eventually(t, 60*time.Second, "the import to finish", func() bool {
		admin.do("GET", uploads+"/"+up.ID, nil, &st)
		return st.State == "imported" || st.State == "failed"
	})
	if st.State != "imported" || st.Result == nil || st.Result.Seconds < 25 || st.Result.Segments < 2 {
		t.Fatalf("import: %+v\n%s", st, srv.Out.String())
	}
	var h struct {
		Status    string `json:"status"`
		Courtroom string `json:"courtroom"`
	}
	if code := clerk.do("GET", "/api/hearings/"+id, nil, &h); code != 200 || h.Status != "closed" || h.Courtroom != "room-5" {
		t.Fatalf("hearing: %d %+v", code, h)
	}
	var page struct {
		Segments []segment `json:"segments"`
	}
	clerk.do("GET", "/api/hearings/"+id+"/segments", nil, &page)
	seats := map[string]bool{}
	for _, s := range page.Segments {
		if strings.HasPrefix(s.Text, "utterance of") {
			seats[s.Seat] = true
		}
	}
	if !seats["judge"] || !seats["witness"] {
		t.Fatalf("segments %+v: want transcribed turns of the judge and the witness", page.Segments)
	}
	req, _ := http.NewRequest("GET", base+"/api/hearings/"+id+"/export?format=json", nil)
	resp, err := clerk.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(exp, []byte(hash)) || !bytes.Contains(exp, []byte(filepath.Base(flac))) {
		t.Fatalf("export %d does not carry the original's name and SHA-256:\n%.2000s", resp.StatusCode, exp)
	}
	if m, err := archive.ReadManifest(data, id); err != nil || len(m.Files) != 2 || m.Courtroom != "room-5" {
		t.Fatalf("manifest: %v %+v", err, m)
	}
	if code := admin.do("POST", uploads, create, nil); code != http.StatusConflict {
		t.Fatalf("a second import into a closed hearing: %d", code)
	}
	srv.Stop(t)
}
