package ingest

import "context"
import "encoding/json"
import "errors"
import "log/slog"
import "net/http"
import "strings"
import "sync"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/capture/wire"

// conn is one agent connection.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	log    *slog.Logger
	remote string
	h      *hearing
	hello  *wire.Hello

	wmu       sync.Mutex // one websocket writer at a time
	ackMu     sync.Mutex
	ackSeq    uint64 // highest durable seq to acknowledge
	sentSeq   uint64 // highest seq acknowledged on the wire
	ackWake   chan struct{}
	quit      chan struct{} // closed when the handler returns
	abortOnce sync.Once
	aborted   chan struct{} // closed by abort
	lastSeq   uint64        // reader only
	ended     bool          // reader only: the agent sent End
	gapFrom   time.Time     // reader only: gaps are measured against the wall time since then
	gapSlack  time.Duration // reader only: allowance on top of that
	gapUsed   int64         // reader only: gap samples accepted on this connection
	alarmLog  logBudget     // reader only: alarms logged per minute
	tokenSum  string        // SHA-256 of the agent's token once authenticated (under s.mu)
}

// flood the log (every alarm is still counted in /metrics and kept in the hearing's status).
type logBudget struct {
	window time.Time
	n      int
}

const logBudgetPerMinute = 30

func (b *logBudget) allow(now time.Time) bool {
	if now.Sub(b.window) >= time.Minute || now.Before(b.window) {
		b.window, b.n = now, 0
	}
	b.n++
	return b.n <= logBudgetPerMinute
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closing := s.closing
	if !closing {
		s.connWG.Add(1)
	}
	s.mu.Unlock()
	if closing {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.connWG.Done()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("agent upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := &conn{s: s, ws: ws, remote: r.RemoteAddr, log: s.log.With("remote", r.RemoteAddr),
		ackWake: make(chan struct{}, 1), quit: make(chan struct{}), aborted: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		close(c.quit)
		ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	ws.SetReadLimit(wire.MaxFrameBytes)
	if werr := c.serve(r.Context(), bearer(r)); werr != nil {
		s.metrics.errors.WithLabelValues(werr.Code).Inc()
		c.log.Warn("agent refused", "code", werr.Code, "message", werr.Message)
		c.sendError(werr)
	}
}

// serve runs the hello exchange and the frame loop; a returned error goes to the agent.
func (c *conn) serve(ctx context.Context, token string) *wire.Error {
	s := c.s
	c.ws.SetReadDeadline(time.Now().Add(s.cfg.HelloTimeout))
	mt, msg, err := c.ws.ReadMessage()
	if err != nil {
		return readError(err)
	}
	if mt != websocket.TextMessage {
		return helloError(wire.CodeBadHello, "first message must be a JSON hello, got a binary message")
	}
	v, err := wire.DecodeText(msg)
	if err != nil {
		// A hello of a newer protocol may carry fields this server does not know: say so.
		var probe struct {
			Type     string `json:"type"`
			Protocol int    `json:"protocol"`
		}
		if json.Unmarshal(msg, &probe) == nil && probe.Type == wire.TypeHello && probe.Protocol != wire.ProtocolVersion {
			return helloError(wire.CodeVersion, "protocol %d not supported (server speaks %d)", probe.Protocol, wire.ProtocolVersion)
		}
		return helloError(wire.CodeBadHello, "%v", err)
	}
	hello, ok := v.(*wire.Hello)
	if !ok {
		return helloError(wire.CodeBadHello, "first message must be hello")
	}
	if err := hello.Validate(); err != nil {
		var we *wire.Error
		if errors.As(err, &we) {
			return we
		}
		return helloError(wire.CodeBadHello, "%v", err)
	}
	c.hello = hello
	c.log = c.log.With("courtroom", hello.Courtroom, "session", hello.Session)
	okTok, err := s.tokens.Authenticate(token, hello.Courtroom)
	if err != nil {
		c.log.Error("token file unreadable", "err", err)
		return helloError(wire.CodeStorage, "server cannot check tokens")
	}
	if !okTok {
		return helloError(wire.CodeUnauthorized, "token missing, revoked or not valid for courtroom %s", hello.Courtroom)
	}
	s.mu.Lock()
	c.tokenSum = hashToken(token) // from now on the token watcher may end the connection
	s.mu.Unlock()
	// A revocation between the check above and the line before is caught here.
	if ok, err := s.tokens.Authenticate(token, hello.Courtroom); err == nil && !ok {
		return helloError(wire.CodeUnauthorized, "token revoked")
	}
	h, werr := s.openSession(ctx, hello)
	if werr != nil {
		return werr
	}
	if werr := h.attach(c, s.cfg.TakeoverTimeout); werr != nil {
		return werr
	}
	c.h = h
	c.log = c.log.With("hearing", h.info.Hearing)
	h.mu.Lock()
	if h.durable > 0 && !h.storedAt.IsZero() {
		c.gapFrom, c.gapSlack = h.storedAt, GapSlack
	} else {
		c.gapFrom, c.gapSlack = s.now(), s.cfg.FirstGap
	}
	h.mu.Unlock()
	s.metrics.connected.Inc()
	defer func() {
		h.detach(c)
		s.metrics.connected.Dec()
		if c.ended {
			s.unload(h)
		}
	}()
	h.mu.Lock()
	welcome := wire.Welcome{Type: wire.TypeWelcome, Hearing: h.info.Hearing, Session: hello.Session, LastSeq: h.lastSeq, NextSample: h.durable}
	h.mu.Unlock()
	if err := c.writeJSON(welcome); err != nil {
		c.log.Warn("welcome not sent", "err", err)
		return nil
	}
	c.log.Info("agent connected", "agent", hello.Agent, "last_seq", welcome.LastSeq, "next_sample", welcome.NextSample)

	s.bgWG.Add(1)
	go func() { defer s.bgWG.Done(); c.sendAcks() }()
	return c.readLoop(ctx)
}

func readError(err error) *wire.Error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return helloError(wire.CodeTooLarge, "message larger than %d bytes", wire.MaxFrameBytes)
	}
	return nil // the peer went away or timed out: nothing to tell it
}

