package faults

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "math"
import "net/http"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// apiClient is a signed-in user of one server's JSON API that fails the test when the
// server cannot be reached.
type apiClient struct {
	*session
	t    *testing.T
	base string
}

func apiLogin(t *testing.T, base, name, password string) *apiClient {
	t.Helper()
	c := &apiClient{session: newSession(30 * time.Second), t: t, base: base}
	code, err := c.signIn(base, name, password)
	if err != nil && code/100 == 2 {
		t.Fatalf("login %s: %v", name, err)
	}
	if code != 200 {
		t.Fatalf("login %s: %d", name, code)
	}
	return c
}

// createHearing posts a new hearing (an admin's call) and fails the test unless it is made.
func (c *apiClient) createHearing(hearing map[string]any) {
	c.t.Helper()
	if code := c.do("POST", "/api/hearings", hearing, nil); code != 200 && code != 201 {
		c.t.Fatalf("create hearing: %d", code)
	}
}

// sourceWAV writes pcm (one slice per channel) as a 16 kHz recording for an agent's --source.
func sourceWAV(t *testing.T, pcm [][]int16) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "hearing.wav")
	if err := wavfile.WriteMulti(src, wire.SampleRate, pcm); err != nil {
		t.Fatal(err)
	}
	return src
}

// do sends a JSON request and decodes a 2xx answer into out (may be nil); it returns the
// status and logs an error answer.
func (c *apiClient) do(method, path string, body, out any) int {
	c.t.Helper()
	code, b, err := c.send(c.base, method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if err := decodeAnswer(method, path, code, b, out); err != nil {
		c.t.Fatal(err)
	}
	if code >= 300 {
		c.t.Logf("%s %s → %d %s", method, path, code, b)
	}
	return code
}

// twoSeatSpeech puts jfk.wav on the judge at 1 s and on the witness at 14 s, with 15 dB bleed.
func twoSeatSpeech(t *testing.T) [][]int16 {
	t.Helper()
	root, _ := filepath.Abs("../..")
	a, err := wavfile.ReadFile(filepath.Join(root, "..", "shared", "testdata", "jfk.wav"))
	if err != nil {
		t.Skipf("SKIP: ../shared/testdata/jfk.wav not available: %v", err)
	}
	sp := a.Channels[0]
	n := 26 * wire.SampleRate
	out := [][]int16{make([]int16, n), make([]int16, n)}
	g := math.Pow(10, -15.0/20)
	for i, s := range sp {
		out[0][16000+i] += s
		out[1][16000+i+30] += int16(float64(s) * g)
		out[1][14*wire.SampleRate+i] += s
		out[0][14*wire.SampleRate+i+30] += int16(float64(s) * g)
	}
	return out
}

// TestServerHearingRecordEndToEnd is the product path on real binaries: users from the CLI, a
// hearing set up through the API, an agent replaying two seats, diarization and a remote engine
// (an in-test whisper-server at the outer boundary) filling the record, a clerk's edit, close
// (which stops the recording and writes the manifest), finalize, the judge's signature, and
// the signed export verified offline with the audio.
func TestServerHearingRecordEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	pcm := twoSeatSpeech(t)
	bin := testrig.Binary(t)
	data := t.TempDir()
	igAddUsers(t, [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}, {"judge1", "judge"}}, "--data", data)
	var calls atomic.Int64
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/inference" {
			http.NotFound(w, r)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := io.ReadAll(f)
		n := calls.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"text": fmt.Sprintf("utterance %d of %.1f seconds", n, float64(len(b)-44)/32000)})
	}))
	defer engine.Close()

	addr := testrig.FreeAddr(t)
	srv := igStartServer(t, data, addr, "--asr", "remote", "--asr-url", engine.URL, "--language", "en")
	out := srv.Out
	base := "http://" + addr
	admin := apiLogin(t, base, "admin", "pw-admin")
	hearing := map[string]any{"id": "case-2026-1", "case_number": "(2026)京0105民初1号", "courtroom": "room-5", "language": "en",
		"title": "Smith v. Jones", "presiding": "judge1", "clerk": "clerk1",
		"seats": []map[string]any{{"seat": "judge", "role": "THE COURT"}, {"seat": "witness", "role": "THE WITNESS", "witness": true}}}
	admin.createHearing(hearing)

	src := sourceWAV(t, pcm)
	token := testrig.Token(t, data, "room-5")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	agentOut, err := exec.CommandContext(ctx, bin, "agent", "--server", "ws://"+addr, "--token", token, "--courtroom", "room-5",
		"--hearing", "case-2026-1", "--seats", "judge=1,witness=2", "--source", src, "--fast", "--spool", t.TempDir(), "--log-level", "debug").CombinedOutput()
	if err != nil {
		t.Fatalf("agent: %v\n%s", err, agentOut)
	}

	clerk := apiLogin(t, base, "clerk1", "pw-clerk1")
	var segs []segment
	testrig.Eventually(t, 60*time.Second, "both seats transcribed", func() bool {
		var page struct {
			Segments []segment `json:"segments"`
		}
		clerk.do("GET", "/api/hearings/case-2026-1/segments", nil, &page)
		segs = page.Segments
		seats := map[string]bool{}
		for _, s := range segs {
			if s.Status != "final" {
				return false
			}
			if strings.HasPrefix(s.Text, "utterance ") {
				seats[s.Seat] = true
			}
		}
		return seats["judge"] && seats["witness"]
	})
	for _, s := range segs {
		if s.Text == "" && s.EndMS-s.StartMS < 300 {
			continue // a blip the utterance policy settles without text (docs/asr.md)
		}
		if (s.Seat == "judge" && s.StartMS > 13000) || (s.Seat == "witness" && s.StartMS < 13000) {
			t.Errorf("bleed attributed to the wrong seat: %+v", s)
		}
	}
	// The clerk corrects the first segment; a stale revision is a conflict.
	var first segment
	for _, s := range segs {
		if s.Text != "" {
			first = s
			break
		}
	}
	fixed := "And so, my fellow Americans: ask not what your country can do for you."
	if code := clerk.do("POST", fmt.Sprintf("/api/segments/%d/edit", first.ID), map[string]any{"revision": first.Revision, "text": fixed}, nil); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if code := clerk.do("POST", fmt.Sprintf("/api/segments/%d/edit", first.ID), map[string]any{"revision": first.Revision, "text": "stale"}, nil); code != http.StatusConflict {
		t.Fatalf("stale edit: %d, want 409", code)
	}
	// Close: the recording stops, the manifest is written, then the record closes.
	if code := clerk.do("POST", "/api/hearings/case-2026-1/close", map[string]any{}, nil); code != 200 {
		t.Fatalf("close: %d\n%s", code, out.String())
	}
	if _, err := os.Stat(filepath.Join(archive.HearingDir(data, "case-2026-1"), archive.ManifestFile)); err != nil {
		t.Fatalf("no audio manifest after close: %v", err)
	}
	if code := clerk.do("POST", "/api/hearings/case-2026-1/finalize", map[string]any{}, nil); code != 200 {
		t.Fatalf("finalize: %d", code)
	}
	judge := apiLogin(t, base, "judge1", "pw-judge1")
	if code := judge.do("POST", "/api/hearings/case-2026-1/sign", map[string]any{"password": "pw-judge1"}, nil); code != 200 {
		t.Fatalf("sign: %d", code)
	}
	if code := clerk.do("POST", "/api/hearings/case-2026-1/sign", map[string]any{"password": "pw-clerk1"}, nil); code != 200 { // the clerk signs too
		t.Fatalf("clerk signs: %d", code)
	}
	srv.Stop(t)
	// Secrets never reach a log: the agent token and every password used above.
	for _, secret := range []string{token, "pw-admin", "pw-clerk1", "pw-judge1"} {
		if strings.Contains(out.String(), secret) || strings.Contains(string(agentOut), secret) {
			t.Errorf("a secret (%.6s…) appears in the server or agent log", secret)
		}
	}

	exp := filepath.Join(t.TempDir(), "record.json")
	if b, err := exec.Command(bin, "transcript", "export", "--data", data, "--hearing", "case-2026-1", "--format", "json", "--out", exp).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, b)
	}
	rec, _ := os.ReadFile(exp)
	if !bytes.Contains(rec, []byte(fixed)) {
		t.Error("the clerk's correction is not in the signed record")
	}
	audio := filepath.Join(archive.HearingDir(data, "case-2026-1"), archive.AudioDir)
	if b, err := exec.Command(bin, "transcript", "verify", exp, "--audio", audio).CombinedOutput(); err != nil {
		t.Fatalf("verify: %v\n%s", err, b)
	}
	if b, err := exec.Command(bin, "transcript", "audit", "--data", data, "--hearing", "case-2026-1").CombinedOutput(); err != nil {
		t.Fatalf("audit: %v\n%s", err, b)
	}
	// One changed sample in the archive: verification with the audio fails.
	f, _ := os.OpenFile(filepath.Join(audio, "judge.wav"), os.O_RDWR, 0)
	f.WriteAt([]byte{0x55}, 5000)
	f.Close()
	if b, err := exec.Command(bin, "transcript", "verify", exp, "--audio", audio).CombinedOutput(); err == nil {
		t.Fatalf("verify accepted altered audio:\n%s", b)
	}
}
