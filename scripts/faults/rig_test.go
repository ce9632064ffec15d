package faults

// The test rig of the fault-injection suites, on top of internal/testrig (the real courtscribe
// binary built once, processes that can be SIGKILLed, tokens through the CLI): server and
// agent command lines, users made through the CLI, an API client with a session, metrics
// scraping, process sampling from /proc, and archive checks against the generated hearing.

import "bufio"
import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "net/http"
import "net/http/cookiejar"
import "os"
import "path/filepath"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m, testrig.NoLeakCheck()) }

// long reports whether the long forms run (COURTSCRIBE_SOAK=1 or -tags soak).
func long() bool { return soakTag || os.Getenv("COURTSCRIBE_SOAK") == "1" }

// pick returns the short or the long form of a setting.
func pick[T any](short, longForm T) T {
	if long() {
		return longForm
	}
	return short
}

// server is a running `courtscribe server`.
type server struct {
	*testrig.Proc
	addr, data string
}

// startServer starts `courtscribe server` on addr and data (logging at debug in the short
// forms, without the web UI), with extra flags, and waits until it is ready.
func startServer(t testing.TB, data, addr string, extra ...string) *server {
	t.Helper()
	args := append([]string{"server", "--listen", addr, "--data", data, "--log-level", pick("debug", "info"), "--no-ui"}, extra...)
	return &server{Proc: testrig.StartServer(t, addr, args...), addr: addr, data: data}
}

const testPassword = "faults-password-1"

// addUser creates a user through the CLI.
func addUser(t testing.TB, data, name, role string) {
	t.Helper()
	igAddUser(t, name, role, testPassword, "--data", data)
}

var seatNames = []string{"judge", "clerk", "prosecutor", "defense", "witness", "interpreter", "expert", "bailiff"}

// seatFlag is the agent's --seats for n seats on channels 1..n.
func seatFlag(n int) string {
	parts := make([]string, n)
	for i := range n {
		parts[i] = fmt.Sprintf("%s=%d", seatNames[i], i+1)
	}
	return strings.Join(parts, ",")
}

// agentArgs are the flags of a real-time replay agent.
func agentArgs(serverAddr, tok, courtroom string, seats int, src, spool string, extra ...string) []string {
	return append([]string{"agent", "--log-level", "debug", "--server", "ws://" + serverAddr, "--token", tok,
		"--courtroom", courtroom, "--seats", seatFlag(seats), "--source", src, "--spool", spool,
		"--max-backoff", "200ms"}, extra...)
}

// hearingOf waits for the agent's "hearing: ID" line.
func hearingOf(t testing.TB, a *testrig.Proc, d time.Duration) string {
	t.Helper()
	var id string
	testrig.Eventually(t, d, "the agent to name its hearing", func() bool {
		_, line, ok := a.Out.First("hearing: ")
		if ok && strings.HasPrefix(line, "hearing: ") {
			id = strings.TrimSpace(strings.TrimPrefix(line, "hearing: "))
		}
		return id != ""
	})
	return id
}

// checkArchive proves every seat's archive equals the generated source (SHA-256 of the PCM)
// and that no gap was recorded.
func checkArchive(t testing.TB, data, hearing string, h *Hearing) {
	t.Helper()
	for s := range h.Seats {
		path := filepath.Join(archive.HearingDir(data, hearing), archive.AudioDir, seatNames[s]+".wav")
		sum, n, err := HashSeatWAV(path)
		if err != nil {
			t.Fatal(err)
		}
		if n != h.Samples || sum != h.Hashes[s] {
			t.Fatalf("hearing %s seat %s: archive %d samples (sha %.12s…), source %d samples (sha %.12s…): samples lost or doubled",
				hearing, seatNames[s], n, sum, h.Samples, h.Hashes[s])
		}
	}
	gaps, err := archive.ReadGaps(data, hearing)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 0 {
		t.Fatalf("hearing %s: gaps recorded where none happened: %+v", hearing, gaps)
	}
}

// metric scrapes one unlabelled metric from the server's /metrics.
func metric(addr, name string) (float64, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == name {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("metric %s not found", name)
}

// procRSS is a process's resident memory in bytes, from /proc/PID/status.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// procFDs counts a process's open file descriptors.
func procFDs(pid int) (int, error) {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es), err
}

// session is a browser's session with the server's JSON API: its cookies and CSRF token.
// Every API client of these suites sends through it.
type session struct {
	hc   *http.Client
	csrf string
}

