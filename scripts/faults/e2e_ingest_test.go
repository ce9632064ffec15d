package faults

import "encoding/json"
import "os/exec"
import "path/filepath"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

var igSeats = []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}, {Name: "prosecutor", Channel: 3}, {Name: "defense", Channel: 4}}

func igAgent(url, token, session string, pcm [][]int16) *ingesttest.Agent {
	return &ingesttest.Agent{URL: url, Token: token, Courtroom: "court-7", Session: session, Seats: igSeats,
		PCM: pcm, FrameSamples: 1600, Window: 32}
}

// TestE2EIngestFourSeats: the server binary archives a 4-seat stream sample-exact and writes a
// manifest whose hashes match the files; SIGTERM drains cleanly.
func TestE2EIngestFourSeats(t *testing.T) {
	data, srv, tok := igCourt7(t)
	pcm := testrig.NoisePCM(4, wire.SampleRate*6+77, 1)
	a := igAgent("ws://"+srv.addr+ingest.AgentPath, tok, "e2e-four", pcm)
	a.Gaps = map[int]uint8{10: wire.GapOverflow}
	a.CloseHearing = true
	res, err := a.Run(testrig.Ctx(t, 60*time.Second))
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Out.String())
	}
	igCheckExact(t, data, res.Hearing, igSeats, a.Expected())
	var m *archive.Manifest
	testrig.Eventually(t, 10*time.Second, "manifest", func() bool {
		m, err = archive.ReadManifest(data, res.Hearing)
		return err == nil
	})
	if len(m.Files) != 4 || m.Samples != int64(len(pcm[0])) || len(m.Gaps) != 1 || m.Gaps[0].FirstSample != 16000 {
		t.Fatalf("manifest %+v", m)
	}
	srv.Stop(t)
}

// igCourt7 starts a server binary on a fresh data directory and a free port, with an agent
// token for courtroom court-7.
func igCourt7(t *testing.T) (data string, srv *server, token string) {
	t.Helper()
	data = t.TempDir()
	srv = igStartServer(t, data, testrig.FreeAddr(t))
	return data, srv, testrig.Token(t, data, "court-7")
}

// igCuttingProxy is a TCP proxy to target that drops every connection through it every
// period, until stop; it is closed at the end of the test.
func igCuttingProxy(t *testing.T, target string, every time.Duration) (p *ingesttest.Proxy, stop func()) {
	t.Helper()
	p, err := ingesttest.NewProxy(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	stop = p.CutEvery(every)
	t.Cleanup(stop)
	return p, stop
}

// TestE2EIngestProxyCuts: a TCP proxy between agent and server binary drops the connection
// several times; nothing is lost, nothing doubled.
func TestE2EIngestProxyCuts(t *testing.T) {
	data, srv, tok := igCourt7(t)
	p, stopCuts := igCuttingProxy(t, srv.addr, 400*time.Millisecond)
	pcm := testrig.NoisePCM(4, wire.SampleRate*24, 2)
	a := igAgent("ws://"+p.Addr()+ingest.AgentPath, tok, "e2e-proxy", pcm)
	a.Pace, a.Window = 8, 10 // 24 s of audio in 3 s
	a.CloseHearing = true
	res, err := a.Run(testrig.Ctx(t, 90*time.Second))
	stopCuts()
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Out.String())
	}
	if p.Cuts() < 3 {
		t.Fatalf("only %d cuts", p.Cuts())
	}
	t.Logf("%d cuts, %d reconnects", p.Cuts(), res.Reconnects)
	igCheckExact(t, data, res.Hearing, igSeats, pcm)
}

// TestE2EIngestServerKilled: the server is SIGKILLed twice mid-stream and restarted on the same
// data; the agent resumes from the Welcome and the archive is exact.
func TestE2EIngestServerKilled(t *testing.T) {
	data, srv, tok := igCourt7(t)
	addr := srv.addr
	pcm := testrig.NoisePCM(4, wire.SampleRate*16, 3)
	a := igAgent("ws://"+addr+ingest.AgentPath, tok, "e2e-kill", pcm)
	a.Pace, a.Window = 4, 16 // 16 s of audio in 4 s
	a.CloseHearing = true
	type result struct {
		res ingesttest.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := a.Run(testrig.Ctx(t, 90*time.Second))
		done <- result{r, err}
	}()
	for kill := 1; kill <= 2; kill++ {
		time.Sleep(1100 * time.Millisecond)
		srv.Kill()
		t.Logf("server killed (%d)", kill)
		srv = igStartServer(t, data, addr)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, srv.Out.String())
	}
	if r.res.Reconnects < 2 {
		t.Fatalf("agent reconnected %d times; the kills did not hit mid-stream", r.res.Reconnects)
	}
	igCheckExact(t, data, r.res.Hearing, igSeats, pcm)
	srv.Stop(t)
}

// TestE2ETokensRevoke: tokens list/revoke through the CLI; a running server refuses a revoked
// token at the next connection.
func TestE2ETokensRevoke(t *testing.T) {
	data, srv, tok := igCourt7(t)
	url := "ws://" + srv.addr + ingest.AgentPath
	hello := igAgent(url, tok, "e2e-rev", testrig.NoisePCM(4, 1600, 4)).Hello()
	try := func() any {
		ws, err := ingesttest.Dial(testrig.Ctx(t, 10*time.Second), url, tok)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		b, _ := json.Marshal(hello)
		ws.WriteMessage(websocket.TextMessage, b)
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		v, err := ingesttest.ReadServer(ws)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, ok := try().(*wire.Welcome); !ok {
		t.Fatal("fresh token refused")
	}
	out, err := exec.Command(testrig.Binary(t), "tokens", "list", "--data", data).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "court-7") || strings.Contains(string(out), tok) {
		t.Fatalf("tokens list:\n%s", out)
	}
	id := strings.Fields(lines[1])[0]
	if out, err := exec.Command(testrig.Binary(t), "tokens", "revoke", "--data", data, id).CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if e, ok := try().(*wire.Error); !ok || e.Code != wire.CodeUnauthorized {
		t.Fatal("revoked token accepted")
	}
	if err := srv.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, time.Minute)
	if !strings.Contains(srv.Out.String(), "server stopped cleanly") {
		t.Fatalf("no clean stop:\n%s", srv.Out.String())
	}
}

