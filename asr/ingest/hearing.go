package ingest

import "context"
import "errors"
import "fmt"
import "log/slog"
import "slices"
import "sync"
import "time"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"

// AudioListener receives the archived audio of every hearing, for the next stages (the seat
// diarizer, then transcription). Each open hearing has one delivery goroutine that calls it
// after each batch is durable, in sample order, so acks never wait for it; it is fed through a
// queue of Config.ListenerQueue frames, and when that is full (the listener is more than that far
// behind) the hearing's writer waits, which in turn slows the agents. Calls should still return
// quickly, and must not call back into the Server synchronously (CloseHearing waits for the
// delivery to finish).
// The server does not reuse the pcm slices it passes; a listener may keep them but must not
// modify them.
type AudioListener interface {
	// HearingOpened is called when a hearing is opened for writing (created, or reopened after
	// a restart); next is the first sample the following Audio or Gap call will carry.
	HearingOpened(h archive.HearingInfo, next int64)
	// Audio delivers durable audio: pcm[i] is seat i (HearingInfo.Seats order), all equally
	// long, starting at sample index first.
	Audio(hearing string, first int64, pcm [][]int16)
	// Gap says n samples from first on were not captured (they are zeros in the archive).
	Gap(hearing string, first, n int64, reason string)
	// HearingClosed is called after the manifest is written.
	HearingClosed(hearing string)
}

// DefaultListenerQueue is how many frames (audio or gaps) may wait for the listener per
// hearing (Config.ListenerQueue): with 100 ms frames, about a minute.
const DefaultListenerQueue = 600

// listenerEvent is one delivery to the AudioListener.
type listenerEvent struct {
	gap    bool
	first  int64
	n      int64
	pcm    [][]int16
	reason string
}

// SessionEndListener is an AudioListener that also hears when a hearing's agent ended its
// session and left without closing the hearing: every frame has been delivered, nothing more
// comes until an agent reopens the hearing (HearingOpened again). The seat diarizer uses it to
// end the turns still open at the end of the audio.
type SessionEndListener interface {
	SessionEnded(hearing string)
}

// ErrClosed is returned for audio sent to a closed hearing.
var ErrClosed = errors.New("hearing is closed")

// item is one queued frame (or a flush barrier) waiting for the writer.
type item struct {
	c       *conn
	seq     uint64
	kind    wire.Kind
	reason  uint8
	first   int64 // first new sample (after dropping what is already stored)
	n       int64 // new samples; 0 for a pure duplicate
	pcm     [][]int16
	wall    int64
	recv    time.Time
	barrier chan error
}

// hearing is an open hearing: its files, the queue of accepted frames and the group-commit
// writer goroutine.
type hearing struct {
	info archive.HearingInfo
	dir  string
	log  *slog.Logger
	srv  *Server

	mu        sync.Mutex
	pending   []item
	wake      chan struct{} // cap 1
	accepted  int64         // end of every sample queued or stored
	durable   int64
	storedAt  time.Time // when audio was last stored (state file's time after a restart)
	lastSeq   uint64
	closed    bool  // no new audio
	unloading bool  // files closing after the session ended; new connections retry
	failed    error // sticky storage error
	owner     *conn
	gapCount  int
	agent     HearingStatus // what the agent last reported (levels, alarms, spool)
	activity  map[string]*SeatActivity
	actEpoch  time.Time // the ConnectedAt the activity was gathered under

	st        *seatStore         // owned by run()
	fileLimit int64              // the most samples every seat file can hold (set once)
	events    chan listenerEvent // nil without a listener; closed when run ends
	delivered chan struct{}      // closed when every event reached the listener
	stop      chan struct{}
	stopOnce  sync.Once
	stopped   chan struct{}
}

func newHearing(s *Server, dir string, info archive.HearingInfo, st *seatStore) *hearing {
	h := &hearing{info: info, dir: dir, srv: s, st: st,
		log:  s.log.With("hearing", info.Hearing),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
		accepted: st.samples, durable: st.samples, lastSeq: st.lastSeq, gapCount: len(st.gapList), fileLimit: st.limit}
	h.delivered = make(chan struct{})
	if s.listener != nil {
		h.events = make(chan listenerEvent, s.cfg.ListenerQueue)
	} else {
		close(h.delivered)
	}
	return h
}

// deliver feeds the listener in order until the writer stops.
func (h *hearing) deliver(l AudioListener) {
	defer close(h.delivered)
	for ev := range h.events {
		if ev.gap {
			l.Gap(h.info.Hearing, ev.first, ev.n, ev.reason)
		} else {
			l.Audio(h.info.Hearing, ev.first, ev.pcm)
		}
	}
}

