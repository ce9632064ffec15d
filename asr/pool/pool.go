// Package pool is the transcription pipeline the server drives: utterances in, results out.
//
// A Pipeline holds a bounded queue and a fixed number of workers, each running one engine call
// at a time (the whisper engine gives each worker its own model and context). Finished
// utterances are split and guarded by asr/policy and come out as final, suspect or empty
// results; an utterance the engine cannot take (absent, down, timed out, queue full, shutdown)
// comes out as StatusPending, never dropped, for backfill to finish. Long utterances still in
// progress get partial results when a worker is idle; a partial is never emitted after its
// final.
package pool

import "context"
import "errors"
import "fmt"
import "log/slog"
import "strings"
import "sync"
import "sync/atomic"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/capture/wire"

// Config is the pipeline configuration.
type Config struct {
	// Workers is the number of engine calls in flight at once.
	Workers int
	// QueueSize bounds the finished utterances waiting for a worker; beyond it they are
	// emitted pending.
	QueueSize int
	// Language is passed to the engine: "zh", "en", "auto" or "" (engine default).
	Language string
	// Timeout bounds one engine call; past it the piece is emitted pending.
	Timeout time.Duration
	// PartialInterval is the least time between partials of one utterance, and the least
	// length of an utterance to get partials at all; 0 disables partials.
	PartialInterval time.Duration
	// DrainTimeout bounds the graceful drain after the context of Run is cancelled; what is
	// not done by then is emitted pending.
	DrainTimeout time.Duration
	Policy       policy.Config
	Guards       policy.GuardConfig
	Prompt       policy.PromptConfig
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultConfig is the configuration courtscribe ships with.
func DefaultConfig() Config {
	return Config{
		Workers:         1,
		QueueSize:       256,
		Language:        "auto",
		Timeout:         2 * time.Minute,
		PartialInterval: 3 * time.Second,
		DrainTimeout:    30 * time.Second,
		Policy:          policy.DefaultConfig(),
		Guards:          policy.DefaultGuards(),
		Prompt:          policy.DefaultPrompt(),
	}
}

// Stats are the pipeline's counters (gauges: Queued, Busy; the rest only grow).
type Stats struct {
	Workers   int   `json:"workers"`
	Queued    int   `json:"queued"`
	Busy      int64 `json:"busy"`
	Submitted int64 `json:"submitted"`
	Final     int64 `json:"final"`
	Suspect   int64 `json:"suspect"`
	Empty     int64 `json:"empty"`
	Pending   int64 `json:"pending"`
	Partials  int64 `json:"partials"`
}

type job struct {
	u       asr.Utterance
	pcm     []int16
	partial bool
	queued  time.Time
}

// Pipeline runs utterances through an engine. Submit and Progress may be called from any
// goroutine; results go to the emit function given to New, one call at a time.
type Pipeline struct {
	eng  asr.Engine
	cfg  Config
	log  *slog.Logger
	emit func(asr.Result)

	finals   chan job
	partials chan job

	mu          sync.Mutex
	closed      bool
	running     bool
	vocabulary  map[string][]string
	language    map[string]string
	committed   map[string]string
	lastPartial map[string]time.Time // utterance ID → last partial started
	finalized   map[string]bool      // utterance IDs whose final went out (partials after it are dropped)
	emitMu      sync.Mutex

	busy                                          atomic.Int64
	submitted, final, suspect, empty, pend, parts atomic.Int64
}

// New makes a pipeline over eng; results are passed to emit. Call Run to start it.
func New(eng asr.Engine, cfg Config, log *slog.Logger, emit func(asr.Result)) (*Pipeline, error) {
	if eng == nil || emit == nil {
		return nil, errors.New("pool: engine and emit are required")
	}
	if cfg.Workers < 1 || cfg.Workers > 64 {
		return nil, fmt.Errorf("pool: %d workers, want 1..64", cfg.Workers)
	}
	if cfg.QueueSize < 1 {
		return nil, fmt.Errorf("pool: queue size %d, want at least 1", cfg.QueueSize)
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{
		eng: eng, cfg: cfg, log: log, emit: emit,
		finals:      make(chan job, cfg.QueueSize),
		partials:    make(chan job),
		vocabulary:  map[string][]string{},
		language:    map[string]string{},
		committed:   map[string]string{},
		lastPartial: map[string]time.Time{},
		finalized:   map[string]bool{},
	}, nil
}

// SetVocabulary sets the hearing vocabulary (party names, case terms, legal words) used in the
// initial prompt of the hearing's utterances.
func (p *Pipeline) SetVocabulary(hearing string, words []string) {
	p.mu.Lock()
	p.vocabulary[hearing] = append([]string(nil), words...)
	p.mu.Unlock()
}

// SetLanguage sets the language of a hearing's utterances ("zh", "en" or "auto"), overriding
// Config.Language for that hearing.
func (p *Pipeline) SetLanguage(hearing, language string) error {
	if _, err := asr.ParseLanguage(language); err != nil {
		return fmt.Errorf("pool: %w", err)
	}
	p.mu.Lock()
	p.language[hearing] = language
	p.mu.Unlock()
	return nil
}

// Commit appends text to the hearing's committed text (the prompt carries its tail). The
// pipeline commits its own final results; the server may add clerk corrections.
func (p *Pipeline) Commit(hearing, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.committed[hearing]
	if c != "" {
		c += " "
	}
	// keep a bounded tail
	p.committed[hearing] = policy.Tail(c+text, 4*p.cfg.Prompt.CommittedRunes+64)
}

// ForgetHearing drops the per-hearing prompt state of a closed hearing.
func (p *Pipeline) ForgetHearing(hearing string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.vocabulary, hearing)
	delete(p.language, hearing)
	delete(p.committed, hearing)
	for id := range p.finalized {
		if strings.HasPrefix(id, hearing+"\x00") {
			delete(p.finalized, id)
		}
	}
	for id := range p.lastPartial {
		if strings.HasPrefix(id, hearing+"\x00") {
			delete(p.lastPartial, id)
		}
	}
}

// Stats returns the counters.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Workers: p.cfg.Workers, Queued: len(p.finals), Busy: p.busy.Load(),
		Submitted: p.submitted.Load(), Final: p.final.Load(), Suspect: p.suspect.Load(),
		Empty: p.empty.Load(), Pending: p.pend.Load(), Partials: p.parts.Load(),
	}
}

