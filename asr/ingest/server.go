// Package ingest is the server side of the agent stream: the websocket endpoint /v1/agent
// (protocol: capture/wire), agent tokens, the per-seat audio archive with group commit, crash
// recovery, hearing close with a SHA-256 manifest, Prometheus metrics and a live status.
//
// Durability: a frame is acknowledged only after its samples are written and fsynced in every
// seat file of its hearing. Each open hearing has one writer goroutine that takes every pending
// frame, writes them, fsyncs each seat file once and then acknowledges them all (group commit:
// batches form naturally while the previous fsync runs, there is no deliberate wait). Frames
// are identified by sample range, so duplicates are acknowledged again without writing and a
// frame that overlaps stored audio contributes only its new tail.
//
// The archive layout is documented beside the constants in archive.go and in docs/server.md.
package ingest

import "context"
import "errors"
import "fmt"
import "log/slog"
import "net/http"
import "os"
import "path/filepath"
import "slices"
import "sort"
import "strings"
import "sync"
import "time"

import "github.com/gorilla/websocket"
import "github.com/prometheus/client_golang/prometheus"
import "github.com/prometheus/client_golang/prometheus/promhttp"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// AgentPath is the websocket path agents dial.
const AgentPath = "/v1/agent"

// Config configures a Server.
type Config struct {
	// DataDir holds tokens, sessions and the hearing archive.
	DataDir string
	// Logger receives connection and storage events; nil discards them.
	Logger *slog.Logger
	// Now is the clock (hearing names, timestamps, ack latency); nil means time.Now.
	Now func() time.Time
	// Listener receives durable audio for the next stages; nil for none.
	Listener AudioListener
	// HelloTimeout bounds the wait for the first message (default 10 s).
	HelloTimeout time.Duration
	// IdleTimeout closes a connection that sends nothing for this long (default 60 s; agents
	// send levels every second).
	IdleTimeout time.Duration
	// WriteTimeout bounds each message to an agent (default 10 s).
	WriteTimeout time.Duration
	// ListenerQueue is how many frames per hearing may wait for the Listener before the
	// hearing's writer waits for it (default DefaultListenerQueue).
	ListenerQueue int
	// TakeoverTimeout is how long a new connection of a session waits for the old one to let go
	// (default 5 s); after that it gets session_busy.
	TakeoverTimeout time.Duration
	// MaxGap bounds one gap an agent reports (default DefaultMaxGap). Besides, the gaps of one
	// connection never add up to more than the wall time the agent can have missed: since the
	// hearing's audio was last stored (or, for a hearing without audio, FirstGap) plus GapSlack.
	MaxGap time.Duration
	// FirstGap is the gap allowance of a hearing that has no stored audio yet (default
	// DefaultFirstGap).
	FirstGap time.Duration
	// MaxSeatSamples caps each seat file (default DefaultMaxSeatSamples, 7 days of hearing
	// time; gaps in it are holes). New seat files turn into RF64 past 4 GiB (~37 h); a seat
	// file an earlier version created without the RF64 reserve stays capped at the WAV limit
	// (wavfile.MaxSamples), whatever this says.
	MaxSeatSamples int64
	// DiskReserve is how many bytes of the data directory's file system audio leaves free for
	// the hearing record (SQLite: edits, sign-ins, signatures): below it audio is refused
	// (storage_error, the agent keeps it in its spool) and /readyz says so. 0 means the
	// default, DefaultDiskReserve but at most an eighth of the file system; negative: none.
	DiskReserve int64
	// Admission, when set, is asked at every hello whether the authenticated courtroom may
	// record into the hearing (the record owns hearings' courtrooms and lifecycle).
	Admission Admission
	// Fence, when set, is asked before every write to a hearing's archive and before its files
	// are closed: an error means this server may no longer write the hearing (server replicas:
	// its ingest lease ran out while the process was stalled or cut off from the database, so
	// another replica may be writing the same files). The hearing is then abandoned: its agent
	// gets not_owner (and goes to the owner), and its files are closed without writing anything
	// more, not even the header, so the owner's samples stay as they are.
	Fence func(hearing string) error
	// TokenRecheck is how often the token file is looked at for revocations while agents are
	// connected (default 500 ms; a look is a stat, the file is read only when it changed). A
	// connection whose token was revoked is closed with unauthorized.
	TokenRecheck time.Duration
	// ReadyInfo, when set, adds lines after "ready" on /readyz (the transcription engine and
	// how it runs).
	ReadyInfo func() string
}

