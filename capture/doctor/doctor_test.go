package doctor

import "context"
import "errors"
import "math"
import "net/http"
import "net/http/httptest"
import "os"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

func find(t *testing.T, fs []Finding, check string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no finding %q in %+v", check, fs)
	return Finding{}
}

func TestDoctorHealthyRoom(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	cfg := Config{
		Devices: func() ([]Device, error) {
			return []Device{{Index: 0, Name: "Dante 8ch", Channels: 8, Rate: 48000}}, nil
		},
		Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 4}},
		Listen: func(context.Context) ([]Level, error) {
			return []Level{{Seat: "judge", RMSdBFS: -38, PeakdBFS: -12}, {Seat: "witness", RMSdBFS: -60, PeakdBFS: -40}}, nil
		},
		SpoolDir: t.TempDir(),
		Server:   "ws://" + strings.TrimPrefix(srv.URL, "http://"),
		statfs:   func(string) (uint64, uint64, error) { return 100 << 30, 200 << 30, nil },
	}
	fs := Run(context.Background(), cfg)
	if w := Worst(fs); w != OK {
		t.Fatalf("healthy room reported %s: %+v", w, fs)
	}
	if f := find(t, fs, "clock"); f.Status != OK {
		t.Errorf("clock: %+v", f)
	}
}

func TestDoctorFindsProblems(t *testing.T) {
	// The server's clock is 10 minutes ahead and it is not ready.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cfg := Config{
		Devices: func() ([]Device, error) { return []Device{{Index: 3, Name: "USB mic", Channels: 2, Rate: 44100}}, nil },
		Device:  "usb",
		Seats:   []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}},
		Listen: func(context.Context) ([]Level, error) {
			return []Level{{Seat: "judge", RMSdBFS: math.Inf(-1), PeakdBFS: math.Inf(-1)}, {Seat: "clerk", RMSdBFS: -10, PeakdBFS: 0, Clipped: 40}}, nil
		},
		SpoolDir: "/spool",
		Server:   "ws://" + strings.TrimPrefix(srv.URL, "http://"),
		statfs:   func(string) (uint64, uint64, error) { return 1 << 30, 50 << 30, nil },
	}
	fs := Run(context.Background(), cfg)
	for check, want := range map[string]Status{"devices": OK, "level judge": Warn, "level clerk": Warn, "disk": Fail, "server": Warn, "clock": Warn} {
		f := find(t, fs, check)
		if f.Status != want {
			t.Errorf("%s: %s, want %s (%+v)", check, f.Status, want, f)
		}
		if f.Status != OK && f.Fix == "" {
			t.Errorf("%s: a problem without advice for the technician", check)
		}
	}
	if Worst(fs) != Fail {
		t.Error("worst should be FAIL")
	}
}

func TestDoctorDeviceAndServerFailures(t *testing.T) {
	cfg := Config{
		Devices: func() ([]Device, error) { return []Device{{Index: 0, Name: "Built-in", Channels: 2}}, nil },
		Seats:   []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 5}},
		Server:  "ws://127.0.0.1:1", // nothing listens on port 1
	}
	fs := Run(context.Background(), cfg)
	if f := find(t, fs, "devices"); f.Status != Fail || !strings.Contains(f.Detail, "channel 5") {
		t.Errorf("seat map beyond the device's channels: %+v", f)
	}
	if f := find(t, fs, "server"); f.Status != Fail {
		t.Errorf("unreachable server: %+v", f)
	}
	cfg.Devices = func() ([]Device, error) { return nil, errors.New("no portaudio") }
	cfg.Server = "http://x"
	fs = Run(context.Background(), cfg)
	if find(t, fs, "devices").Status != Fail || find(t, fs, "server").Status != Fail {
		t.Errorf("%+v", fs)
	}
	cfg.Devices = func() ([]Device, error) { return []Device{{Index: 0, Name: "A"}}, nil }
	cfg.Device = "nonexistent"
	if f := find(t, Run(context.Background(), cfg), "devices"); f.Status != Fail {
		t.Errorf("unknown device: %+v", f)
	}
}

