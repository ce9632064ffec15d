// Package ingesttest holds test rigs for the ingest server: a simulated agent that speaks
// capture/wire with an in-memory spool (resend from the last ack, reconnect on any cut), and a
// loopback TCP proxy that can cut every connection on demand. Tests, the e2e suite and the
// ingest load benchmark use them; production code does not.
package ingesttest

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "net/http"
import "sync"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/capture/wire"

// Agent replays per-seat PCM to a server like a real agent with a spool: frames stay "spooled"
// until acknowledged, and after a reconnect it resends from the Welcome's LastSeq.
type Agent struct {
	URL          string // ws://host:port/v1/agent
	Token        string
	Courtroom    string
	Session      string
	Hearing      string // optional
	Seats        []wire.Seat
	PCM          [][]int16     // one slice per seat, all equally long
	FrameSamples int           // samples per frame (default 1600 = 100 ms)
	Gaps         map[int]uint8 // frame index → gap reason: sent as a gap frame instead of audio
	// Pace 1 sends at real time (frame i not before i×frame duration after Run started);
	// 0 sends as fast as the window allows.
	Pace         float64
	Window       int // unacknowledged frames in flight (default 64)
	CloseHearing bool
	// Latency, if set, is called for each acknowledged frame with the time from its (last)
	// send to the ack that covered it. Called from the reader goroutine.
	Latency func(time.Duration)
	// Retry is the pause before reconnecting (default 50 ms).
	Retry time.Duration
	// OnWelcome, if set, is called with every Welcome.
	OnWelcome func(wire.Welcome)

	mu         sync.Mutex
	reconnects int
}

// Result is what Run achieved.
type Result struct {
	Hearing    string
	Reconnects int
	Frames     int
}

// Frames is the number of frames the PCM makes.
func (a *Agent) Frames() int {
	n := a.frameSamples()
	return (len(a.PCM[0]) + n - 1) / n
}

func (a *Agent) frameSamples() int {
	if a.FrameSamples <= 0 {
		return 1600
	}
	return a.FrameSamples
}

// Frame builds frame i (seq i+1).
func (a *Agent) Frame(i int) *wire.Frame {
	n := a.frameSamples()
	first := i * n
	end := min(first+n, len(a.PCM[0]))
	f := &wire.Frame{Kind: wire.KindAudio, Channels: len(a.Seats), Seq: uint64(i + 1), FirstSample: int64(first),
		Samples: end - first, WallNanos: time.Now().UnixNano()}
	if r, ok := a.Gaps[i]; ok {
		f.Kind, f.Reason = wire.KindGap, r
		return f
	}
	f.PCM = make([][]int16, len(a.PCM))
	for c := range a.PCM {
		f.PCM[c] = a.PCM[c][first:end]
	}
	return f
}

// Expected returns the audio the archive must hold: the PCM with gap frames as zeros.
func (a *Agent) Expected() [][]int16 {
	out := make([][]int16, len(a.PCM))
	n := a.frameSamples()
	for c := range a.PCM {
		out[c] = append([]int16(nil), a.PCM[c]...)
		for i := range a.Gaps {
			first := i * n
			end := min(first+n, len(out[c]))
			clear(out[c][first:end])
		}
	}
	return out
}

// Hello is the agent's hello.
func (a *Agent) Hello() wire.Hello {
	return wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: a.Session, Courtroom: a.Courtroom,
		Hearing: a.Hearing, Seats: a.Seats, Agent: "ingesttest",
		Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: len(a.Seats)}}
}

// Dial opens a websocket to the server with the agent's token.
func Dial(ctx context.Context, url, token string) (*websocket.Conn, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.DialContext(ctx, url, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return ws, err
}

// ReadServer reads one text message from the server and decodes it (Welcome, Ack or *Error).
func ReadServer(ws *websocket.Conn) (any, error) {
	mt, b, err := ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	if mt != websocket.TextMessage {
		return nil, fmt.Errorf("server sent message type %d", mt)
	}
	return wire.DecodeText(b)
}

// Run streams everything, reconnecting after every cut, until every frame is acknowledged
// and End is sent (with CloseHearing the server then closes the hearing; poll for its
// manifest). A protocol error other than session_busy
// ends Run with that *wire.Error.
func (a *Agent) Run(ctx context.Context) (Result, error) {
	retry := a.Retry
	if retry <= 0 {
		retry = 50 * time.Millisecond
	}
	start := time.Now()
	res := Result{Frames: a.Frames()}
	sendAt := make([]time.Time, a.Frames()+1)
	for {
		hearing, done, err := a.session(ctx, start, sendAt)
		if hearing != "" {
			res.Hearing = hearing
		}
		if done {
			res.Reconnects = a.reconnects
			return res, err
		}
		var we *wire.Error
		if errors.As(err, &we) && we.Code != wire.CodeBusy {
			res.Reconnects = a.reconnects
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(retry):
		}
		a.mu.Lock()
		a.reconnects++
		a.mu.Unlock()
	}
}

// session is one connection; done says Run is finished.
func (a *Agent) session(ctx context.Context, start time.Time, sendAt []time.Time) (hearing string, done bool, err error) {
	ws, err := Dial(ctx, a.URL, a.Token)
	if err != nil {
		return "", false, err
	}
	defer ws.Close()
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	welcome, done, err := a.greet(ws)
	if welcome == nil {
		if done {
			return a.Hearing, true, nil
		}
		return "", false, err
	}
	if a.OnWelcome != nil {
		a.OnWelcome(*welcome)
	}
	hearing = welcome.Hearing
	a.Hearing = hearing
	total := a.Frames()

	k := &acks{acked: int(welcome.LastSeq), total: total, sendAt: sendAt, latency: a.Latency}
	k.cond = sync.NewCond(&k.mu)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		k.read(ws)
	}()
	defer func() { ws.Close(); <-readerDone }()

	if done, err := a.sendFrames(ctx, ws, k, start, int(welcome.LastSeq)); err != nil || done {
		return hearing, done, err
	}
	if ok, err := k.waitAll(); !ok {
		return hearing, false, err
	}
	end := wire.End{Type: wire.TypeEnd, LastSeq: uint64(total), EndSample: int64(len(a.PCM[0])), CloseHearing: a.CloseHearing}
	b, _ := json.Marshal(end)
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return hearing, false, err
	}
	// The server acknowledged everything before End; closing the hearing happens behind it.
	// Best effort: the connection ends here either way.
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "end"), time.Now().Add(time.Second))
	if a.CloseHearing {
		// Confirm on the next connection: its hello must get hearing_closed.
		return hearing, false, errEndSent
	}
	return hearing, true, nil
}

