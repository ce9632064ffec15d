package live

import "context"
import "errors"
import "io"
import "net/http"
import "time"

import "github.com/gorilla/websocket"

// Frame is what the server sends on the websocket, one JSON text message each:
//
//	{"type":"events","events":[Message…]}   committed events, ids strictly increasing
//	{"type":"caught_up","cursor":N}         history replayed; from now on events arrive live
//	{"type":"error","error":"…"}            the subscription ends (reconnect with ?after=cursor)
//	{"type":"speaking","seats":{"judge":"speaking","defense":"tentative"}}
//	                                        after caught_up, whenever a seat's speaking state
//	                                        changes: every seat that is on now (seats off are
//	                                        absent; {} when none is on). Not an event: no id,
//	                                        the cursor does not move (SpeakingFrame).
type Frame struct {
	Type   string    `json:"type"`
	Events []Message `json:"events,omitempty"`
	Cursor int64     `json:"cursor,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// SpeakingFrame is the "speaking" frame: the hearing's whole current speaking map, so a frame
// lost with a dropped connection is made good by the next one (and the map sent on catch-up).
type SpeakingFrame struct {
	Type  string            `json:"type"` // "speaking"
	Seats map[string]string `json:"seats"`
}

const (
	writeWait  = 10 * time.Second
	pingPeriod = 30 * time.Second
	pongWait   = 75 * time.Second
)

// Serve upgrades the request to a websocket and streams the hearing's events after the given
// id until the client goes away or the subscription ends. checkOrigin decides the upgrade's
// Origin check (see auth.SameOrigin); it must not be nil.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, hearingID string, after int64, checkOrigin func(*http.Request) bool) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 32 << 10, CheckOrigin: checkOrigin,
		EnableCompression: false}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered with an HTTP error
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	sub, err := h.Subscribe(ctx, hearingID, after)
	if err != nil {
		// The connection closes right after: a client that cannot be told has gone already.
		_ = conn.WriteJSON(Frame{Type: "error", Error: err.Error()})
		return
	}
	defer sub.Close()

	readDone := watchClient(conn, cancel)
	defer func() { conn.Close(); <-readDone }()

	pings := time.NewTicker(pingPeriod)
	defer pings.Stop()
	go keepAlive(ctx, conn, pings.C)

	stream(ctx, r.Context(), conn, sub)
}

// watchClient reads the websocket only to see the client go away (then it cancels) and to
// answer pings; browsers send nothing else. The returned channel closes when it stops.
func watchClient(conn *websocket.Conn, cancel context.CancelFunc) <-chan struct{} {
	conn.SetReadLimit(4096)
	conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return readDone
}

// keepAlive pings on every tick until ctx ends. Pings come from their own goroutine so a
// quiet hearing keeps the link alive.
func keepAlive(ctx context.Context, conn *websocket.Conn, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		}
	}
}

// stream writes the subscription's events, once the caught-up frame, and after it the speaking
// frames (events first when a batch has both), until a write fails
// or the subscription ends; then it tells the client why (see sayEnd). reqCtx is the request's
// context, whose cause says whether the caller ended the feed on purpose.
func stream(ctx, reqCtx context.Context, conn *websocket.Conn, sub *Sub) {
	told := false
	for {
		b, err := sub.Receive(ctx)
		if err != nil {
			sayEnd(conn, sub, err, context.Cause(reqCtx))
			return
		}
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		if len(b.Events) > 0 {
			if err := writeEvents(conn, b.Events); err != nil {
				return
			}
		}
		if !told && sub.CaughtUp() {
			told = true
			if err := conn.WriteJSON(Frame{Type: "caught_up", Cursor: sub.Cursor()}); err != nil {
				return
			}
		}
		if b.Speaking != nil {
			if err := conn.WriteJSON(SpeakingFrame{Type: "speaking", Seats: b.Speaking}); err != nil {
				return
			}
		}
	}
}

// sayEnd tells the client why its subscription ended with err. The connection closes right
// after, so a failed write is not reported: the client has gone already.
func sayEnd(conn *websocket.Conn, sub *Sub, err, cause error) {
	if cause != nil && !errors.Is(cause, context.Canceled) {
		// The caller ended the feed on purpose (the session ended): say so, and do not
		// invite a resume.
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		_ = conn.WriteJSON(Frame{Type: "error", Error: cause.Error()})
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "session ended"), time.Now().Add(writeWait))
		return
	}
	if !errors.Is(err, context.Canceled) {
		conn.SetWriteDeadline(time.Now().Add(writeWait))
		_ = conn.WriteJSON(Frame{Type: "error", Error: err.Error(), Cursor: sub.Cursor()})
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "resume from cursor"), time.Now().Add(writeWait))
	}
}

// writeEvents writes an "events" frame from the messages' cached encodings (the same bytes as
// WriteJSON of a Frame, without encoding each event once per subscriber).
func writeEvents(conn *websocket.Conn, msgs []Message) error {
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, `{"type":"events","events":[`); err != nil {
		return err
	}
	for i := range msgs {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		b, err := msgs[i].JSON()
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "]}\n"); err != nil {
		return err
	}
	return w.Close()
}
