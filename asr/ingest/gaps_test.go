package ingest

import "crypto/sha256"
import "encoding/hex"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "strings"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// diskUsed sums the allocated blocks of every file under dir: what the archive really costs.
func diskUsed(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			}
		}
		return nil
	})
	return total
}

func manySeats(n int) []wire.Seat {
	seats := make([]wire.Seat, n)
	for i := range seats {
		seats[i] = wire.Seat{Name: fmt.Sprintf("seat%02d", i+1), Channel: i + 1}
	}
	return seats
}

func seatHello(session string, seats []wire.Seat) wire.Hello {
	return wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: session, Courtroom: "room1", Seats: seats,
		Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: len(seats)}}
}

func audioFrame(seq uint64, first int64, seats, n int, v int16) *wire.Frame {
	pcm := make([][]int16, seats)
	for i := range pcm {
		pcm[i] = make([]int16, n)
		for j := range pcm[i] {
			pcm[i][j] = v + int16(i)
		}
	}
	return &wire.Frame{Kind: wire.KindAudio, Channels: seats, Seq: seq, FirstSample: first, Samples: n, PCM: pcm}
}

// Issue 11 item 2: one 40-byte gap frame claiming a day on 32 seats made the server write
// zeros until the data disk was full. The gap is refused (it is longer than the agent can
// have missed since its audio was last stored) and the archive neither grows nor changes.
func TestHostileGapIsRefusedAndCostsNoDisk(t *testing.T) {
	r := newRig(t)
	seats := manySeats(32)
	ws, w := r.hello(seatHello("s-hostile", seats))
	send(t, ws, mustFrame(t, audioFrame(1, 0, len(seats), 1600, 100)))
	waitAck(t, ws, 1)
	dir := archive.HearingDir(r.dir, w.Hearing)
	before := diskUsed(t, dir)

	// On the same connection, and again after a reconnect.
	day := &wire.Frame{Kind: wire.KindGap, Reason: 1, Channels: len(seats), Seq: 2, FirstSample: 1600, Samples: 24 * 3600 * wire.SampleRate}
	send(t, ws, mustFrame(t, day))
	e := expectErrorMsg(t, ws, wire.CodeBadFrame)
	if !strings.Contains(e.Message, "gap") {
		t.Fatalf("refusal does not say why: %q", e.Message)
	}
	ws.Close()
	ws, w = r.hello(seatHello("s-hostile", seats))
	if w.NextSample != 1600 {
		t.Fatalf("welcome %+v", w)
	}
	send(t, ws, mustFrame(t, day))
	expectErrorMsg(t, ws, wire.CodeBadFrame)
	ws.Close()
	// Just under the per-gap limit but far beyond the time since the last stored audio.
	ws, _ = r.hello(seatHello("s-hostile", seats))
	hours := &wire.Frame{Kind: wire.KindGap, Reason: 1, Channels: len(seats), Seq: 2, FirstSample: 1600, Samples: 3 * 3600 * wire.SampleRate}
	send(t, ws, mustFrame(t, hours))
	expectErrorMsg(t, ws, wire.CodeBadFrame)
	ws.Close()

	after := diskUsed(t, dir)
	t.Logf("hostile gap (1 day × 32 seats claimed): archive %d bytes on disk before, %d after", before, after)
	if after > before+1<<20 {
		t.Fatalf("the refused gap grew the archive from %d to %d bytes", before, after)
	}
	gaps, err := archive.ReadGaps(r.dir, w.Hearing)
	if err != nil || len(gaps) != 0 {
		t.Fatalf("gap log after refusals: %v, %v", gaps, err)
	}
	for _, s := range seats {
		fi, err := os.Stat(filepath.Join(dir, archive.AudioDir, s.Name+".wav"))
		if err != nil || fi.Size() != wavfile.HeaderSize+2*1600 {
			t.Fatalf("seat %s: %v, %v", s.Name, fi, err)
		}
	}
}

