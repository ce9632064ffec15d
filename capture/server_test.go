package capture

import "encoding/json"
import "fmt"
import "net/http"
import "net/http/httptest"
import "strings"
import "sync"
import "testing"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/capture/wire"

// wireServer is a small in-test server that speaks capture/wire the way the real one does
// (durable-then-ack, idempotent duplicates, strict contiguity) and can drop connections on
// purpose. It stands in for asr/ingest at the outermost boundary of the agent.
type wireServer struct {
	t     testing.TB
	token string
	srv   *httptest.Server

	mu       sync.Mutex
	sessions map[string]*srvSession
	// dropAfter[i] is how many frames connection i stores before the server drops it
	// (without acking the last ones). Connections beyond the list never drop.
	dropAfter []int
	conns     int
	drops     int
	hearings  int
	errCode   string // when set, every Hello gets this error
	// staleWelcome makes every second Welcome report two frames fewer than are stored.
	staleWelcome bool
	// holdAcks, while open, keeps the server from acknowledging anything (a stalled archive).
	holdAcks chan struct{}
	onAlarm  func(wire.Alarm) // called with the lock held
}

type srvSession struct {
	hearing    string
	channels   int
	pcm        [][]int16
	gaps       []wire.Frame
	lastSeq    uint64
	next       int64
	frames     int
	duplicates int
	levels     int
	alarms     []wire.Alarm
	ended      *wire.End
}

func newWireServer(t testing.TB, token string) *wireServer {
	s := &wireServer{t: t, token: token, sessions: map[string]*srvSession{}}
	mux := http.NewServeMux()
	mux.HandleFunc(AgentPath, s.handle)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *wireServer) URL() string { return "ws" + strings.TrimPrefix(s.srv.URL, "http") }

func (s *wireServer) only() (string, *srvSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) != 1 {
		s.t.Fatalf("server has %d sessions, want 1", len(s.sessions))
	}
	for k, v := range s.sessions {
		return k, v
	}
	return "", nil
}

var upgrader = websocket.Upgrader{}

func (s *wireServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(wire.MaxFrameBytes)
	s.mu.Lock()
	connNo := s.conns
	s.conns++
	dropAt := -1
	if connNo < len(s.dropAfter) {
		dropAt = s.dropAfter[connNo]
	}
	errCode := s.errCode
	s.mu.Unlock()

	_, b, err := conn.ReadMessage()
	if err != nil {
		return
	}
	msg, err := wire.DecodeText(b)
	hello, ok := msg.(*wire.Hello)
	if err != nil || !ok || hello.Validate() != nil {
		conn.WriteJSON(wire.Error{Type: wire.TypeError, Code: wire.CodeBadHello, Message: fmt.Sprint(err)})
		return
	}
	if errCode != "" {
		conn.WriteJSON(wire.Error{Type: wire.TypeError, Code: errCode, Message: "test refusal"})
		return
	}
	s.mu.Lock()
	ss := s.sessions[hello.Session]
	if ss == nil {
		h := hello.Hearing
		if h == "" {
			s.hearings++
			h = fmt.Sprintf("h-%d", s.hearings)
		}
		ss = &srvSession{hearing: h, channels: len(hello.Seats), pcm: make([][]int16, len(hello.Seats))}
		s.sessions[hello.Session] = ss
	}
	welcome := wire.Welcome{Type: wire.TypeWelcome, Hearing: ss.hearing, Session: hello.Session, LastSeq: ss.lastSeq, NextSample: ss.next}
	if s.staleWelcome && connNo%2 == 1 && welcome.LastSeq > 2 {
		// Understate what is durable (allowed: the agent resends, the server re-acks), so
		// duplicates must be recognised and not stored twice.
		welcome.LastSeq -= 2
	}
	s.mu.Unlock()
	if err := conn.WriteJSON(welcome); err != nil {
		return
	}
	stored := 0
	var acked uint64
	// sendAck acknowledges up to seq unless acks are held; a held ack goes out with the next
	// message after the release (agents send levels every second).
	sendAck := func(seq uint64) bool {
		s.mu.Lock()
		hold := s.holdAcks
		s.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			default:
				return true
			}
		}
		if seq <= acked {
			return true
		}
		acked = seq
		b, _ := json.Marshal(wire.Ack{Type: wire.TypeAck, Seq: seq})
		return conn.WriteMessage(websocket.TextMessage, b) == nil
	}
	for {
		typ, b, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.TextMessage {
			msg, err := wire.DecodeText(b)
			if err != nil {
				s.t.Errorf("server: bad text message: %v", err)
				return
			}
			s.mu.Lock()
			switch m := msg.(type) {
			case *wire.Levels:
				ss.levels++
				if len(m.Seats) != ss.channels {
					s.t.Errorf("levels for %d seats, session has %d", len(m.Seats), ss.channels)
				}
			case *wire.Alarm:
				ss.alarms = append(ss.alarms, *m)
				if s.onAlarm != nil {
					s.onAlarm(*m)
				}
			case *wire.End:
				ss.ended = m
			}
			last := ss.lastSeq
			s.mu.Unlock()
			if !sendAck(last) {
				return
			}
			continue
		}
		f, err := wire.DecodeFrame(b)
		if err != nil {
			s.t.Errorf("server: bad frame: %v", err)
			return
		}
		s.mu.Lock()
		switch {
		case f.Seq <= ss.lastSeq:
			ss.duplicates++
		case f.Seq != ss.lastSeq+1 || f.FirstSample != ss.next || f.Channels != ss.channels:
			s.mu.Unlock()
			s.t.Errorf("server: frame seq %d at %d out of order (last %d, next %d)", f.Seq, f.FirstSample, ss.lastSeq, ss.next)
			conn.WriteJSON(wire.Error{Type: wire.TypeError, Code: wire.CodeOutOfOrder, Message: "out of order"})
			return
		default:
			for c := range ss.pcm {
				if f.Kind == wire.KindAudio {
					ss.pcm[c] = append(ss.pcm[c], f.PCM[c]...)
				} else {
					ss.pcm[c] = append(ss.pcm[c], make([]int16, f.Samples)...)
				}
			}
			if f.Kind == wire.KindGap {
				ss.gaps = append(ss.gaps, *f)
			}
			ss.lastSeq = f.Seq
			ss.next = f.End()
			ss.frames++
			stored++
		}
		ack := ss.lastSeq
		if stored == dropAt {
			s.drops++
			s.mu.Unlock()
			return // drop without acking what this connection stored last
		}
		s.mu.Unlock()
		if !sendAck(ack) {
			return
		}
	}
}
