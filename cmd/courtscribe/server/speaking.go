package server

import "errors"
import "log/slog"
import "sync/atomic"

import "github.com/courtscribe/courtscribe/transcript/live"

// speakingRelay carries the stream's speaking signal (stream.Config.Speaking: which seats may
// be speaking or are speaking) to the live hub, which sends it to the browsers following the
// hearing. The stream is built before the API that owns the hub, so the hub is set later (to);
// until then, and after the hub closed, the signal goes nowhere: it is ephemeral by design.
type speakingRelay struct {
	hub atomic.Pointer[live.Hub]
	log *slog.Logger
}

// to sets the hub the signal goes to.
func (r *speakingRelay) to(h *live.Hub) { r.hub.Store(h) }

// speaking is a stream.SpeakingFunc. It never blocks (Hub.Speaking only takes a lock).
func (r *speakingRelay) speaking(hearing, seat, state string, _ float64) {
	h := r.hub.Load()
	if h == nil {
		return
	}
	if err := h.Speaking(hearing, seat, state); err != nil && !errors.Is(err, live.ErrClosed) {
		r.log.Warn("speaking signal refused by the live hub", "hearing", hearing, "seat", seat, "state", state, "err", err)
	}
}
