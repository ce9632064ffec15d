// Package stream is the live path of a hearing's audio inside the server: it listens to the
// ingest archive (asr/ingest.AudioListener), runs the seat diarizer on every live hearing,
// records each utterance as a pending segment of the hearing record, hands its audio to the
// transcription pipeline (asr/pool) and writes the engine's results back into the record.
//
//	ingest (durable audio) → Stream.Audio → per-hearing goroutine: diarize.Push
//	  → End event → Record.AppendSegment (pending) → archive range → pool.Submit
//	pool results → Stream.Result → Record.SetEngineResult (partial/final)
//
// Besides the record, a live hearing's seats are told as they may begin, begin and stop
// speaking (Config.Speaking, speaking.go): the diarizer's Tentative and Withdrawn reach only
// that signal, never the record.
//
// Gaps become gap notes; a hearing closed by its agent is closed in the record. The audio of an
// utterance is read back from the archive, which holds it durably before the listener is
// called, so nothing the diarizer found depends on memory alone: a segment whose transcription
// fails stays pending in the record and backfill (asr/backfill) finishes it later.
package stream

import "context"
import "errors"
import "fmt"
import "log/slog"
import "math"
import "strconv"
import "strings"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/transcript"

// Record is the part of the transcript store the stream writes into; transcript.Store has it.
type Record interface {
	GetHearing(ctx context.Context, id string) (*transcript.Hearing, error)
	CreateHearing(ctx context.Context, actor string, h transcript.Hearing) (*transcript.Hearing, error)
	Start(ctx context.Context, actor, hearingID string) (*transcript.Hearing, error)
	AppendSegment(ctx context.Context, actor, hearingID string, s transcript.NewSegment) (*transcript.Segment, error)
	SetEngineResult(ctx context.Context, actor string, segmentID int64, r transcript.EngineResult) (*transcript.Segment, error)
	AddNote(ctx context.Context, actor, hearingID string, n transcript.Note) (*transcript.Note, error)
	ListSegments(ctx context.Context, hearingID string, includeDeleted bool) ([]transcript.Segment, error)
	CloseHearing(ctx context.Context, actor, hearingID string, audio []transcript.AudioFile) (*transcript.Hearing, error)
	Delete(ctx context.Context, actor string, segmentID, baseRevision int64, reason string) (*transcript.Segment, error)
}

// Transcriber takes finished utterances; *pool.Pipeline is one. Submit must not block.
type Transcriber interface {
	Submit(u asr.Utterance, pcm []int16) error
	Progress(u asr.Utterance, pcm []int16) bool
	Commit(hearing, text string)
	SetVocabulary(hearing string, words []string)
	SetLanguage(hearing, lang string) error
	ForgetHearing(hearing string)
}

// AudioSource reads a seat's archived audio; archive.Archive is one.
type AudioSource interface {
	Audio(ctx context.Context, hearing, seat string, start, end float64) ([]int16, error)
}

// Actors named in the record's history.
const (
	ActorDiarizer = "diarizer"
	ActorSystem   = "system"
)

// Config wires a Stream.
type Config struct {
	Record      Record
	Transcriber Transcriber // nil: segments stay pending (backfill later)
	Audio       AudioSource
	Diarize     diarize.Config
	// Language of hearings the stream creates itself ("zh" or "en").
	Language string
	Logger   *slog.Logger
	// QueueFrames bounds the audio waiting for one hearing's diarizer (blocks of ~100 ms).
	QueueFrames int
	// GrowEvery is how often a segment in progress is extended in the record (default 1 s);
	// PartialEvery how often its audio so far is offered for a partial result (default 3 s;
	// the pool starts one only when a worker is idle).
	GrowEvery, PartialEvery time.Duration
	// KeepDuplicates turns off the bleed-duplicate check (dedupe.go), to measure without it.
	KeepDuplicates bool
	// Speaking, when set, is told live which seats may be speaking or are speaking
	// (speaking.go); nil: no speaking signal.
	Speaking SpeakingFunc
}

// Stream is an ingest.AudioListener. Create with New, run with Run.
type Stream struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	hearings map[string]*hearing
	pending  joiner          // utterances waiting for the engine's text
	external map[string]bool // hearings whose record someone else closes (the clerk)
	inTurn   map[int64]bool  // segments of turns still being spoken
	deferred map[string]bool // hearings whose utterances stay pending for a packed backfill (Defer)
	notLive  map[string]bool // hearings whose audio is not being spoken now (NotLive)
	wg       sync.WaitGroup
	started  bool
	stopped  bool

	statsMu sync.Mutex
	stats   Stats
}

