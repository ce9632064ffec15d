package faults

import "encoding/json"
import "fmt"
import "io"
import "net"
import "net/http"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// standIn is an in-test whisper-server stand-in (the outer boundary): POST /inference with a
// multipart "file" answers verbose_json naming the audio's length, GET /health answers ok. It
// can be killed (listener and connections closed, the port refuses) and started again on the
// same address, or made to hang (requests and health probes wait until it is killed).
type standIn struct {
	addr string

	mu      sync.Mutex
	srv     *http.Server
	hang    bool
	served  atomic.Int64
	hanging atomic.Int64
}

func (e *standIn) start(t *testing.T, hang bool) {
	t.Helper()
	var ln net.Listener
	var err error
	testrig.Eventually(t, 10*time.Second, "the engine port", func() bool {
		ln, err = net.Listen("tcp", e.addr)
		return err == nil
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if hang {
			e.hanging.Add(1)
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /inference", func(w http.ResponseWriter, r *http.Request) {
		if hang {
			e.hanging.Add(1)
			<-r.Context().Done()
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, `{"error":"no file"}`, http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(f)
		sec := float64(max(len(b)-44, 0)) / 2 / wire.SampleRate
		n := e.served.Add(1)
		text := fmt.Sprintf("stand-in transcript %d of %.2f s", n, sec)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "english", "duration": sec, "text": text,
			"segments": []map[string]any{{"id": 0, "text": text, "start": 0, "end": sec, "avg_logprob": -0.1, "no_speech_prob": 0.01}}})
	})
	srv := &http.Server{Handler: mux}
	e.mu.Lock()
	e.srv, e.hang = srv, hang
	e.mu.Unlock()
	go srv.Serve(ln)
}

// kill closes the listener and every connection (a hanging request fails on the client).
func (e *standIn) kill() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// TestEngineKilledAndHangingThenBackfilled: the server transcribes with --asr remote through a
// whisper-server stand-in. Mid-hearing the engine is killed, then comes back hanging (every
// request waits), then is killed again and comes back healthy. Utterances of the bad phases are
// recorded pending; once the engine is back, backfill (--backfill-interval 500ms) transcribes
// them automatically: every segment of the hearing ends with the engine's text.
func TestEngineKilledAndHangingThenBackfilled(t *testing.T) {
	t.Parallel()
	phase := pick(6*time.Second, 30*time.Second)
	seconds := 5*phase.Seconds() + 2
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	eng := &standIn{addr: testrig.FreeAddr(t)}
	eng.start(t, false)
	t.Cleanup(eng.kill)
	tok := testrig.Token(t, data, "court-asr")
	addUser(t, data, "viewer", "viewer")
	srv := startServer(t, data, addr, "--asr", "remote", "--asr-url", "http://"+eng.addr, "--backfill-interval", "500ms", "--language", "en")
	path, src := generate(t, 3, seconds, 101, false)
	ag := testrig.Start(t, "agent", nil, agentArgs(addr, tok, "court-asr", 3, path, t.TempDir()+"/spool")...)
	hearing := hearingOf(t, ag, 20*time.Second)
	viewer := login(t, addr, "viewer")
	count := func() (texted, pending int) {
		segs, err := viewer.segments(hearing)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range segs {
			if s.Deleted {
				continue
			}
			if s.Status == "pending" || strings.TrimSpace(s.Text) == "" {
				pending++
			} else {
				texted++
			}
		}
		return
	}

	time.Sleep(phase)
	var t1, p1 int
	testrig.Eventually(t, 2*phase+10*time.Second, "a segment transcribed while the engine is up", func() bool {
		t1, p1 = count()
		return t1 > 0
	})
	eng.kill()
	t.Logf("engine killed at %v: %d segments with text, %d pending", phase, t1, p1)
	time.Sleep(phase)
	eng.start(t, true)
	_, p2 := count()
	t.Logf("engine back but hanging: %d pending", p2)
	time.Sleep(phase)
	_, p3 := count()
	if p3 == 0 {
		t.Fatalf("no segment pending after the engine was down and hanging for %v", 2*phase)
	}
	if eng.hanging.Load() == 0 {
		t.Fatalf("nothing reached the hanging engine")
	}
	eng.kill()
	served := eng.served.Load()
	eng.start(t, false)
	t.Logf("engine healthy again: %d pending, %d requests hung", p3, eng.hanging.Load())

	ag.Wait(t, time.Duration(seconds)*time.Second+60*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (tail):\n%s", testrig.Tail(srv.Out.String(), 12000))
			if segs, err := viewer.segments(hearing); err == nil {
				for _, g := range segs {
					t.Logf("segment %+v", g)
				}
			}
		}
	})
	testrig.Eventually(t, 90*time.Second, "backfill to transcribe every pending segment", func() bool {
		tx, p := count()
		return p == 0 && tx > 0
	})
	tx, _ := count()
	if eng.served.Load() <= served {
		t.Fatalf("the healthy engine transcribed nothing after it came back")
	}
	segs, err := viewer.segments(hearing)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if !s.Deleted && !strings.HasPrefix(s.Text, "stand-in transcript") {
			t.Fatalf("segment %d has text %q, not the engine's", s.ID, s.Text)
		}
	}
	t.Logf("%d segments, all with text; %d requests served by the stand-in", tx, eng.served.Load())
	if miss := uncovered(src, segs); len(miss) > 0 {
		t.Errorf("%d of %d spoken turns have no segment in the record: %+v", len(miss), len(src.Turns)-1, miss)
	}
	srv.Stop(t)
}
