package capture

import "context"
import "crypto/tls"
import "encoding/json"
import "errors"
import "fmt"
import "log/slog"
import "math/rand/v2"
import "net/http"
import "net/url"
import "strings"
import "sync"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/capture/wire"

// AgentPath is the websocket path of the agent endpoint on the server.
const AgentPath = "/v1/agent"

// UplinkConfig configures the connection to the server.
type UplinkConfig struct {
	// Server is ws://host:port or wss://host:port; AgentPath is added when it has no path.
	// Several servers (replicas of one site), comma-separated, are tried in turn: when the
	// connection fails or ends, the uplink moves on to the next.
	Server string
	Token  string
	// Hello is sent on every connection (the session id stays the same across reconnects).
	Hello        wire.Hello
	CloseHearing bool
	MinBackoff   time.Duration // default 250 ms
	MaxBackoff   time.Duration // default 15 s
	// OnHearing is called once with the hearing id the server confirms.
	OnHearing func(hearing string)
	// TLS verifies a wss:// server (RootCAs: the court's CA) and may carry the agent's client
	// certificate for mutual TLS; nil uses the system roots.
	TLS    *tls.Config
	Logger *slog.Logger
}

// PermanentError is a refusal by the server that retrying cannot fix (a bad token, a seat map
// the hearing does not accept, a closed hearing).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

var errSessionDone = errors.New("session delivered")

// Uplink streams the spool to the server and feeds its acks back to the spool. It reconnects
// with capped, jittered exponential backoff for as long as it runs, resuming after the last
// acknowledged seq the server reports in Welcome.
type Uplink struct {
	cfg       UplinkConfig
	urls      []string // the servers, tried in turn
	cur       int      // index of the server in use; Run's goroutine only
	spool     *Spool
	log       *slog.Logger
	text      chan []byte // alarms and other messages, in order
	levels    chan []byte // only the latest levels reading waits
	hearingMu sync.Mutex
	hearing   string
	reported  bool
}

// NewUplink makes an uplink for the spool.
func NewUplink(cfg UplinkConfig, spool *Spool) (*Uplink, error) {
	var urls []string
	for _, srv := range strings.Split(cfg.Server, ",") {
		if srv = strings.TrimSpace(srv); srv == "" {
			continue
		}
		u, err := AgentURL(srv)
		if err != nil {
			return nil, err
		}
		urls = append(urls, u)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("no server address")
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 15 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	// A maximum below the default minimum is what the technician asked for (--max-backoff).
	cfg.MinBackoff = min(cfg.MinBackoff, cfg.MaxBackoff)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Uplink{cfg: cfg, urls: urls, spool: spool, log: cfg.Logger, text: make(chan []byte, 64), levels: make(chan []byte, 1), hearing: cfg.Hello.Hearing}, nil
}

// AgentURL turns --server into the agent endpoint's URL.
func AgentURL(server string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("server address %q: %w", server, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("server address %q: want ws://host:port or wss://host:port", server)
	}
	if u.Host == "" {
		return "", fmt.Errorf("server address %q has no host", server)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = AgentPath
	}
	return u.String(), nil
}

// Send queues a text message (Levels, Alarm) for the server. It never blocks. Only the latest
// Levels reading is kept while the server is unreachable (stale levels are worthless); other
// messages queue up to 64 and are sent in order on reconnect, then dropped (the caller logs
// every alarm).
func (u *Uplink) Send(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		return
	}
	switch msg.(type) {
	case wire.Levels, *wire.Levels:
		for {
			select {
			case u.levels <- b:
				return
			default:
			}
			select {
			case <-u.levels:
			default:
			}
		}
	}
	select {
	case u.text <- b:
	default:
	}
}

// Hearing is the hearing id the server confirmed (or the one asked for).
func (u *Uplink) Hearing() string {
	u.hearingMu.Lock()
	defer u.hearingMu.Unlock()
	return u.hearing
}

