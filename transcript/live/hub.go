// Package live pushes every committed change of a hearing to the browsers that follow it.
//
// The Hub listens to the store (transcript.EventLog.Subscribe) and fans each committed event
// out to the subscribers of its hearing. A subscriber starts from an event id (0: from the
// beginning, or the last id it received before a reconnect) and gets every later event exactly
// once, in id order: it registers first, catches up from the store's history
// (EventsSince), then drains what the listener buffered meanwhile, skipping ids it already has.
// Event ids grow in commit order and the listener is called in commit order, so this has no
// gap and no duplicate.
//
// A subscriber that falls too far behind (its queue exceeds Config.MaxQueue) is dropped with
// ErrSlow; the browser reconnects and resumes from its last id. Besides the events, the hub
// carries which seats may be speaking or are speaking now (Hub.Speaking, speaking.go): a
// signal that is never stored, never replayed and never counts against MaxQueue. Serve speaks
// the hub over a websocket (RFC 6455) with github.com/gorilla/websocket.
package live

import "context"
import "encoding/json"
import "errors"
import "log/slog"
import "maps"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// Message is one event as a browser receives it. After is the snapshot of the segment, note,
// hearing, version or signature the event produced (raw JSON, null when none).
type Message struct {
	ID        int64                `json:"id"`
	Seq       int64                `json:"seq"`
	HearingID string               `json:"hearing_id"`
	Kind      transcript.EventKind `json:"kind"`
	SegmentID int64                `json:"segment_id,omitempty"`
	NoteID    int64                `json:"note_id,omitempty"`
	Actor     string               `json:"actor"`
	At        time.Time            `json:"at"`
	Reason    string               `json:"reason,omitempty"`
	After     json.RawMessage      `json:"after"`

	raw []byte // the JSON encoding, made once per committed event and shared by all subscribers
}

// JSON returns the message's JSON encoding (cached for committed events).
func (m *Message) JSON() ([]byte, error) {
	if m.raw != nil {
		return m.raw, nil
	}
	return json.Marshal(m)
}

// FromEvent converts a store event to the message browsers get.
func FromEvent(e *transcript.Event) Message {
	after := json.RawMessage("null")
	if len(e.After) > 0 && json.Valid(e.After) {
		after = json.RawMessage(e.After)
	}
	return Message{ID: e.ID, Seq: e.Seq, HearingID: e.HearingID, Kind: e.Kind, SegmentID: e.SegmentID,
		NoteID: e.NoteID, Actor: e.Actor, At: e.At, Reason: e.Reason, After: after}
}

// Config tunes the hub.
type Config struct {
	// MaxQueue is how many undelivered events a subscriber may have before it is dropped.
	MaxQueue int
	// PageSize is how many history events one catch-up read fetches.
	PageSize int
}

// DefaultConfig is what the server uses.
func DefaultConfig() Config { return Config{MaxQueue: 20000, PageSize: 1000} }

// ErrSlow ends a subscription whose reader fell too far behind.
var ErrSlow = errors.New("live: subscriber too slow; reconnect and resume from the last event id")

// ErrClosed ends subscriptions when the hub closes.
var ErrClosed = errors.New("live: hub closed")

// History is the part of the store the hub reads.
type History interface {
	EventsSince(ctx context.Context, hearingID string, afterID int64, limit int) ([]transcript.Event, error)
	Subscribe(listener func(transcript.Event)) (cancel func())
}

// Hub fans committed events out to subscribers. Safe for concurrent use.
type Hub struct {
	cfg    Config
	src    History
	log    *slog.Logger
	cancel func()

	mu    sync.Mutex
	subs  map[string]map[*Sub]struct{} // by hearing
	heads map[string]int64             // last committed event id per hearing, once known
	// speaking is the current speaking state of the seats that are on, by hearing and seat
	// (speaking.go); hearings with no seat on have no entry.
	speaking map[string]map[string]string
	closed   bool
}

