// Package doctor checks a courtroom PC before a hearing: audio devices, microphone levels,
// disk space for the spool and the local copy, the server's reachability and the clock, and
// says what a technician should fix. The device itself is behind two functions (list and
// listen), so the checks run the same against portaudio and in tests.
package doctor

import "context"
import "errors"
import "fmt"
import "math"
import "net/http"
import "net/url"
import "os"
import "path/filepath"
import "strings"
import "syscall"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

// Status of one check.
type Status string

// Statuses, in order of severity.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Finding is the result of one check; Fix says what to do about a warning or a failure.
type Finding struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Device is an input device as the doctor sees it.
type Device struct {
	Index    int
	Name     string
	Channels int
	Rate     float64
}

// Level is what one seat's microphone measured while the doctor listened.
type Level struct {
	Seat     string
	RMSdBFS  float64
	PeakdBFS float64
	Clipped  int
}

// Config says what to check. Zero fields skip their check.
type Config struct {
	// Devices lists the input devices (portaudio in the agent); nil skips the device check.
	Devices func() ([]Device, error)
	// Device is the --device the agent will use ("" or "default" for the default).
	Device string
	// Seats the agent will capture (1-based channels).
	Seats []wire.Seat
	// Listen measures each seat for a few seconds; nil skips the level check.
	Listen func(ctx context.Context) ([]Level, error)
	// SpoolDir is where the agent spools and keeps its local copy.
	SpoolDir string
	// Server is the agent's --server URL (ws://, wss://, http:// or https://).
	Server string
	Client *http.Client
	Now    func() time.Time
	// MaxSkew is the clock difference to the server that is still fine (default 2 s).
	MaxSkew time.Duration
	// statfs is replaced in tests.
	statfs func(path string) (free, total uint64, err error)
}

// Silence and clipping thresholds for the level check.
const (
	DeadMicDBFS   = -75.0 // below this a seat is silent: unplugged, muted or phantom power off
	ClipPeakDBFS  = -0.1
	MinSpoolBytes = 2 << 30 // 2 GiB: about 9 hours of 4 seats with spool and local copy
)

// Run performs every configured check and returns the findings in a stable order.
func Run(ctx context.Context, cfg Config) []Finding {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = 2 * time.Second
	}
	if cfg.statfs == nil {
		cfg.statfs = statfs
	}
	var out []Finding
	out = append(out, checkDevices(cfg)...)
	out = append(out, checkLevels(ctx, cfg)...)
	out = append(out, checkDisk(cfg))
	out = append(out, checkServer(ctx, cfg)...)
	return out
}

// Worst returns the most severe status among findings (OK when all passed or skipped).
func Worst(fs []Finding) Status {
	w := OK
	for _, f := range fs {
		if f.Status == Fail {
			return Fail
		}
		if f.Status == Warn {
			w = Warn
		}
	}
	return w
}

func checkDevices(cfg Config) []Finding {
	if cfg.Devices == nil {
		return []Finding{{Check: "devices", Status: Skip, Detail: "no audio device check (replaying a file)"}}
	}
	devs, err := cfg.Devices()
	if err != nil {
		return []Finding{{Check: "devices", Status: Fail, Detail: "cannot list audio devices: " + err.Error(),
			Fix: "install portaudio (libportaudio2) and check that the sound card is connected and seen by ALSA (arecord -l)"}}
	}
	if len(devs) == 0 {
		return []Finding{{Check: "devices", Status: Fail, Detail: "no input devices found",
			Fix: "connect the microphone interface (USB/Dante), check arecord -l, and that this user may use audio devices"}}
	}
	d, ok := pick(devs, cfg.Device)
	if !ok {
		names := make([]string, len(devs))
		for i, d := range devs {
			names[i] = fmt.Sprintf("%d:%s", d.Index, d.Name)
		}
		return []Finding{{Check: "devices", Status: Fail, Detail: fmt.Sprintf("device %q not found among %s", cfg.Device, strings.Join(names, ", ")),
			Fix: "pass --device with an index or name from `courtscribe devices`"}}
	}
	need := 0
	for _, s := range cfg.Seats {
		need = max(need, s.Channel)
	}
	if need > d.Channels {
		return []Finding{{Check: "devices", Status: Fail, Detail: fmt.Sprintf("%s has %d input channels but the seat map uses channel %d", d.Name, d.Channels, need),
			Fix: "fix --seats to the interface's channels, or select the multichannel device"}}
	}
	return []Finding{{Check: "devices", Status: OK, Detail: fmt.Sprintf("%s: %d input channels at %.0f Hz", d.Name, d.Channels, d.Rate)}}
}

