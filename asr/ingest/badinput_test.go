package ingest

import "bytes"
import "context"
import "errors"
import "io"
import "net"
import "net/http"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

func goodHello(session string) wire.Hello {
	return wire.Hello{Type: wire.TypeHello, Protocol: 1, Session: session, Courtroom: "room1", Seats: fourSeats[:2],
		Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: 2}}
}

func hearingDirs(t *testing.T, dir string) []string {
	es, err := os.ReadDir(filepath.Join(dir, archive.HearingsDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestBadHello: every refused hello gets its wire error and creates nothing.
func TestBadHello(t *testing.T) {
	r := newRig(t)
	other, _, err := r.srv.Tokens().Add("room2")
	if err != nil {
		t.Fatal(err)
	}
	revoked, rec, err := r.srv.Tokens().Add("room1")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.srv.Tokens().Revoke(rec.ID); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*wire.Hello)) []byte {
		h := goodHello("s-bad")
		f(&h)
		return mustJSON(h)
	}
	cases := []struct {
		name  string
		token string
		msg   []byte
		code  string
	}{
		{"not json", r.token, []byte("{hello"), wire.CodeBadHello},
		{"not a hello", r.token, mustJSON(wire.Ack{Type: wire.TypeAck, Seq: 1}), wire.CodeBadHello},
		{"unknown field", r.token, []byte(`{"type":"hello","protocol":1,"sesion":"x"}`), wire.CodeBadHello},
		{"bad session id", r.token, mod(func(h *wire.Hello) { h.Session = "../etc" }), wire.CodeBadHello},
		{"unknown version", r.token, mod(func(h *wire.Hello) { h.Protocol = 9 }), wire.CodeVersion},
		{"newer version with new fields", r.token, []byte(`{"type":"hello","protocol":2,"session":"x","codec":"opus"}`), wire.CodeVersion},
		{"wrong rate", r.token, mod(func(h *wire.Hello) { h.Format.SampleRate = 8000 }), wire.CodeFormat},
		{"wrong encoding", r.token, mod(func(h *wire.Hello) { h.Format.Encoding = "f32le" }), wire.CodeFormat},
		{"channels vs seats", r.token, mod(func(h *wire.Hello) { h.Format.Channels = 3 }), wire.CodeSeatMap},
		{"no token", "", mod(func(h *wire.Hello) {}), wire.CodeUnauthorized},
		{"wrong token", "not-a-token", mod(func(h *wire.Hello) {}), wire.CodeUnauthorized},
		{"other courtroom's token", other, mod(func(h *wire.Hello) {}), wire.CodeUnauthorized},
		{"revoked token", revoked, mod(func(h *wire.Hello) {}), wire.CodeUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, v := r.helloRaw(c.token, c.msg)
			e, ok := v.(*wire.Error)
			if !ok || e.Code != c.code {
				t.Fatalf("got %v, want error %s", v, c.code)
			}
		})
	}
	// A binary first message.
	ws, err := ingesttest.Dial(context.Background(), r.url(), r.token)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.BinaryMessage, []byte("CSF1"))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if v, _ := ingesttest.ReadServer(ws); v == nil || v.(*wire.Error).Code != wire.CodeBadHello {
		t.Fatalf("binary hello: %v", v)
	}
	if d := hearingDirs(t, r.dir); len(d) != 0 {
		t.Fatalf("refused hellos created hearings %v", d)
	}
	if es, _ := os.ReadDir(filepath.Join(r.dir, archive.SessionsDir)); len(es) != 0 {
		t.Fatalf("refused hellos created sessions")
	}
}

// TestRevokeRefusesNextConnection: a token revoked through another store (as the tokens
// command does, in another process) stops the next handshake.
func TestRevokeRefusesNextConnection(t *testing.T) {
	r := newRig(t)
	tok, rec, err := OpenTokens(r.dir, nil).Add("room1")
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := r.helloRaw(tok, mustJSON(goodHello("s-rev")))
	ws.Close()
	if err := OpenTokens(r.dir, nil).Revoke(rec.ID); err != nil {
		t.Fatal(err)
	}
	_, v := r.helloRaw(tok, mustJSON(goodHello("s-rev")))
	if e, ok := v.(*wire.Error); !ok || e.Code != wire.CodeUnauthorized {
		t.Fatalf("revoked token got %v", v)
	}
}

