package live

import "context"
import "errors"
import "fmt"
import "maps"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/transcript"

// The speaking signal: besides committed events, the hub carries which seats of a hearing
// may be speaking or are speaking now (the seat diarizer's Tentative and Start, asr/stream),
// so a browser can light a seat before its segment is in the record. The signal is ephemeral:
// it is not an event, never moves a subscriber's cursor, is never stored and never replayed
// from history. Each subscriber holds only the latest state per seat (a burst of signals
// overwrites, never queues, so it never makes a subscriber slow) and is woken to send the
// hearing's whole current map (a lost frame heals with the next one). A subscriber gets the
// map once it has caught up; one that catches up while a seat is speaking gets it at once.

// Speaking states of a seat (defined once, in package transcript).
const (
	SeatOff       = transcript.SeatOff
	SeatTentative = transcript.SeatTentative
	SeatSpeaking  = transcript.SeatSpeaking
)

// Bounds of the speaking state: the seats come from the server's own seat map, but a bug
// upstream must not grow the hub without end.
const (
	// MaxSpeakingSeats is how many seats of one hearing may be on (tentative or speaking) at
	// once (an agent has at most wire.MaxSeats, 32).
	MaxSpeakingSeats = 64
	// MaxSeatName is the longest seat name in bytes (the agent protocol's longest, see
	// wire.ValidSeatName).
	MaxSeatName = 64
	// MaxSpeakingHearings is how many hearings may have a seat on at once.
	MaxSpeakingHearings = 1024
	// maxHearingID is the longest hearing id in bytes the signal takes.
	maxHearingID = 256
)

// ErrTooManySeats refuses a seat that would exceed MaxSpeakingSeats or MaxSpeakingHearings.
var ErrTooManySeats = errors.New("live: too many seats speaking")

// Speaking sets a seat's speaking state in a hearing (SeatOff, SeatTentative or SeatSpeaking)
// and wakes the hearing's subscribers if it changed. It never blocks on a subscriber. Bad
// input (an unknown state, an empty or overlong name) and a seat beyond the bounds are
// refused with an error; the state is then unchanged.
func (h *Hub) Speaking(hearingID, seat, state string) error {
	switch state {
	case SeatOff, SeatTentative, SeatSpeaking:
	default:
		return fmt.Errorf("live: speaking state %q: want %q, %q or off (\"\")", state, SeatTentative, SeatSpeaking)
	}
	if hearingID == "" || len(hearingID) > maxHearingID || !utf8.ValidString(hearingID) {
		return fmt.Errorf("live: speaking: bad hearing id %q", truncate(hearingID))
	}
	if seat == "" || len(seat) > MaxSeatName || !utf8.ValidString(seat) {
		return fmt.Errorf("live: speaking: bad seat name %q (1 to %d bytes of UTF-8)", truncate(seat), MaxSeatName)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	cur := h.speaking[hearingID]
	if cur[seat] == state {
		return nil
	}
	if state == SeatOff {
		delete(cur, seat)
		if len(cur) == 0 {
			delete(h.speaking, hearingID)
		}
	} else {
		if cur == nil {
			if len(h.speaking) >= MaxSpeakingHearings {
				return fmt.Errorf("%w: %d hearings have a seat on", ErrTooManySeats, len(h.speaking))
			}
			cur = map[string]string{}
			h.speaking[hearingID] = cur
		}
		if _, on := cur[seat]; !on && len(cur) >= MaxSpeakingSeats {
			return fmt.Errorf("%w: hearing %s has %d seats on", ErrTooManySeats, hearingID, len(cur))
		}
		cur[seat] = state
	}
	for s := range h.subs[hearingID] {
		s.signal(seat, state)
	}
	return nil
}

// SpeakingNow returns a copy of the seats of a hearing that are on, with their states.
func (h *Hub) SpeakingNow(hearingID string) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.speaking[hearingID])
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// signal records a seat's latest state and wakes the subscriber. Called with hub.mu held.
func (s *Sub) signal(seat, state string) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	if state == SeatOff {
		delete(s.speaking, seat)
	} else {
		s.speaking[seat] = state
	}
	s.speakingDirty = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// takeSpeaking returns the speaking map when it changed since it was last taken (a new map,
// empty when no seat is on), nil when it did not.
func (s *Sub) takeSpeaking() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.speakingDirty {
		return nil
	}
	s.speakingDirty = false
	return maps.Clone(s.speaking)
}

// Batch is what one Receive hands out: committed events after the cursor, in id order, and
// the hearing's speaking map when it changed.
type Batch struct {
	Events []Message
	// Speaking is the current state of every seat that is on (SeatTentative or SeatSpeaking),
	// set when it changed since the last batch, and on catching up when some seat is on; nil
	// when there is nothing new to say. An empty, non-nil map means no seat is on.
	Speaking map[string]string
}

// Receive is Next with the speaking signal: it blocks until there are events after the cursor
// or, once caught up, the speaking map changed. The call that finishes the catch-up returns
// at once (its Speaking is set when a seat is on). Errors are Next's.
func (s *Sub) Receive(ctx context.Context) (Batch, error) { return s.receive(ctx, true) }