// greet sends the hello and reads the welcome. Without a welcome, done and err say how the
// session ends: a hearing closed after our End is done.
func (a *Agent) greet(ws *websocket.Conn) (welcome *wire.Welcome, done bool, err error) {
	b, _ := json.Marshal(a.Hello())
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return nil, false, err
	}
	v, err := ReadServer(ws)
	if err != nil {
		return nil, false, err
	}
	switch m := v.(type) {
	case *wire.Welcome:
		return m, false, nil
	case *wire.Error:
		if m.Code == wire.CodeClosed && a.CloseHearing {
			return nil, true, nil // closed after our End: everything is stored
		}
		return nil, false, m
	default:
		return nil, false, fmt.Errorf("unexpected %T instead of welcome", v)
	}
}

// sendFrames sends the frames from index from on, paced and within the ack window.
func (a *Agent) sendFrames(ctx context.Context, ws *websocket.Conn, k *acks, start time.Time, from int) (done bool, err error) {
	window := a.Window
	if window <= 0 {
		window = 64
	}
	dur := time.Duration(a.frameSamples()) * time.Second / wire.SampleRate
	var buf []byte
	for i := from; i < k.total; i++ {
		if a.Pace > 0 {
			at := start.Add(time.Duration(float64(time.Duration(i+1)*dur) / a.Pace))
			if err := sleepUntil(ctx, at); err != nil {
				return true, err
			}
		}
		if closed, err := k.reserve(i, window); closed {
			return false, err
		}
		buf, err = wire.AppendFrame(buf[:0], a.Frame(i))
		if err != nil {
			return true, err
		}
		if err := ws.WriteMessage(websocket.BinaryMessage, buf); err != nil {
			return false, err
		}
	}
	return false, nil
}

// sleepUntil waits until at, or returns ctx's error.
func sleepUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acks is what the server acknowledged on one connection, fed by its reader goroutine.
type acks struct {
	mu      sync.Mutex
	cond    *sync.Cond
	acked   int // highest seq acknowledged
	total   int // frames to send
	err     error
	closed  bool
	sendAt  []time.Time // by seq, for latency
	latency func(time.Duration)
}

// read takes the server's messages until the connection ends.
func (k *acks) read(ws *websocket.Conn) {
	for {
		v, err := ReadServer(ws)
		k.mu.Lock()
		if err != nil {
			if k.err == nil {
				k.err = err
			}
			k.closed = true
			k.cond.Broadcast()
			k.mu.Unlock()
			return
		}
		switch m := v.(type) {
		case *wire.Ack:
			k.ack(int(m.Seq))
		case *wire.Error:
			k.err = m
		}
		k.cond.Broadcast()
		k.mu.Unlock()
	}
}

// ack records a cumulative ack up to seq (k.mu held).
func (k *acks) ack(seq int) {
	now := time.Now()
	for s := k.acked + 1; s <= seq && s <= k.total; s++ {
		if k.latency != nil && !k.sendAt[s].IsZero() {
			k.latency(now.Sub(k.sendAt[s]))
		}
	}
	if seq > k.acked {
		k.acked = seq
	}
}

// reserve waits until frame index i fits in the window and marks it sent; closed says the
// connection ended first (with its error).
func (k *acks) reserve(i, window int) (closed bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i-k.acked >= window && !k.closed {
		k.cond.Wait()
	}
	if k.closed {
		return true, k.err
	}
	k.sendAt[i+1] = time.Now()
	return false, nil
}

// waitAll waits until every frame is acknowledged (ok) or the connection ends (with its
// error).
func (k *acks) waitAll() (ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for k.acked < k.total && !k.closed {
		k.cond.Wait()
	}
	if k.acked < k.total {
		return false, k.err
	}
	return true, nil
}

var errEndSent = errors.New("end sent; confirming the close")
