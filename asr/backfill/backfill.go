// Package backfill transcribes pending utterances: those recorded while the engine was absent,
// down, slow or the queue full. It reads the utterance list from the transcript store through
// asr.PendingStore and the audio from the archive, runs each utterance through the same path as
// live transcription (policy, prompt, guards) and records the text with PendingStore.Complete.
// An utterance the engine still cannot take stays pending; nothing is dropped.
//
// Run does one hearing on demand (courtscribe backfill); Watcher does it automatically when the
// engine is back.
package backfill

import "context"
import "errors"
import "fmt"
import "log/slog"
import "sort"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/policy"

// Transcriber runs one piece through engine, prompt and guards; *pool.Pipeline is one.
type Transcriber interface {
	Transcribe(ctx context.Context, pc policy.Piece) asr.Result
}

// ManyTranscriber also runs several pieces at once, packing consecutive pieces of one hearing
// into windows of at most window seconds when the engine can (asr.Packer), one result per
// piece in order; *pool.Pipeline is one.
type ManyTranscriber interface {
	Transcriber
	TranscribeMany(ctx context.Context, pcs []policy.Piece, window float64) []asr.Result
}

// Backfiller transcribes pending utterances.
type Backfiller struct {
	Store  asr.PendingStore
	Audio  AudioSource
	Engine Transcriber
	Policy policy.Config
	Log    *slog.Logger
	// Idle, when set, is polled before each utterance (each batch when packing); backfill
	// waits while it is false so live transcription keeps priority.
	Idle func() bool
	// BatchSeconds is how much audio backfill hands the engine at once (consecutive pending
	// utterances, asr.PackGapSeconds of silence between them) when Engine is a
	// ManyTranscriber: a packing engine decodes such a batch in one window (docs/asr.md,
	// "Packing utterances"). 0 means asr.PackWindowSeconds; negative transcribes one utterance
	// at a time.
	BatchSeconds float64
	// Workers is how many batches are transcribed at once (the pool's workers; 0 or 1: one).
	// Results are still recorded in time order.
	Workers int
}

// window is the batch length in seconds, 0 for one at a time.
func (b *Backfiller) window() float64 {
	switch {
	case b.BatchSeconds < 0:
		return 0
	case b.BatchSeconds == 0:
		return asr.PackWindowSeconds
	}
	return b.BatchSeconds
}

// Report counts what a run did.
type Report struct {
	Hearing   string `json:"hearing"`
	Pending   int    `json:"pending"`   // pending when the run started
	Completed int    `json:"completed"` // recorded with a settled status
	Failed    int    `json:"failed"`    // left pending because of an error (audio missing…)
	Remaining int    `json:"remaining"` // left pending because the engine is still unavailable
}

// ErrStillUnavailable is returned by Run when it stopped because the engine could not take work.
var ErrStillUnavailable = fmt.Errorf("backfill: engine still unavailable: %w", asr.ErrUnavailable)

// Run transcribes the pending utterances of one hearing in time order. It stops early (with
// ErrStillUnavailable) at the first utterance the engine cannot take.
func (b *Backfiller) Run(ctx context.Context, hearing string) (Report, error) {
	log := b.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := Report{Hearing: hearing}
	pending, err := b.Store.Pending(ctx, hearing)
	if err != nil {
		return rep, fmt.Errorf("backfill: listing pending utterances of %s: %w", hearing, err)
	}
	rep.Pending = len(pending)
	sort.SliceStable(pending, func(i, j int) bool { return pending[i].Start < pending[j].Start })
	st := &run{b: b, hearing: hearing, pending: pending, rep: rep, log: log}
	if many, ok := b.Engine.(ManyTranscriber); ok && b.window() > 0 {
		return st.batched(ctx, many)
	}
	for i := range pending {
		if err := b.waitIdle(ctx); err != nil {
			st.rep.Remaining = len(pending) - i
			return st.rep, err
		}
		if err := st.one(ctx, i); err != nil {
			return st.rep, err
		}
	}
	if st.rep.Pending > 0 {
		log.Info("backfill done", "hearing", hearing, "completed", st.rep.Completed, "failed", st.rep.Failed)
	}
	return st.rep, nil
}

// run is one Run: the hearing, its pending utterances in time order and the report so far.
type run struct {
	b       *Backfiller
	hearing string
	pending []asr.Utterance
	rep     Report
	log     *slog.Logger
}

