package ingest

import "context"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "errors"
import "io"
import "net/http"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestStreamCloseManifest(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(4, wire.SampleRate*3+123, 1) // a short last frame too
	a := r.agent("s-close", pcm)
	a.Gaps = map[int]uint8{5: wire.GapOverflow, 6: wire.GapOverflow, 20: wire.GapAgentDown}
	a.CloseHearing = true
	res, err := a.Run(ctxT(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Hearing, "room1-") {
		t.Fatalf("server-named hearing %q", res.Hearing)
	}
	want := a.Expected()
	checkArchive(t, r.dir, res.Hearing, fourSeats, want)

	m := waitManifest(t, r.dir, res.Hearing)
	if m.Samples != int64(len(pcm[0])) || len(m.Files) != 4 {
		t.Fatalf("manifest: %d samples, %d files", m.Samples, len(m.Files))
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(archive.HearingDir(r.dir, res.Hearing), f.Path))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || f.Samples != m.Samples {
			t.Fatalf("manifest entry %+v does not match the file", f)
		}
	}
	wantGaps := []archive.GapRecord{{FirstSample: 5 * 1600, Samples: 1600, Reason: "overflow"}, {FirstSample: 6 * 1600, Samples: 1600, Reason: "overflow"}, {FirstSample: 20 * 1600, Samples: 1600, Reason: "agent-down"}}
	if len(m.Gaps) != len(wantGaps) {
		t.Fatalf("manifest gaps %+v", m.Gaps)
	}
	gaps, err := archive.ReadGaps(r.dir, res.Hearing)
	if err != nil || len(gaps) != 3 {
		t.Fatalf("gaps.jsonl: %+v %v", gaps, err)
	}
	for i, g := range wantGaps {
		if gaps[i].FirstSample != g.FirstSample || gaps[i].Samples != g.Samples || gaps[i].Reason != g.Reason {
			t.Fatalf("gap %d: %+v want %+v", i, gaps[i], g)
		}
	}
	var info archive.HearingInfo
	if err := archive.ReadJSON(filepath.Join(archive.HearingDir(r.dir, res.Hearing), archive.HearingFile), &info); err != nil || info.Courtroom != "room1" || info.Session != "s-close" || len(info.Seats) != 4 {
		t.Fatalf("hearing.json %+v %v", info, err)
	}

	// The listener saw the same audio, in order, and the close.
	eventually(t, 5*time.Second, "listener told of the close", func() bool {
		r.rec.mu.Lock()
		defer r.rec.mu.Unlock()
		return len(r.rec.closed) == 1
	})
	r.rec.mu.Lock()
	got, bad := r.rec.audio[res.Hearing], r.rec.bad
	r.rec.mu.Unlock()
	if bad != "" {
		t.Fatalf("listener: %s", bad)
	}
	for i := range want {
		if testrig.HashPCM(got[i]) != testrig.HashPCM(want[i]) {
			t.Fatalf("listener audio of seat %d differs", i)
		}
	}

	// A closed hearing refuses new audio.
	b := r.agent("s-close", pcm)
	_, err = b.Run(ctxT(t, 10*time.Second))
	var we *wire.Error
	if !errorsAs(err, &we) || we.Code != wire.CodeClosed {
		t.Fatalf("hello to a closed hearing: %v", err)
	}
	// Closing again returns the same manifest.
	m2, err := r.srv.CloseHearing(context.Background(), res.Hearing)
	if err != nil || m2.Files[0].SHA256 != m.Files[0].SHA256 {
		t.Fatalf("second close: %v", err)
	}
}