// Submit hands a finished utterance and its audio (exactly u.Start..u.End) to the pipeline.
// It never blocks: when the queue is full or the pipeline is shut down the utterance is
// emitted pending at once. A malformed utterance is an error.
func (p *Pipeline) Submit(u asr.Utterance, pcm []int16) error {
	if u.ID == "" {
		u.ID = asr.UtteranceID(u.Seat, u.Start)
	}
	if err := u.Validate(); err != nil {
		return err
	}
	p.submitted.Add(1)
	p.mu.Lock()
	closed := p.closed
	if !closed {
		select {
		case p.finals <- job{u: u, pcm: pcm, queued: p.cfg.Now()}:
			p.mu.Unlock()
			return nil
		default:
		}
	}
	p.mu.Unlock()
	reason := "transcription queue full"
	if closed {
		reason = "pipeline shut down"
	}
	p.log.Warn("utterance kept pending", "utterance", u.ID, "seat", u.Seat, "reason", reason)
	p.emitPending(u, pcm, reason)
	return nil
}

// Progress offers an utterance still in progress (audio so far) for a partial result. It
// starts one only when partials are enabled, the utterance is at least PartialInterval long,
// the last partial of it is PartialInterval old, no finished utterance is waiting and a worker
// is idle. It reports whether a partial was started.
func (p *Pipeline) Progress(u asr.Utterance, pcm []int16) bool {
	iv := p.cfg.PartialInterval
	if iv <= 0 || u.Duration() < iv.Seconds() || len(p.finals) > 0 {
		return false
	}
	if u.ID == "" {
		u.ID = asr.UtteranceID(u.Seat, u.Start)
	}
	if u.Validate() != nil {
		return false
	}
	now := p.cfg.Now()
	key := u.Hearing + "\x00" + u.ID
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.finalized[key] {
		return false
	}
	if last, ok := p.lastPartial[key]; ok && now.Sub(last) < iv {
		return false
	}
	select {
	case p.partials <- job{u: u, pcm: pcm, partial: true, queued: now}:
		p.lastPartial[key] = now
		return true
	default:
		return false
	}
}