var (
	_ ingest.AudioListener      = (*Stream)(nil)
	_ ingest.SessionEndListener = (*Stream)(nil)
)

// Stats counts what the stream did (for /metrics and the health panel).
type Stats struct {
	Utterances int64 `json:"utterances"`
	Results    int64 `json:"results"`
	Dropped    int64 `json:"dropped_blocks"`
	Errors     int64 `json:"errors"`
	Duplicates int64 `json:"bleed_duplicates_deleted"`
}

// msgKind says what a message to a hearing's goroutine carries.
type msgKind int

const (
	msgAudio msgKind = iota // a block of audio: first, pcm
	msgGap                  // a gap in the audio: first, n, reason
	msgClose                // the hearing was closed by its agent: done
)

type msg struct {
	kind   msgKind
	first  int64
	n      int64
	pcm    [][]int16
	reason string
	done   chan struct{} // closed when a close message has been handled
}

type hearing struct {
	id    string
	seats []string
	in    chan msg
	d     *diarize.Diarizer
	next  int64 // the sample index the next audio must start at
	// open are the turns in progress by seat: their segment is in the record already and
	// grows while the speaker talks.
	open map[string]*openTurn
	// recorded is, per seat, the hearing time up to which turns are already in the record
	// (from before a restart); the catch-up after a restart skips them.
	recorded map[string]float64
	// retry holds utterances the record could not take (a full disk); they are tried again
	// with every block of audio until they are in.
	retry []asr.Utterance
	// catchingUp is set while catchUp diarizes archived audio again: old audio, no signal.
	catchingUp bool
	// told is the speaking state last told to Config.Speaking, by seat (absent: off).
	told map[string]string
}

type openTurn struct {
	seg         int64
	start       float64
	grown       float64 // hearing time of the last extension
	partialSent float64 // hearing time of the last partial offered
}

