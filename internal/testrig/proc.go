package testrig

import "bytes"
import "context"
import "io"
import "net"
import "net/http"
import "os/exec"
import "strings"
import "sync"
import "syscall"
import "testing"
import "time"

// LineLog collects a process's output and remembers when each line arrived, so a test can
// time events the process logs (the agent's first capture after a restart). Max (0: no limit)
// caps the bytes String keeps. The zero LineLog is ready to use.
type LineLog struct {
	Max int

	mu    sync.Mutex
	buf   bytes.Buffer
	part  []byte
	lines []timedLine
}

type timedLine struct {
	at   time.Time
	text string
}

// maxLines caps the lines a LineLog remembers.
const maxLines = 100000

func (l *LineLog) Write(p []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max == 0 || l.buf.Len() < l.Max {
		l.buf.Write(p)
	}
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		if len(l.lines) < maxLines {
			l.lines = append(l.lines, timedLine{now, string(l.part[:i])})
		}
		l.part = l.part[i+1:]
	}
	return len(p), nil
}

func (l *LineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// First returns the arrival time and text of the first line containing s.
func (l *LineLog) First(s string) (time.Time, string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lines {
		if strings.Contains(ln.text, s) {
			return ln.at, ln.text, true
		}
	}
	return time.Time{}, "", false
}

// LoggedAt is the time a courtscribe log line says it was written (its time= field, as the
// text handler writes it), or false when the line has none. Unlike the time the line reached
// the test, it does not include the pipe and the test's scheduling, which a loaded machine
// stretches by hundreds of milliseconds.
func LoggedAt(line string) (time.Time, bool) {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "time="); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			return t, err == nil
		}
	}
	return time.Time{}, false
}

// Proc is a running process (courtscribe, as a rule) that a test can signal, kill and wait
// for; its output goes to Out.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	Out  *LineLog
	done chan error
}

// outputCap is how much of a process's output a Proc keeps.
const outputCap = 8 << 20

// Start starts the courtscribe binary (Binary) with args; it is killed at the end of the test.
func Start(t testing.TB, name string, stdin io.Reader, args ...string) *Proc {
	t.Helper()
	return StartCmd(t, name, stdin, Binary(t), args...)
}

// StartCmd starts the program bin with args; it is killed at the end of the test.
func StartCmd(t testing.TB, name string, stdin io.Reader, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, Out: &LineLog{Max: outputCap}, done: make(chan error, 1)}
	p.Cmd = exec.Command(bin, args...)
	p.Cmd.Stdout, p.Cmd.Stderr, p.Cmd.Stdin = p.Out, p.Out, stdin
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.Cmd.Wait() }()
	t.Cleanup(p.Kill)
	return p
}

// Pid is the process's ID.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error { return p.Cmd.Process.Signal(sig) }

// Exited reports whether the process has ended (without consuming its result).
func (p *Proc) Exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL and waits; a no-op once the process is gone.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	// The process may end between Exited and Signal; the wait below covers both.
	_ = p.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// Wait waits up to d for the process to end and fails the test unless it exits 0.
func (p *Proc) Wait(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("%s: %v\n%s", p.Name, err, Tail(p.Out.String(), tailBytes))
		}
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v:\n%s", p.Name, d, Tail(p.Out.String(), tailBytes))
	}
}

// Stop sends SIGTERM and expects a clean exit within a minute.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("%s: SIGTERM: %v", p.Name, err)
	}
	p.Wait(t, time.Minute)
}

// tailBytes is how much of a process's output a failure shows.
const tailBytes = 6000

// Tail is the last n bytes of s, marked as cut when it is.
func Tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// StartServer starts courtscribe with args (a server command line listening on addr over plain
// HTTP) and waits until its /readyz answers 200; it is killed at the end of the test.
func StartServer(t testing.TB, addr string, args ...string) *Proc {
	t.Helper()
	s := Start(t, "server", nil, args...)
	deadline := time.Now().Add(time.Minute)
	for !ready("http://" + addr + "/readyz") {
		if s.Exited() {
			t.Fatalf("server exited before it was ready:\n%s", Tail(s.Out.String(), tailBytes))
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready on %s:\n%s", addr, Tail(s.Out.String(), tailBytes))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// ready reports whether url answers 200.
func ready(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// RunCLI runs a short courtscribe command and returns its output (stdout and stderr) and
// its error.
func RunCLI(t testing.TB, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// CLI runs a short courtscribe command and returns its stdout; it fails the test unless the
// command succeeds.
func CLI(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("courtscribe %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// Token creates an agent token for a courtroom through the CLI (the last line it prints).
func Token(t testing.TB, data, courtroom string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(CLI(t, "", "tokens", "add", "--data", data, "--courtroom", courtroom)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Eventually polls cond until it holds, failing the test after d.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Ctx is a context that ends after d or with the test.
func Ctx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// HasCommand reports whether the courtscribe binary has the command (e.g. "agent").
func HasCommand(t testing.TB, command string) bool {
	t.Helper()
	return exec.Command(Binary(t), command, "--help").Run() == nil
}
