package stream

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/transcript"

// The speaking signal: a live view shows a seat that may be speaking (the diarizer's
// Tentative: sound over the floor and the bleed, voicing not confirmed yet) and one that is
// speaking (a Start), before the turn's segment has any text. The record never sees a
// Tentative or a Withdrawn; only Config.Speaking does. Audio diarized again after a restart
// (catchUp) is old and signals nothing.

// Speaking states of a seat, as Config.Speaking is told them (defined once, in package
// transcript, which transcript/live shares).
const (
	SeatOff       = transcript.SeatOff
	SeatTentative = transcript.SeatTentative
	SeatSpeaking  = transcript.SeatSpeaking
)

// SpeakingFunc is told when a seat of a live hearing changes its speaking state; at is the
// hearing time (seconds) of the event: the start for SeatTentative and SeatSpeaking, the end
// of the turn or the time of the withdrawal for SeatOff. It is called from the hearing's
// goroutine, in the order of the diarizer's events, only when the state changes, and must not
// block (the hearing's diarizer waits for it). Every seat it was told is on is told off when
// the hearing's audio stops (closed, session ended, shutdown, diarizer restarted).
type SpeakingFunc func(hearing, seat, state string, at float64)

// signalEvent tells Config.Speaking what a diarizer event means for the seat's state: a
// Tentative turns an idle seat tentative, a Start makes it speaking, an End turns it off, and a
// Withdrawn turns off a seat that was only tentative. Events that do not fit the seat's state
// (a Tentative during a turn, a Withdrawn after its Start) change nothing.
func (s *Stream) signalEvent(h *hearing, e diarize.Event) {
	switch e.Kind {
	case diarize.Tentative:
		if h.told[e.Seat] == SeatOff {
			s.signal(h, e.Seat, SeatTentative, e.Start)
		}
	case diarize.Withdrawn:
		if h.told[e.Seat] == SeatTentative {
			s.signal(h, e.Seat, SeatOff, max(e.Decided, e.Start))
		}
	case diarize.Start:
		s.signal(h, e.Seat, SeatSpeaking, e.Start)
	case diarize.End:
		s.signal(h, e.Seat, SeatOff, e.End)
	case diarize.Update:
	}
}

// signal tells Config.Speaking a seat's new state, if it changed. Nothing is told while the
// stream catches up after a restart, nor that a seat came on in a hearing whose audio is an
// import (NotLive, which the import sets with or without Defer): neither is live.
func (s *Stream) signal(h *hearing, seat, state string, at float64) {
	if s.cfg.Speaking == nil || h.catchingUp || h.told[seat] == state {
		return
	}
	if state != SeatOff && s.isNotLive(h.id) {
		return
	}
	if state == SeatOff {
		delete(h.told, seat)
	} else {
		h.told[seat] = state
	}
	s.cfg.Speaking(h.id, seat, state, at)
}

// silence tells every seat still on that it is off: the hearing's audio stopped here.
func (s *Stream) silence(h *hearing) {
	at := seconds(h.next)
	for seat := range h.told {
		s.signal(h, seat, SeatOff, at)
	}
}