// New makes a Stream. Record and Audio are required.
func New(cfg Config) (*Stream, error) {
	if cfg.Record == nil || cfg.Audio == nil {
		return nil, errors.New("stream: Record and Audio are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Language == "" {
		cfg.Language = "zh"
	}
	if cfg.QueueFrames <= 0 {
		cfg.QueueFrames = 3000 // five minutes of 100 ms blocks
	}
	if cfg.GrowEvery <= 0 {
		cfg.GrowEvery = time.Second
	}
	if cfg.PartialEvery <= 0 {
		cfg.PartialEvery = 3 * time.Second
	}
	if cfg.Diarize == (diarize.Config{}) {
		cfg.Diarize = diarize.DefaultConfig()
	}
	if err := cfg.Diarize.Validate(); err != nil {
		return nil, err
	}
	return &Stream{cfg: cfg, log: cfg.Logger, hearings: map[string]*hearing{}, external: map[string]bool{}, inTurn: map[int64]bool{}, deferred: map[string]bool{}, notLive: map[string]bool{}}, nil
}

// Run serves until ctx is cancelled, then lets every hearing's goroutine finish what it holds.
func (s *Stream) Run(ctx context.Context) error {
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	s.stopped = true
	for _, h := range s.hearings {
		close(h.in)
	}
	s.hearings = map[string]*hearing{}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Stats returns the counters.
func (s *Stream) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.stats
}

func (s *Stream) count(f func(*Stats)) {
	s.statsMu.Lock()
	f(&s.stats)
	s.statsMu.Unlock()
}

// HearingOpened implements ingest.AudioListener.
func (s *Stream) HearingOpened(info archive.HearingInfo, next int64) {
	seats := info.SeatNames()
	d, err := diarize.New(s.cfg.Diarize, seats, s.log)
	if err != nil {
		s.log.Error("diarizer refused the hearing's seats", "hearing", info.Hearing, "err", err)
		return
	}
	if err := d.Resume(next); err != nil {
		s.log.Error("diarizer refused the hearing's position", "hearing", info.Hearing, "err", err)
		return
	}
	h := &hearing{id: info.Hearing, seats: seats, in: make(chan msg, s.cfg.QueueFrames), d: d, next: next, open: map[string]*openTurn{}, recorded: map[string]float64{}, told: map[string]string{}}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	if old, ok := s.hearings[info.Hearing]; ok {
		close(old.in)
	}
	s.hearings[info.Hearing] = h
	s.wg.Add(1)
	s.mu.Unlock()
	go s.serve(h, info)
}

// Audio implements ingest.AudioListener. It never blocks: when a hearing's queue is full
// (a diarizer far behind), the block is not diarized and a loud error is logged — the audio
// itself is safe in the archive.
func (s *Stream) Audio(hearingID string, first int64, pcm [][]int16) {
	s.send(hearingID, msg{kind: msgAudio, first: first, pcm: pcm})
}

// Gap implements ingest.AudioListener.
func (s *Stream) Gap(hearingID string, first, n int64, reason string) {
	s.send(hearingID, msg{kind: msgGap, first: first, n: n, reason: reason})
}

// SessionEnded implements ingest.SessionEndListener: the agent ended its session without
// closing the hearing, so no more audio follows for now. The turns still open at the end of
// the audio are ended and recorded; if an agent reopens the hearing, HearingOpened continues it.
func (s *Stream) SessionEnded(hearingID string) {
	s.mu.Lock()
	h, ok := s.hearings[hearingID]
	if ok {
		delete(s.hearings, hearingID)
		close(h.in) // the hearing's goroutine flushes its open turns and ends
	}
	s.mu.Unlock()
}

// ClosingElsewhere says the hearing's record is being closed by someone else (the clerk
// through the API): when its recording stops, the stream finishes the open turns but leaves the
// record's lifecycle to them.
func (s *Stream) ClosingElsewhere(hearingID string) {
	s.mu.Lock()
	s.external[hearingID] = true
	s.mu.Unlock()
}

// HearingClosed implements ingest.AudioListener.
func (s *Stream) HearingClosed(hearingID string) {
	s.mu.Lock()
	h, ok := s.hearings[hearingID]
	if ok {
		delete(s.hearings, hearingID)
	}
	s.mu.Unlock()
	if ok {
		s.mu.Lock()
		external := s.external[hearingID]
		s.mu.Unlock()
		done := make(chan struct{})
		h.in <- msg{kind: msgClose, done: done} // blocks only until the goroutine drains; close is rare
		close(h.in)
		if external {
			// The clerk's close waits until the last turns are in the record.
			select {
			case <-done:
			case <-time.After(30 * time.Second):
			}
		}
	}
}

func (s *Stream) send(id string, m msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hearings[id]
	if !ok {
		return
	}
	select {
	case h.in <- m:
	default:
		s.count(func(st *Stats) { st.Dropped++ })
		s.log.Error("diarizer queue full: block not diarized (audio is archived; backfill can re-run)", "hearing", id, "first", m.first)
	}
}

// serve is a hearing's goroutine. It ends when its queue is closed (shutdown, close or
// reopen), after the last turns are written: record writes must not fail because shutdown has
// begun, so it works under a context of its own rather than Run's.
func (s *Stream) serve(h *hearing, info archive.HearingInfo) {
	defer s.wg.Done()
	ctx := context.Background()
	log := s.log.With("hearing", h.id)
	s.openRecord(ctx, h, info, log)
	if h.next > 0 {
		s.catchUp(ctx, h)
	}
	for m := range h.in {
		switch m.kind {
		case msgAudio:
			s.handleAudio(ctx, h, m, log)
		case msgGap:
			s.handleGap(ctx, h, m, log)
		case msgClose:
			s.handleClose(ctx, h, m, log)
			return
		}
	}
	// Shutdown or a reopen: finish the open turns so nothing diarized is lost.
	s.flush(ctx, h)
	for _, t := range h.open {
		s.endTurn(t.seg)
	}
	s.silence(h)
}

// openRecord makes sure the hearing is in the record and live, and gives the Transcriber the
// hearing's vocabulary and language.
func (s *Stream) openRecord(ctx context.Context, h *hearing, info archive.HearingInfo, log *slog.Logger) {
	if err := s.ensureHearing(ctx, info); err != nil {
		log.Error("cannot open the hearing in the record", "err", err)
	}
	if s.cfg.Transcriber == nil {
		return
	}
	hr, err := s.cfg.Record.GetHearing(ctx, h.id)
	if err != nil {
		return
	}
	s.cfg.Transcriber.SetVocabulary(h.id, hr.Vocabulary)
	if hr.Language != "" {
		if err := s.cfg.Transcriber.SetLanguage(h.id, hr.Language); err != nil {
			log.Warn("hearing language not usable by the engine", "language", hr.Language, "err", err)
		}
	}
}

// handleAudio diarizes a block of audio.
func (s *Stream) handleAudio(ctx context.Context, h *hearing, m msg, log *slog.Logger) {
	if m.first != h.next {
		// Not contiguous (should not happen: ingest delivers in order). Restart the
		// diarizer at the new position rather than shift time.
		log.Warn("audio not contiguous; diarizer restarted", "want", h.next, "got", m.first)
		s.flush(ctx, h)
		s.restart(h, m.first)
	}
	evs, err := h.d.Push(m.pcm)
	if err != nil {
		log.Error("diarizer", "err", err)
		return
	}
	if len(m.pcm) > 0 {
		h.next += int64(len(m.pcm[0]))
	}
	s.events(ctx, h, evs)
	s.grow(ctx, h)
}

// handleGap passes a gap to the diarizer, which ends the open turns and keeps its bleed
// model; the record gets a gap note.
func (s *Stream) handleGap(ctx context.Context, h *hearing, m msg, log *slog.Logger) {
	if m.first != h.next {
		s.flush(ctx, h)
		s.restart(h, m.first)
	}
	evs, err := h.d.Gap(m.n)
	if err != nil {
		log.Error("diarizer gap", "err", err)
		s.flush(ctx, h)
		s.restart(h, m.first+m.n)
	} else {
		s.events(ctx, h, evs)
		h.next += m.n
	}
	at := samplesToMS(m.first)
	end := samplesToMS(m.first + m.n)
	if _, err := s.cfg.Record.AddNote(ctx, ActorSystem, h.id, transcript.Note{Kind: transcript.NoteGap, AtMS: at, EndMS: end,
		Text: "audio gap: " + m.reason}); err != nil {
		log.Error("gap note", "err", err)
	}
}

// handleClose finishes the open turns of a hearing its agent closed and closes it in the
// record, unless someone else (the clerk) closes the record.
func (s *Stream) handleClose(ctx context.Context, h *hearing, m msg, log *slog.Logger) {
	s.flush(ctx, h)
	s.silence(h)
	s.mu.Lock()
	external := s.external[h.id]
	delete(s.external, h.id)
	s.mu.Unlock()
	if external {
		if m.done != nil {
			close(m.done)
		}
		return
	}
	if _, err := s.cfg.Record.CloseHearing(ctx, ActorSystem, h.id, nil); err != nil {
		log.Warn("closing the hearing in the record", "err", err)
	}
}

// endTurn marks a turn's segment as no longer being spoken.
func (s *Stream) endTurn(seg int64) {
	s.mu.Lock()
	delete(s.inTurn, seg)
	s.mu.Unlock()
}

// Defer keeps a hearing's utterances pending instead of handing them to the Transcriber (no
// finals, no partials) while on is true: an import of a past recording records its segments
// this way, then transcribes them with a packed backfill (docs/asr.md, "Packing utterances").
func (s *Stream) Defer(hearingID string, on bool) { s.mark(s.deferred, hearingID, on) }

// NotLive marks a hearing whose audio is not being spoken now (an imported recording, fed
// faster than real time), or clears the mark: its seats signal nothing (Config.Speaking).
func (s *Stream) NotLive(hearingID string, on bool) { s.mark(s.notLive, hearingID, on) }

// mark sets or clears a hearing's entry in one of the stream's per-hearing sets.
func (s *Stream) mark(set map[string]bool, hearingID string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		set[hearingID] = true
	} else {
		delete(set, hearingID)
	}
}

