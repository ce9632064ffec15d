package remote

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "net/http"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestMain(m *testing.M) { testrig.Main(m) }

// fakeServer speaks whisper-server's documented protocol (examples/server/server.cpp): POST
// /inference with a multipart "file" and form fields, verbose_json answers, {"error":...} on
// bad requests, GET /health.
type fakeServer struct {
	t        *testing.T
	mode     atomic.Value // "ok", "500", "slow", "error200", "loading", "openai"
	hits     atomic.Int64
	lastForm sync.Map
	srv      *http.Server
	addr     string
	done     chan struct{}
	quit     chan struct{}
}

func newFakeServer(t *testing.T, addr string) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t}
	f.mode.Store("ok")
	f.start(addr)
	t.Cleanup(f.stop)
	return f
}

func (f *fakeServer) start(addr string) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln := testrig.Listen(f.t, addr)
	f.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if f.mode.Load() == "loading" {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"loading model"}`)
			return
		}
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /inference", f.inference)
	mux.HandleFunc("POST /v1/audio/transcriptions", f.inference)
	f.srv = &http.Server{Handler: mux}
	f.done = make(chan struct{})
	f.quit = make(chan struct{})
	go func() { defer close(f.done); f.srv.Serve(ln) }()
}

func (f *fakeServer) stop() {
	if f.srv != nil {
		close(f.quit)
		f.srv.Close()
		<-f.done
		f.srv = nil
	}
}

func (f *fakeServer) url() string { return "http://" + f.addr }

func (f *fakeServer) inference(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	mode := f.mode.Load().(string)
	switch mode {
	case "500":
		http.Error(w, "500 Internal Server Error\nboom", http.StatusInternalServerError)
		return
	case "loading":
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"status":"loading model"}`)
		return
	case "slow":
		select {
		case <-r.Context().Done():
		case <-f.quit:
		case <-time.After(5 * time.Second):
		}
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		http.Error(w, "Invalid request", http.StatusBadRequest)
		return
	}
	for k, v := range r.MultipartForm.Value {
		f.lastForm.Store(k, strings.Join(v, ","))
	}
	file, _, err := r.FormFile("file")
	if err != nil || mode == "error200" {
		io.WriteString(w, `{"error":"no 'file' field in the request"}`)
		return
	}
	b, _ := io.ReadAll(file)
	d, err := wavfile.NewDecoder(bytes.NewReader(b))
	if err != nil || d.Format().SampleRate != wire.SampleRate || d.Format().Channels != 1 {
		io.WriteString(w, `{"error":"failed to read WAV file"}`)
		return
	}
	dur := float64(d.Frames()) / wire.SampleRate
	if mode == "openai" {
		json.NewEncoder(w).Encode(map[string]any{
			"task": "transcribe", "language": "english", "duration": dur, "text": " Hello court.",
			"segments": []any{map[string]any{"id": 0, "seek": 0, "start": 0.0, "end": dur, "text": " Hello court.",
				"tokens": []int{1, 2}, "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.1, "no_speech_prob": 0.05}},
			"words": []any{map[string]any{"word": "Hello", "start": 0.1, "end": 0.5}, map[string]any{"word": "court", "start": 0.5, "end": 0.9}},
		})
		return
	}
	// the shape server.cpp builds for verbose_json
	json.NewEncoder(w).Encode(map[string]any{
		"task": "transcribe", "language": "english", "duration": dur, "text": " And so my fellow Americans.",
		"segments": []any{map[string]any{
			"id": 0, "text": " And so my fellow Americans.", "start": 0.0, "end": dur, "tokens": []int{50364, 400, 370},
			"words": []any{
				map[string]any{"word": "[_BEG_]", "start": 0.0, "end": 0.0, "t_dtw": -1, "probability": 0.5},
				map[string]any{"word": " And", "start": 0.0, "end": 0.3, "t_dtw": -1, "probability": 0.9},
				map[string]any{"word": " so", "start": 0.3, "end": 0.5, "t_dtw": -1, "probability": 0.7},
			},
			"temperature": 0.0, "avg_logprob": -0.3, "no_speech_prob": 0.01,
		}},
	})
}

func pcm(sec float64) []int16 { return make([]int16, int(sec*wire.SampleRate)) }

func req() asr.Request {
	return asr.Request{Utterance: asr.Utterance{ID: "judge@0", Seat: "judge", End: 2}, PCM: pcm(2), Language: "zh", Prompt: "Zhang San."}
}

func newEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestWhisperServerProtocol(t *testing.T) {
	f := newFakeServer(t, "")
	cfg := DefaultConfig()
	cfg.URLs = []string{f.url()}
	e := newEngine(t, cfg)
	tr, err := e.Transcribe(context.Background(), req())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Text != "And so my fellow Americans." || tr.Language != "en" || tr.NoSpeechProb != 0.01 {
		t.Errorf("transcript %+v", tr)
	}
	if len(tr.Spans) != 1 || tr.Spans[0].End != 2 || len(tr.Spans[0].Tokens) != 3 || tr.Spans[0].Tokens[1].P != 0.9 {
		t.Errorf("segments %+v", tr.Spans)
	}
	for k, want := range map[string]string{"response_format": "verbose_json", "language": "zh", "prompt": "Zhang San.", "temperature": "0", "temperature_inc": "0.2", "beam_size": "5", "no_speech_thold": "0.6"} {
		if got, _ := f.lastForm.Load(k); got != want {
			t.Errorf("form field %s = %v, want %q", k, got, want)
		}
	}
	if err := e.Health(context.Background()); err != nil {
		t.Errorf("health: %v", err)
	}
}

func TestOpenAIProtocol(t *testing.T) {
	f := newFakeServer(t, "")
	f.mode.Store("openai")
	cfg := DefaultConfig()
	cfg.URLs = []string{f.url() + "/v1"}
	cfg.APIKey = "k"
	e := newEngine(t, cfg)
	r := req()
	r.Language = "auto"
	tr, err := e.Transcribe(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Text != "Hello court." || tr.NoSpeechProb != 0.05 || len(tr.Spans[0].Tokens) != 2 || tr.Confidence < 0.8 || tr.Confidence > 0.82 {
		t.Errorf("transcript %+v", tr)
	}
	if got, _ := f.lastForm.Load("model"); got != "whisper-1" {
		t.Errorf("model %v", got)
	}
	if _, ok := f.lastForm.Load("language"); ok {
		t.Error("language sent for auto")
	}
}

func TestErrorsRetriesAndRoundRobin(t *testing.T) {
	bad := newFakeServer(t, "")
	good := newFakeServer(t, "")
	bad.mode.Store("500")
	cfg := DefaultConfig()
	cfg.URLs = []string{bad.url(), good.url()}
	cfg.RetryDown = time.Hour
	e := newEngine(t, cfg)
	for i := 0; i < 4; i++ {
		if _, err := e.Transcribe(context.Background(), req()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if bad.hits.Load() != 1 || good.hits.Load() != 4 {
		t.Errorf("hits bad=%d good=%d: a 500 server must be skipped once marked down", bad.hits.Load(), good.hits.Load())
	}
	// round robin over two good servers
	bad.mode.Store("ok")
	cfg.RetryDown = time.Millisecond
	e2 := newEngine(t, cfg)
	bad.hits.Store(0)
	good.hits.Store(0)
	for i := 0; i < 6; i++ {
		if _, err := e2.Transcribe(context.Background(), req()); err != nil {
			t.Fatal(err)
		}
	}
	if bad.hits.Load() != 3 || good.hits.Load() != 3 {
		t.Errorf("round robin: %d/%d", bad.hits.Load(), good.hits.Load())
	}
}

func TestRequestErrorIsNotRetried(t *testing.T) {
	a := newFakeServer(t, "")
	b := newFakeServer(t, "")
	a.mode.Store("error200")
	b.mode.Store("error200")
	cfg := DefaultConfig()
	cfg.URLs = []string{a.url(), b.url()}
	e := newEngine(t, cfg)
	_, err := e.Transcribe(context.Background(), req())
	if err == nil || errors.Is(err, asr.ErrUnavailable) || !strings.Contains(err.Error(), "no 'file' field") {
		t.Errorf("err %v", err)
	}
	if a.hits.Load()+b.hits.Load() != 1 {
		t.Errorf("request error retried")
	}
}

func TestSlowServerTimesOutAndAllDownIsUnavailable(t *testing.T) {
	f := newFakeServer(t, "")
	f.mode.Store("slow")
	cfg := DefaultConfig()
	cfg.URLs = []string{f.url(), "http://127.0.0.1:1"}
	cfg.Timeout = 100 * time.Millisecond
	e := newEngine(t, cfg)
	t0 := time.Now()
	_, err := e.Transcribe(context.Background(), req())
	if !errors.Is(err, asr.ErrUnavailable) {
		t.Fatalf("err %v, want unavailable", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if err := e.Health(context.Background()); err != nil {
		t.Errorf("slow server answers /health: %v", err)
	}
	f.mode.Store("loading")
	if err := e.Health(context.Background()); !errors.Is(err, asr.ErrUnavailable) {
		t.Errorf("loading server healthy: %v", err)
	}
}

func TestServerDownAndUp(t *testing.T) {
	f := newFakeServer(t, "")
	addr := f.addr
	cfg := DefaultConfig()
	cfg.URLs = []string{f.url()}
	cfg.RetryDown = 10 * time.Millisecond
	e := newEngine(t, cfg)
	if _, err := e.Transcribe(context.Background(), req()); err != nil {
		t.Fatal(err)
	}
	f.stop()
	if _, err := e.Transcribe(context.Background(), req()); !errors.Is(err, asr.ErrUnavailable) {
		t.Fatalf("down: %v", err)
	}
	if e.Health(context.Background()) == nil {
		t.Error("healthy while down")
	}
	f.start(addr)
	if err := e.Health(context.Background()); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, err := e.Transcribe(context.Background(), req()); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

func TestURLs(t *testing.T) {
	for raw, want := range map[string][2]string{
		"http://h:8080":                        {"http://h:8080/inference", "http://h:8080/health"},
		"http://h:8080/":                       {"http://h:8080/inference", "http://h:8080/health"},
		"http://h/asr/inference":               {"http://h/asr/inference", "http://h/asr/health"},
		"https://api.example/v1":               {"https://api.example/v1/audio/transcriptions", ""},
		"http://h/v1/audio/transcriptions?x=1": {"http://h/v1/audio/transcriptions", ""},
	} {
		s, err := parseServer(raw, "")
		if err != nil || s.endpoint != want[0] || s.health != want[1] {
			t.Errorf("%s: %+v %v", raw, s, err)
		}
	}
	for _, bad := range []string{"", "ftp://h", "h:8080", "http://"} {
		if _, err := New(Config{URLs: []string{bad}, Timeout: time.Second}, nil, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := New(Config{Timeout: time.Second}, nil, nil); err == nil {
		t.Error("no URLs accepted")
	}
}

func TestParseVerboseJSON(t *testing.T) {
	for _, bad := range []string{``, `[]`, `{}`, `{"error":"failed to process audio"}`, `{"text":"x","segments":[{"start":"a"}]}`} {
		if _, err := ParseVerboseJSON([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	tr, err := ParseVerboseJSON([]byte(`{"text":" plain ","duration":3}`))
	if err != nil || tr.Text != "plain" || len(tr.Spans) != 1 || tr.Spans[0].End != 3 || tr.NoSpeechProb != -1 {
		t.Errorf("%+v %v", tr, err)
	}
}

func FuzzParseVerboseJSON(f *testing.F) {
	f.Add([]byte(`{"text":"a","segments":[{"start":0,"end":1,"text":"a","words":[{"word":"a","probability":2}]}],"words":[{"word":"b","start":0.5}]}`))
	f.Add([]byte(`{"error":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseVerboseJSON(b)
		if err != nil {
			return
		}
		for _, s := range tr.Spans {
			for _, tk := range s.Tokens {
				if tk.P > 1 || (tk.P < 0 && tk.P != -1) {
					t.Fatalf("token probability %v", tk.P)
				}
			}
		}
		_ = fmt.Sprint(tr)
	})
}