// Admission decides whether an agent authenticated for a courtroom may record into a hearing.
// The token has already been checked against the courtroom; AdmitHearing checks the hearing:
// it returns nil, an error wrapping ErrForeignHearing (the hearing belongs to another
// courtroom), an error wrapping ErrNotRecording (the hearing's lifecycle does not take audio:
// closed, finalized, signed), or another error when it cannot tell (the agent retries).
type Admission interface {
	AdmitHearing(ctx context.Context, courtroom, hearing string) error
}

// Refusals an Admission returns (wrapped, with the reason in words).
var (
	ErrForeignHearing = errors.New("hearing belongs to another courtroom")
	ErrNotRecording   = errors.New("hearing does not take audio")
	// ErrNotOwner: another server replica holds the hearing's ingest lease (the error names it).
	ErrNotOwner = errors.New("another server replica records this hearing")
)

// Gap and disk defaults (Config).
const (
	DefaultMaxGap      = 12 * time.Hour
	DefaultFirstGap    = 5 * time.Minute
	GapSlack           = 2 * time.Minute
	DefaultDiskReserve = 256 << 20
	// DefaultMaxSeatSamples is 7 days of hearing time per seat file (19 GB of real audio at
	// most; gaps take no disk).
	DefaultMaxSeatSamples = 7 * 24 * 3600 * wire.SampleRate
)

// DefaultConfig returns the defaults for a data directory.
func DefaultConfig(dataDir string) Config {
	return Config{DataDir: dataDir, HelloTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second,
		WriteTimeout: 10 * time.Second, TakeoverTimeout: 5 * time.Second, ListenerQueue: DefaultListenerQueue,
		MaxGap: DefaultMaxGap, FirstGap: DefaultFirstGap, MaxSeatSamples: DefaultMaxSeatSamples,
		TokenRecheck: 500 * time.Millisecond}
}

// Server accepts agents and archives their audio. Create it with New, mount Handler (or
// Register) on an HTTP listener, and call Close to drain.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	tokens   *Tokens
	listener AudioListener
	metrics  *metrics
	upgrader websocket.Upgrader

	mu       sync.Mutex
	hearings map[string]*hearing
	conns    map[*conn]struct{}
	closing  bool
	closeMu  sync.Mutex // serialises hearing closes

	stopWatch chan struct{} // closed by Close: ends the token watcher

	connWG sync.WaitGroup // connection handlers
	bgWG   sync.WaitGroup // hearing writers and helper goroutines
}

// New prepares a server on cfg.DataDir (created if missing).
func New(cfg Config) (*Server, error) {
	d := DefaultConfig(cfg.DataDir)
	if cfg.DataDir == "" {
		return nil, errors.New("ingest: no data directory")
	}
	for _, f := range []struct{ v, d *time.Duration }{
		{&cfg.HelloTimeout, &d.HelloTimeout}, {&cfg.IdleTimeout, &d.IdleTimeout}, {&cfg.WriteTimeout, &d.WriteTimeout},
		{&cfg.TakeoverTimeout, &d.TakeoverTimeout}, {&cfg.TokenRecheck, &d.TokenRecheck},
		{&cfg.MaxGap, &d.MaxGap}, {&cfg.FirstGap, &d.FirstGap},
	} {
		orDefault(f.v, *f.d)
	}
	orDefault(&cfg.ListenerQueue, d.ListenerQueue)
	orDefault(&cfg.MaxSeatSamples, d.MaxSeatSamples)
	cfg.MaxSeatSamples = min(cfg.MaxSeatSamples, wavfile.MaxSamplesRF64)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ingest: data directory: %w", err)
	}
	for _, sub := range []string{archive.SessionsDir, archive.HearingsDir} {
		if err := privateDir(filepath.Join(cfg.DataDir, sub)); err != nil {
			return nil, fmt.Errorf("ingest: data directory: %w", err)
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, listener: cfg.Listener,
		tokens:   OpenTokens(cfg.DataDir, cfg.Now),
		metrics:  newMetrics(),
		hearings: map[string]*hearing{}, conns: map[*conn]struct{}{},
		upgrader:  websocket.Upgrader{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10},
		stopWatch: make(chan struct{})}
	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); s.watchTokens() }()
	s.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "courtscribe_ingest_hearings_open", Help: "Hearings with open archive files."},
		func() float64 { s.mu.Lock(); defer s.mu.Unlock(); return float64(len(s.hearings)) }))
	return s, nil
}