// Run starts the workers and blocks until ctx is cancelled and the queue is drained (or
// DrainTimeout passes, after which what is left is emitted pending). Run may be called once.
func (p *Pipeline) Run(ctx context.Context) error {
	p.mu.Lock()
	if p.running || p.closed {
		p.mu.Unlock()
		return errors.New("pool: Run called twice")
	}
	p.running = true
	p.mu.Unlock()

	// work is cancelled only when the drain deadline passes
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < p.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.worker(work, stop)
		}()
	}
	<-ctx.Done()
	p.mu.Lock()
	p.closed = true // Submit and Progress stop queueing
	p.mu.Unlock()
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	timer := time.NewTimer(p.cfg.DrainTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		p.log.Warn("transcription drain timed out; the rest stays pending", "queued", len(p.finals))
		cancelWork()
		<-done
	}
	// anything still queued (workers gone after a forced drain) stays pending
	for {
		select {
		case j := <-p.finals:
			p.emitPending(j.u, j.pcm, "pipeline shut down")
		default:
			return nil
		}
	}
}

func (p *Pipeline) worker(ctx context.Context, stop <-chan struct{}) {
	for {
		// finished utterances first
		select {
		case j := <-p.finals:
			p.run(ctx, j)
			continue
		default:
		}
		select {
		case j := <-p.finals:
			p.run(ctx, j)
		case j := <-p.partials:
			p.run(ctx, j)
		case <-stop:
			// drain: finish the queue, then leave
			for {
				if ctx.Err() != nil {
					return
				}
				select {
				case j := <-p.finals:
					p.run(ctx, j)
				default:
					return
				}
			}
		}
	}
}

func (p *Pipeline) run(ctx context.Context, j job) {
	p.busy.Add(1)
	defer p.busy.Add(-1)
	if j.partial {
		p.runPartial(ctx, j)
		return
	}
	u := j.u
	if p.cfg.Policy.IsBlip(u) {
		p.emitResult(asr.Result{Utterance: u, Status: asr.StatusEmpty,
			Flags: []string{fmt.Sprintf("blip: %.2f s shorter than %.2f s, not transcribed", u.Duration(), p.cfg.Policy.MinUtterance.Seconds())}})
		return
	}
	pieces := p.cfg.Policy.Split(u, j.pcm)
	for _, pc := range pieces {
		if ctx.Err() != nil {
			p.emitPending(pc.Utterance, pc.PCM, "pipeline shut down", pc.Index, pc.Count)
			continue
		}
		r := p.Transcribe(ctx, pc)
		p.emitResult(r)
	}
}

func (p *Pipeline) runPartial(ctx context.Context, j job) {
	pieces := p.cfg.Policy.Split(j.u, j.pcm)
	pc := pieces[len(pieces)-1]
	req := p.request(pc, true)
	tctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	t, err := p.eng.Transcribe(tctx, req)
	if err != nil {
		p.log.Debug("partial failed", "utterance", pc.Utterance.ID, "err", err)
		return
	}
	r := p.result(pc, t)
	if r.Status != asr.StatusFinal {
		return // a partial that a guard objects to is not shown
	}
	r.Status = asr.StatusPartial
	p.emitResult(r)
}

func (p *Pipeline) request(pc policy.Piece, partial bool) asr.Request {
	p.mu.Lock()
	prompt := p.cfg.Prompt.Prompt(p.vocabulary[pc.Utterance.Hearing], p.committed[pc.Utterance.Hearing])
	lang, ok := p.language[pc.Utterance.Hearing]
	p.mu.Unlock()
	if !ok {
		lang = p.cfg.Language
	}
	return asr.Request{Utterance: pc.Utterance, PCM: p.cfg.Policy.Pad(pc.PCM), Language: lang, Prompt: prompt, Partial: partial}
}

// Transcribe runs one piece through the engine and the guards, outside the queue (backfill
// and the offline command use it). Failures give a pending result.
func (p *Pipeline) Transcribe(ctx context.Context, pc policy.Piece) asr.Result {
	req := p.request(pc, false)
	tctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	t, err := p.eng.Transcribe(tctx, req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("engine timed out after %v: %w", p.cfg.Timeout, asr.ErrUnavailable)
		}
		lvl := slog.LevelWarn
		if errors.Is(err, asr.ErrNoEngine) {
			lvl = slog.LevelDebug // recording without an engine is the plan, not a problem
		}
		p.log.Log(ctx, lvl, "utterance kept pending", "utterance", pc.Utterance.ID, "seat", pc.Utterance.Seat, "err", err)
		return pendingResult(pc.Utterance, err.Error(), pc.Index, pc.Count)
	}
	r := p.result(pc, t)
	if r.Status == asr.StatusFinal {
		p.Commit(pc.Utterance.Hearing, r.Text)
	}
	return r
}