// utterance is pending[i] with its hearing and id filled in; ok is false (counted as failed)
// when it is not valid.
func (r *run) utterance(i int) (u asr.Utterance, ok bool) {
	u = r.pending[i]
	if u.Hearing == "" {
		u.Hearing = r.hearing
	}
	if u.ID == "" {
		u.ID = asr.UtteranceID(u.Seat, u.Start)
	}
	if err := u.Validate(); err != nil {
		r.log.Warn("backfill: bad pending utterance left as is", "utterance", u.ID, "err", err)
		r.rep.Failed++
		return u, false
	}
	return u, true
}

// audio reads an utterance's audio; ok is false (counted as failed) when it cannot.
func (r *run) audio(ctx context.Context, u asr.Utterance) (pcm []int16, ok bool) {
	pcm, err := r.b.Audio.Audio(ctx, r.hearing, u.Seat, u.Start, u.End)
	if err != nil {
		r.log.Warn("backfill: no audio for pending utterance", "utterance", u.ID, "err", err)
		r.rep.Failed++
		return nil, false
	}
	return pcm, true
}

// blip is the result the policy settles u with when it is too short to transcribe, or nil.
func (b *Backfiller) blip(u asr.Utterance) *asr.Result {
	if !b.Policy.IsBlip(u) {
		return nil
	}
	return &asr.Result{Utterance: u, Status: asr.StatusEmpty,
		Flags: []string{fmt.Sprintf("blip: %.2f s shorter than %.2f s, not transcribed", u.Duration(), b.Policy.MinUtterance.Seconds())}}
}

// one transcribes pending[i] piece by piece and records it.
func (r *run) one(ctx context.Context, i int) error {
	u, ok := r.utterance(i)
	if !ok {
		return nil
	}
	pcm, ok := r.audio(ctx, u)
	if !ok {
		return nil
	}
	if res := r.b.blip(u); res != nil {
		if err := r.complete(ctx, *res); err != nil {
			return err
		}
		r.rep.Completed++
		return nil
	}
	for _, pc := range r.b.Policy.Split(u, pcm) {
		if err := r.record(ctx, i, r.b.Engine.Transcribe(ctx, pc)); err != nil {
			return err
		}
	}
	r.rep.Completed++
	return nil
}

// record records the engine's result for a piece of pending[i]. A result the engine could not
// give stops the run there, with that utterance and the rest pending.
func (r *run) record(ctx context.Context, i int, res asr.Result) error {
	if res.Status == asr.StatusPending {
		r.rep.Remaining = len(r.pending) - i
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Info("backfill paused: engine unavailable", "hearing", r.hearing, "remaining", r.rep.Remaining, "err", res.Error)
		return ErrStillUnavailable
	}
	return r.complete(ctx, res)
}

// complete records a settled result.
func (r *run) complete(ctx context.Context, res asr.Result) error {
	if err := r.b.Store.Complete(ctx, res); err != nil {
		return fmt.Errorf("backfill: recording %s: %w", res.Utterance.ID, err)
	}
	return nil
}

// batchItem is one utterance of a batch.
type batchItem struct {
	idx    int // in pending
	pieces int
	blip   *asr.Result // settled by the policy, recorded in its turn
}

// batch is consecutive pending utterances transcribed in one TranscribeMany call.
type batch struct {
	items []batchItem
	pcs   []policy.Piece
	rs    []asr.Result
}

// batched is Run with batches: consecutive pending utterances up to the window go to the
// engine in one TranscribeMany call (Workers batches at once); their results are recorded in
// time order, and at the first one the engine could not take the run stops with that
// utterance and the rest pending.
func (r *run) batched(ctx context.Context, many ManyTranscriber) (Report, error) {
	window := r.b.window()
	workers := max(r.b.Workers, 1)
	for i := 0; i < len(r.pending); {
		if err := r.b.waitIdle(ctx); err != nil {
			r.rep.Remaining = len(r.pending) - i
			return r.rep, err
		}
		var round []*batch
		for len(round) < workers && i < len(r.pending) {
			var bt batch
			bt, i = r.gather(ctx, i, window)
			if len(bt.items) > 0 {
				round = append(round, &bt)
			}
		}
		transcribeRound(ctx, many, round, window)
		for _, bt := range round {
			if err := r.recordBatch(ctx, bt); err != nil {
				return r.rep, err
			}
		}
	}
	if r.rep.Pending > 0 {
		r.log.Info("backfill done", "hearing", r.hearing, "completed", r.rep.Completed, "failed", r.rep.Failed, "batch_seconds", window, "workers", workers)
	}
	return r.rep, nil
}

