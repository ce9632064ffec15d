package faults

import "context"
import "fmt"
import "os"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// fsUsed is the bytes in use on dir's file system.
func fsUsed(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Blocks-st.Bfree) * int64(st.Bsize)
}

// hostileAgent is a raw agent connection: what a stolen courtroom token can send.
type hostileAgent struct {
	t     *testing.T
	ws    *websocket.Conn
	seats int
	seq   uint64
	next  int64
}

func dialHostile(t *testing.T, addr, tok, courtroom, session string, seats int) *hostileAgent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := ingesttest.Dial(ctx, "ws://"+addr+"/v1/agent", tok)
	if err != nil {
		t.Fatal(err)
	}
	ss := make([]wire.Seat, seats)
	for i := range ss {
		ss[i] = wire.Seat{Name: fmt.Sprintf("seat%02d", i+1), Channel: i + 1}
	}
	hello := wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: session, Courtroom: courtroom, Seats: ss,
		Agent: "hostile", Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: seats}}
	if err := ws.WriteJSON(hello); err != nil {
		t.Fatal(err)
	}
	a := &hostileAgent{t: t, ws: ws, seats: seats}
	v := a.read()
	w, ok := v.(*wire.Welcome)
	if !ok {
		t.Fatalf("hello: %v", v)
	}
	a.seq, a.next = w.LastSeq, w.NextSample
	return a
}

func (a *hostileAgent) read() any {
	a.t.Helper()
	a.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	v, err := ingesttest.ReadServer(a.ws)
	if err != nil {
		a.t.Fatalf("reading from the server: %v", err)
	}
	return v
}

func (a *hostileAgent) send(f *wire.Frame) {
	a.t.Helper()
	a.seq++
	f.Seq, f.FirstSample, f.Channels = a.seq, a.next, a.seats
	b, err := wire.EncodeFrame(f)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		a.t.Fatal(err)
	}
	a.next = f.End()
}

func (a *hostileAgent) audio(n int) {
	pcm := make([][]int16, a.seats)
	for i := range pcm {
		pcm[i] = make([]int16, n)
		for j := range pcm[i] {
			pcm[i][j] = int16(j%200 - 100)
		}
	}
	a.send(&wire.Frame{Kind: wire.KindAudio, Samples: n, PCM: pcm})
}

func (a *hostileAgent) gap(d time.Duration) {
	a.send(&wire.Frame{Kind: wire.KindGap, Reason: 1, Samples: int(d.Seconds() * wire.SampleRate)})
}

// answer waits for the ack of the last frame or an error.
func (a *hostileAgent) answer() (acked bool, e *wire.Error) {
	a.t.Helper()
	for {
		switch m := a.read().(type) {
		case *wire.Ack:
			if m.Seq >= a.seq {
				return true, nil
			}
		case *wire.Error:
			return false, m
		}
	}
}

// TestHostileGapAndDiskReserve (issue 11 item 2): on a 200 MiB data disk, a courtroom token
// sends a 40-byte gap frame claiming one day on 32 seats. Before the fix the server wrote zeros
// until the disk was full (158 ms), other courtrooms' recordings stopped and sign-ins and
// edits failed. Now: the gap is refused with the reason and the disk does not grow; a gap the
// agent may have had is a hole (no disk); and when audio fills the disk up to the reserve,
// audio is refused while sign-in and record edits go on.
func TestHostileGapAndDiskReserve(t *testing.T) {
	t.Parallel()
	data := mountTmpfs(t, "200m")
	addUser(t, data, "clerk1", "clerk")
	addUser(t, data, "admin1", "admin")
	tok := testrig.Token(t, data, "court-a")
	srv := startServer(t, data, testrig.FreeAddr(t))
	defer srv.Stop(t)
	clerk := login(t, srv.addr, "clerk1")

	// 1. A day-long gap after one acknowledged frame: refused, nothing written.
	a := dialHostile(t, srv.addr, tok, "court-a", "hostile-1", 32)
	a.audio(1600)
	if ok, e := a.answer(); !ok {
		t.Fatalf("first audio frame: %v", e)
	}
	before := fsUsed(t, data)
	start := time.Now()
	a.gap(24 * time.Hour)
	ok, e := a.answer()
	took := time.Since(start)
	after := fsUsed(t, data)
	t.Logf("FIGURE hostile gap 1 day × 32 seats: refused=%v in %v (%v); data disk used %d → %d bytes", !ok, took.Round(time.Millisecond), e, before, after)
	if ok || e.Code != wire.CodeBadFrame || !strings.Contains(e.Message, "gap") {
		t.Fatalf("day-long gap: acked=%v err=%v, want bad_frame naming the gap", ok, e)
	}
	if after > before+1<<20 {
		t.Fatalf("the refused gap used %d bytes of the data disk", after-before)
	}
	a.ws.Close()

	// 2. A 4-minute gap opening a new hearing (within the first-gap allowance): archived as
	// holes, 32 seats × 7.7 MB of WAV on almost no disk.
	b := dialHostile(t, srv.addr, tok, "court-a", "hostile-2", 32)
	before = fsUsed(t, data)
	b.gap(4 * time.Minute)
	b.audio(1600)
	if ok, e := b.answer(); !ok {
		t.Fatalf("4 min gap: %v", e)
	}
	after = fsUsed(t, data)
	t.Logf("FIGURE allowed gap 4 min × 32 seats: %d bytes of WAV, data disk used %d → %d bytes", 32*(wavfile.HeaderSize+2*(4*60*wire.SampleRate+1600)), before, after)
	if after-before > 4<<20 {
		t.Fatalf("a 4 min gap on 32 seats used %d bytes of disk; want holes", after-before)
	}
	b.ws.Close()

	// 3. The disk reserve: fill the disk to below it; audio is refused with the reason, the
	// record (sign-in, a new hearing, an edit of the record) keeps working.
	filler := fillDisk(t, data, 12<<20) // the reserve is 25 MiB (an eighth of 200 MiB)
	c := dialHostile(t, srv.addr, tok, "court-a", "hostile-1", 32)
	c.audio(1600)
	ok, e = c.answer()
	if ok || e.Code != wire.CodeStorage || !strings.Contains(e.Message, "hearing record") {
		t.Fatalf("audio below the reserve: acked=%v err=%v, want storage_error naming the reserve", ok, e)
	}
	c.ws.Close()
	if code := readyCode(srv.addr); code != 503 {
		t.Fatalf("/readyz below the reserve: %d, want 503", code)
	}
	admin := login(t, srv.addr, "admin1")
	for i := range 20 {
		h := map[string]any{"id": fmt.Sprintf("reserve-%d", i), "courtroom": "court-b", "language": "zh", "title": "庭审"}
		if code, err := admin.call("POST", "/api/hearings", h, nil); err != nil || code/100 != 2 {
			t.Fatalf("record write %d below the audio reserve: %d %v", i, code, err)
		}
	}
	if code, err := clerk.call("GET", "/api/hearings", nil, nil); err != nil || code != 200 {
		t.Fatalf("record read: %d %v", code, err)
	}
	t.Logf("FIGURE reserve: audio refused (%s), 20 hearings created and 2 sign-ins with %d MiB free", e.Message, 12)

	// Space returns: audio is taken again.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "/readyz 200 after the filler is gone", func() bool { return readyCode(srv.addr) == 200 })
	d := dialHostile(t, srv.addr, tok, "court-a", "hostile-1", 32)
	d.audio(1600)
	if ok, e := d.answer(); !ok {
		t.Fatalf("audio after space returned: %v", e)
	}
	d.ws.Close()
}