// New starts a hub listening to src. Close stops it.
func New(cfg Config, src History, log *slog.Logger) *Hub {
	def := DefaultConfig()
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = def.MaxQueue
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = def.PageSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Hub{cfg: cfg, src: src, log: log, subs: map[string]map[*Sub]struct{}{}, heads: map[string]int64{},
		speaking: map[string]map[string]string{}}
	h.cancel = src.Subscribe(h.onCommit)
	return h
}

// Close stops listening and ends every subscription with ErrClosed. Safe to call twice.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	all := h.subs
	h.subs = map[string]map[*Sub]struct{}{}
	h.mu.Unlock()
	h.cancel()
	for _, m := range all {
		for s := range m {
			s.end(ErrClosed)
		}
	}
}

// Subscribers returns how many subscribers follow a hearing.
func (h *Hub) Subscribers(hearingID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[hearingID])
}

// onCommit is the store listener: it must not block and must not call the store.
func (h *Hub) onCommit(e transcript.Event) {
	h.mu.Lock()
	if _, ok := h.heads[e.HearingID]; ok && e.ID > h.heads[e.HearingID] {
		h.heads[e.HearingID] = e.ID
	}
	subs := h.subs[e.HearingID]
	if len(subs) == 0 {
		h.mu.Unlock()
		return
	}
	m := FromEvent(&e)
	if b, err := json.Marshal(&m); err == nil {
		m.raw = b
	}
	var slow []*Sub
	for s := range subs {
		if !s.offer(m, h.cfg.MaxQueue) {
			slow = append(slow, s)
		}
	}
	for _, s := range slow {
		delete(subs, s)
	}
	h.mu.Unlock()
	for _, s := range slow {
		h.log.Warn("live: dropping a slow subscriber", "hearing", e.HearingID, "cursor", s.Cursor())
		s.end(ErrSlow)
	}
}

// Head returns the id of the last event committed for a hearing (0 when none). The first call
// for a hearing reads its history once; afterwards the listener keeps the value current.
func (h *Hub) Head(ctx context.Context, hearingID string) (int64, error) {
	h.mu.Lock()
	v, ok := h.heads[hearingID]
	if !ok {
		h.heads[hearingID] = 0 // from now on the listener tracks it; the scan below catches up
	}
	h.mu.Unlock()
	if ok {
		return v, nil
	}
	var last int64
	for {
		evs, err := h.src.EventsSince(ctx, hearingID, last, h.cfg.PageSize)
		if err != nil {
			h.mu.Lock()
			if h.heads[hearingID] == 0 {
				delete(h.heads, hearingID)
			}
			h.mu.Unlock()
			return 0, err
		}
		if len(evs) > 0 {
			last = evs[len(evs)-1].ID
		}
		if len(evs) < h.cfg.PageSize {
			break
		}
	}
	h.mu.Lock()
	if last > h.heads[hearingID] {
		h.heads[hearingID] = last
	}
	v = h.heads[hearingID]
	h.mu.Unlock()
	return v, nil
}

// Subscribe follows a hearing from event id after (exclusive). The subscription ends when ctx
// ends, the hub closes or Close is called.
func (h *Hub) Subscribe(ctx context.Context, hearingID string, after int64) (*Sub, error) {
	if after < 0 {
		after = 0
	}
	s := &Sub{hub: h, hearing: hearingID, cursor: after, wake: make(chan struct{}, 1), done: make(chan struct{})}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	// The seats on now: Receive hands them out once the subscriber has caught up.
	s.speaking = maps.Clone(h.speaking[hearingID])
	if s.speaking == nil {
		s.speaking = map[string]string{}
	}
	s.speakingDirty = len(s.speaking) > 0
	m := h.subs[hearingID]
	if m == nil {
		m = map[*Sub]struct{}{}
		h.subs[hearingID] = m
	}
	m[s] = struct{}{}
	h.mu.Unlock()
	return s, nil
}

func (h *Hub) remove(s *Sub) {
	h.mu.Lock()
	if m := h.subs[s.hearing]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.hearing)
		}
	}
	h.mu.Unlock()
}