func (s *Stream) isNotLive(hearingID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notLive[hearingID]
}

// Deferred reports whether Defer holds the hearing's utterances back (the server's backfill
// leaves such a hearing to whoever deferred it).
func (s *Stream) Deferred(hearingID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deferred[hearingID]
}

// forgetSeg drops the entry that waits for the engine's text of a segment.
func (s *Stream) forgetSeg(hearingID, seat string, seg int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.pending.bySeg(hearingID, seat, seg); u != nil {
		s.pending.remove(hearingID, seat, u)
	}
}

// InProgress reports whether the segment belongs to a turn still being spoken: its text
// comes from the live path when the turn ends, so backfill leaves it alone until then.
func (s *Stream) InProgress(seg int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inTurn[seg]
}

func (s *Stream) restart(h *hearing, at int64) {
	d, err := diarize.New(s.cfg.Diarize, h.seats, s.log)
	if err != nil {
		return
	}
	if err := d.Resume(at); err != nil {
		return
	}
	h.d, h.next = d, at
	for _, t := range h.open {
		s.endTurn(t.seg)
	}
	h.open = map[string]*openTurn{}
	s.silence(h)
}

func (s *Stream) flush(ctx context.Context, h *hearing) {
	s.events(ctx, h, h.d.Flush())
	s.retryFailed(ctx, h)
}

