package server

import "context"
import "io"
import "log/slog"
import "net"
import "net/http"
import "runtime"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Listen = testrig.FreeAddr(t)
	cfg.DataDir = t.TempDir()
	cfg.DrainTimeout = 10 * time.Second
	cfg.Record.TimeZone = "UTC"
	cfg.Logger = slog.New(slog.DiscardHandler)
	return cfg
}

// Run serves ingest, the API and the UI on one listener from one Config, and the first
// cancellation drains and stops it cleanly.
func TestRunServesAndStops(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + cfg.Listen + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, body := get("/readyz"); code == 200 {
			if !strings.Contains(body, "engine: none") {
				t.Errorf("/readyz does not name the engine: %q", body)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not become ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := get("/api/hearings"); code != http.StatusUnauthorized {
		t.Errorf("/api/hearings without a session: %d, want 401 (the API is mounted)", code)
	}
	if code, _ := get("/metrics"); code != 200 {
		t.Errorf("/metrics on the loopback listener: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// A step that fails after the record and ingest were built (here: the listener's address is
// taken) is an error, and what was built is stopped: the same data directory serves again.
func TestRunFailureStopsWhatWasBuilt(t *testing.T) {
	cfg := testConfig(t)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	err = Run(context.Background(), cfg)
	ln.Close()
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a taken address: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left running after a failed start (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
	}
	bad := cfg
	bad.Limits.DiskReserve = "lots"
	if err := Run(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "--disk-reserve") {
		t.Fatalf("bad --disk-reserve: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := Run(ctx, cfg); err != nil {
		t.Fatalf("serving the same data directory again: %v", err)
	}
}