// submitResult says what happened to a frame.
type submitResult int

const (
	queued submitResult = iota
	duplicate
)

// submit classifies a frame by its sample range against everything already accepted and
// queues it. It returns a *wire.Error for frames that must close the connection.
func (h *hearing) submit(c *conn, f *wire.Frame, recv time.Time) (submitResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed != nil {
		return 0, &wire.Error{Type: wire.TypeError, Code: wire.CodeStorage, Message: "archive failed: " + h.failed.Error()}
	}
	if h.closed {
		return 0, &wire.Error{Type: wire.TypeError, Code: wire.CodeClosed, Message: fmt.Sprintf("hearing %s is closed", h.info.Hearing)}
	}
	if f.Channels != len(h.info.Seats) {
		return 0, &wire.Error{Type: wire.TypeError, Code: wire.CodeBadFrame, Message: fmt.Sprintf("frame seq %d has %d channels, the hearing has %d seats", f.Seq, f.Channels, len(h.info.Seats))}
	}
	if limit := min(h.srv.cfg.MaxSeatSamples, h.fileLimit); f.End() > limit {
		why := ""
		if h.fileLimit < h.srv.cfg.MaxSeatSamples {
			why = ", the WAV limit of a seat file created by an earlier version without the RF64 reserve"
		}
		return 0, &wire.Error{Type: wire.TypeError, Code: wire.CodeTooLarge, Message: fmt.Sprintf("frame seq %d ends at sample %d, past the seat file limit of %d samples (%.1f h%s): close this hearing and record on in a new one", f.Seq, f.End(), limit, float64(limit)/wire.SampleRate/3600, why)}
	}
	if f.FirstSample > h.accepted {
		return 0, &wire.Error{Type: wire.TypeError, Code: wire.CodeOutOfOrder, Message: fmt.Sprintf("frame seq %d starts at sample %d but the server holds samples up to %d: frames must be contiguous", f.Seq, f.FirstSample, h.accepted)}
	}
	it := item{c: c, seq: f.Seq, kind: f.Kind, reason: f.Reason, wall: f.WallNanos, recv: recv}
	res := duplicate
	if end := f.End(); end > h.accepted {
		if f.Kind == wire.KindGap {
			if werr := c.checkGap(f.Seq, end-h.accepted, recv); werr != nil {
				return 0, werr
			}
		}
		skip := h.accepted - f.FirstSample
		it.first, it.n = h.accepted, end-h.accepted
		if f.Kind == wire.KindAudio {
			it.pcm = make([][]int16, len(f.PCM))
			for i, ch := range f.PCM {
				it.pcm[i] = ch[skip:]
			}
		}
		h.accepted = end
		res = queued
	}
	h.pending = append(h.pending, it)
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return res, nil
}

// checkGap bounds a gap to what the agent can really have missed: one gap at most MaxGap,
// and the gaps of the connection together at most the wall time since the hearing's audio was
// last stored (a hearing without audio: since the connection began, plus FirstGap) plus
// GapSlack. A gap in the archive costs no disk (it is a hole), but it is hearing time the
// record, the diarizer and every reader have to go through. n is the gap's new samples.
func (c *conn) checkGap(seq uint64, n int64, now time.Time) *wire.Error {
	cfg := c.s.cfg
	sec := func(samples int64) float64 { return float64(samples) / wire.SampleRate }
	if maxN := int64(cfg.MaxGap.Seconds() * wire.SampleRate); n > maxN {
		return &wire.Error{Type: wire.TypeError, Code: wire.CodeBadFrame, Message: fmt.Sprintf("gap frame seq %d claims %.1f s; one gap may be at most %s (start a new hearing after a longer outage)", seq, sec(n), cfg.MaxGap)}
	}
	allow := int64((now.Sub(c.gapFrom) + c.gapSlack).Seconds() * wire.SampleRate)
	if c.gapUsed+n > allow {
		return &wire.Error{Type: wire.TypeError, Code: wire.CodeBadFrame, Message: fmt.Sprintf("gap frame seq %d claims %.1f s (%.1f s of gaps before it on this connection), more than the agent can have missed: %.1f s since the hearing's audio was last stored, plus %s", seq, sec(n), sec(c.gapUsed), now.Sub(c.gapFrom).Seconds(), c.gapSlack)}
	}
	c.gapUsed += n
	return nil
}

// MaxBacklogSamples bounds the audio a hearing holds in memory waiting for the disk (20 s):
// beyond it the connection stops reading, and TCP flow control slows the agent, whose spool
// keeps the rest. An agent catching up after an outage cannot exhaust the server's memory.
const MaxBacklogSamples = 20 * wire.SampleRate