// catchUp runs after a server restart: the audio archived after the last recorded turn
// (where a turn in progress was cut off by the crash) is diarized again from the archive, so
// that turn, too, reaches the record. Turns already recorded are skipped.
func (s *Stream) catchUp(ctx context.Context, h *hearing) {
	segs, err := s.cfg.Record.ListSegments(ctx, h.id, true)
	if err != nil {
		s.log.Warn("catch-up after restart: cannot read the record", "hearing", h.id, "err", err)
		return
	}
	var last float64
	for _, g := range segs {
		end := msToSeconds(g.EndMS)
		h.recorded[g.Seat] = max(h.recorded[g.Seat], end)
		last = max(last, end)
	}
	now := seconds(h.next)
	// Two seconds before the last recorded end let the noise floors settle; at most ten
	// minutes are diarized again.
	from := max(last-2, now-600, 0)
	// A turn in progress at the crash has a segment that grew up to then: it keeps that
	// extent and gets its final text now; what the speaker said after it is found below.
	for _, g := range segs {
		if g.Deleted || g.Status == transcript.SegmentFinal || msToSeconds(g.EndMS) < from || s.cfg.Transcriber == nil {
			continue
		}
		u := asr.Utterance{ID: SegmentUtteranceID(g.ID), Hearing: h.id, Seat: g.Seat, Start: msToSeconds(g.StartMS), End: msToSeconds(g.EndMS), Overlap: g.Overlap}
		if u.Validate() != nil {
			continue
		}
		if p, err := s.cfg.Audio.Audio(ctx, h.id, g.Seat, u.Start, u.End); err == nil {
			if err := s.cfg.Transcriber.Submit(u, p); err != nil {
				s.log.Warn("catch-up after restart: submit; segment stays pending", "hearing", h.id, "segment", g.ID, "err", err)
			}
		}
	}
	first := asr.SampleIndex(from)
	if first >= h.next {
		return
	}
	pcm := make([][]int16, len(h.seats))
	for i, seat := range h.seats {
		p, err := s.cfg.Audio.Audio(ctx, h.id, seat, seconds(first), now)
		if err != nil || int64(len(p)) != h.next-first {
			s.log.Warn("catch-up after restart: archive not readable; turns cut by the restart may be missing", "hearing", h.id, "seat", seat, "err", err)
			return
		}
		pcm[i] = p
	}
	d, err := diarize.New(s.cfg.Diarize, h.seats, s.log)
	if err != nil || d.Resume(first) != nil {
		return
	}
	h.d = d
	h.catchingUp = true // old audio: the record gets its turns, the speaking signal nothing
	defer func() { h.catchingUp = false }()
	n := int(h.next - first)
	for off := 0; off < n; off += 1600 {
		end := min(off+1600, n)
		blk := make([][]int16, len(pcm))
		for i := range pcm {
			blk[i] = pcm[i][off:end]
		}
		evs, err := d.Push(blk)
		if err != nil {
			s.log.Warn("catch-up after restart", "hearing", h.id, "err", err)
			return
		}
		s.events(ctx, h, evs)
	}
	h.catchingUp = false
	// A turn still open at the end of the archive is being spoken now.
	for seat, t := range h.open {
		s.signal(h, seat, SeatSpeaking, t.start)
	}
	s.log.Info("caught up after restart", "hearing", h.id, "from", from, "to", now, "open_turns", len(h.open))
}

func (s *Stream) events(ctx context.Context, h *hearing, evs []diarize.Event) {
	for _, e := range evs {
		s.signalEvent(h, e)
		if rec := h.recorded[e.Seat]; e.Start < rec-0.01 {
			// Diarized again after a restart and partly recorded already: only what lies
			// after the recorded turns becomes a new segment.
			if e.Kind != diarize.End || e.End < rec+0.3 {
				continue
			}
			e.Start = rec
		}
		switch e.Kind {
		case diarize.Start:
			s.turnStarted(ctx, h, e)
		case diarize.End:
			s.utterance(ctx, h, asr.Utterance{Hearing: h.id, Seat: e.Seat, Start: e.Start, End: e.End, Overlap: e.Overlap})
		case diarize.Update:
			// The overlap of an open turn is recorded with its final extent, when it ends.
		case diarize.Tentative, diarize.Withdrawn:
			// Only the speaking signal (signalEvent): a start not confirmed by voice is
			// nothing in the record.
		}
	}
}