func pick(devs []Device, want string) (Device, bool) {
	if want == "" || want == "default" {
		return devs[0], true
	}
	for _, d := range devs {
		if fmt.Sprint(d.Index) == want || d.Name == want {
			return d, true
		}
	}
	var found []Device
	for _, d := range devs {
		if strings.Contains(strings.ToLower(d.Name), strings.ToLower(want)) {
			found = append(found, d)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Device{}, false
}

func checkLevels(ctx context.Context, cfg Config) []Finding {
	if cfg.Listen == nil {
		return []Finding{{Check: "levels", Status: Skip, Detail: "no level check"}}
	}
	levels, err := cfg.Listen(ctx)
	if err != nil {
		return []Finding{{Check: "levels", Status: Fail, Detail: "cannot capture from the device: " + err.Error(),
			Fix: "check that no other program holds the device and that the sample rate is supported"}}
	}
	var out []Finding
	for _, l := range levels {
		f := Finding{Check: "level " + l.Seat, Status: OK, Detail: fmt.Sprintf("RMS %.1f dBFS, peak %.1f dBFS", l.RMSdBFS, l.PeakdBFS)}
		switch {
		case math.IsInf(l.RMSdBFS, -1) || l.RMSdBFS < DeadMicDBFS:
			f.Status, f.Fix = Warn, "the microphone is silent: check its cable, mute switch and phantom power, then speak into it and run doctor again"
		case l.Clipped > 0 || l.PeakdBFS >= ClipPeakDBFS:
			f.Status, f.Fix = Warn, fmt.Sprintf("the microphone clips (%d samples at full scale): lower the gain on the interface", l.Clipped)
		}
		out = append(out, f)
	}
	return out
}

func checkDisk(cfg Config) Finding {
	if cfg.SpoolDir == "" {
		return Finding{Check: "disk", Status: Skip, Detail: "no spool directory given"}
	}
	// A spool directory that does not exist yet is fine: the agent creates it. Its free
	// space is that of the nearest folder above it that exists.
	dir, missing := existingAncestor(cfg.SpoolDir)
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return Finding{Check: "disk", Status: Fail, Detail: fmt.Sprintf("the spool %s cannot be created: %s is a file", cfg.SpoolDir, dir),
			Fix: "point --spool at a folder (it need not exist yet)"}
	}
	free, total, err := cfg.statfs(dir)
	if err != nil {
		return Finding{Check: "disk", Status: Fail, Detail: fmt.Sprintf("cannot read free space of %s: %v", dir, err),
			Fix: "create the spool directory and make it writable by the agent"}
	}
	seats := max(len(cfg.Seats), 1)
	perHour := float64(seats) * wire.SampleRate * 2 * 3600 * 2 // spool + local copy
	hours := float64(free) / perHour
	where := cfg.SpoolDir
	if missing {
		where = fmt.Sprintf("%s (not created yet; the agent creates it on %s)", cfg.SpoolDir, dir)
	}
	detail := fmt.Sprintf("%s free of %s on %s: about %.0f hours of %d seats (spool and local copy)", human(free), human(total), where, hours, seats)
	if free < MinSpoolBytes {
		return Finding{Check: "disk", Status: Fail, Detail: detail,
			Fix: "free space or point --spool at a larger disk: a network cut during a hearing needs room to spool"}
	}
	if hours < 24 {
		return Finding{Check: "disk", Status: Warn, Detail: detail, Fix: "less than a day of audio fits: archive or delete old local copies"}
	}
	return Finding{Check: "disk", Status: OK, Detail: detail}
}

// existingAncestor returns dir itself when it exists, else the nearest folder above it that
// exists, and whether dir was missing.
func existingAncestor(dir string) (string, bool) {
	d := filepath.Clean(dir)
	for {
		if _, err := os.Stat(d); err == nil {
			return d, d != filepath.Clean(dir)
		}
		up := filepath.Dir(d)
		if up == d {
			return filepath.Clean(dir), false
		}
		d = up
	}
}

// serverBase turns the agent's --server (ws://, wss://, http:// or https://) into the
// server's HTTP base URL.
func serverBase(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("--server %q is not a URL with a host", server)
	}
	switch u.Scheme {
	case "ws", "http":
		return "http://" + u.Host, nil
	case "wss", "https":
		return "https://" + u.Host, nil
	}
	return "", fmt.Errorf("--server %q: the scheme must be ws://, wss://, http:// or https://", server)
}

