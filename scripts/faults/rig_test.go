package faults

// The test rig: the real courtscribe binary built once, server and agent processes that can
// be SIGKILLed, tokens and users made through the CLI, an API client with a session, metrics
// scraping, process sampling from /proc, and archive checks against the generated hearing.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/asr/archive"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// long reports whether the long forms run (COURTSCRIBE_SOAK=1 or -tags soak).
func long() bool { return soakTag || os.Getenv("COURTSCRIBE_SOAK") == "1" }

// pick returns the short or the long form of a setting.
func pick[T any](short, longForm T) T {
	if long() {
		return longForm
	}
	return short
}

// repoRoot walks up from the package directory to the folder holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// csBinary builds ./cmd/courtscribe once per test process.
func csBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		root := repoRoot(t)
		binDir, binErr = os.MkdirTemp("", "courtscribe-faults-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "courtscribe")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/courtscribe")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/courtscribe: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lineLog collects a process's output and remembers when each line arrived, so a test can
// time events the process logs (the agent's first capture after a restart).
type lineLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	part  []byte
	lines []timedLine
	max   int
}

type timedLine struct {
	at   time.Time
	text string
}

func (l *lineLog) Write(p []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max == 0 || l.buf.Len() < l.max {
		l.buf.Write(p)
	}
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		if len(l.lines) < 100000 {
			l.lines = append(l.lines, timedLine{now, string(l.part[:i])})
		}
		l.part = l.part[i+1:]
	}
	return len(p), nil
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// first returns the arrival time and text of the first line containing s.
func (l *lineLog) first(s string) (time.Time, string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lines {
		if strings.Contains(ln.text, s) {
			return ln.at, ln.text, true
		}
	}
	return time.Time{}, "", false
}

// proc is a running courtscribe process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lineLog
	done chan error
}

func startProc(t testing.TB, name string, stdin io.Reader, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &lineLog{max: 8 << 20}, done: make(chan error, 1)}
	p.cmd = exec.Command(csBinary(t), args...)
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.Stdin = p.out, p.out, stdin
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended (without consuming its result).
func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits; a no-op once the process is gone.
func (p *proc) kill() {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// wait waits for the process to end and fails the test unless it exits 0.
func (p *proc) wait(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("%s: %v\n%s", p.name, err, tail(p.out.String(), 6000))
		}
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v:\n%s", p.name, d, tail(p.out.String(), 6000))
	}
}

// stop sends SIGTERM and expects a clean exit.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 60*time.Second)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// server is a running `courtscribe server`.
type server struct {
	*proc
	addr, data string
}

func startServer(t testing.TB, data, addr string, extra ...string) *server {
	t.Helper()
	level := pick("debug", "info")
	args := append([]string{"server", "--listen", addr, "--data", data, "--log-level", level, "--no-ui"}, extra...)
	s := &server{proc: startProc(t, "server", nil, args...), addr: addr, data: data}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if s.exited() {
			t.Fatalf("server exited before it was ready:\n%s", tail(s.out.String(), 6000))
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready on %s:\n%s", addr, tail(s.out.String(), 6000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cli runs a short courtscribe command and returns its stdout.
func cli(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, csBinary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("courtscribe %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// token creates an agent token for a courtroom through the CLI.
func token(t testing.TB, data, courtroom string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(cli(t, "", "tokens", "add", "--data", data, "--courtroom", courtroom)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

const testPassword = "faults-password-1"

// addUser creates a user through the CLI.
func addUser(t testing.TB, data, name, role string) {
	t.Helper()
	cli(t, testPassword+"\n", "users", "add", "--data", data, "--name", name, "--role", role, "--password-stdin")
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
func hearingOf(t testing.TB, a *proc, d time.Duration) string {
	t.Helper()
	var id string
	eventually(t, d, "the agent to name its hearing", func() bool {
		_, line, ok := a.out.first("hearing: ")
		if ok && strings.HasPrefix(line, "hearing: ") {
			id = strings.TrimSpace(strings.TrimPrefix(line, "hearing: "))
		}
		return id != ""
	})
	return id
}

func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
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

// api is a signed-in client of the server's JSON API.
type api struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func login(t testing.TB, addr, name string) *api {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &api{t: t, base: "http://" + addr, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var sess struct {
		CSRF string `json:"csrf"`
	}
	code, err := a.call("POST", "/api/login", map[string]string{"name": name, "password": testPassword}, &sess)
	if err != nil || code != 200 {
		t.Fatalf("login %s: %d %v", name, code, err)
	}
	a.csrf = sess.CSRF
	return a
}

// call sends a JSON request and decodes a 2xx answer into out (may be nil). A transport error
// (the server was killed) is returned, not fatal.
func (a *api) call(method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, a.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w (%.200s)", method, path, err, b)
		}
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %.300s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
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
	h, err := GenerateHearing(path, seats, int64(seconds*Rate), seed, keep)
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
		if i == len(h.Turns)-1 || tk.N < Rate/2 {
			continue
		}
		t0, t1 := tk.First*1000/Rate, (tk.First+tk.N)*1000/Rate
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