// turnStarted puts the turn into the record as soon as the diarizer is sure of it, so the
// clerk sees a segment appear while the person speaks.
func (s *Stream) turnStarted(ctx context.Context, h *hearing, e diarize.Event) {
	end := max(e.Decided, e.Start+0.1)
	seg, err := s.cfg.Record.AppendSegment(ctx, ActorDiarizer, h.id, transcript.NewSegment{Seat: e.Seat,
		StartMS: ms(e.Start), EndMS: ms(end), Overlap: e.Overlap})
	if err != nil {
		s.count(func(st *Stats) { st.Errors++ })
		s.log.Error("append segment", "hearing", h.id, "seat", e.Seat, "err", err)
		return
	}
	h.open[e.Seat] = &openTurn{seg: seg.ID, start: e.Start, grown: end, partialSent: e.Start}
	s.mu.Lock()
	s.inTurn[seg.ID] = true
	s.pending.add(h.id, e.Seat, &utter{seg: seg.ID, start: e.Start, end: math.Inf(1), pieces: map[int]string{}})
	s.mu.Unlock()
}

// grow extends the open turns' segments (never past what the speaker may already have
// finished: now minus the hangover) and offers long ones for partial text.
const maxRetry = 100000

// retryFailed tries again the utterances the record refused before.
func (s *Stream) retryFailed(ctx context.Context, h *hearing) {
	if len(h.retry) == 0 {
		return
	}
	pending := h.retry
	h.retry = nil
	for i, u := range pending {
		s.utterance(ctx, h, u)
		if len(h.retry) > 0 { // still refused: keep the rest in order, try later
			h.retry = append(h.retry, pending[i+1:]...)
			return
		}
	}
	s.log.Info("the record took every utterance it had refused", "hearing", h.id, "count", len(pending))
}

func (s *Stream) grow(ctx context.Context, h *hearing) {
	s.retryFailed(ctx, h)
	if len(h.open) == 0 {
		return
	}
	now := seconds(h.next)
	safe := now - s.cfg.Diarize.HangoverSec
	for seat, t := range h.open {
		if safe-t.grown >= s.cfg.GrowEvery.Seconds() {
			if _, err := s.cfg.Record.SetEngineResult(ctx, ActorDiarizer, t.seg, transcript.EngineResult{Extent: true, EndMS: ms(safe)}); err != nil {
				s.log.Warn("extending a live segment", "segment", t.seg, "err", err)
			}
			t.grown = safe
		}
		if s.cfg.Transcriber == nil || now-t.partialSent < s.cfg.PartialEvery.Seconds() || s.Deferred(h.id) {
			continue
		}
		t.partialSent = now
		u := asr.Utterance{ID: asr.UtteranceID(seat, t.start), Hearing: h.id, Seat: seat, Start: t.start, End: now}
		if u.Validate() != nil {
			continue
		}
		pcm, err := s.cfg.Audio.Audio(ctx, h.id, seat, u.Start, u.End)
		if err != nil {
			continue
		}
		s.cfg.Transcriber.Progress(u, pcm)
	}
}

func (s *Stream) utterance(ctx context.Context, h *hearing, u asr.Utterance) {
	u.ID = asr.UtteranceID(u.Seat, u.Start)
	if u.Validate() != nil {
		return
	}
	var segID int64
	if t := h.open[u.Seat]; t != nil && math.Abs(t.start-u.Start) < 0.005 {
		// The turn's segment is in the record since its start: give it its final extent.
		delete(h.open, u.Seat)
		segID = t.seg
		s.endTurn(segID)
		if _, err := s.cfg.Record.SetEngineResult(ctx, ActorDiarizer, segID, transcript.EngineResult{Extent: true, EndMS: ms(u.End), Overlap: u.Overlap}); err != nil {
			s.log.Warn("final extent of a segment", "segment", segID, "err", err)
		}
		s.mu.Lock()
		if e := s.pending.bySeg(h.id, u.Seat, segID); e != nil {
			e.end = u.End
		}
		s.mu.Unlock()
	} else {
		if t != nil && t.start <= u.Start {
			delete(h.open, u.Seat) // a turn the diarizer ended differently; keep its segment as is
			s.endTurn(t.seg)
		}
		seg, err := s.cfg.Record.AppendSegment(ctx, ActorDiarizer, h.id, transcript.NewSegment{Seat: u.Seat,
			StartMS: ms(u.Start), EndMS: ms(u.End), Overlap: u.Overlap})
		if err != nil {
			s.count(func(st *Stats) { st.Errors++ })
			if len(h.retry) < maxRetry {
				h.retry = append(h.retry, u)
				s.log.Error("append segment failed; will retry", "hearing", h.id, "seat", u.Seat, "start", u.Start, "err", err)
			} else {
				s.log.Error("append segment failed and the retry list is full: turn only in the archive", "hearing", h.id, "seat", u.Seat, "start", u.Start, "err", err)
			}
			return
		}
		segID = seg.ID
		s.mu.Lock()
		s.pending.add(h.id, u.Seat, &utter{seg: segID, start: u.Start, end: u.End, pieces: map[int]string{}})
		s.mu.Unlock()
	}
	s.count(func(st *Stats) { st.Utterances++ })
	seg := &transcript.Segment{ID: segID}
	if s.cfg.Transcriber == nil {
		return
	}
	if s.Deferred(h.id) {
		s.forgetSeg(h.id, u.Seat, segID) // no engine result will come to resolve it
		return
	}
	pcm, err := s.cfg.Audio.Audio(ctx, h.id, u.Seat, u.Start, u.End)
	if err != nil {
		s.log.Error("reading the utterance back from the archive; segment stays pending", "segment", seg.ID, "err", err)
		return
	}
	if err := s.cfg.Transcriber.Submit(u, pcm); err != nil {
		s.log.Error("submit", "segment", seg.ID, "err", err)
	}
}