func TestProxyCutsLoseNothing(t *testing.T) {
	r := newRig(t)
	p, err := ingesttest.NewProxy(strings.TrimPrefix(r.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pcm := testPCM(4, wire.SampleRate*20, 2)
	a := r.agent("s-proxy", pcm)
	a.URL = "ws://" + p.Addr() + AgentPath
	a.Window = 8
	a.Pace = 8 // 20 s of audio in 2.5 s
	a.CloseHearing = true
	stopCuts := p.CutEvery(300 * time.Millisecond)
	res, err := a.Run(ctxT(t, 60*time.Second))
	stopCuts()
	if err != nil {
		t.Fatal(err)
	}
	if p.Cuts() < 3 {
		t.Fatalf("only %d cuts happened; the test must cut several times", p.Cuts())
	}
	t.Logf("%d cuts, %d reconnects", p.Cuts(), res.Reconnects)
	checkArchive(t, r.dir, res.Hearing, fourSeats, a.Expected())
}

// TestDuplicateAndOverlap sends frames with other boundaries than the stored ones.
func TestDuplicateAndOverlap(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(2, 16000, 3)
	seats := fourSeats[:2]
	hello := wire.Hello{Type: wire.TypeHello, Protocol: 1, Session: "s-dup", Courtroom: "room1", Seats: seats,
		Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: 2}}
	frame := func(seq uint64, first, n int) []byte {
		f := &wire.Frame{Kind: wire.KindAudio, Channels: 2, Seq: seq, FirstSample: int64(first), Samples: n,
			PCM: [][]int16{pcm[0][first : first+n], pcm[1][first : first+n]}}
		b, err := wire.EncodeFrame(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ws, w := r.hello(hello)
	if w.NextSample != 0 {
		t.Fatalf("welcome %+v", w)
	}
	send(t, ws, frame(1, 0, 4000))
	send(t, ws, frame(2, 4000, 4000))
	waitAck(t, ws, 2)
	ws.Close()

	ws, w = r.hello(hello)
	if w.NextSample != 8000 || w.LastSeq != 2 {
		t.Fatalf("welcome after reconnect %+v", w)
	}
	send(t, ws, frame(3, 2000, 2000)) // pure duplicate
	send(t, ws, frame(4, 6000, 5000)) // overlaps: only 8000..11000 is new
	send(t, ws, frame(5, 11000, 5000))
	waitAck(t, ws, 5)
	ws.Close()
	eventually(t, 5*time.Second, "disconnect", func() bool { return r.srv.Status().AgentsConnected == 0 })
	if _, err := r.srv.CloseHearing(context.Background(), w.Hearing); err != nil {
		t.Fatal(err)
	}
	checkArchive(t, r.dir, w.Hearing, seats, pcm)
}

func send(t *testing.T, ws *websocket.Conn, b []byte) {
	t.Helper()
	if err := ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
}

func waitAck(t *testing.T, ws *websocket.Conn, seq uint64) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		v, err := ingesttest.ReadServer(ws)
		if err != nil {
			t.Fatalf("waiting for ack %d: %v", seq, err)
		}
		switch m := v.(type) {
		case *wire.Ack:
			if m.Seq >= seq {
				return
			}
		case *wire.Error:
			t.Fatalf("waiting for ack %d: %v", seq, m)
		}
	}
}

// hello connects with r's token and expects a Welcome.
func (r *rig) hello(h wire.Hello) (*websocket.Conn, *wire.Welcome) {
	r.t.Helper()
	ws, v := r.helloRaw(r.token, mustJSON(h))
	w, ok := v.(*wire.Welcome)
	if !ok {
		r.t.Fatalf("hello: got %v", v)
	}
	return ws, w
}

func (r *rig) helloRaw(token string, msg []byte) (*websocket.Conn, any) {
	r.t.Helper()
	ws, err := ingesttest.Dial(context.Background(), r.url(), token)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { ws.Close() })
	if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		r.t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	v, err := ingesttest.ReadServer(ws)
	if err != nil {
		r.t.Fatalf("reading the answer to hello: %v", err)
	}
	return ws, v
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestMetricsHealthStatus(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(4, 16000, 4)
	hello := r.agent("s-metrics", pcm).Hello()
	ws, w := r.hello(hello)
	lv := wire.Levels{Type: wire.TypeLevels, AtSample: 0, SpoolBytes: 4096, Unacked: 2,
		Seats: []wire.SeatLevel{{Seat: "judge", RMSdBFS: -20, PeakdBFS: -3}}}
	ws.WriteMessage(websocket.TextMessage, mustJSON(lv))
	ws.WriteMessage(websocket.TextMessage, mustJSON(wire.Alarm{Type: wire.TypeAlarm, Code: wire.AlarmOverflow, Message: "input overflow", Samples: 160}))
	a := r.agent("s-metrics", pcm)
	send(t, ws, mustFrame(t, a.Frame(0)))
	waitAck(t, ws, 1)
	var hs HearingStatus
	eventually(t, 5*time.Second, "status with levels and alarm", func() bool {
		st := r.srv.Status()
		if st.AgentsConnected != 1 || len(st.Hearings) != 1 {
			return false
		}
		hs = st.Hearings[0]
		return len(hs.Levels) == 1 && len(hs.Alarms) == 1
	})
	if !hs.Connected || hs.Hearing != w.Hearing || hs.SpoolBytes != 4096 || hs.DurableSamples != 1600 || hs.LastFrameAt.IsZero() {
		t.Fatalf("status %+v", hs)
	}
	if _, err := json.Marshal(r.srv.Status()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": "courtscribe_ingest_frames_total{kind=\"audio\"} 1",
	} {
		resp, err := http.Get(r.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d %q lacks %q", path, resp.StatusCode, b, want)
		}
		if path != "/metrics" {
			// doctor measures clock skew against this, so it must be the server's clock to
			// the millisecond, not the Date header's whole seconds.
			st, err := time.Parse(time.RFC3339Nano, resp.Header.Get(wire.ServerTimeHeader))
			if err != nil || time.Since(st).Abs() > 2*time.Second || st.Nanosecond() == 0 {
				t.Fatalf("%s: %s %q: %v", path, wire.ServerTimeHeader, resp.Header.Get(wire.ServerTimeHeader), err)
			}
		}
	}
	resp, _ := http.Get(r.http.URL + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"courtscribe_ingest_agents_connected 1", "courtscribe_ingest_ack_latency_seconds_count 1",
		"courtscribe_ingest_archived_bytes_total 12800", "courtscribe_ingest_gaps_total 0", "courtscribe_ingest_agent_alarms_total{code=\"overflow\"} 1"} {
		if !strings.Contains(string(b), name) {
			t.Fatalf("/metrics lacks %q", name)
		}
	}
}

func mustFrame(t *testing.T, f *wire.Frame) []byte {
	b, err := wire.EncodeFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCloseHearingMethod closes a hearing from Go while its agent streams.
func TestCloseHearingMethod(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(4, 16000, 5)
	a := r.agent("s-gone", pcm)
	ws, w := r.hello(a.Hello())
	send(t, ws, mustFrame(t, a.Frame(0)))
	send(t, ws, mustFrame(t, a.Frame(1)))
	waitAck(t, ws, 2)
	m, err := r.srv.CloseHearing(context.Background(), w.Hearing)
	if err != nil {
		t.Fatal(err)
	}
	if m.Samples != 3200 {
		t.Fatalf("manifest samples %d", m.Samples)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, err := ingesttest.ReadServer(ws)
	if e, ok := v.(*wire.Error); !ok || e.Code != wire.CodeClosed {
		t.Fatalf("agent of a closed hearing got %v %v", v, err)
	}
	want := [][]int16{pcm[0][:3200], pcm[1][:3200], pcm[2][:3200], pcm[3][:3200]}
	checkArchive(t, r.dir, w.Hearing, fourSeats, want)
}

// TestRestartRecovery leaves files as a crash would (one seat longer than the others, a torn
// gap line) and proves the restarted server aligns them and the agent completes exactly.
func TestRestartRecovery(t *testing.T) {
	dir := t.TempDir()
	r := newRigDir(t, dir)
	pcm := testPCM(4, wire.SampleRate*2, 6)
	a := r.agent("s-crash", pcm)
	ws, w := r.hello(a.Hello())
	for i := 0; i < 5; i++ {
		send(t, ws, mustFrame(t, a.Frame(i)))
	}
	waitAck(t, ws, 5)
	ws.Close()
	r.stop()

	hdir := archive.HearingDir(dir, w.Hearing)
	// An unacknowledged batch reached one seat file only, and half of a sample more.
	f, err := os.OpenFile(filepath.Join(hdir, archive.AudioDir, "clerk.wav"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 3201))
	f.Close()
	// A gap record beyond the durable audio and a torn line.
	os.WriteFile(filepath.Join(hdir, archive.GapsFile), []byte(`{"first_sample":8000,"samples":1600,"reason":"overflow"}`+"\n"+`{"first_sam`), 0o644)

	r2 := newRigDir(t, dir)
	a.URL, a.Token = r2.url(), r2.token
	a.Hearing = w.Hearing
	var welcomes []wire.Welcome
	a.OnWelcome = func(w wire.Welcome) { welcomes = append(welcomes, w) }
	a.CloseHearing = true
	res, err := a.Run(ctxT(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(welcomes) == 0 || welcomes[0].NextSample != 8000 || welcomes[0].LastSeq != 5 {
		t.Fatalf("welcome after restart %+v", welcomes)
	}
	checkArchive(t, dir, res.Hearing, fourSeats, pcm)
	gaps, _ := archive.ReadGaps(dir, res.Hearing)
	if len(gaps) != 0 {
		t.Fatalf("stale gap records survived recovery: %+v", gaps)
	}
}

func TestSessionTakeover(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(4, 16000, 7)
	a := r.agent("s-take", pcm)
	ws1, _ := r.hello(a.Hello())
	send(t, ws1, mustFrame(t, a.Frame(0)))
	waitAck(t, ws1, 1)
	// A second connection of the same session (the first is half-open) takes over.
	ws2, w2 := r.hello(a.Hello())
	if w2.LastSeq != 1 || w2.NextSample != 1600 {
		t.Fatalf("welcome %+v", w2)
	}
	ws1.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, _ := ingesttest.ReadServer(ws1)
	if e, ok := v.(*wire.Error); !ok || e.Code != wire.CodeBusy {
		t.Fatalf("replaced connection got %v", v)
	}
	send(t, ws2, mustFrame(t, a.Frame(1)))
	waitAck(t, ws2, 2)
}

func errorsAs(err error, we **wire.Error) bool {
	return errors.As(err, we)
}

func waitManifest(t *testing.T, dir, hearing string) *archive.Manifest {
	t.Helper()
	var m *archive.Manifest
	eventually(t, 10*time.Second, "manifest of "+hearing, func() bool {
		var err error
		m, err = archive.ReadManifest(dir, hearing)
		return err == nil
	})
	return m
}

// TestEndUnloadsAndResumes: End without close_hearing closes the hearing's files when the agent
// leaves; the same session can come back and continue.
func TestEndUnloadsAndResumes(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(4, wire.SampleRate*2, 8)
	a := r.agent("s-unload", pcm)
	a.PCM = [][]int16{pcm[0][:16000], pcm[1][:16000], pcm[2][:16000], pcm[3][:16000]}
	res, err := a.Run(ctxT(t, 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "hearing files closed", func() bool { return len(r.srv.Status().Hearings) == 0 })
	if _, err := archive.ReadManifest(r.dir, res.Hearing); err == nil {
		t.Fatal("End without close_hearing must not close the hearing")
	}
	a.PCM = pcm
	var ws []wire.Welcome
	a.OnWelcome = func(x wire.Welcome) { ws = append(ws, x) }
	a.CloseHearing = true
	if _, err := a.Run(ctxT(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 || ws[0].NextSample != 16000 || ws[0].LastSeq != 10 || ws[0].Hearing != res.Hearing {
		t.Fatalf("welcomes on resume %+v", ws)
	}
	checkArchive(t, r.dir, res.Hearing, fourSeats, pcm)
}

// gate is a listener that blocks the writer until opened, like a stuck downstream stage.
type gate struct {
	recorder
	open chan struct{}
	once sync.Once
}

// release lets the listener go; safe to call twice, so a failing test still shuts down.
func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) Audio(hearing string, first int64, pcm [][]int16) {
	<-g.open
	g.recorder.Audio(hearing, first, pcm)
}

// TestBacklogBounded: when the archive cannot keep up, the server stops reading instead of
// buffering without limit; nothing is lost once it catches up.
func TestBacklogBounded(t *testing.T) {
	dir := t.TempDir()
	g := &gate{open: make(chan struct{})}
	cfg := DefaultConfig(dir)
	cfg.Listener = g
	cfg.ListenerQueue = 2 // a stuck listener soon stalls the writer
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() {
		g.release() // a failed check must not leave the writer waiting on the listener
		srv.Close(context.Background())
		hs.Close()
	}()
	tok, _, _ := srv.Tokens().Add("room1")
	pcm := testPCM(4, wire.SampleRate*40, 10) // well past the 20 s bound, however much the writer stored before the listener stalled it
	a := &ingesttest.Agent{URL: "ws" + strings.TrimPrefix(hs.URL, "http") + AgentPath, Token: tok, Courtroom: "room1",
		Session: "s-backlog", Seats: fourSeats, PCM: pcm, FrameSamples: 16000, Window: 1000}
	done := make(chan error, 1)
	go func() { _, err := a.Run(ctxT(t, 30*time.Second)); done <- err }()
	var h *hearing
	eventually(t, 60*time.Second, "backlog to build", func() bool {
		srv.mu.Lock()
		for _, x := range srv.hearings {
			h = x
		}
		srv.mu.Unlock()
		if h == nil {
			return false
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.accepted-h.durable > MaxBacklogSamples
	})
	time.Sleep(300 * time.Millisecond)
	h.mu.Lock()
	backlog := h.accepted - h.durable
	h.mu.Unlock()
	if backlog > MaxBacklogSamples+16000 {
		t.Fatalf("backlog %d samples exceeds the bound %d", backlog, MaxBacklogSamples)
	}
	g.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkArchive(t, dir, a.Hearing, fourSeats, pcm)
}

// TestSlowListenerDoesNotDelayAcks: acks come from durability alone; a listener that is stuck
// gets everything, in order, once it moves again.
func TestSlowListenerDoesNotDelayAcks(t *testing.T) {
	dir := t.TempDir()
	g := &gate{open: make(chan struct{})}
	cfg := DefaultConfig(dir)
	cfg.Listener = g
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() {
		g.release()
		srv.Close(context.Background())
		hs.Close()
	}()
	tok, _, _ := srv.Tokens().Add("room1")
	pcm := testPCM(4, wire.SampleRate*4, 11)
	a := &ingesttest.Agent{URL: "ws" + strings.TrimPrefix(hs.URL, "http") + AgentPath, Token: tok, Courtroom: "room1",
		Session: "s-slow", Seats: fourSeats, PCM: pcm, Window: 8}
	if _, err := a.Run(ctxT(t, 20*time.Second)); err != nil { // every frame acked with the listener stuck
		t.Fatal(err)
	}
	g.release()
	eventually(t, 10*time.Second, "listener to catch up", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.next[a.Hearing] == int64(len(pcm[0]))
	})
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bad != "" {
		t.Fatal(g.bad)
	}
	for i := range pcm {
		if testrig.HashPCM(g.audio[a.Hearing][i]) != testrig.HashPCM(pcm[i]) {
			t.Fatalf("listener audio of seat %d differs", i)
		}
	}
}

// /readyz names the transcription engine and how it runs when the server has one.
func TestReadyzEngineInfo(t *testing.T) {
	cfg := DefaultConfig(t.TempDir())
	cfg.ReadyInfo = func() string { return "engine: whisper base · GPU CUDA0\nwhisper system: CUDA : ARCHS = 900" }
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { srv.Close(context.Background()); hs.Close() }()
	resp, err := http.Get(hs.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ready\nengine: whisper base · GPU CUDA0\nwhisper system: CUDA : ARCHS = 900\n" {
		t.Errorf("/readyz: %d %q", resp.StatusCode, b)
	}
}