// readLoop reads the agent's frames and messages until it disconnects, ends or breaks the
// protocol.
func (c *conn) readLoop(ctx context.Context) *wire.Error {
	s := c.s
	for {
		c.ws.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		mt, msg, err := c.ws.ReadMessage()
		if err != nil {
			if we := readError(err); we != nil {
				return we
			}
			c.log.Info("agent disconnected", "err", err)
			return nil
		}
		now := s.now()
		var done bool
		var werr *wire.Error
		switch mt {
		case websocket.BinaryMessage:
			werr = c.frame(msg, now)
		case websocket.TextMessage:
			done, werr = c.text(ctx, msg, now)
		}
		if werr != nil || done {
			return werr
		}
	}
}

// frame stores one binary frame of audio or gap.
func (c *conn) frame(msg []byte, now time.Time) *wire.Error {
	s, h := c.s, c.h
	f, err := wire.DecodeFrame(msg)
	if err != nil {
		return helloError(wire.CodeBadFrame, "%v", err)
	}
	if f.Seq <= c.lastSeq {
		return helloError(wire.CodeOutOfOrder, "frame seq %d after seq %d: sequence numbers must increase", f.Seq, c.lastSeq)
	}
	res, err := h.submit(c, f, now)
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) {
			return we
		}
		return helloError(wire.CodeStorage, "%v", err)
	}
	c.lastSeq = f.Seq
	h.waitBacklog(c.quitOrAbort())
	s.metrics.frames.WithLabelValues(f.Kind.String()).Inc()
	if res == duplicate {
		s.metrics.duplicates.Inc()
	}
	h.noteFrame(now)
	return nil
}

// text handles one JSON message after the hello: levels, an alarm or the end of the session.
func (c *conn) text(ctx context.Context, msg []byte, now time.Time) (done bool, werr *wire.Error) {
	s, h := c.s, c.h
	v, err := wire.DecodeText(msg)
	if err != nil {
		return true, helloError(wire.CodeBadFrame, "%v", err)
	}
	switch m := v.(type) {
	case *wire.Levels:
		h.noteLevels(m, now)
	case *wire.Alarm:
		if c.alarmLog.allow(now) {
			c.log.Warn("agent alarm", "code", truncUTF8(m.Code, 64), "message", truncUTF8(m.Message, wire.MaxAlarmMessage), "samples", m.Samples)
		}
		h.noteAlarm(m, now)
		s.metrics.alarms.WithLabelValues(wire.AlarmLabel(m.Code)).Inc()
	case *wire.End:
		// Finish even if the agent hangs up right after End.
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return c.end(ectx, m)
	default:
		return true, helloError(wire.CodeBadFrame, "unexpected %T message after hello", v)
	}
	return false, nil
}

