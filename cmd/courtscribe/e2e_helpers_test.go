package main

// Helpers for the end-to-end ingest tests: build the real binary once, run the server as a
// process (SIGKILL-able), create tokens through the CLI, compare archives with sources.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/asr/archive"
	"github.com/courtscribe/courtscribe/capture/wavfile"
	"github.com/courtscribe/courtscribe/capture/wire"
	"github.com/courtscribe/courtscribe/internal/testrig"
)

var (
	igBinOnce sync.Once
	igBinPath string
	igBinErr  error
	igBinDir  string
)

// igBinary builds ./cmd/courtscribe once per test process, with the build tags in
// COURTSCRIBE_E2E_TAGS (e.g. "whisper") when set.
func igBinary(t *testing.T) string {
	t.Helper()
	igBinOnce.Do(func() {
		igBinDir, igBinErr = os.MkdirTemp("", "courtscribe-e2e-bin-")
		if igBinErr != nil {
			return
		}
		igBinPath = filepath.Join(igBinDir, "courtscribe")
		args := []string{"build", "-o", igBinPath}
		if tags := os.Getenv("COURTSCRIBE_E2E_TAGS"); tags != "" {
			args = append(args, "-tags", tags)
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			igBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if igBinErr != nil {
		t.Fatal(igBinErr)
	}
	return igBinPath
}

// igHasAgent reports whether the binary has the agent command (built by another part).
func igHasAgent(t *testing.T) bool {
	return exec.Command(igBinary(t), "agent", "--help").Run() == nil
}

// igFreeAddr returns a loopback address with a port that was free a moment ago.
func igFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// igServer is a running `courtscribe server` process.
type igServer struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	data string
	out  *syncBuffer
	done chan error
}

// igStartServer starts `courtscribe server` on addr and data, with extra flags, and waits
// until it is ready; it is killed at the end of the test.
func igStartServer(t *testing.T, data, addr string, extra ...string) *igServer {
	t.Helper()
	s := &igServer{t: t, addr: addr, data: data, out: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(igBinary(t), append([]string{"server", "--listen", addr, "--data", data, "--log-level", "debug"}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("server exited: %v\n%s", err, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready on %s:\n%s", addr, s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits (no-op if already gone).
func (s *igServer) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	err := <-s.done
	s.done <- err
}

// stop sends SIGTERM and expects a clean exit.
func (s *igServer) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			s.t.Fatalf("server exit after SIGTERM: %v\n%s", err, s.out.String())
		}
	case <-time.After(30 * time.Second):
		s.t.Fatalf("server did not stop after SIGTERM:\n%s", s.out.String())
	}
}

// igToken creates a token through the CLI and returns the last line of its output.
func igToken(t *testing.T, data, courtroom string) string {
	t.Helper()
	out, err := exec.Command(igBinary(t), "tokens", "add", "--data", data, "--courtroom", courtroom).Output()
	if err != nil {
		t.Fatalf("tokens add: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// igPCM makes deterministic audio per seat: noise-like, distinct per seat.
func igPCM(seats, samples int, seed uint64) [][]int16 {
	rng := rand.New(rand.NewPCG(seed, 11))
	out := make([][]int16, seats)
	for c := range out {
		out[c] = make([]int16, samples)
		for i := range out[c] {
			out[c][i] = int16(rng.IntN(20000) - 10000)
		}
	}
	return out
}

// igReadSeat reads one archived seat WAV.
func igReadSeat(t *testing.T, data, hearing, seat string) []int16 {
	t.Helper()
	a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(data, hearing), archive.AudioDir, seat+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != wire.SampleRate || len(a.Channels) != 1 {
		t.Fatalf("seat %s: %d Hz, %d channels", seat, a.SampleRate, len(a.Channels))
	}
	return a.Channels[0]
}

// igCheckExact proves every seat's archive equals the source, sample-exact (SHA-256 of PCM).
func igCheckExact(t *testing.T, data, hearing string, seats []wire.Seat, want [][]int16) {
	t.Helper()
	for i, s := range seats {
		got := igReadSeat(t, data, hearing, s.Name)
		if len(got) != len(want[i]) || testrig.HashPCM(got) != testrig.HashPCM(want[i]) {
			t.Fatalf("seat %s: archive %d samples (sha %s…), source %d samples (sha %s…)", s.Name,
				len(got), testrig.HashPCM(got)[:12], len(want[i]), testrig.HashPCM(want[i])[:12])
		}
	}
}

// igOnlyHearing returns the single hearing in a data directory.
func igOnlyHearing(t *testing.T, data string) string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(data, archive.HearingsDir))
	if err != nil || len(es) != 1 {
		t.Fatalf("want exactly one hearing in %s: %v %v", data, es, err)
	}
	return es[0].Name()
}

func igEventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func igCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