// igStartAgent starts `courtscribe agent` (debug log) with args; it is killed at the end of
// the test.
func igStartAgent(t *testing.T, args ...string) *testrig.Proc {
	t.Helper()
	if !testrig.HasCommand(t, "agent") {
		t.Skip("this build has no agent command")
	}
	return testrig.Start(t, "agent", nil, append([]string{"agent", "--log-level", "debug"}, args...)...)
}

const igSeatFlag = "judge=1,clerk=2,prosecutor=3,defense=4"

// TestE2EAgentReplayFourSeats: the real agent replays a 4-seat WAV into the real server; the
// archive equals the source per seat (SHA-256 of the PCM) and the hearing is closed.
func TestE2EAgentReplayFourSeats(t *testing.T) {
	data, srv, tok := igCourt7(t)
	pcm := testrig.NoisePCM(4, wire.SampleRate*8+321, 5)
	src := sourceWAV(t, pcm)
	ag := igStartAgent(t, "--server", "ws://"+srv.addr, "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--fast", "--close-hearing", "--spool", filepath.Join(t.TempDir(), "spool"))
	ag.Wait(t, 60*time.Second)
	h := igOnlyHearing(t, data)
	if !strings.Contains(ag.Out.String(), "hearing: "+h) {
		t.Fatalf("agent did not print the hearing:\n%s", ag.Out.String())
	}
	igCheckExact(t, data, h, igSeats, pcm)
	testrig.Eventually(t, 10*time.Second, "manifest", func() bool {
		_, err := archive.ReadManifest(data, h)
		return err == nil
	})
	srv.Stop(t)
}

// TestE2EAgentProxyCuts: the real agent, replaying at real time through a proxy that drops
// every connection several times, loses and doubles nothing.
func TestE2EAgentProxyCuts(t *testing.T) {
	data, srv, tok := igCourt7(t)
	p, stopCuts := igCuttingProxy(t, srv.addr, 700*time.Millisecond)
	pcm := testrig.NoisePCM(4, wire.SampleRate*5, 6)
	src := sourceWAV(t, pcm)
	ag := igStartAgent(t, "--server", "ws://"+p.Addr(), "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--max-backoff", "200ms", "--spool", filepath.Join(t.TempDir(), "spool"))
	ag.Wait(t, 60*time.Second)
	stopCuts()
	if p.Cuts() < 3 {
		t.Fatalf("only %d cuts", p.Cuts())
	}
	igCheckExact(t, data, igOnlyHearing(t, data), igSeats, pcm)
	srv.Stop(t)
}

// TestE2EAgentAndServerKilled: the agent is SIGKILLed and restarted from the same spool, and
// the server is SIGKILLed and restarted, both mid-stream. Every sample the agent captured is
// archived at its own sample index, once; the agent's downtime is an explicit gap of zeros.
func TestE2EAgentAndServerKilled(t *testing.T) {
	data, srv, tok := igCourt7(t)
	addr := srv.addr
	pcm := testrig.NoisePCM(4, wire.SampleRate*7, 7)
	src := sourceWAV(t, pcm)
	spool := filepath.Join(t.TempDir(), "spool")
	args := []string{"--server", "ws://" + addr, "--token", tok, "--courtroom", "court-7",
		"--seats", igSeatFlag, "--source", src, "--max-backoff", "200ms", "--spool", spool}
	ag := igStartAgent(t, args...)
	time.Sleep(2 * time.Second)
	ag.Kill()
	time.Sleep(300 * time.Millisecond)
	ag = igStartAgent(t, args...)
	time.Sleep(1500 * time.Millisecond)
	srv.Kill()
	srv = igStartServer(t, data, addr)
	ag.Wait(t, 60*time.Second)

	h := igOnlyHearing(t, data)
	gaps, err := archive.ReadGaps(data, h)
	if err != nil {
		t.Fatal(err)
	}
	var gapSamples int64
	inGap := func(i int64) bool {
		for _, g := range gaps {
			if i >= g.FirstSample && i < g.FirstSample+g.Samples {
				return true
			}
		}
		return false
	}
	for _, g := range gaps {
		gapSamples += g.Samples
	}
	if gapSamples == 0 {
		t.Fatalf("the agent was down but no gap was recorded")
	}
	for c, s := range igSeats {
		got := igReadSeat(t, data, h, s.Name)
		if len(got) != len(pcm[c]) {
			t.Fatalf("seat %s: %d samples archived, the timeline has %d", s.Name, len(got), len(pcm[c]))
		}
		for i := range got {
			want := pcm[c][i]
			if inGap(int64(i)) {
				want = 0
			}
			if got[i] != want {
				t.Fatalf("seat %s: sample %d is %d, want %d (gap: %v)", s.Name, i, got[i], want, inGap(int64(i)))
			}
		}
	}
	t.Logf("gaps %+v", gaps)
	srv.Stop(t)
}
