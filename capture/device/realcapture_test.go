//go:build devicetest

package device

import "context"
import "fmt"
import "log/slog"
import "math"
import "math/rand/v2"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "slices"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// TestRealCapture plays a known 8-channel signal into a PulseAudio null sink, captures the
// sink's monitor through portaudio (ALSA host API → ALSA pulse plugin) with the real agent,
// streams it to the real ingest server, and checks that every seat's archived audio matches
// the channel that was played into it (normalised cross-correlation > 0.9 after alignment,
// and low against every other channel). scripts/device-test.sh starts PulseAudio and sets
// PULSE_SERVER and COURTSCRIBE_TEST_SINK.
func TestRealCapture(t *testing.T) {
	sink := os.Getenv("COURTSCRIBE_TEST_SINK")
	if os.Getenv("PULSE_SERVER") == "" || sink == "" {
		t.Skip("no PulseAudio test sink (run scripts/device-test.sh)")
	}
	const (
		rate     = 48000
		channels = 8
		seconds  = 4
	)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	dir := t.TempDir()

	// The signal: per channel, independent noise low-passed to ~6 kHz (so the 16 kHz archive
	// holds all of it), 200 ms of silence before it.
	sig := make([][]int16, channels)
	rng := rand.New(rand.NewPCG(7, 11))
	lead := rate / 5
	for c := range sig {
		sig[c] = make([]int16, lead+rate*seconds)
		var y1, y2 float64
		for i := lead; i < len(sig[c]); i++ {
			x := rng.NormFloat64() * 3000
			y1 += 0.55 * (x - y1) // two one-pole low-passes
			y2 += 0.55 * (y1 - y2)
			sig[c][i] = int16(max(-32000, min(32000, y2)))
		}
	}
	raw := make([]byte, 0, len(sig[0])*channels*2)
	for i := range sig[0] {
		for c := range sig {
			raw = append(raw, byte(sig[c][i]), byte(uint16(sig[c][i])>>8))
		}
	}
	rawPath := filepath.Join(dir, "signal.raw")
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	// The real server on loopback.
	data := filepath.Join(dir, "data")
	srv, err := ingest.New(ingest.Config{DataDir: data, Logger: log.With("part", "ingest")})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := srv.Tokens().Add("room-dev")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.CloseClientConnections()
		srv.Close(ctx)
		hs.Close()
	}()

	devs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("input devices: %+v", devs)
	src, err := Open(Options{Device: "pulse", Channels: channels, SampleRate: rate, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	// The agent keeps only the plugin of the device it captures from (see initializeForCapture).
	if mods := mappedALSAModules(t); !slices.Equal(mods, []string{"libasound_module_pcm_pulse.so"}) {
		t.Errorf("capturing from pulse, mapped ALSA plugin modules: %v; want only libasound_module_pcm_pulse.so", mods)
	}
	seats := make([]wire.Seat, channels)
	for c := range seats {
		seats[c] = wire.Seat{Name: fmt.Sprintf("seat%d", c+1), Channel: c + 1}
	}
	hearing := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- capture.RunAgent(ctx, capture.AgentConfig{Server: "ws" + strings.TrimPrefix(hs.URL, "http"), Token: token,
			Courtroom: "room-dev", Seats: seats, SpoolDir: filepath.Join(dir, "spool"), Logger: log,
			OnHearing: func(h string) { hearing <- h }}, src)
	}()
	time.Sleep(500 * time.Millisecond)
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	t.Logf("playing %d s of 8-channel audio into %s", seconds, sink)
	play := exec.CommandContext(pctx, "pacat", "--playback", "--raw", "--device="+sink, "--format=s16le",
		fmt.Sprintf("--rate=%d", rate), fmt.Sprintf("--channels=%d", channels),
		"--channel-map=front-left,front-right,rear-left,rear-right,front-center,lfe,side-left,side-right", rawPath)
	if out, err := play.CombinedOutput(); err != nil {
		cancel()
		<-done
		t.Fatalf("pacat: %v\n%s", err, out)
	}
	t.Log("playback finished")
	time.Sleep(700 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("agent: %v", err)
	}
	h := <-hearing
	if gaps, _ := archive.ReadGaps(data, h); len(gaps) != 0 {
		t.Errorf("gaps in a healthy capture: %+v", gaps)
	}
	if d := src.Dropped(); d != 0 {
		t.Errorf("queue dropped %d frames", d)
	}
	t.Logf("portaudio reported %d input overflows", src.Overflows())

	// What each seat should hold: the played channel at 16 kHz.
	want := make([][]float64, channels)
	for c := range sig {
		r, _ := capture.NewResampler(rate, wire.SampleRate, 1)
		in := make([]float32, len(sig[c]))
		for i, v := range sig[c] {
			in[i] = float32(v)
		}
		out, _ := r.Process([][]float32{in}, [][]float32{nil})
		want[c] = make([]float64, len(out[0]))
		for i, v := range out[0] {
			want[c][i] = float64(v)
		}
	}
	got := make([][]float64, channels)
	for c, s := range seats {
		a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(data, h), archive.AudioDir, s.Name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		got[c] = make([]float64, len(a.Channels[0]))
		for i, v := range a.Channels[0] {
			got[c][i] = float64(v)
		}
	}
	// Coarse alignment: the onset of channel 1 in the archive; then the best lag near it.
	onset := -1
	for i, v := range got[0] {
		if math.Abs(v) > 1500 {
			onset = i
			break
		}
	}
	if onset < 0 {
		t.Fatalf("no signal in the archive of seat1 (%d samples): did the capture reach the sink monitor?", len(got[0]))
	}
	wantOnset := lead * wire.SampleRate / rate
	best, bestLag := -2.0, 0
	for lag := onset - wantOnset - 400; lag <= onset-wantOnset+400; lag++ {
		if r := ncc(want[0], got[0], lag); r > best {
			best, bestLag = r, lag
		}
	}
	t.Logf("alignment: archive lags the signal by %d samples (%.1f ms); archive holds %.2f s", bestLag, float64(bestLag)/16, float64(len(got[0]))/wire.SampleRate)
	for c := range seats {
		r := ncc(want[c], got[c], bestLag)
		t.Logf("seat%d: correlation with its channel %.4f", c+1, r)
		if r < 0.9 {
			t.Errorf("seat%d: correlation %.3f with the channel played into it, want > 0.9", c+1, r)
		}
		other := (c + 1) % channels
		if x := ncc(want[other], got[c], bestLag); math.Abs(x) > 0.3 {
			t.Errorf("seat%d: correlation %.3f with channel %d: channels are mixed up", c+1, x, other+1)
		}
	}
}

