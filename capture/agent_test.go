package capture

import "context"
import "errors"
import "io"
import "log/slog"
import "math"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// writeTestWAV writes a multichannel WAV whose channels carry different tones and noise.
func writeTestWAV(t *testing.T, path string, rate, chans int, seconds float64) [][]int16 {
	t.Helper()
	n := int(float64(rate) * seconds)
	pcm := make([][]int16, chans)
	for c := range pcm {
		pcm[c] = make([]int16, n)
		f := 220.0 * float64(c+1)
		for i := range pcm[c] {
			v := 8000*math.Sin(2*math.Pi*f*float64(i)/float64(rate)) + float64((i*7919+c*104729)%2001-1000)
			pcm[c][i] = int16(v)
		}
	}
	if err := wavfile.WriteMulti(path, rate, pcm); err != nil {
		t.Fatal(err)
	}
	return pcm
}

// pacedTestReplay writes a test WAV (see writeTestWAV) into dir and opens it as a replay paced
// at real time, like a microphone.
func pacedTestReplay(t *testing.T, dir string, rate, chans int, seconds float64) (*Replay, [][]int16) {
	t.Helper()
	src := filepath.Join(dir, "hearing.wav")
	pcm := writeTestWAV(t, src, rate, chans, seconds)
	rep, err := OpenReplay(src, true, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rep, pcm
}

// expected16k is what the agent must deliver for one channel: the whole channel through a
// fresh resampler, rounded to int16.
func expected16k(t *testing.T, rate int, ch []int16) []int16 {
	r, err := NewResampler(rate, 16000, 1)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, len(ch))
	for i, v := range ch {
		in[i] = float32(v)
	}
	out, _ := r.Process([][]float32{in}, [][]float32{nil})
	res := make([]int16, len(out[0]))
	for i, v := range out[0] {
		res[i] = int16(max(-32768, min(32767, math.Round(float64(v)))))
	}
	return res
}