// SegmentUtteranceID names a stored segment as an utterance (backfill uses it).
func SegmentUtteranceID(seg int64) string { return "seg:" + strconv.FormatInt(seg, 10) }

// Result records a pipeline result in the hearing record; give it to pool.New as emit (it
// must not block long: it writes one SQLite transaction).
func (s *Stream) Result(r asr.Result) {
	ctx := context.Background()
	segID, piece, total, text, ok := s.resolve(r)
	if !ok {
		return // a piece of a split utterance whose siblings are not done yet, or unknown
	}
	text = asr.CleanText(text)
	s.count(func(st *Stats) { st.Results++ })
	if r.Engine == "" {
		r.Engine = "policy" // a blip the utterance policy settled without an engine
	}
	switch r.Status {
	case asr.StatusPending:
		return // the segment is already pending; backfill finishes it
	case asr.StatusPartial:
		if _, err := s.cfg.Record.SetEngineResult(ctx, "engine:"+r.Engine, segID, transcript.EngineResult{Text: text, Confidence: r.Confidence, Engine: r.Engine}); err != nil {
			s.log.Warn("partial result", "segment", segID, "err", err)
		}
		return
	case asr.StatusFinal, asr.StatusSuspect, asr.StatusEmpty:
		// recorded below, final once every piece is in
	}
	final := piece >= total
	seg, err := s.cfg.Record.SetEngineResult(ctx, "engine:"+r.Engine, segID, transcript.EngineResult{Text: text, Confidence: r.Confidence, Final: final, Engine: r.Engine})
	if err != nil {
		s.count(func(st *Stats) { st.Errors++ })
		s.log.Error("engine result", "segment", segID, "err", err)
		return
	}
	if final {
		s.dedupe(ctx, seg)
	}
	if final && s.cfg.Transcriber != nil && text != "" {
		s.cfg.Transcriber.Commit(r.Utterance.Hearing, text)
	}
}