// result maps an engine transcript onto hearing time and applies the guards.
func (p *Pipeline) result(pc policy.Piece, t asr.Transcript) asr.Result {
	u := pc.Utterance
	conf := policy.Confidence(t)
	r := asr.Result{
		Utterance: u, Text: strings.TrimSpace(t.Text), Language: t.Language, Confidence: conf,
		Spans: MapSpans(t.Spans, u.Start, u.End), Engine: p.eng.Name(),
	}
	if pc.Count > 1 {
		r.Piece, r.Pieces = pc.Index, pc.Count
	}
	v := p.cfg.Guards.Check(t, pc.PCM, conf)
	r.Flags = v.Flags
	switch {
	case v.Drop:
		r.Status, r.Dropped, r.Text, r.Spans, r.Confidence = asr.StatusEmpty, r.Text, "", nil, 0
	case r.Text == "":
		r.Status = asr.StatusEmpty
	case len(v.Flags) > 0:
		r.Status = asr.StatusSuspect
	default:
		r.Status = asr.StatusFinal
	}
	return r
}

// MapSpans shifts engine spans (relative seconds) onto hearing time starting at start,
// clamped to start..end (padding can make an engine report times past the audio).
func MapSpans(segs []asr.Span, start, end float64) []asr.Span {
	clamp := func(t float64) float64 { return min(max(start+t, start), end) }
	out := make([]asr.Span, len(segs))
	for i, s := range segs {
		s.Start, s.End = clamp(s.Start), clamp(s.End)
		if len(s.Tokens) > 0 {
			toks := make([]asr.Token, len(s.Tokens))
			for k, tk := range s.Tokens {
				if tk.Start >= 0 {
					tk.Start = clamp(tk.Start)
				}
				if tk.End >= 0 {
					tk.End = clamp(tk.End)
				}
				toks[k] = tk
			}
			s.Tokens = toks
		}
		out[i] = s
	}
	return out
}

func pendingResult(u asr.Utterance, reason string, piece ...int) asr.Result {
	r := asr.Result{Utterance: u, Status: asr.StatusPending, Error: reason}
	if len(piece) == 2 && piece[1] > 1 {
		r.Piece, r.Pieces = piece[0], piece[1]
	}
	return r
}

func (p *Pipeline) emitPending(u asr.Utterance, pcm []int16, reason string, piece ...int) {
	if len(piece) == 0 {
		// a whole utterance: record it in pieces so backfill works on engine-sized parts
		pcs := p.cfg.Policy.Split(u, pcm)
		if pcm == nil || len(pcs) == 1 {
			p.emitResult(pendingResult(u, reason))
			return
		}
		for _, pc := range pcs {
			p.emitResult(pendingResult(pc.Utterance, reason, pc.Index, pc.Count))
		}
		return
	}
	p.emitResult(pendingResult(u, reason, piece...))
}

func (p *Pipeline) emitResult(r asr.Result) {
	key := r.Utterance.Hearing + "\x00" + r.Utterance.ID
	p.mu.Lock()
	if r.Status == asr.StatusPartial {
		if p.finalized[key] {
			p.mu.Unlock()
			return
		}
	} else {
		p.finalized[key] = true
		delete(p.lastPartial, key)
	}
	// hold emitMu before releasing mu so a partial cannot overtake its final
	p.emitMu.Lock()
	p.mu.Unlock()
	defer p.emitMu.Unlock()
	switch r.Status {
	case asr.StatusPartial:
		p.parts.Add(1)
	case asr.StatusFinal:
		p.final.Add(1)
	case asr.StatusSuspect:
		p.suspect.Add(1)
	case asr.StatusEmpty:
		p.empty.Add(1)
	case asr.StatusPending:
		p.pend.Add(1)
	}
	p.emit(r)
}