func checkServer(ctx context.Context, cfg Config) []Finding {
	if cfg.Server == "" {
		return []Finding{{Check: "server", Status: Skip, Detail: "no server given"}}
	}
	base, err := serverBase(cfg.Server)
	if err != nil {
		return []Finding{{Check: "server", Status: Fail, Detail: err.Error(),
			Fix: "use ws://HOST:PORT (or wss:// with TLS); http:// and https:// work too"}}
	}
	sent := cfg.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	resp, err := cfg.Client.Do(req)
	received := cfg.Now()
	if err != nil {
		fix := "check the network cable, the server address and port, and the firewall"
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			fix = "the server does not answer: is `courtscribe server` running and reachable from this room?"
		}
		return []Finding{{Check: "server", Status: Fail, Detail: "cannot reach " + base + ": " + err.Error(), Fix: fix}}
	}
	resp.Body.Close()
	rtt := received.Sub(sent)
	out := []Finding{}
	if resp.StatusCode != http.StatusOK {
		out = append(out, Finding{Check: "server", Status: Warn, Detail: fmt.Sprintf("%s/readyz answered %s", base, resp.Status),
			Fix: "the server is starting or its disk is full; see its log and /metrics"})
	} else {
		out = append(out, Finding{Check: "server", Status: OK, Detail: fmt.Sprintf("%s ready (round trip %s)", base, rtt.Round(time.Millisecond))})
	}
	if f, ok := clockFinding(resp.Header, sent, received, cfg.MaxSkew); ok {
		out = append(out, f)
	}
	return out
}

// clockFinding measures this PC's clock against the server's as NTP does: the server read
// its clock somewhere inside the round trip, so the offset is the server's time minus the
// midpoint of sent and received, uncertain by half the round trip. The server's
// X-Courtscribe-Time has nanoseconds; an older server's Date header has whole seconds (the
// true time lies in [Date, Date+1 s)), which adds half a second of uncertainty. A warning
// needs the skew to exceed maxSkew beyond the uncertainty.
func clockFinding(h http.Header, sent, received time.Time, maxSkew time.Duration) (Finding, bool) {
	rtt := received.Sub(sent)
	mid := sent.Add(rtt / 2)
	uncertain := rtt / 2
	var server time.Time
	how := "server clock"
	if v := h.Get(wire.ServerTimeHeader); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return Finding{}, false
		}
		server = t
	} else if d := h.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return Finding{}, false
		}
		server = t.Add(500 * time.Millisecond)
		uncertain += 500 * time.Millisecond
		how = "server's Date header, whole seconds"
	} else {
		return Finding{}, false
	}
	skew := mid.Sub(server) // positive: this PC is ahead
	f := Finding{Check: "clock", Status: OK,
		Detail: fmt.Sprintf("this PC differs from the server by %s (±%s, %s)", skew.Round(time.Millisecond), uncertain.Round(time.Millisecond), how)}
	if abs := max(skew, -skew); abs-uncertain > maxSkew {
		f.Status = Warn
		f.Fix = "synchronise the clock (enable NTP: timedatectl set-ntp true); hearing time is the sample clock, but wall-clock anchors and log times should agree"
	}
	return f, true
}

func statfs(path string) (free, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

func human(b uint64) string {
	const g = 1 << 30
	if b >= g {
		return fmt.Sprintf("%.1f GiB", float64(b)/g)
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