// gather takes the next batch from pending[i:], counting what cannot be read as failed; it
// returns the batch and where the next one starts.
func (r *run) gather(ctx context.Context, i int, window float64) (batch, int) {
	var bt batch
	used := 0.0
	for ; i < len(r.pending); i++ {
		u, ok := r.utterance(i)
		if !ok {
			continue
		}
		need := u.Duration()
		if len(bt.items) > 0 {
			need += asr.PackGapSeconds
		}
		if len(bt.items) > 0 && used+need > window {
			break // the next batch starts here
		}
		pcm, ok := r.audio(ctx, u)
		if !ok {
			continue
		}
		if res := r.b.blip(u); res != nil {
			bt.items = append(bt.items, batchItem{idx: i, blip: res})
			continue
		}
		split := r.b.Policy.Split(u, pcm)
		bt.items = append(bt.items, batchItem{idx: i, pieces: len(split)})
		bt.pcs = append(bt.pcs, split...)
		used += need
	}
	return bt, i
}

// transcribeRound transcribes the batches of a round at once.
func transcribeRound(ctx context.Context, many ManyTranscriber, round []*batch, window float64) {
	var wg sync.WaitGroup
	for _, bt := range round {
		if len(bt.pcs) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			bt.rs = many.TranscribeMany(ctx, bt.pcs, window)
		}()
	}
	wg.Wait()
}

// recordBatch records a transcribed batch's results in time order.
func (r *run) recordBatch(ctx context.Context, bt *batch) error {
	if len(bt.rs) != len(bt.pcs) { // a broken Transcriber: leave the batch pending rather than guess
		r.rep.Remaining = len(r.pending) - bt.items[0].idx
		return fmt.Errorf("backfill: %d results for %d pieces", len(bt.rs), len(bt.pcs))
	}
	k := 0
	for _, it := range bt.items {
		if it.blip != nil {
			if err := r.complete(ctx, *it.blip); err != nil {
				return err
			}
			r.rep.Completed++
			continue
		}
		for _, res := range bt.rs[k : k+it.pieces] {
			if err := r.record(ctx, it.idx, res); err != nil {
				return err
			}
		}
		k += it.pieces
		r.rep.Completed++
	}
	return nil
}

func (b *Backfiller) waitIdle(ctx context.Context) error {
	for b.Idle != nil && !b.Idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return ctx.Err()
}

// Watcher runs backfill automatically: every Interval (or at once after Kick) it checks the
// engine's health, when it has a HealthChecker, and backfills every hearing Hearings lists.
type Watcher struct {
	Backfiller *Backfiller
	// Hearings lists the hearings to look at (e.g. the open ones).
	Hearings func(ctx context.Context) ([]string, error)
	// Health, when set, gates each round (asr.HealthChecker.Health of the engine).
	Health   func(ctx context.Context) error
	Interval time.Duration
	// OnRound, when set, gets each hearing's report (tests and metrics).
	OnRound func(Report, error)
	kick    chan struct{}
}

// NewWatcher makes a watcher with the kick channel ready.
func NewWatcher(b *Backfiller, hearings func(ctx context.Context) ([]string, error), health func(ctx context.Context) error, interval time.Duration) *Watcher {
	return &Watcher{Backfiller: b, Hearings: hearings, Health: health, Interval: interval, kick: make(chan struct{}, 1)}
}

// Kick asks for a round soon (e.g. when the live pipeline saw the engine succeed again).
func (w *Watcher) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run loops until ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Interval <= 0 {
		return errors.New("backfill: watcher interval must be positive")
	}
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.kick:
		}
		w.round(ctx)
	}
}

func (w *Watcher) round(ctx context.Context) {
	if w.Health != nil {
		if err := w.Health(ctx); err != nil {
			return
		}
	}
	hs, err := w.Hearings(ctx)
	if err != nil {
		if w.Backfiller.Log != nil {
			w.Backfiller.Log.Warn("backfill: listing hearings", "err", err)
		}
		return
	}
	for _, h := range hs {
		rep, err := w.Backfiller.Run(ctx, h)
		if w.OnRound != nil {
			w.OnRound(rep, err)
		}
		if errors.Is(err, asr.ErrUnavailable) || ctx.Err() != nil {
			return
		}
	}
}