// Run delivers the spool until the spool is finished and every frame is acknowledged (nil),
// the context ends (its error), or the server refuses the agent (*PermanentError).
func (u *Uplink) Run(ctx context.Context) error {
	backoff := u.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		welcomed, err := u.connect(ctx)
		if errors.Is(err, errSessionDone) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var perm *PermanentError
		if errors.As(err, &perm) {
			u.log.Error("uplink: the server refused the agent; not retrying", "err", err)
			return err
		}
		if welcomed {
			backoff = u.cfg.MinBackoff
			attempt = 1
		}
		var we *wire.Error
		if errors.As(err, &we) && we.Code == wire.CodeNotOwner {
			// Another replica holds the hearing until its lease runs out (seconds): ask often.
			backoff = min(backoff, time.Second)
		}
		if len(u.urls) > 1 {
			// The next server (a replica of the same site). Straight away after the first
			// failure of a round; once every server failed, after the back-off.
			u.cur = (u.cur + 1) % len(u.urls)
			if welcomed || attempt%len(u.urls) != 0 {
				u.log.Info("uplink: trying the next server", "server", u.urls[u.cur], "err", err)
				continue
			}
		}
		d := jitter(backoff)
		lvl := slog.LevelWarn
		if attempt > 1 && attempt%10 != 0 {
			lvl = slog.LevelDebug
		}
		u.log.Log(ctx, lvl, "uplink: not connected; retrying", "err", err, "in", d.Round(time.Millisecond),
			"attempt", attempt, "unacked_frames", u.spool.Unacked())
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, u.cfg.MaxBackoff)
	}
}

// jitter spreads reconnection attempts of many agents: uniform in [d/2, d].
func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

func permanentCode(code string) bool {
	switch code {
	case wire.CodeUnauthorized, wire.CodeBadHello, wire.CodeVersion, wire.CodeFormat, wire.CodeSeatMap, wire.CodeClosed:
		return true
	}
	return false
}

// connect runs one connection. It reports whether the server welcomed the agent.
func (u *Uplink) connect(ctx context.Context) (bool, error) {
	conn, addr, err := u.dial(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 20)
	hello, welcome, err := u.greet(conn)
	if err != nil {
		return false, err
	}
	if err := u.accept(hello, welcome); err != nil {
		return true, err
	}
	u.log.Info("uplink: connected", "server", addr, "hearing", welcome.Hearing, "session", hello.Session,
		"server_last_seq", welcome.LastSeq, "next_sample", welcome.NextSample, "unacked_frames", u.spool.Unacked())
	return true, u.stream(ctx, conn, welcome.LastSeq)
}

// dial opens the websocket to the current server address.
func (u *Uplink) dial(ctx context.Context) (*websocket.Conn, string, error) {
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+u.cfg.Token)
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment, TLSClientConfig: u.cfg.TLS}
	addr := u.urls[u.cur]
	conn, resp, err := dialer.DialContext(ctx, addr, hdr)
	if err == nil {
		return conn, addr, nil
	}
	if resp == nil {
		return nil, addr, fmt.Errorf("dial %s: %w", addr, err)
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, addr, &PermanentError{fmt.Errorf("server refused the token for courtroom %s (HTTP %d)", u.cfg.Hello.Courtroom, resp.StatusCode)}
	}
	return nil, addr, fmt.Errorf("dial %s: %w (HTTP %d)", addr, err, resp.StatusCode)
}

// greet sends the hello and reads the server's answer, which must be a welcome.
func (u *Uplink) greet(conn *websocket.Conn) (wire.Hello, *wire.Welcome, error) {
	hello := u.cfg.Hello
	hello.Type, hello.Protocol = wire.TypeHello, wire.ProtocolVersion
	hello.Hearing = u.Hearing()
	if err := u.writeJSON(conn, hello); err != nil {
		return hello, nil, err
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, b, err := conn.ReadMessage()
	if err != nil {
		return hello, nil, fmt.Errorf("waiting for welcome: %w", err)
	}
	msg, err := wire.DecodeText(b)
	if err != nil {
		return hello, nil, fmt.Errorf("waiting for welcome: %w", err)
	}
	switch m := msg.(type) {
	case *wire.Welcome:
		return hello, m, nil
	case *wire.Error:
		if permanentCode(m.Code) {
			return hello, nil, &PermanentError{m}
		}
		return hello, nil, m
	default:
		return hello, nil, fmt.Errorf("server sent %T instead of welcome", msg)
	}
}

// accept checks the welcome against the session and takes its hearing and acknowledgement.
func (u *Uplink) accept(hello wire.Hello, welcome *wire.Welcome) error {
	if welcome.Session != "" && welcome.Session != hello.Session {
		return &PermanentError{fmt.Errorf("server welcomed session %q, agent sent %q", welcome.Session, hello.Session)}
	}
	if err := u.setHearing(welcome.Hearing); err != nil {
		return err
	}
	if err := u.spool.Ack(welcome.LastSeq); err != nil {
		return &PermanentError{fmt.Errorf("server holds frames this agent never spooled: %w", err)}
	}
	return nil
}

// stream sends the spool's frames after sent (the server's last sequence number), the End
// once capture has finished, and the queued text messages, until every frame is acknowledged
// (errSessionDone), ctx ends or the connection fails.
func (u *Uplink) stream(ctx context.Context, conn *websocket.Conn, sent uint64) error {
	readErr := make(chan error, 1)
	acked := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- u.readLoop(conn, acked)
	}()
	defer wg.Wait()
	defer conn.Close()

	ping := time.NewTicker(10 * time.Second)
	defer ping.Stop()
	endSent := false
	for {
		var err error
		if sent, err = u.sendFrames(conn, sent); err != nil {
			return err
		}
		if endSent, err = u.end(conn, sent, endSent); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
			// A courtesy close frame: the connection ends either way.
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "agent stopping"))
			return ctx.Err()
		case err := <-readErr:
			readErr <- err
			return err
		case <-u.spool.Notify():
		case <-acked:
		case m := <-u.text:
			if err := u.writeText(conn, m); err != nil {
				return err
			}
		case m := <-u.levels:
			if err := u.writeText(conn, m); err != nil {
				return err
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
				return err
			}
		}
	}
}