// Sub is one subscriber. Next is called from one goroutine.
type Sub struct {
	hub     *Hub
	hearing string
	wake    chan struct{}
	done    chan struct{}

	mu       sync.Mutex
	cursor   int64     // last id handed out by Next (or the start point)
	caughtUp bool      // history read up to the point where the listener took over
	buffered []Message // listener events not yet handed out, in id order
	err      error
	// speaking is the latest state of each seat that is on (speaking.go); speakingDirty says
	// it changed since Receive last handed it out.
	speaking      map[string]string
	speakingDirty bool
}

// offer queues a committed event; false means the queue overflowed. Called with hub.mu held.
func (s *Sub) offer(m Message, max int) bool {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return true
	}
	if len(s.buffered) >= max {
		s.mu.Unlock()
		return false
	}
	s.buffered = append(s.buffered, m)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

func (s *Sub) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
		close(s.done)
	}
	s.mu.Unlock()
}

// Close ends the subscription. Safe to call twice.
func (s *Sub) Close() {
	s.hub.remove(s)
	s.end(ErrClosed)
}

// Cursor is the id of the last event handed out (or the start point).
func (s *Sub) Cursor() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor
}

// CaughtUp reports whether the subscriber has read the whole history and now gets events as
// they are committed.
func (s *Sub) CaughtUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caughtUp
}

// Next blocks until there are events after the cursor and returns them in id order (at most
// one history page or everything buffered). The call that finishes the catch-up returns
// at once, with no events when the history held nothing more. It returns an error when the subscription ended
// (ErrSlow, ErrClosed, the context's error or a store error). It ignores the speaking signal
// (Receive carries it).
func (s *Sub) Next(ctx context.Context) ([]Message, error) {
	b, err := s.receive(ctx, false)
	return b.Events, err
}

// receive is Next, and with signals Receive.
func (s *Sub) receive(ctx context.Context, signals bool) (Batch, error) {
	for {
		s.mu.Lock()
		if s.err != nil {
			err := s.err
			s.mu.Unlock()
			return Batch{}, err
		}
		caught, cursor := s.caughtUp, s.cursor
		s.mu.Unlock()

		if !caught {
			out, justCaught, err := s.readHistory(ctx, cursor)
			if err != nil {
				return Batch{}, err
			}
			if len(out) > 0 || justCaught {
				// Empty when the history had nothing more: now caught up.
				b := Batch{Events: out}
				if justCaught && signals {
					b.Speaking = s.takeSpeaking()
				}
				return b, nil
			}
			continue
		}

		b := Batch{Events: s.takeBuffered()}
		if signals {
			b.Speaking = s.takeSpeaking()
		}
		if len(b.Events) > 0 || b.Speaking != nil {
			return b, nil
		}
		select {
		case <-s.wake:
		case <-s.done:
		case <-ctx.Done():
			return Batch{}, ctx.Err()
		}
	}
}

// readHistory reads one page of the history after cursor and hands out the events after the
// subscriber's cursor; justCaught reports that the page was the last one.
func (s *Sub) readHistory(ctx context.Context, cursor int64) (out []Message, justCaught bool, err error) {
	evs, err := s.hub.src.EventsSince(ctx, s.hearing, cursor, s.hub.cfg.PageSize)
	if err != nil {
		return nil, false, err
	}
	out = make([]Message, 0, len(evs))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range evs {
		if evs[i].ID > s.cursor {
			out = append(out, FromEvent(&evs[i]))
			s.cursor = evs[i].ID
		}
	}
	if len(evs) < s.hub.cfg.PageSize {
		s.caughtUp = true // the listener's buffer covers everything after this read
		justCaught = true
	}
	return out, justCaught, nil
}

// takeBuffered hands out the buffered live events after the cursor and empties the buffer.
func (s *Sub) takeBuffered() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.buffered {
		if m.ID > s.cursor {
			out = append(out, m)
			s.cursor = m.ID
		}
	}
	s.buffered = s.buffered[:0]
	return out
}