func TestAgentDeliversEverySampleAcrossDrops(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "hearing.wav")
	pcm := writeTestWAV(t, src, 48000, 3, 6)
	srv := newWireServer(t, "tok")
	srv.dropAfter = []int{3, 1, 7, 2, 5, 4}
	srv.staleWelcome = true
	rep, err := OpenReplay(src, false, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var hearing string
	seats := []wire.Seat{{Name: "judge", Channel: 3}, {Name: "witness", Channel: 1}}
	cfg := AgentConfig{Server: srv.URL(), Token: "tok", Courtroom: "room-7", Seats: seats,
		SpoolDir: filepath.Join(dir, "spool"), MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Logger: testLogger(t), OnHearing: func(h string) { hearing = h }, FrameSamples: 1600}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := RunAgent(ctx, cfg, rep); err != nil {
		t.Fatal(err)
	}
	id, ss := srv.only()
	if hearing != "h-1" || ss.hearing != "h-1" {
		t.Errorf("hearing reported %q, server named %q", hearing, ss.hearing)
	}
	if srv.drops != len(srv.dropAfter) || ss.duplicates == 0 {
		t.Fatalf("server dropped %d connections and saw %d duplicates; the test must exercise resume", srv.drops, ss.duplicates)
	}
	if ss.ended == nil || ss.ended.LastSeq != ss.lastSeq || ss.ended.EndSample != ss.next {
		t.Fatalf("End %+v, server at seq %d sample %d", ss.ended, ss.lastSeq, ss.next)
	}
	for i, s := range seats {
		want := expected16k(t, 48000, pcm[s.Channel-1])
		got := ss.pcm[i]
		if len(got) != len(want) || len(want) != 6*16000 {
			t.Fatalf("seat %s: server holds %d samples, want %d (= 6 s)", s.Name, len(got), len(want))
		}
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("seat %s sample %d: server %d, want %d", s.Name, k, got[k], want[k])
			}
		}
		local, err := wavfile.ReadFile(filepath.Join(cfg.SpoolDir, "local-copy", id, s.Name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		if len(local.Channels[0]) != len(want) || local.Channels[0][12345] != want[12345] {
			t.Fatalf("seat %s: local copy has %d samples", s.Name, len(local.Channels[0]))
		}
	}
	// The session ended: the next start begins a new session in the same spool.
	sp, err := OpenSpool(cfg.SpoolDir, SpoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if st := sp.State(); !st.Ended || st.Hearing != "h-1" || sp.Unacked() != 0 {
		t.Fatalf("spool after the end: %+v, %d unacked", st, sp.Unacked())
	}
}

// overflowSource is a fake device (the outermost boundary): it delivers blocks of a sine and
// reports an input overflow before one of them.
type overflowSource struct {
	rate, blocks, lostAt int
	lost                 int64
	i                    int
	t0                   time.Time
	buf                  []int16
}

func (s *overflowSource) Format() Format { return Format{SampleRate: s.rate, Channels: 2} }
func (s *overflowSource) Close() error   { return nil }
func (s *overflowSource) Read(ctx context.Context) (Block, error) {
	if s.i == s.blocks {
		return Block{}, io.EOF
	}
	n := s.rate / 100
	s.buf = s.buf[:0]
	for k := 0; k < n; k++ {
		v := int16(10000 * math.Sin(float64(s.i*n+k)/7))
		s.buf = append(s.buf, v, -v)
	}
	b := Block{Data: s.buf, Frames: n, Wall: s.t0.Add(time.Duration(s.i) * 10 * time.Millisecond)}
	if s.i == s.lostAt {
		b.Lost = s.lost
	}
	s.i++
	return b, nil
}

func TestAgentOverflowBecomesGap(t *testing.T) {
	dir := t.TempDir()
	srv := newWireServer(t, "tok")
	src := &overflowSource{rate: 44100, blocks: 200, lostAt: 50, lost: 4410, t0: time.Now()}
	cfg := AgentConfig{Server: srv.URL(), Token: "tok", Courtroom: "room-1", Hearing: "hx",
		Seats: []wire.Seat{{Name: "clerk", Channel: 2}}, SpoolDir: dir, Logger: testLogger(t)}
	if err := RunAgent(context.Background(), cfg, src); err != nil {
		t.Fatal(err)
	}
	_, ss := srv.only()
	if len(ss.gaps) != 1 || ss.gaps[0].Reason != wire.GapOverflow || ss.gaps[0].Samples != 1600 {
		t.Fatalf("gaps %+v, want one overflow gap of 1600 samples (100 ms)", ss.gaps)
	}
	// 200 blocks of 10 ms plus 100 ms lost: the timeline is exactly 2.1 s long.
	if ss.next != 33600 {
		t.Fatalf("timeline ends at %d, want 33600", ss.next)
	}
	if g := ss.gaps[0]; g.FirstSample < 50*160-2 || g.FirstSample > 50*160+2 {
		t.Fatalf("gap starts at %d, want about %d", g.FirstSample, 50*160)
	}
	var found bool
	for _, a := range ss.alarms {
		found = found || (a.Code == wire.AlarmOverflow && a.Samples == 1600)
	}
	if !found {
		t.Fatalf("no overflow alarm reached the server: %+v", ss.alarms)
	}
}

func TestAgentRefusedTokenIsPermanent(t *testing.T) {
	dir := t.TempDir()
	srv := newWireServer(t, "right")
	rep, _ := pacedTestReplay(t, dir, 16000, 1, 1)
	cfg := AgentConfig{Server: srv.URL(), Token: "wrong", Courtroom: "room-1",
		Seats: []wire.Seat{{Name: "judge", Channel: 1}}, SpoolDir: dir, Logger: testLogger(t)}
	start := time.Now()
	err := RunAgent(context.Background(), cfg, rep)
	var perm *PermanentError
	if !errors.As(err, &perm) || time.Since(start) > 5*time.Second {
		t.Fatalf("wrong token: %v after %v, want a prompt permanent error", err, time.Since(start))
	}
	// The local copy kept what was captured meanwhile, and the spool holds it for a retry.
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		t.Fatal(err)
	}
}

func TestAgentSendsLevelsAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	srv := newWireServer(t, "tok")
	rep, _ := pacedTestReplay(t, dir, 32000, 2, 10)
	cfg := AgentConfig{Server: srv.URL(), Token: "tok", Courtroom: "room-1",
		Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}}, SpoolDir: dir,
		LevelInterval: 200 * time.Millisecond, Logger: testLogger(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if err := RunAgent(ctx, cfg, rep); err != nil {
		t.Fatalf("a stop by the context after delivering everything should be clean: %v", err)
	}
	_, ss := srv.only()
	if ss.levels < 4 {
		t.Fatalf("%d levels messages in 1.5 s at 200 ms", ss.levels)
	}
	if ss.ended == nil || ss.next < 16000 || ss.next > 26000 {
		t.Fatalf("stopped after ~1.5 s of real-time replay: end %+v at sample %d", ss.ended, ss.next)
	}
}

// A server that stops acknowledging fills the spool: the agent raises spool_high and then
// spool_full, keeps the audio in the local copy, sends what did not fit as an explicit gap,
// and the timeline stays exact.
func TestAgentSpoolLimitAlarmsAndGap(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "h.wav")
	pcm := writeTestWAV(t, src, 16000, 1, 4)
	srv := newWireServer(t, "tok")
	hold := make(chan struct{})
	srv.holdAcks = hold
	released := false
	srv.onAlarm = func(a wire.Alarm) {
		if a.Code == wire.AlarmSpoolFull && !released {
			released = true // half a second of audio more goes past the full spool
			time.AfterFunc(500*time.Millisecond, func() { close(hold) })
		}
	}
	rep, _ := OpenReplay(src, true, nil, 0)
	frame := int64(recHeader + wire.HeaderSize + 2*1600)
	cfg := AgentConfig{Server: srv.URL(), Token: "tok", Courtroom: "room-1", Seats: []wire.Seat{{Name: "judge", Channel: 1}},
		SpoolDir: filepath.Join(dir, "spool"), SpoolLimit: 6 * frame, FrameSamples: 1600, Logger: testLogger(t)}
	if err := RunAgent(context.Background(), cfg, rep); err != nil {
		t.Fatal(err)
	}
	id, ss := srv.only()
	var high, full bool
	for _, a := range ss.alarms {
		high = high || a.Code == wire.AlarmSpoolHigh
		full = full || a.Code == wire.AlarmSpoolFull
	}
	if !high || !full {
		t.Fatalf("alarms %+v: want spool_high and spool_full", ss.alarms)
	}
	if ss.next != int64(len(pcm[0])) {
		t.Fatalf("timeline ends at %d, the source has %d samples", ss.next, len(pcm[0]))
	}
	var gapped int64
	for _, g := range ss.gaps {
		if g.Reason != wire.GapOverflow {
			t.Fatalf("gap %+v: want reason overflow", g)
		}
		gapped += int64(g.Samples)
	}
	if gapped == 0 {
		t.Fatal("the spool was full but no gap reached the server")
	}
	for k, v := range ss.pcm[0] {
		inGap := false
		for _, g := range ss.gaps {
			inGap = inGap || (int64(k) >= g.FirstSample && int64(k) < g.End())
		}
		if !inGap && v != pcm[0][k] {
			t.Fatalf("sample %d outside the gaps: server %d, source %d", k, v, pcm[0][k])
		}
	}
	local, err := wavfile.ReadFile(filepath.Join(cfg.SpoolDir, "local-copy", id, "judge.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(local.Channels[0], pcm[0]) {
		t.Fatal("the local copy must keep all the audio, including what did not fit the spool")
	}
}