func newSession(timeout time.Duration) *session {
	jar, _ := cookiejar.New(nil)
	return &session{hc: &http.Client{Jar: jar, Timeout: timeout}}
}

// send sends body (nil: none) as JSON to base+path, from the page's origin and with the
// session's CSRF token; it returns the answer's status and body. err is a failure to send
// or to read the answer (the server was killed), not an error status.
func (s *session) send(base, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// callAt sends a JSON request to base+path and decodes a 2xx answer into out (may be nil);
// anything else is an error, returned, not fatal.
func (s *session) callAt(base, method, path string, body, out any) (int, error) {
	code, b, err := s.send(base, method, path, body)
	if err != nil {
		return code, err
	}
	if code/100 != 2 {
		return code, fmt.Errorf("%s %s: %d %.300s", method, path, code, b)
	}
	return code, decodeAnswer(method, path, code, b, out)
}

// decodeAnswer decodes a 2xx answer's body into out; nothing for out == nil or another status.
func decodeAnswer(method, path string, code int, b []byte, out any) error {
	if out == nil || code/100 != 2 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w (%.200s)", method, path, err, b)
	}
	return nil
}

// signIn logs the session in at base and keeps its CSRF token.
func (s *session) signIn(base, name, password string) (int, error) {
	var sess struct {
		CSRF string `json:"csrf"`
	}
	code, err := s.callAt(base, "POST", "/api/login", map[string]string{"name": name, "password": password}, &sess)
	s.csrf = sess.CSRF
	return code, err
}

// api is a signed-in client of one server's JSON API.
type api struct {
	*session
	base string
}

func login(t testing.TB, addr, name string) *api {
	t.Helper()
	a := &api{session: newSession(10 * time.Second), base: "http://" + addr}
	if code, err := a.signIn(a.base, name, testPassword); err != nil || code != 200 {
		t.Fatalf("login %s: %d %v", name, code, err)
	}
	return a
}

// call sends a JSON request to the server and decodes a 2xx answer into out (may be nil). A
// transport error (the server was killed) is returned, not fatal.
func (a *api) call(method, path string, body, out any) (int, error) {
	return a.callAt(a.base, method, path, body, out)
}

// segment is the part of transcript.Segment the tests read.
type segment struct {
	ID       int64  `json:"id"`
	Seat     string `json:"seat"`
	StartMS  int64  `json:"start_ms"`
	EndMS    int64  `json:"end_ms"`
	Text     string `json:"text"`
	Status   string `json:"status"`
	Revision int64  `json:"revision"`
	Deleted  bool   `json:"deleted"`
}

// segments lists a hearing's current segments (nil on any error).
func (a *api) segments(hearing string) ([]segment, error) {
	var out struct {
		Segments []segment `json:"segments"`
	}
	if _, err := a.call("GET", "/api/hearings/"+hearing+"/segments", nil, &out); err != nil {
		return nil, err
	}
	return out.Segments, nil
}

// agentConnected asks /api/agents (technician) whether the hearing's agent is connected;
// known is false when the server does not list the hearing.
func (a *api) agentConnected(hearing string) (connected, known bool, err error) {
	var out []struct {
		Hearing   string `json:"hearing"`
		Connected bool   `json:"connected"`
	}
	if _, err := a.call("GET", "/api/agents", nil, &out); err != nil {
		return false, false, err
	}
	for _, h := range out {
		if h.Hearing == hearing {
			return h.Connected, true, nil
		}
	}
	return false, false, nil
}

// generate writes a hearing into the test's temp dir.
func generate(t testing.TB, seats int, seconds float64, seed uint64, keep bool) (string, *Hearing) {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("hearing-%dch.wav", seats))
	h, err := GenerateHearing(path, seats, int64(seconds*wire.SampleRate), seed, keep)
	if err != nil {
		t.Fatal(err)
	}
	return path, h
}

// uncovered returns the ground-truth turns (except the last) that no live segment of the same
// seat overlaps: utterances missing from the hearing record.
func uncovered(h *Hearing, segs []segment) []Turn {
	var out []Turn
	for i, tk := range h.Turns {
		if i == len(h.Turns)-1 || tk.N < wire.SampleRate/2 {
			continue
		}
		t0, t1 := tk.First*1000/wire.SampleRate, (tk.First+tk.N)*1000/wire.SampleRate
		found := false
		for _, s := range segs {
			if !s.Deleted && s.Seat == seatNames[tk.Seat] && s.StartMS < t1 && s.EndMS > t0 {
				found = true
				break
			}
		}
		if !found {
			out = append(out, tk)
		}
	}
	return out
}
