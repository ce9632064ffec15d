// Package remote is the transcription engine that calls servers over HTTP: whisper.cpp's own
// whisper-server (POST /inference, multipart form with "file", "response_format",
// "language", "prompt", "temperature", "temperature_inc", "beam_size", "no_speech_thold"; see
// whisper.cpp examples/server/README.md and server.cpp) and OpenAI-compatible servers
// (POST /v1/audio/transcriptions with "file", "model", "language", "prompt",
// "response_format", "temperature", "timestamp_granularities[]").
//
// It asks for response_format=verbose_json. whisper-server answers
// {"task","language","duration","text","segments":[{"id","text","start","end","tokens",
// "words":[{"word","start","end","t_dtw","probability"}],"temperature","avg_logprob",
// "no_speech_prob"}]} (older servers omit no_speech_prob) and reports request errors as
// {"error": "..."}, in older versions with HTTP status 200. OpenAI's verbose_json has segments
// with avg_logprob and no_speech_prob and a top-level "words" list without probabilities.
//
// Several servers are used round robin. A server that fails (connection error, timeout, 5xx,
// 503 while it loads its model) is marked down and skipped until RetryDown has passed; a
// request is tried on up to 1+Retries servers. When every server fails the error wraps
// asr.ErrUnavailable, so the utterance stays pending for backfill.
package remote

import "bytes"
import "context"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "math"
import "mime/multipart"
import "net/http"
import "net/url"
import "strconv"
import "strings"
import "sync"
import "sync/atomic"
import "time"

import "github.com/courtscribe/courtscribe/asr"

// Protocols.
const (
	WhisperCpp = "whisper.cpp"
	OpenAI     = "openai"
)

// Config configures the remote engine.
type Config struct {
	// URLs of the servers. A URL whose path ends in /v1 or /audio/transcriptions speaks the
	// OpenAI protocol; any other speaks whisper-server's (an empty path means /inference).
	URLs []string
	// Protocol forces WhisperCpp or OpenAI for every URL ("" infers it from the path).
	Protocol string
	// Timeout bounds one HTTP request.
	Timeout time.Duration
	// Retries is how many other servers a failed request is tried on.
	Retries int
	// RetryDown is how long a failed server is skipped before it is tried again.
	RetryDown time.Duration
	// Model is the OpenAI "model" field.
	Model string
	// APIKey is sent as a bearer token when set (OpenAI-compatible servers).
	APIKey string
	// Decoding settings passed to the server.
	Temperature       float64
	TemperatureInc    float64
	BeamSize          int
	NoSpeechThreshold float64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultConfig is the configuration courtscribe ships with.
func DefaultConfig() Config {
	return Config{
		Timeout: 60 * time.Second, Retries: 2, RetryDown: 5 * time.Second, Model: "whisper-1",
		Temperature: 0, TemperatureInc: 0.2, BeamSize: 5, NoSpeechThreshold: 0.6,
	}
}

type server struct {
	endpoint  string // the transcription URL
	health    string // the health URL ("" when the protocol has none)
	protocol  string
	mu        sync.Mutex
	downUntil time.Time
	lastErr   error
}

// Engine is the remote engine; it is safe for concurrent use.
type Engine struct {
	cfg     Config
	log     *slog.Logger
	client  *http.Client
	servers []*server
	next    atomic.Uint64
}

var _ asr.Engine = (*Engine)(nil)
var _ asr.HealthChecker = (*Engine)(nil)

// New makes a remote engine. client may be nil (http.DefaultTransport is used).
func New(cfg Config, log *slog.Logger, client *http.Client) (*Engine, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("remote: no server URL (--asr-url)")
	}
	if cfg.Timeout <= 0 {
		return nil, errors.New("remote: timeout must be positive")
	}
	if cfg.Protocol != "" && cfg.Protocol != WhisperCpp && cfg.Protocol != OpenAI {
		return nil, fmt.Errorf("remote: unknown protocol %q (want %s or %s)", cfg.Protocol, WhisperCpp, OpenAI)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{}
	}
	e := &Engine{cfg: cfg, log: log, client: client}
	for _, raw := range cfg.URLs {
		s, err := parseServer(raw, cfg.Protocol)
		if err != nil {
			return nil, err
		}
		e.servers = append(e.servers, s)
	}
	return e, nil
}

func parseServer(raw, protocol string) (*server, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("remote: bad server URL %q (want http://host:port[/path])", raw)
	}
	path := strings.TrimRight(u.Path, "/")
	if protocol == "" {
		protocol = WhisperCpp
		if strings.HasSuffix(path, "/v1") || strings.HasSuffix(path, "/audio/transcriptions") {
			protocol = OpenAI
		}
	}
	s := &server{protocol: protocol}
	base := *u
	base.RawQuery, base.Fragment = "", ""
	switch protocol {
	case OpenAI:
		if !strings.HasSuffix(path, "/audio/transcriptions") {
			path += "/audio/transcriptions"
		}
	default:
		if path == "" {
			path = "/inference"
		}
		h := base
		h.Path = strings.TrimSuffix(path, "/inference") + "/health"
		s.health = h.String()
	}
	base.Path = path
	s.endpoint = base.String()
	return s, nil
}