// ncc is the normalised cross-correlation of a and b where b[i+lag] lines up with a[i].
func ncc(a, b []float64, lag int) float64 {
	var ab, aa, bb float64
	for i := range a {
		j := i + lag
		if j < 0 || j >= len(b) {
			continue
		}
		ab += a[i] * b[j]
		aa += a[i] * a[i]
		bb += b[j] * b[j]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// TestOpenByIndexAndName: every input device that List shows (what `courtscribe devices`
// prints) opens by its index and by its exact name as that same device, although the capture
// path unloads ALSA's plugin modules between the enumeration and opening the stream.
func TestOpenByIndexAndName(t *testing.T) {
	if os.Getenv("PULSE_SERVER") == "" {
		t.Skip("no PulseAudio test server (run scripts/device-test.sh)")
	}
	devs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range devs {
		names = append(names, d.Name)
	}
	for _, want := range []string{"pulse", "default"} {
		if !slices.Contains(names, want) {
			t.Errorf("List has no %q device: %q", want, names)
		}
	}
	for _, d := range devs {
		for _, sel := range []string{strconv.Itoa(d.Index), d.Name} {
			src, err := Open(Options{Device: sel, Channels: 1})
			if err != nil {
				t.Errorf("Open(%q): %v", sel, err)
				continue
			}
			if got := src.Info(); got.Index != d.Index || got.Name != d.Name {
				t.Errorf("Open(%q) opened %d %q, want %d %q", sel, got.Index, got.Name, d.Index, d.Name)
			}
			if _, err := src.Read(context.Background()); err != nil {
				t.Errorf("Open(%q): reading: %v", sel, err)
			}
			if err := src.Close(); err != nil {
				t.Errorf("Open(%q): close: %v", sel, err)
			}
		}
	}
}
