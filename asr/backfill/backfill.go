// Package backfill transcribes pending utterances: those recorded while the engine was absent,
// down, slow or the queue full. It reads the utterance list from the transcript store through
// asr.PendingStore and the audio from the archive, runs each utterance through the same path as
// live transcription (policy, prompt, guards) and records the text with PendingStore.Complete.
// An utterance the engine still cannot take stays pending; nothing is dropped.
//
// Run does one hearing on demand (courtscribe backfill); Watcher does it automatically when the
// engine is back.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/policy"
)

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
	if many, ok := b.Engine.(ManyTranscriber); ok && b.window() > 0 {
		return b.runBatched(ctx, hearing, pending, many, rep, log)
	}
	for i, u := range pending {
		if err := b.waitIdle(ctx); err != nil {
			rep.Remaining = len(pending) - i
			return rep, err
		}
		if u.Hearing == "" {
			u.Hearing = hearing
		}
		if u.ID == "" {
			u.ID = asr.UtteranceID(u.Seat, u.Start)
		}
		if err := u.Validate(); err != nil {
			log.Warn("backfill: bad pending utterance left as is", "utterance", u.ID, "err", err)
			rep.Failed++
			continue
		}
		pcm, err := b.Audio.Audio(ctx, hearing, u.Seat, u.Start, u.End)
		if err != nil {
			log.Warn("backfill: no audio for pending utterance", "utterance", u.ID, "err", err)
			rep.Failed++
			continue
		}
		var pieces []policy.Piece
		if b.Policy.IsBlip(u) {
			r := asr.Result{Utterance: u, Status: asr.StatusEmpty,
				Flags: []string{fmt.Sprintf("blip: %.2f s shorter than %.2f s, not transcribed", u.Duration(), b.Policy.MinUtterance.Seconds())}}
			if err := b.Store.Complete(ctx, r); err != nil {
				return rep, fmt.Errorf("backfill: recording %s: %w", u.ID, err)
			}
			rep.Completed++
			continue
		}
		pieces = b.Policy.Split(u, pcm)
		for _, pc := range pieces {
			r := b.Engine.Transcribe(ctx, pc)
			if r.Status == asr.StatusPending {
				if ctx.Err() != nil {
					rep.Remaining = len(pending) - i
					return rep, ctx.Err()
				}
				rep.Remaining = len(pending) - i
				log.Info("backfill paused: engine unavailable", "hearing", hearing, "remaining", rep.Remaining, "err", r.Error)
				return rep, ErrStillUnavailable
			}
			if err := b.Store.Complete(ctx, r); err != nil {
				return rep, fmt.Errorf("backfill: recording %s: %w", r.Utterance.ID, err)
			}
		}
		rep.Completed++
	}
	if rep.Pending > 0 {
		log.Info("backfill done", "hearing", hearing, "completed", rep.Completed, "failed", rep.Failed)
	}
	return rep, nil
}

// runBatched is Run with batches: consecutive pending utterances up to the window go to the
// engine in one TranscribeMany call (Workers batches at once); their results are recorded in
// time order, and at the first one the engine could not take the run stops with that
// utterance and the rest pending.
func (b *Backfiller) runBatched(ctx context.Context, hearing string, pending []asr.Utterance, many ManyTranscriber, rep Report, log *slog.Logger) (Report, error) {
	window := b.window()
	type item struct {
		idx    int // in pending
		pieces int
		blip   *asr.Result // settled by the policy, recorded in its turn
	}
	type batch struct {
		items []item
		pcs   []policy.Piece
		rs    []asr.Result
	}
	// gather takes the next batch from pending[i:], counting what cannot be read as failed.
	gather := func(i int) (batch, int) {
		var bt batch
		used := 0.0
		for ; i < len(pending); i++ {
			u := pending[i]
			if u.Hearing == "" {
				u.Hearing = hearing
			}
			if u.ID == "" {
				u.ID = asr.UtteranceID(u.Seat, u.Start)
			}
			if err := u.Validate(); err != nil {
				log.Warn("backfill: bad pending utterance left as is", "utterance", u.ID, "err", err)
				rep.Failed++
				continue
			}
			need := u.Duration()
			if len(bt.items) > 0 {
				need += asr.PackGapSeconds
			}
			if len(bt.items) > 0 && used+need > window {
				break // the next batch starts here
			}
			pcm, err := b.Audio.Audio(ctx, hearing, u.Seat, u.Start, u.End)
			if err != nil {
				log.Warn("backfill: no audio for pending utterance", "utterance", u.ID, "err", err)
				rep.Failed++
				continue
			}
			if b.Policy.IsBlip(u) {
				bt.items = append(bt.items, item{idx: i, blip: &asr.Result{Utterance: u, Status: asr.StatusEmpty,
					Flags: []string{fmt.Sprintf("blip: %.2f s shorter than %.2f s, not transcribed", u.Duration(), b.Policy.MinUtterance.Seconds())}}})
				continue
			}
			split := b.Policy.Split(u, pcm)
			bt.items = append(bt.items, item{idx: i, pieces: len(split)})
			bt.pcs = append(bt.pcs, split...)
			used += need
		}
		return bt, i
	}
	workers := max(b.Workers, 1)
	for i := 0; i < len(pending); {
		if err := b.waitIdle(ctx); err != nil {
			rep.Remaining = len(pending) - i
			return rep, err
		}
		var round []*batch
		for len(round) < workers && i < len(pending) {
			var bt batch
			bt, i = gather(i)
			if len(bt.items) > 0 {
				round = append(round, &bt)
			}
		}
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
		for _, bt := range round {
			if len(bt.rs) != len(bt.pcs) { // a broken Transcriber: leave the batch pending rather than guess
				rep.Remaining = len(pending) - bt.items[0].idx
				return rep, fmt.Errorf("backfill: %d results for %d pieces", len(bt.rs), len(bt.pcs))
			}
			k := 0
			for _, it := range bt.items {
				if it.blip != nil {
					if err := b.Store.Complete(ctx, *it.blip); err != nil {
						return rep, fmt.Errorf("backfill: recording %s: %w", it.blip.Utterance.ID, err)
					}
					rep.Completed++
					continue
				}
				for _, r := range bt.rs[k : k+it.pieces] {
					if r.Status == asr.StatusPending {
						rep.Remaining = len(pending) - it.idx
						if ctx.Err() != nil {
							return rep, ctx.Err()
						}
						log.Info("backfill paused: engine unavailable", "hearing", hearing, "remaining", rep.Remaining, "err", r.Error)
						return rep, ErrStillUnavailable
					}
					if err := b.Store.Complete(ctx, r); err != nil {
						return rep, fmt.Errorf("backfill: recording %s: %w", r.Utterance.ID, err)
					}
				}
				k += it.pieces
				rep.Completed++
			}
		}
	}
	if rep.Pending > 0 {
		log.Info("backfill done", "hearing", hearing, "completed", rep.Completed, "failed", rep.Failed, "batch_seconds", window, "workers", workers)
	}
	return rep, nil
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