// A gap the agent really had (its downtime) is archived sample-exact as a hole: the WAV
// reads back as zeros there (so the manifest's SHA-256 is the hash of the zeros), but the
// disk holds only the audio around it.
func TestGapIsAHoleAndHashesAsZeros(t *testing.T) {
	r := newRig(t)
	r.srv.cfg.FirstGap = 20 * time.Minute // this hearing's first connection may report 10 min
	seats := manySeats(8)
	ws, w := r.hello(seatHello("s-sparse", seats))
	const gapN = 10 * 60 * wire.SampleRate
	send(t, ws, mustFrame(t, audioFrame(1, 0, len(seats), 1600, 100)))
	send(t, ws, mustFrame(t, &wire.Frame{Kind: wire.KindGap, Reason: 2, Channels: len(seats), Seq: 2, FirstSample: 1600, Samples: gapN}))
	send(t, ws, mustFrame(t, audioFrame(3, 1600+gapN, len(seats), 1600, 200)))
	waitAck(t, ws, 3)
	ws.Close()
	dir := archive.HearingDir(r.dir, w.Hearing)
	used := diskUsed(t, dir)
	apparent := int64(len(seats)) * (wavfile.HeaderSize + 2*(3200+gapN))
	t.Logf("legitimate 10 min gap × %d seats: %d bytes of WAV, %d bytes on disk", len(seats), apparent, used)
	if used > 4<<20 {
		t.Fatalf("archive with a 10 min gap occupies %d bytes on disk (apparent %d); want holes", used, apparent)
	}
	m, err := r.srv.CloseHearing(t.Context(), w.Hearing)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Gaps) != 1 || m.Gaps[0].FirstSample != 1600 || m.Gaps[0].Samples != gapN {
		t.Fatalf("manifest gaps %+v", m.Gaps)
	}
	// The manifest hash of seat 1 equals the hash of the same WAV written out zero by zero.
	ref := filepath.Join(t.TempDir(), "ref.wav")
	rw, err := wavfile.Create(ref, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	f1 := audioFrame(1, 0, len(seats), 1600, 100)
	f3 := audioFrame(3, 0, len(seats), 1600, 200)
	rw.Write(f1.PCM[0])
	rw.Write(make([]int16, gapN))
	rw.Write(f3.PCM[0])
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	rf, _ := os.Open(ref)
	h := sha256.New()
	io.Copy(h, rf)
	rf.Close()
	if got := m.Files[0].SHA256; got != hex.EncodeToString(h.Sum(nil)) {
		t.Fatalf("manifest SHA-256 %s differs from the zero-filled file's", got)
	}
	if m.Files[0].Samples != 3200+gapN {
		t.Fatalf("manifest samples %d", m.Files[0].Samples)
	}
}

// A frame past the seat file limit is refused with the reason, before anything is written.
func TestSeatFileLimit(t *testing.T) {
	r := newRig(t)
	r.srv.cfg.MaxSeatSamples = 4000
	seats := manySeats(2)
	ws, _ := r.hello(seatHello("s-limit", seats))
	send(t, ws, mustFrame(t, audioFrame(1, 0, 2, 1600, 1)))
	send(t, ws, mustFrame(t, audioFrame(2, 1600, 2, 1600, 1)))
	waitAck(t, ws, 2)
	send(t, ws, mustFrame(t, audioFrame(3, 3200, 2, 1600, 1)))
	e := expectErrorMsg(t, ws, wire.CodeTooLarge)
	if !strings.Contains(e.Message, "seat file limit") {
		t.Fatalf("refusal %q", e.Message)
	}
}

func expectErrorMsg(t *testing.T, ws interface {
	SetReadDeadline(time.Time) error
	ReadMessage() (int, []byte, error)
}, code string) *wire.Error {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("want error %s, connection ended: %v", code, err)
		}
		v, err := wire.DecodeText(b)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := v.(*wire.Error); ok {
			if e.Code != code {
				t.Fatalf("got %v, want %s", e, code)
			}
			return e
		}
	}
}