// orDefault sets *v to d when it is not positive (a Config field left unset).
func orDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Tokens is the server's agent token store.
func (s *Server) Tokens() *Tokens { return s.tokens }

// Metrics is the server's own Prometheus registry (also served on /metrics); other parts may
// register their collectors on it.
func (s *Server) Metrics() *prometheus.Registry { return s.metrics.reg }

// Handler returns a mux with /v1/agent, /healthz, /readyz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// Register mounts the ingest endpoints on mux, so other parts share the listener.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AgentPath, s.serveAgent)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.ServerTimeHeader, s.now().UTC().Format(time.RFC3339Nano))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg}))
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(wire.ServerTimeHeader, s.now().UTC().Format(time.RFC3339Nano))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	probe := filepath.Join(s.cfg.DataDir, ".ready-probe")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		http.Error(w, "data directory not writable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	os.Remove(probe)
	if free, reserve, err := s.diskRoom(); err == nil && free < reserve {
		http.Error(w, fmt.Sprintf("audio refused: %d bytes free, %d kept for the hearing record", free, reserve), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
	if s.cfg.ReadyInfo != nil {
		if info := strings.TrimSpace(s.cfg.ReadyInfo()); info != "" {
			fmt.Fprintln(w, info)
		}
	}
}

// Status returns the live state of every open hearing, sorted by courtroom and hearing.
func (s *Server) Status() Status {
	s.mu.Lock()
	hs := make([]*hearing, 0, len(s.hearings))
	for _, h := range s.hearings {
		hs = append(hs, h)
	}
	n := len(s.conns)
	s.mu.Unlock()
	st := Status{AgentsConnected: n, Hearings: []HearingStatus{}}
	for _, h := range hs {
		st.Hearings = append(st.Hearings, h.status())
	}
	sort.Slice(st.Hearings, func(i, j int) bool {
		a, b := st.Hearings[i], st.Hearings[j]
		if a.Courtroom != b.Courtroom {
			return a.Courtroom < b.Courtroom
		}
		return a.Hearing < b.Hearing
	})
	return st
}

// Close stops accepting agents, disconnects the connected ones, writes and fsyncs everything
// queued and closes the archive files. Hearings stay open on disk (not finalized): agents
// resume after a restart. It is safe to call twice.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.stopWatch)
	}
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.abort(nil)
	}
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	hs := make([]*hearing, 0, len(s.hearings))
	for _, h := range s.hearings {
		hs = append(hs, h)
	}
	s.hearings = map[string]*hearing{}
	s.mu.Unlock()
	var errs []error
	for _, h := range hs {
		if err := h.shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("hearing %s: %w", h.info.Hearing, err))
		}
	}
	s.bgWG.Wait()
	return errors.Join(errs...)
}

// fenced is Config.Fence's answer for hearing, wrapped in ErrNotOwner; nil without a Fence.
func (s *Server) fenced(hearing string) error {
	if s.cfg.Fence == nil {
		return nil
	}
	err := s.cfg.Fence(hearing)
	if err == nil || errors.Is(err, ErrNotOwner) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrNotOwner, err)
}

// forget drops a failed hearing so that the next hello reopens (and realigns) it.
func (s *Server) forget(h *hearing) {
	s.mu.Lock()
	if s.hearings[h.info.Hearing] == h {
		delete(s.hearings, h.info.Hearing)
	}
	s.mu.Unlock()
}

// unload closes the files of a hearing whose agent ended its session and left; the hearing is
// not closed (no manifest) and reopens on the next hello.
func (s *Server) unload(h *hearing) {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	h.mu.Lock()
	idle := h.owner == nil && !h.closed
	if idle {
		h.unloading = true
	}
	h.mu.Unlock()
	if !idle {
		return
	}
	if err := h.shutdown(); err != nil {
		h.log.Error("closing hearing files", "err", err)
	}
	// Every frame has reached the listener (shutdown waits for it); tell it before the hearing
	// can reopen, so the end of this session comes before the next session's start.
	if l, ok := s.listener.(SessionEndListener); ok {
		l.SessionEnded(h.info.Hearing)
	}
	s.forget(h)
	h.log.Debug("hearing files closed after the session ended")
}

// Unload closes the files of an open hearing that has no agent connected (written and synced
// first), so that its next hello reopens it from the archive. Replicas sharing the archive call
// it when they stop owning a hearing: another replica may append to its files meanwhile. It
// reports whether the hearing was open and idle.
func (s *Server) Unload(id string) bool {
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h == nil {
		return false
	}
	h.mu.Lock()
	idle := h.owner == nil && !h.closed && !h.unloading
	h.mu.Unlock()
	if idle {
		s.unload(h)
	}
	return idle
}