// waitBacklog blocks while the hearing's undurable backlog exceeds MaxBacklogSamples.
func (h *hearing) waitBacklog(stop <-chan struct{}) {
	for {
		h.mu.Lock()
		over := h.accepted-h.durable > MaxBacklogSamples && h.failed == nil && !h.closed
		h.mu.Unlock()
		if !over {
			return
		}
		select {
		case <-stop:
			return
		case <-h.stopped:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// flush waits until everything queued before it is durable.
func (h *hearing) flush(ctx context.Context) error {
	ch := make(chan error, 1)
	h.mu.Lock()
	if h.failed != nil {
		h.mu.Unlock()
		return h.failed
	}
	h.pending = append(h.pending, item{barrier: ch})
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-ch:
		return err
	case <-h.stopped:
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.failed != nil {
			return h.failed
		}
		return errors.New("hearing writer stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the group-commit writer: it takes every pending frame, writes them, fsyncs every
// seat file once and then acknowledges them all.
func (h *hearing) run() {
	defer close(h.stopped)
	defer func() {
		if h.events != nil {
			close(h.events)
		}
	}()
	for {
		select {
		case <-h.wake:
		case <-h.stop:
			h.mu.Lock()
			n := len(h.pending)
			h.mu.Unlock()
			if n == 0 {
				return
			}
		}
		h.mu.Lock()
		batch := h.pending
		h.pending = nil
		h.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		if err := h.commit(batch); err != nil {
			h.fail(batch, err)
			return
		}
	}
}

// commit makes a batch durable: gap records, then audio with one fsync per seat file, then
// the state; then it acknowledges the batch and hands it to the downstream listener.
func (h *hearing) commit(batch []item) error {
	st := h.st
	// 0. Still ours to write (server replicas: the ingest lease).
	if err := h.srv.fenced(h.info.Hearing); err != nil {
		return err
	}
	// 1. Gap records first, durably, so zeros in the audio always have their record.
	gaps := gapRecords(batch)
	if len(gaps) > 0 {
		if err := st.appendGaps(gaps); err != nil {
			return fmt.Errorf("gap log: %w", err)
		}
	}
	// 2. Audio (and gaps, as holes) to every seat, one fsync per seat file, if the disk keeps
	// its reserve for the record afterwards.
	if err := h.srv.checkReserve(batch, len(st.writers)); err != nil {
		return err
	}
	written, err := h.writeBatch(batch)
	if err != nil {
		return err
	}
	if err := st.writeState(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	now := h.srv.now()
	h.mu.Lock()
	h.durable = st.samples
	if written > 0 {
		h.storedAt = now
	}
	h.lastSeq = st.lastSeq
	h.gapCount += len(gaps)
	h.mu.Unlock()

	// 3. Acks (cumulative, per connection) and metrics.
	h.acknowledge(batch, gaps, written, now)
	// 4. Downstream listener, in sample order, through the delivery queue.
	h.queueEvents(batch)
	return nil
}

// gapRecords are the gap records of a batch's gap items.
func gapRecords(batch []item) []archive.GapRecord {
	var gaps []archive.GapRecord
	for _, it := range batch {
		if it.kind == wire.KindGap && it.n > 0 {
			g := archive.GapRecord{FirstSample: it.first, Samples: it.n, Reason: wire.GapReasonText(it.reason)}
			if it.wall != 0 {
				g.Wall = time.Unix(0, it.wall).UTC()
			}
			gaps = append(gaps, g)
		}
	}
	return gaps
}

// writeBatch writes a batch's audio and gaps to every seat file and syncs them; it returns the
// samples written per seat and advances the store's durable sample count and seq.
func (h *hearing) writeBatch(batch []item) (written int64, err error) {
	st := h.st
	var lastSeq uint64
	for _, it := range batch {
		if it.barrier == nil && it.seq > lastSeq {
			lastSeq = it.seq
		}
		if it.n == 0 {
			continue
		}
		if err := h.writeItem(it); err != nil {
			return 0, err
		}
		written += it.n
	}
	if written > 0 {
		if err := syncAll(st); err != nil {
			return 0, err
		}
		st.samples += written
	}
	if lastSeq > st.lastSeq {
		st.lastSeq = lastSeq
	}
	return written, nil
}

// writeItem writes one item to every seat file: its audio, or silence for a gap.
func (h *hearing) writeItem(it item) error {
	for i, w := range h.st.writers {
		var err error
		if it.kind == wire.KindAudio {
			err = w.Write(it.pcm[i])
		} else {
			err = w.WriteSilence(it.n)
		}
		if err != nil {
			return fmt.Errorf("seat %s: %w", h.info.Seats[i].Name, err)
		}
	}
	return nil
}

// acknowledge releases a durable batch's barriers, acknowledges its frames on their
// connections and counts it.
func (h *hearing) acknowledge(batch []item, gaps []archive.GapRecord, written int64, now time.Time) {
	m := h.srv.metrics
	for _, it := range batch {
		if it.barrier != nil {
			it.barrier <- nil
			continue
		}
		it.c.ackUpTo(it.seq)
		m.ackLatency.Observe(now.Sub(it.recv).Seconds())
	}
	m.archivedBytes.Add(float64(written * 2 * int64(len(h.st.writers))))
	for _, g := range gaps {
		m.gaps.Inc()
		m.gapSamples.Add(float64(g.Samples))
	}
}

// queueEvents queues a durable batch for the downstream listener, in sample order.
func (h *hearing) queueEvents(batch []item) {
	if h.events == nil {
		return
	}
	for _, it := range batch {
		if it.n == 0 {
			continue
		}
		ev := listenerEvent{first: it.first, n: it.n, pcm: it.pcm}
		if it.kind != wire.KindAudio {
			ev.gap, ev.pcm, ev.reason = true, nil, wire.GapReasonText(it.reason)
		}
		h.events <- ev
	}
}

// syncAll fsyncs every seat file; with several seats the fsyncs run in parallel.
func syncAll(st *seatStore) error {
	if len(st.writers) == 1 {
		return st.writers[0].Sync()
	}
	errs := make([]error, len(st.writers))
	var wg sync.WaitGroup
	for i, w := range st.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.Sync()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fail marks the hearing broken after a storage error: nothing more is accepted, connections
// get storage_error, the files are closed. The next hello reopens and realigns the files.
func (h *hearing) fail(batch []item, err error) {
	lost := errors.Is(err, ErrNotOwner)
	if lost {
		h.log.Error("this server may no longer write the hearing (its ingest lease ran out); the hearing is left to the replica that owns it, its files untouched", "err", err)
	} else {
		h.log.Error("archive write failed; hearing stops accepting audio", "err", err)
	}
	h.mu.Lock()
	h.failed = err
	rest := h.pending
	h.pending = nil
	owner := h.owner
	h.mu.Unlock()
	for _, it := range append(batch, rest...) {
		if it.barrier != nil {
			it.barrier <- err
		}
	}
	switch {
	case owner != nil && lost:
		owner.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeNotOwner, Message: err.Error()})
	case owner != nil:
		msg := "archive write failed"
		if errors.Is(err, ErrDiskReserve) {
			msg = err.Error()
		}
		owner.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeStorage, Message: msg})
	}
	release := h.st.closeFiles
	if lost {
		release = h.st.abandonFiles
	}
	if err := release(); err != nil {
		h.log.Error("closing the hearing's files after the failure", "err", err)
	}
	h.srv.forget(h)
}

// shutdown stops the writer after it has written what is queued and closes the files.
func (h *hearing) shutdown() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.stopped
	<-h.delivered
	h.mu.Lock()
	failed := h.failed
	h.mu.Unlock()
	if errors.Is(failed, ErrNotOwner) {
		return nil // left to the replica that owns the hearing now (fail said so)
	}
	if failed != nil {
		return failed
	}
	if err := h.srv.fenced(h.info.Hearing); err != nil {
		// Closing would rewrite the headers with this server's sample counts.
		h.log.Warn("leaving the hearing's files as they are: this server may no longer write them", "err", err)
		if err := h.st.abandonFiles(); err != nil {
			h.log.Error("closing the hearing's files without writing", "err", err)
		}
		return nil
	}
	return h.st.closeFiles()
}

// HearingStatus is the live state of one open hearing, for the UI (JSON-friendly).
type HearingStatus struct {
	Hearing        string           `json:"hearing"`
	Courtroom      string           `json:"courtroom"`
	Session        string           `json:"session"`
	Seats          []string         `json:"seats"`
	Connected      bool             `json:"connected"`
	Agent          string           `json:"agent,omitempty"`
	Remote         string           `json:"remote,omitempty"`
	ConnectedAt    time.Time        `json:"connected_at,omitzero"`
	LastFrameAt    time.Time        `json:"last_frame_at,omitzero"`
	DurableSamples int64            `json:"durable_samples"`
	LastSeq        uint64           `json:"last_seq"`
	Gaps           int              `json:"gaps"`
	Levels         []wire.SeatLevel `json:"levels,omitempty"`
	LevelsAt       time.Time        `json:"levels_at,omitzero"`
	SpoolBytes     int64            `json:"spool_bytes"`
	SpoolLimit     int64            `json:"spool_limit,omitempty"`
	Unacked        int              `json:"unacked_frames"`
	Alarms         []AlarmEvent     `json:"alarms,omitempty"`
	// Activity is, per seat, since when the agent's current connection has reported its level
	// and when it last carried speech: gathered from every level report (about once a
	// second), whether or not anyone is watching, for the dead-microphone alarm.
	Activity []SeatActivity `json:"activity,omitempty"`
}

// SeatActivity is one seat's speech activity over the agent's current connection.
type SeatActivity struct {
	Seat         string    `json:"seat"`
	Since        time.Time `json:"since"`
	LastSpeechAt time.Time `json:"last_speech_at,omitzero"`
	// LastSignalAt is when the seat last carried any signal at all (peak above DeadDBFS): a
	// working microphone always has some noise; exact digital zeros mean a dead input.
	LastSignalAt time.Time `json:"last_signal_at,omitzero"`
}

// SpeechDBFS is the level (one second's RMS) above which a seat counts as carrying speech.
const SpeechDBFS = -45.0

// DeadDBFS is the peak at or below which a level report is digital silence (the meter's floor
// for all-zero samples is -120 dBFS; even a quiet room's noise through a live preamp is far above).
const DeadDBFS = -100.0

// AlarmEvent is an agent alarm as the server received it.
type AlarmEvent struct {
	At      time.Time `json:"at"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Samples int64     `json:"samples,omitempty"`
}

// Status is the live state of the ingest side.
type Status struct {
	AgentsConnected int             `json:"agents_connected"`
	Hearings        []HearingStatus `json:"hearings"`
}

func (h *hearing) status() HearingStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.agent
	hs.Hearing, hs.Courtroom, hs.Session = h.info.Hearing, h.info.Courtroom, h.info.Session
	hs.Seats = h.info.SeatNames()
	hs.Connected = h.owner != nil
	hs.DurableSamples, hs.LastSeq, hs.Gaps = h.durable, h.lastSeq, h.gapCount
	hs.Levels = append([]wire.SeatLevel(nil), hs.Levels...)
	hs.Alarms = append([]AlarmEvent(nil), hs.Alarms...)
	hs.Activity = nil
	if hs.Connected {
		for _, name := range hs.Seats {
			if a := h.activity[name]; a != nil {
				hs.Activity = append(hs.Activity, *a)
			}
		}
	}
	return hs
}

// maxAlarms is how many recent alarms a hearing's status keeps.
const maxAlarms = 20

func (h *hearing) noteLevels(l *wire.Levels, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.agent.Levels = l.Seats
	h.agent.LevelsAt = at
	if h.activity == nil || !h.actEpoch.Equal(h.agent.ConnectedAt) {
		// A new connection starts afresh: silence while no agent was connected says nothing
		// about a microphone.
		h.activity, h.actEpoch = map[string]*SeatActivity{}, h.agent.ConnectedAt
	}
	for _, sl := range l.Seats {
		a := h.activity[sl.Seat]
		if a == nil && !slices.Contains(h.info.SeatNames(), sl.Seat) {
			continue // only the hearing's seats are tracked, whatever an agent reports
		}
		if a == nil {
			a = &SeatActivity{Seat: sl.Seat, Since: at}
			h.activity[sl.Seat] = a
		}
		if sl.RMSdBFS > SpeechDBFS {
			a.LastSpeechAt = at
		}
		if sl.PeakdBFS > DeadDBFS {
			a.LastSignalAt = at
		}
	}
	h.agent.SpoolBytes, h.agent.SpoolLimit, h.agent.Unacked = l.SpoolBytes, l.SpoolLimit, l.Unacked
}

func (h *hearing) noteAlarm(a *wire.Alarm, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Code and message are the agent's claims: keep a known code (or "other" with the code
	// quoted in the message) and a bounded message.
	code, msg := wire.AlarmLabel(a.Code), a.Message
	if code != a.Code {
		msg = fmt.Sprintf("code %.64q: %s", a.Code, msg)
	}
	h.agent.Alarms = append(h.agent.Alarms, AlarmEvent{At: at, Code: code, Message: truncUTF8(msg, wire.MaxAlarmMessage), Samples: a.Samples})
	if n := len(h.agent.Alarms); n > maxAlarms {
		h.agent.Alarms = slices.Clone(h.agent.Alarms[n-maxAlarms:])
	}
}

func (h *hearing) noteFrame(at time.Time) {
	h.mu.Lock()
	h.agent.LastFrameAt = at
	h.mu.Unlock()
}

// truncUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