// sendFrames sends every spooled frame after sent and returns the last one sent. Between
// frames it lets one queued text message through, so alarms and levels keep flowing during a
// long catch-up.
func (u *Uplink) sendFrames(conn *websocket.Conn, sent uint64) (uint64, error) {
	for {
		b, seq, ok, err := u.spool.Next(sent)
		if err != nil || !ok {
			return sent, err
		}
		conn.SetWriteDeadline(time.Now().Add(15 * time.Second))
		if err := conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
			return sent, fmt.Errorf("sending seq %d: %w", seq, err)
		}
		sent = seq
		if err := u.sendQueuedText(conn); err != nil {
			return sent, err
		}
	}
}

// sendQueuedText writes one queued alarm or level message, if there is one.
func (u *Uplink) sendQueuedText(conn *websocket.Conn) error {
	select {
	case m := <-u.text:
		return u.writeText(conn, m)
	case m := <-u.levels:
		return u.writeText(conn, m)
	default:
		return nil
	}
}

// end sends the End once capture has finished and every frame is sent (endSent says it
// was), and closes the connection with errSessionDone once every frame is acknowledged.
func (u *Uplink) end(conn *websocket.Conn, sent uint64, endSent bool) (bool, error) {
	fin, last, endSample := u.spool.Finished()
	if !fin {
		return endSent, nil
	}
	if !endSent && sent >= last {
		if err := u.writeJSON(conn, wire.End{Type: wire.TypeEnd, LastSeq: last, EndSample: endSample, CloseHearing: u.cfg.CloseHearing}); err != nil {
			return endSent, err
		}
		endSent = true
	}
	if endSent && u.spool.Acked() >= last {
		conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		// A courtesy close frame: every frame is acknowledged, the session is done either way.
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "end"))
		u.log.Info("uplink: every frame acknowledged", "last_seq", last, "end_sample", endSample)
		return endSent, errSessionDone
	}
	return endSent, nil
}

func (u *Uplink) setHearing(h string) error {
	u.hearingMu.Lock()
	defer u.hearingMu.Unlock()
	if h == "" {
		return nil
	}
	if u.hearing != "" && u.hearing != h {
		return &PermanentError{fmt.Errorf("server put the session in hearing %q, agent is recording hearing %q", h, u.hearing)}
	}
	first := u.hearing == ""
	u.hearing = h
	if first {
		if err := u.spool.SetHearing(h); err != nil {
			return err
		}
	}
	if !u.reported && u.cfg.OnHearing != nil {
		u.cfg.OnHearing(h)
	}
	u.reported = true
	return nil
}

func (u *Uplink) readLoop(conn *websocket.Conn, acked chan<- struct{}) error {
	const idle = 45 * time.Second
	conn.SetReadDeadline(time.Now().Add(idle))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(idle)) })
	for {
		typ, b, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("connection lost: %w", err)
		}
		conn.SetReadDeadline(time.Now().Add(idle))
		if typ != websocket.TextMessage {
			continue
		}
		msg, err := wire.DecodeText(b)
		if err != nil {
			u.log.Warn("uplink: ignoring a bad message from the server", "err", err)
			continue
		}
		switch m := msg.(type) {
		case *wire.Ack:
			if err := u.spool.Ack(m.Seq); err != nil {
				return &PermanentError{fmt.Errorf("server acknowledged a frame never sent: %w", err)}
			}
			select {
			case acked <- struct{}{}:
			default:
			}
		case *wire.Error:
			if permanentCode(m.Code) {
				return &PermanentError{m}
			}
			return m
		}
	}
}

func (u *Uplink) writeJSON(conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return u.writeText(conn, b)
}

func (u *Uplink) writeText(conn *websocket.Conn, b []byte) error {
	conn.SetWriteDeadline(time.Now().Add(15 * time.Second))
	if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("sending %s: %w", strings.SplitN(string(b), ",", 2)[0], err)
	}
	return nil
}