// resolve maps a result to its segment and, for split utterances, joins the pieces so far.
func (s *Stream) resolve(r asr.Result) (seg int64, piece, total int, text string, ok bool) {
	id := r.Utterance.ID
	piece, total = r.Piece, r.Pieces
	if total < 1 {
		piece, total = 1, 1
	}
	if n, found := strings.CutPrefix(id, "seg:"); found {
		v, err := strconv.ParseInt(n, 10, 64)
		return v, piece, total, r.Text, err == nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	hid, seat := r.Utterance.Hearing, r.Utterance.Seat
	u := s.pending.at(hid, seat, r.Utterance.Start)
	if u == nil {
		return 0, 0, 0, "", false
	}
	if r.Status == asr.StatusPending {
		// The segment stays pending in the record; backfill transcribes it whole later.
		s.pending.remove(hid, seat, u)
		return u.seg, 0, total, "", true
	}
	if total == 1 {
		if r.Status.Done() {
			s.pending.remove(hid, seat, u)
		}
		return u.seg, 1, 1, r.Text, true
	}
	if r.Status == asr.StatusPartial {
		return 0, 0, 0, "", false // partials of pieces are not shown; the final comes whole
	}
	joined, done := s.pending.addPiece(hid, seat, u, piece, total, r.Text)
	if !done {
		return 0, 0, 0, "", false
	}
	return u.seg, total, total, joined, true
}

func (s *Stream) ensureHearing(ctx context.Context, info archive.HearingInfo) error {
	h, err := s.cfg.Record.GetHearing(ctx, info.Hearing)
	if errors.Is(err, transcript.ErrNotFound) {
		nh := transcript.Hearing{ID: info.Hearing, Courtroom: info.Courtroom, Language: s.cfg.Language,
			Title: fmt.Sprintf("%s %s", info.Courtroom, info.Created.Format(time.DateOnly))}
		for _, seat := range info.SeatNames() {
			nh.Seats = append(nh.Seats, transcript.Seat{Seat: seat, Role: DefaultRole(seat, s.cfg.Language)})
		}
		h, err = s.cfg.Record.CreateHearing(ctx, ActorSystem, nh)
		if err != nil && !errors.Is(err, transcript.ErrExists) {
			return err
		}
		if errors.Is(err, transcript.ErrExists) {
			if h, err = s.cfg.Record.GetHearing(ctx, info.Hearing); err != nil {
				return err
			}
		}
	} else if err != nil {
		return err
	}
	if h.Courtroom != info.Courtroom {
		// Never start another courtroom's hearing (the handshake refuses such an agent).
		return fmt.Errorf("%w: hearing %s is scheduled for courtroom %q, the audio comes from %q", ingest.ErrForeignHearing, h.ID, h.Courtroom, info.Courtroom)
	}
	if h.Status == transcript.StatusScheduled {
		if _, err := s.cfg.Record.Start(ctx, ActorSystem, info.Hearing); err != nil {
			return err
		}
	}
	return nil
}

// AdmitHearing implements ingest.Admission: an agent of courtroom may record into a hearing
// the record does not know yet (the stream creates it in that courtroom), or into a hearing of
// the same courtroom that is scheduled, live or in recess. A hearing of another courtroom, or
// one that is closed, finalized or signed, is refused with the reason.
func (s *Stream) AdmitHearing(ctx context.Context, courtroom, id string) error {
	h, err := s.cfg.Record.GetHearing(ctx, id)
	if errors.Is(err, transcript.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return admits(h, courtroom)
}

func admits(h *transcript.Hearing, courtroom string) error {
	if h.Courtroom != courtroom {
		where := "courtroom " + h.Courtroom
		if h.Courtroom == "" {
			where = "no courtroom (set the hearing's courtroom before recording)"
		}
		return fmt.Errorf("%w: hearing %s is scheduled for %s", ingest.ErrForeignHearing, h.ID, where)
	}
	switch h.Status {
	case transcript.StatusScheduled, transcript.StatusLive, transcript.StatusRecess:
		return nil
	case transcript.StatusClosed, transcript.StatusFinalized, transcript.StatusSigned:
		// refused below
	}
	return fmt.Errorf("%w: hearing %s is %s", ingest.ErrNotRecording, h.ID, h.Status)
}

// DefaultRole gives a seat name its role label in court words when the hearing was not set up
// beforehand (the clerk can change the seat map later).
func DefaultRole(seat, lang string) string {
	zh := map[string]string{"judge": "审判长", "presiding": "审判长", "judge2": "审判员", "clerk": "书记员",
		"plaintiff": "原告", "prosecutor": "公诉人", "defendant": "被告", "defense": "辩护人",
		"witness": "证人", "counsel": "代理人"}
	en := map[string]string{"judge": "THE COURT", "presiding": "THE COURT", "clerk": "THE CLERK",
		"plaintiff": "PLAINTIFF", "prosecutor": "THE PROSECUTOR", "defendant": "THE DEFENDANT",
		"defense": "DEFENSE COUNSEL", "witness": "THE WITNESS", "counsel": "COUNSEL"}
	m := zh
	if lang == "en" {
		m = en
	}
	if r, ok := m[seat]; ok {
		return r
	}
	return strings.ToUpper(seat)
}

// Queued is how many blocks wait for a hearing's diarizer (0 when it is not open). An import,
// which can deliver audio faster than real time, waits on it instead of overflowing the queue.
func (s *Stream) Queued(hearingID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.hearings[hearingID]; ok {
		return len(h.in)
	}
	return 0
}

// QueueFrames is the capacity of each hearing's diarizer queue.
func (s *Stream) QueueFrames() int { return s.cfg.QueueFrames }