// CloseHearing finalizes a hearing's audio: it disconnects its agent (hearing_closed), writes
// and fsyncs what is queued, closes the files and writes manifest.json. Closing a closed
// hearing returns its manifest.
func (s *Server) CloseHearing(ctx context.Context, id string) (*archive.Manifest, error) {
	return s.closeHearing(ctx, id, nil)
}

func (s *Server) closeHearing(ctx context.Context, id string, caller *conn) (*archive.Manifest, error) {
	if !wire.ValidID(id) {
		return nil, fmt.Errorf("hearing id %q is not valid", id)
	}
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	dir := archive.HearingDir(s.cfg.DataDir, id)
	if m, err := archive.ReadManifest(s.cfg.DataDir, id); err == nil {
		return m, nil
	}
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h == nil {
		info, err := archive.ReadHearingInfo(s.cfg.DataDir, id)
		if err != nil {
			return nil, fmt.Errorf("hearing %s: %w", id, err)
		}
		if h, err = s.openHearing(dir, *info); err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	h.closed = true
	owner := h.owner
	h.mu.Unlock()
	if owner != nil && owner != caller {
		owner.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeClosed, Message: fmt.Sprintf("hearing %s was closed by the server", id)})
	}
	if err := h.shutdown(); err != nil {
		s.forget(h)
		return nil, fmt.Errorf("hearing %s: %w", id, err)
	}
	h.mu.Lock()
	gaps := slices.Clone(h.st.gapList)
	h.mu.Unlock()
	m, err := buildManifest(dir, h.info, gaps, s.now())
	if err == nil {
		err = writeJSONAtomic(filepath.Join(dir, archive.ManifestFile), m)
	}
	s.forget(h)
	if err != nil {
		return nil, fmt.Errorf("hearing %s manifest: %w", id, err)
	}
	s.log.Info("hearing closed", "hearing", id, "samples", m.Samples, "seconds", m.DurationSeconds, "gaps", len(m.Gaps))
	if s.listener != nil {
		s.listener.HearingClosed(id)
	}
	return m, nil
}

// openHearing opens (recovering) a hearing's files and starts its writer. s.mu must not be
// held; the caller makes sure no other writer for it runs.
func (s *Server) openHearing(dir string, info archive.HearingInfo) (*hearing, error) {
	st, truncated, err := openStore(dir, info)
	if err != nil {
		return nil, fmt.Errorf("hearing %s: open archive: %w", info.Hearing, err)
	}
	h := newHearing(s, dir, info, st)
	if fi, err := os.Stat(filepath.Join(dir, archive.StateFile)); err == nil && st.samples > 0 {
		h.storedAt = fi.ModTime() // the last commit before the restart
	}
	if truncated > 0 {
		h.log.Warn("recovered hearing: seats aligned to the shortest (unacknowledged tail dropped)", "dropped_samples", truncated, "next_sample", st.samples)
	}
	s.mu.Lock()
	s.hearings[info.Hearing] = h
	s.mu.Unlock()
	if s.listener != nil {
		s.listener.HearingOpened(info, st.samples)
		s.bgWG.Add(1)
		go func() { defer s.bgWG.Done(); h.deliver(s.listener) }()
	}
	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); h.run() }()
	return h, nil
}

// watchTokens closes the connections whose token was revoked (by this process or by the
// tokens command in another one), within cfg.TokenRecheck of the token file changing.
func (s *Server) watchTokens() {
	tick := time.NewTicker(s.cfg.TokenRecheck)
	defer tick.Stop()
	lastSize, lastMod := s.tokens.stamp()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-tick.C:
		}
		size, mod := s.tokens.stamp()
		if size == lastSize && mod.Equal(lastMod) {
			continue
		}
		f, err := s.tokens.load()
		if err != nil {
			s.log.Error("token file unreadable; connected agents keep their connections", "err", err)
			continue
		}
		lastSize, lastMod = size, mod
		var revoked []*conn
		s.mu.Lock()
		for c := range s.conns {
			if c.tokenSum != "" && !f.valid(c.tokenSum, c.hello.Courtroom) {
				revoked = append(revoked, c)
			}
		}
		s.mu.Unlock()
		for _, c := range revoked {
			s.metrics.errors.WithLabelValues(wire.CodeUnauthorized).Inc()
			c.abort(helloError(wire.CodeUnauthorized, "token revoked"))
		}
	}
}