// end handles wire.End: flush, acknowledge everything, and close the hearing if asked (the
// acks go out before the manifest is written).
func (c *conn) end(ctx context.Context, m *wire.End) (done bool, werr *wire.Error) {
	h := c.h
	h.mu.Lock()
	accepted := h.accepted
	h.mu.Unlock()
	if m.EndSample > accepted {
		return true, helloError(wire.CodeOutOfOrder, "end at sample %d but the server holds samples up to %d", m.EndSample, accepted)
	}
	if err := h.flush(ctx); err != nil {
		return true, helloError(wire.CodeStorage, "flush: %v", err)
	}
	if err := c.flushAck(); err != nil {
		return true, nil
	}
	c.log.Info("agent ended", "end_sample", m.EndSample, "last_seq", m.LastSeq, "close_hearing", m.CloseHearing)
	if !m.CloseHearing {
		c.ended = true // the session is over: the hearing's files close when it disconnects
		return false, nil
	}
	if _, err := c.s.closeHearing(ctx, h.info.Hearing, c); err != nil {
		c.log.Error("close hearing failed", "err", err)
		return true, helloError(wire.CodeStorage, "close hearing: %v", err)
	}
	// The agent closes the connection once it has every ack; until then the connection stays
	// open and any further audio gets hearing_closed.
	return false, nil
}

func (c *conn) writeJSON(v any) error { return c.writeJSONWithin(v, c.s.cfg.WriteTimeout) }

func (c *conn) writeJSONWithin(v any, d time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(d))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// sendError tells the agent why the connection closes (best effort, bounded: the peer may be
// gone or half-open).
func (c *conn) sendError(e *wire.Error) {
	e.Type = wire.TypeError
	if err := c.writeJSONWithin(e, 2*time.Second); err != nil {
		return
	}
	c.wmu.Lock()
	c.ws.SetWriteDeadline(time.Now().Add(time.Second))
	// Best effort: the connection closes next either way, and the error went out above.
	_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, e.Code))
	c.wmu.Unlock()
}

// quitOrAbort is closed when the connection is being torn down.
func (c *conn) quitOrAbort() <-chan struct{} { return c.aborted }

// ackUpTo records that every frame up to seq is durable (called by the hearing writer; it
// never blocks on the network).
func (c *conn) ackUpTo(seq uint64) {
	c.ackMu.Lock()
	if seq > c.ackSeq {
		c.ackSeq = seq
	}
	c.ackMu.Unlock()
	select {
	case c.ackWake <- struct{}{}:
	default:
	}
}

// flushAck sends the current cumulative ack now (if not sent yet).
func (c *conn) flushAck() error {
	c.ackMu.Lock()
	seq := c.ackSeq
	send := seq > c.sentSeq
	if send {
		c.sentSeq = seq
	}
	c.ackMu.Unlock()
	if !send {
		return nil
	}
	return c.writeJSON(wire.Ack{Type: wire.TypeAck, Seq: seq})
}

// sendAcks is the connection's ack sender: acks coalesce, the latest cumulative seq wins.
func (c *conn) sendAcks() {
	for {
		select {
		case <-c.quit:
			return
		case <-c.ackWake:
			if err := c.flushAck(); err != nil {
				c.ws.Close()
				return
			}
		}
	}
}

// abort closes the connection from outside its handler, telling the agent why (e may be nil).
// It does not wait.
func (c *conn) abort(e *wire.Error) {
	c.abortOnce.Do(func() {
		close(c.aborted)
		c.s.bgWG.Add(1)
		go func() {
			defer c.s.bgWG.Done()
			if e != nil {
				c.log.Warn("closing agent connection", "code", e.Code, "message", e.Message)
				c.sendError(e)
			}
			c.ws.Close()
		}()
	})
}

// attach makes c the hearing's connection; an older connection of the same session (a
// half-open TCP connection after a network cut) is closed first.
func (h *hearing) attach(c *conn, wait time.Duration) *wire.Error {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		if h.unloading {
			h.mu.Unlock()
			return helloError(wire.CodeBusy, "hearing %s is closing its files; connect again", h.info.Hearing)
		}
		old := h.owner
		if old == nil {
			h.owner = c
			h.agent.Agent, h.agent.Remote, h.agent.ConnectedAt = c.hello.Agent, c.remote, c.s.now()
			h.mu.Unlock()
			return nil
		}
		h.mu.Unlock()
		old.abort(&wire.Error{Type: wire.TypeError, Code: wire.CodeBusy, Message: "replaced by a newer connection of the same session"})
		select {
		case <-old.quit:
		case <-deadline.C:
			return helloError(wire.CodeBusy, "session %s is still connected", c.hello.Session)
		}
	}
}

func (h *hearing) detach(c *conn) {
	h.mu.Lock()
	if h.owner == c {
		h.owner = nil
	}
	h.mu.Unlock()
}