func TestDiskRealStatfs(t *testing.T) {
	f := checkDisk(Config{SpoolDir: t.TempDir(), statfs: statfs, Seats: []wire.Seat{{Name: "a", Channel: 1}}})
	if f.Status == Skip || !strings.Contains(f.Detail, "free") {
		t.Fatalf("%+v", f)
	}
	file := t.TempDir() + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f = checkDisk(Config{SpoolDir: file + "/spool", statfs: statfs})
	if f.Status != Fail || f.Fix == "" {
		t.Fatalf("%+v", f)
	}
}

// TestClockSkewMeasuredLikeNTP: against a server whose clock is this PC's, the doctor says
// well under 100 ms, not the 0.4–0.9 s that the whole-second Date header alone gave.
func TestClockSkewMeasuredLikeNTP(t *testing.T) {
	for _, ahead := range []time.Duration{0, 3 * time.Second} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(20 * time.Millisecond) // the server takes a while to answer
			w.Header().Set(wire.ServerTimeHeader, time.Now().Add(ahead).UTC().Format(time.RFC3339Nano))
		}))
		fs := Run(context.Background(), Config{Server: "ws://" + strings.TrimPrefix(srv.URL, "http://")})
		srv.Close()
		f := find(t, fs, "clock")
		skew := parseSkew(t, f.Detail)
		if d := skew + ahead; d > 100*time.Millisecond || d < -100*time.Millisecond {
			t.Errorf("server %s ahead: doctor says this PC differs by %s (%s)", ahead, skew, f.Detail)
		}
		if want := map[bool]Status{true: OK, false: Warn}[ahead == 0]; f.Status != want {
			t.Errorf("server %s ahead: %s, want %s (%+v)", ahead, f.Status, want, f)
		}
	}
}

// parseSkew reads the signed skew from "this PC differs from the server by -3.001s (±…".
func parseSkew(t *testing.T, detail string) time.Duration {
	t.Helper()
	_, rest, ok := strings.Cut(detail, "differs from the server by ")
	if !ok {
		t.Fatalf("clock detail %q", detail)
	}
	v, _, _ := strings.Cut(rest, " ")
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("clock detail %q: %v", detail, err)
	}
	return d
}

// TestClockFromDateHeaderAllowsItsResolution: an older server sends only Date (whole
// seconds). The same clock must not be reported as skewed.
func TestClockFromDateHeaderAllowsItsResolution(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 900e6, time.UTC) // 0.9 s past the second
	h := http.Header{"Date": {now.Format(http.TimeFormat)}}
	f, ok := clockFinding(h, now.Add(-time.Millisecond), now.Add(time.Millisecond), 100*time.Millisecond)
	if !ok || f.Status != OK || !strings.Contains(f.Detail, "whole seconds") {
		t.Fatalf("%v %+v", ok, f)
	}
}

// TestServerAcceptsHTTPSchemes: --server may be given as http(s) as well as ws(s).
func TestServerAcceptsHTTPSchemes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, s := range []string{srv.URL, "ws://" + strings.TrimPrefix(srv.URL, "http://"), srv.URL + "/v1/agent"} {
		if f := find(t, Run(context.Background(), Config{Server: s}), "server"); f.Status != OK {
			t.Errorf("--server %s: %+v", s, f)
		}
	}
	for _, s := range []string{"ftp://x", "x:1", "ws://"} {
		f := find(t, Run(context.Background(), Config{Server: s}), "server")
		if f.Status != Fail || f.Fix == "" {
			t.Errorf("--server %s: %+v", s, f)
		}
	}
}

// TestSpoolNotCreatedYetIsFine: the agent creates its spool; doctor measures the disk it will
// be on and says so.
func TestSpoolNotCreatedYetIsFine(t *testing.T) {
	dir := t.TempDir()
	f := checkDisk(Config{SpoolDir: dir + "/var/agent/spool", statfs: statfs})
	if f.Status == Fail || !strings.Contains(f.Detail, "not created yet") {
		t.Fatalf("%+v", f)
	}
}