// Batches groups pieces into runs of consecutive pieces of one hearing whose audio, laid out
// one after another with asr.PackGapSeconds of silence between neighbours, fits in window
// seconds: the batches TranscribeMany hands a packing engine. A piece longer than the window
// is a batch of its own; window <= 0 makes every piece its own batch.
func Batches(pcs []policy.Piece, window float64) [][]policy.Piece {
	lengths := make([]int, len(pcs))
	for i, pc := range pcs {
		lengths[i] = len(pc.PCM)
	}
	var out [][]policy.Piece
	for _, g := range batchIndex(pcs, lengths, window) {
		b := make([]policy.Piece, len(g))
		for j, i := range g {
			b[j] = pcs[i]
		}
		out = append(out, b)
	}
	return out
}

// batchIndex is Batches by index, over the given sample counts (TranscribeMany passes the
// lengths after padding, which is what the engine lays out).
func batchIndex(pcs []policy.Piece, lengths []int, window float64) [][]int {
	var out [][]int
	var cur []int
	used := 0.0
	for i, pc := range pcs {
		d := float64(lengths[i]) / wire.SampleRate
		need := d
		if len(cur) > 0 {
			need += asr.PackGapSeconds
		}
		if len(cur) > 0 && (pc.Utterance.Hearing != pcs[cur[0]].Utterance.Hearing || used+need > window) {
			out = append(out, cur)
			cur, used, need = nil, 0, d
		}
		cur = append(cur, i)
		used += need
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// TranscribeMany transcribes pieces outside the queue, like Transcribe, and returns one result
// per piece in the same order (backfill, import and the offline command use it). When the
// engine is an asr.Packer and window > 0, consecutive pieces of one hearing are grouped by
// Batches and each batch of two or more is decoded with one TranscribePacked call (each
// request keeps the hearing's prompt, for an utterance the engine ends up decoding alone; a
// packed window carries none); the guards then judge each piece on its own audio. A batch whose packed call fails, or answers with the wrong number of transcripts, is
// transcribed again one piece at a time, so no piece is lost to a failed batch. Otherwise each
// piece goes through Transcribe.
func (p *Pipeline) TranscribeMany(ctx context.Context, pcs []policy.Piece, window float64) []asr.Result {
	out := make([]asr.Result, 0, len(pcs))
	pk, ok := p.eng.(asr.Packer)
	if !ok || window <= 0 {
		for _, pc := range pcs {
			out = append(out, p.Transcribe(ctx, pc))
		}
		return out
	}
	lengths := make([]int, len(pcs))
	for i, pc := range pcs {
		lengths[i] = len(p.cfg.Policy.Pad(pc.PCM)) // what the engine is given
	}
	for _, g := range batchIndex(pcs, lengths, window) {
		if len(g) == 1 {
			out = append(out, p.Transcribe(ctx, pcs[g[0]]))
			continue
		}
		b := make([]policy.Piece, len(g))
		for j, i := range g {
			b[j] = pcs[i]
		}
		out = append(out, p.transcribeBatch(ctx, pk, b)...)
	}
	return out
}

func (p *Pipeline) transcribeBatch(ctx context.Context, pk asr.Packer, b []policy.Piece) []asr.Result {
	reqs := make([]asr.Request, len(b))
	for i, pc := range b {
		reqs[i] = p.request(pc, false) // the prompt serves a request the engine decodes alone
	}
	// one Timeout per piece: the packed call may fall back to single decodes inside
	tctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout*time.Duration(len(b)))
	ts, st, err := pk.TranscribePacked(tctx, reqs)
	cancel()
	if err == nil && len(ts) != len(b) {
		err = fmt.Errorf("engine returned %d transcripts for %d utterances", len(ts), len(b))
	}
	if err != nil {
		p.log.Warn("packed batch failed; transcribing its utterances one by one", "utterances", len(b),
			"first", b[0].Utterance.ID, "err", err)
		out := make([]asr.Result, len(b))
		for i, pc := range b {
			out[i] = p.Transcribe(ctx, pc)
		}
		return out
	}
	p.log.Debug("packed batch", "utterances", len(b), "windows", st.Windows, "packed", st.Packed,
		"single", st.Single, "fallbacks", st.Fallbacks)
	out := make([]asr.Result, len(b))
	for i, pc := range b {
		r := p.result(pc, ts[i])
		if r.Status == asr.StatusFinal {
			p.Commit(pc.Utterance.Hearing, r.Text)
		}
		out[i] = r
	}
	return out
}