// streamBadFrame connects a session that already stored two frames, sends bad, expects code and
// proves the stored audio did not change.
func TestBadFrames(t *testing.T) {
	r := newRig(t)
	pcm := testPCM(2, 16000, 9)
	mk := func(seq uint64, first, n int) *wire.Frame {
		return &wire.Frame{Kind: wire.KindAudio, Channels: 2, Seq: seq, FirstSample: int64(first), Samples: n,
			PCM: [][]int16{pcm[0][first : first+n], pcm[1][first : first+n]}}
	}
	enc := func(f *wire.Frame) []byte { return mustFrame(t, f) }
	badCRC := enc(mk(3, 3200, 1600))
	badCRC[len(badCRC)-1] ^= 0x55
	threeCh := &wire.Frame{Kind: wire.KindAudio, Channels: 3, Seq: 3, FirstSample: 3200, Samples: 10,
		PCM: [][]int16{make([]int16, 10), make([]int16, 10), make([]int16, 10)}}
	cases := []struct {
		name string
		mt   int
		msg  []byte
		code string
	}{
		{"bad checksum", websocket.BinaryMessage, badCRC, wire.CodeBadFrame},
		{"garbage frame", websocket.BinaryMessage, []byte("CSF1 but nothing else"), wire.CodeBadFrame},
		{"gap beyond the end", websocket.BinaryMessage, enc(&wire.Frame{Kind: wire.KindGap, Channels: 2, Seq: 3, FirstSample: 4000, Samples: 100}), wire.CodeOutOfOrder},
		{"audio beyond the end", websocket.BinaryMessage, enc(mk(3, 3201, 1600)), wire.CodeOutOfOrder},
		{"seq going back", websocket.BinaryMessage, enc(mk(1, 3200, 1600)), wire.CodeOutOfOrder},
		{"wrong channel count", websocket.BinaryMessage, enc(threeCh), wire.CodeBadFrame},
		{"unknown text", websocket.TextMessage, []byte(`{"type":"dance"}`), wire.CodeBadFrame},
		{"second hello", websocket.TextMessage, mustJSON(goodHello("s-frames")), wire.CodeBadFrame},
		{"end claims more", websocket.TextMessage, mustJSON(wire.End{Type: wire.TypeEnd, LastSeq: 9, EndSample: 9999}), wire.CodeOutOfOrder},
	}
	ws, w := r.hello(goodHello("s-frames"))
	send(t, ws, enc(mk(1, 0, 1600)))
	send(t, ws, enc(mk(2, 1600, 1600)))
	waitAck(t, ws, 2)
	ws.Close()
	before := seatBytes(t, r.dir, w.Hearing)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, w := r.hello(goodHello("s-frames"))
			if w.NextSample != 3200 {
				t.Fatalf("welcome %+v", w)
			}
			if c.name == "seq going back" {
				// seq 2 again as a duplicate is fine; then seq 1 goes back.
				send(t, ws, enc(mk(2, 1600, 1600)))
			}
			ws.WriteMessage(c.mt, c.msg)
			expectError(t, ws, c.code)
			if after := seatBytes(t, r.dir, w.Hearing); !bytes.Equal(after, before) {
				t.Fatal("bad input changed the archive")
			}
		})
	}
	// Seat map mismatch on resume: same session, different seats.
	h := goodHello("s-frames")
	h.Seats = []wire.Seat{{Name: "judge", Channel: 1}, {Name: "witness", Channel: 2}}
	_, v := r.helloRaw(r.token, mustJSON(h))
	if e, ok := v.(*wire.Error); !ok || e.Code != wire.CodeSeatMap {
		t.Fatalf("seat map change got %v", v)
	}
	if !bytes.Equal(seatBytes(t, r.dir, w.Hearing), before) {
		t.Fatal("seat map mismatch changed the archive")
	}
	if _, err := os.Stat(filepath.Join(archive.HearingDir(r.dir, w.Hearing), archive.AudioDir, "witness.wav")); err == nil {
		t.Fatal("seat map mismatch created a seat file")
	}
	// Another session cannot write into this hearing.
	h = goodHello("s-intruder")
	h.Hearing = w.Hearing
	_, v = r.helloRaw(r.token, mustJSON(h))
	if e, ok := v.(*wire.Error); !ok || e.Code != wire.CodeBadHello {
		t.Fatalf("second session for a hearing got %v", v)
	}
	if !bytes.Equal(seatBytes(t, r.dir, w.Hearing), before) {
		t.Fatal("a second session changed the archive")
	}
}

func expectError(t *testing.T, ws *websocket.Conn, code string) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		v, err := ingesttest.ReadServer(ws)
		if err != nil {
			t.Fatalf("want error %s, connection ended: %v", code, err)
		}
		if e, ok := v.(*wire.Error); ok {
			if e.Code != code {
				t.Fatalf("got %v, want %s", e, code)
			}
			// Then the server closes. An ack of a frame made durable before the bad input may
			// still be on its way (the group commit acks asynchronously); nothing else may come.
			for {
				v, err := ingesttest.ReadServer(ws)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatal("connection stayed open after an error")
				}
				if err != nil {
					return
				}
				if _, ok := v.(*wire.Ack); !ok {
					t.Fatalf("connection stayed open after an error: got %#v", v)
				}
			}
		}
	}
}

func seatBytes(t *testing.T, dir, hearing string) []byte {
	var all []byte
	for _, s := range []string{"judge", "clerk"} {
		b, err := os.ReadFile(filepath.Join(archive.HearingDir(dir, hearing), archive.AudioDir, s+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestOversizedMessage: a message over wire.MaxFrameBytes is refused by the read limit
// (websocket close 1009) before it is read, and nothing is stored.
func TestOversizedMessage(t *testing.T) {
	r := newRig(t)
	ws, w := r.hello(goodHello("s-big"))
	big := make([]byte, wire.MaxFrameBytes+1)
	copy(big, "CSF1")
	ws.WriteMessage(websocket.BinaryMessage, big)
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = ws.ReadMessage()
	}
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversized message: %v", err)
	}
	eventually(t, 5*time.Second, "too_large counted", func() bool {
		return strings.Contains(metricsText(t, r), `courtscribe_ingest_errors_total{code="message_too_large"} 1`)
	})
	if b := seatBytes(t, r.dir, w.Hearing); len(b) != 2*wavfile.HeaderSize {
		t.Fatalf("oversized message wrote %d bytes", len(b))
	}
}

func metricsText(t *testing.T, r *rig) string {
	resp, err := http.Get(r.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