// Name implements asr.Engine.
func (e *Engine) Name() string { return "remote" }

// Close implements asr.Engine.
func (e *Engine) Close() error { e.client.CloseIdleConnections(); return nil }

// Health reports nil when at least one server answers its health check (whisper-server's
// GET /health; for OpenAI-compatible servers, any HTTP answer below 500 on the endpoint).
func (e *Engine) Health(ctx context.Context) error {
	errs := make([]error, len(e.servers))
	var wg sync.WaitGroup
	for i, s := range e.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.probe(ctx, s)
			e.mark(s, errs[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("remote: no server healthy: %w (%w)", errors.Join(errs...), asr.ErrUnavailable)
}

func (e *Engine) probe(ctx context.Context, s *server) error {
	ctx, cancel := context.WithTimeout(ctx, min(e.cfg.Timeout, 5*time.Second))
	defer cancel()
	target, method := s.health, http.MethodGet
	if target == "" {
		target, method = s.endpoint, http.MethodHead
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	// Draining lets the connection be reused; the status below is the answer, so a failed
	// drain changes nothing.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound && s.health != "":
		return nil // an older whisper-server without /health that answers at all
	case resp.StatusCode >= 500:
		return fmt.Errorf("%s: %s", target, resp.Status)
	}
	return nil
}

func (e *Engine) mark(s *server, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
	if err == nil {
		s.downUntil = time.Time{}
	} else {
		s.downUntil = e.cfg.Now().Add(e.cfg.RetryDown)
	}
}

// order returns the servers to try: round robin from the next one, servers up first.
func (e *Engine) order() []*server {
	n := len(e.servers)
	start := int(e.next.Add(1)-1) % n
	now := e.cfg.Now()
	var up, down []*server
	for i := 0; i < n; i++ {
		s := e.servers[(start+i)%n]
		s.mu.Lock()
		isDown := now.Before(s.downUntil)
		s.mu.Unlock()
		if isDown {
			down = append(down, s)
		} else {
			up = append(up, s)
		}
	}
	return append(up, down...)
}

// requestError is a failure caused by the request, not the server: no retry, no mark-down.
type requestError struct{ err error }

func (r requestError) Error() string { return r.err.Error() }
func (r requestError) Unwrap() error { return r.err }

// Transcribe implements asr.Engine.
func (e *Engine) Transcribe(ctx context.Context, req asr.Request) (asr.Transcript, error) {
	if len(req.PCM) == 0 {
		return asr.Transcript{}, errors.New("remote: no audio")
	}
	wav := asr.EncodeWAV(req.PCM)
	var errs []error
	for i, s := range e.order() {
		if i > e.cfg.Retries {
			break
		}
		if err := ctx.Err(); err != nil {
			return asr.Transcript{}, err
		}
		t, err := e.call(ctx, s, req, wav)
		if err == nil {
			e.mark(s, nil)
			return t, nil
		}
		var re requestError
		if errors.As(err, &re) {
			return asr.Transcript{}, err
		}
		if ctx.Err() != nil { // the caller gave up; the server is not to blame
			return asr.Transcript{}, err
		}
		e.log.Warn("transcription server failed", "url", s.endpoint, "err", err)
		e.mark(s, err)
		errs = append(errs, err)
	}
	return asr.Transcript{}, fmt.Errorf("remote: %w: %w", asr.ErrUnavailable, errors.Join(errs...))
}

func (e *Engine) call(ctx context.Context, s *server, r asr.Request, wav []byte) (asr.Transcript, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "utterance.wav")
	if err != nil {
		return asr.Transcript{}, err
	}
	if _, err := fw.Write(wav); err != nil {
		return asr.Transcript{}, err
	}
	field := func(k, v string) { _ = mw.WriteField(k, v) }
	lang := r.Language
	if lang == "" {
		lang = "auto"
	}
	ff := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	field("response_format", "verbose_json")
	field("temperature", ff(e.cfg.Temperature))
	if r.Prompt != "" {
		field("prompt", r.Prompt)
	}
	if s.protocol == OpenAI {
		field("model", e.cfg.Model)
		if lang != "auto" {
			field("language", lang)
		}
		field("timestamp_granularities[]", "segment")
		field("timestamp_granularities[]", "word")
	} else {
		field("language", lang) // whisper-server defaults to "en" when absent
		field("temperature_inc", ff(e.cfg.TemperatureInc))
		if e.cfg.BeamSize > 1 {
			field("beam_size", strconv.Itoa(e.cfg.BeamSize))
		}
		if e.cfg.NoSpeechThreshold > 0 {
			field("no_speech_thold", ff(e.cfg.NoSpeechThreshold))
		}
	}
	if err := mw.Close(); err != nil {
		return asr.Transcript{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, &body)
	if err != nil {
		return asr.Transcript{}, err
	}
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	if e.cfg.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+e.cfg.APIKey)
	}
	resp, err := e.client.Do(hr)
	if err != nil {
		return asr.Transcript{}, fmt.Errorf("%s: %w", s.endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return asr.Transcript{}, fmt.Errorf("%s: reading answer: %w", s.endpoint, err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return asr.Transcript{}, fmt.Errorf("%s: %s: %s", s.endpoint, resp.Status, snippet(b))
	case resp.StatusCode >= 400:
		return asr.Transcript{}, requestError{fmt.Errorf("%s: %s: %s", s.endpoint, resp.Status, snippet(b))}
	}
	t, err := ParseVerboseJSON(b)
	if err != nil {
		var se serverError
		if errors.As(err, &se) {
			return asr.Transcript{}, requestError{fmt.Errorf("%s: %w", s.endpoint, err)}
		}
		return asr.Transcript{}, fmt.Errorf("%s: %w", s.endpoint, err)
	}
	return t, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

type serverError struct{ msg string }

func (s serverError) Error() string { return "server error: " + s.msg }

type verboseJSON struct {
	Error    *string  `json:"error"`
	Text     *string  `json:"text"`
	Language string   `json:"language"`
	Duration float64  `json:"duration"`
	Segments []vjSeg  `json:"segments"`
	Words    []vjWord `json:"words"`
}

type vjSeg struct {
	Start        float64  `json:"start"`
	End          float64  `json:"end"`
	Text         string   `json:"text"`
	AvgLogprob   *float64 `json:"avg_logprob"`
	NoSpeechProb *float64 `json:"no_speech_prob"`
	Words        []vjWord `json:"words"`
}

type vjWord struct {
	Word        string   `json:"word"`
	Start       *float64 `json:"start"`
	End         *float64 `json:"end"`
	Probability *float64 `json:"probability"`
}

// languageCodes maps the full names whisper-server reports to the codes courtscribe uses.
var languageCodes = map[string]string{"english": "en", "chinese": "zh", "japanese": "ja", "korean": "ko", "cantonese": "yue"}

// ParseVerboseJSON decodes a verbose_json answer of whisper-server or an OpenAI-compatible
// server. An {"error": ...} answer is an error.
func ParseVerboseJSON(b []byte) (asr.Transcript, error) {
	var v verboseJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return asr.Transcript{}, fmt.Errorf("answer is not verbose_json: %w (%s)", err, snippet(b))
	}
	if v.Error != nil {
		return asr.Transcript{}, serverError{*v.Error}
	}
	if v.Text == nil {
		return asr.Transcript{}, fmt.Errorf("answer has no text field (%s)", snippet(b))
	}
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	t := asr.Transcript{Text: strings.TrimSpace(*v.Text), Language: v.Language, NoSpeechProb: -1}
	if c, ok := languageCodes[strings.ToLower(v.Language)]; ok {
		t.Language = c
	}
	var logprobSum float64
	nLogprob := 0
	for _, s := range v.Segments {
		if !finite(s.Start) || !finite(s.End) {
			return asr.Transcript{}, errors.New("answer has non-finite segment times")
		}
		seg := asr.Span{Start: s.Start, End: s.End, Text: strings.TrimSpace(s.Text), NoSpeechProb: -1}
		if s.NoSpeechProb != nil && finite(*s.NoSpeechProb) {
			seg.NoSpeechProb = *s.NoSpeechProb
			t.NoSpeechProb = math.Max(t.NoSpeechProb, seg.NoSpeechProb)
		}
		if s.AvgLogprob != nil && finite(*s.AvgLogprob) {
			logprobSum += *s.AvgLogprob
			nLogprob++
		}
		for _, w := range s.Words {
			seg.Tokens = append(seg.Tokens, token(w))
		}
		t.Spans = append(t.Spans, seg)
	}
	// OpenAI: words are top level and carry no probability; attach them to their segments
	for _, w := range v.Words {
		tk := token(w)
		for i := range t.Spans {
			if tk.Start >= t.Spans[i].Start && (tk.Start < t.Spans[i].End || i == len(t.Spans)-1) {
				t.Spans[i].Tokens = append(t.Spans[i].Tokens, tk)
				break
			}
		}
	}
	if nLogprob > 0 {
		t.Confidence = math.Exp(logprobSum / float64(nLogprob))
	}
	if len(t.Spans) == 0 && t.Text != "" {
		t.Spans = []asr.Span{{Start: 0, End: math.Max(v.Duration, 0), Text: t.Text, NoSpeechProb: -1}}
	}
	return t, nil
}

func token(w vjWord) asr.Token {
	tk := asr.Token{Text: w.Word, P: -1, Start: -1, End: -1}
	if w.Probability != nil && *w.Probability >= 0 && *w.Probability <= 1 {
		tk.P = *w.Probability
	}
	if w.Start != nil && *w.Start >= 0 && !math.IsInf(*w.Start, 0) {
		tk.Start = *w.Start
	}
	if w.End != nil && *w.End >= 0 && !math.IsInf(*w.End, 0) {
		tk.End = *w.End
	}
	return tk
}
