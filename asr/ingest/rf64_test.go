package ingest

import "crypto/sha256"
import "encoding/binary"
import "encoding/hex"
import "io"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

const hours40 = 40 * 3600 * wire.SampleRate

// startHearing records 0.1 s on one seat (a 40 h file is hashed whole at close: one seat
// keeps that to seconds), then stops the server: the seat files exist.
func startHearing(t *testing.T, dir, session string) (string, []wire.Seat) {
	t.Helper()
	r := newRigDir(t, dir)
	seats := manySeats(1)
	ws, w := r.hello(seatHello(session, seats))
	send(t, ws, mustFrame(t, audioFrame(1, 0, len(seats), 1600, 5)))
	waitAck(t, ws, 1)
	ws.Close()
	r.stop()
	return w.Hearing, seats
}

// resumeWith starts a server on dir again, resumes the hearing's session, which must stand at
// sample next, and sends the next frame (seq 2) there.
func resumeWith(t *testing.T, dir, session, hearing string, seats []wire.Seat, next int64) (*rig, *websocket.Conn) {
	t.Helper()
	r := newRigDir(t, dir)
	h := seatHello(session, seats)
	h.Hearing = hearing
	ws, w := r.hello(h)
	if w.NextSample != next {
		t.Fatalf("welcome at sample %d, want %d", w.NextSample, next)
	}
	send(t, ws, mustFrame(t, audioFrame(2, next, len(seats), 1600, 9)))
	return r, ws
}

// growSparse makes every seat file of a hearing n samples long without writing them (the
// hearing has been recording for that long; the rest is a hole reading as zeros).
func growSparse(t *testing.T, dir, hearing string, seats []wire.Seat, n int64) {
	t.Helper()
	for _, s := range seats {
		w, err := wavfile.Open(filepath.Join(archive.HearingDir(dir, hearing), archive.AudioDir, s.Name+".wav"), wire.SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteSilence(n - w.Samples()); err != nil {
			t.Skipf("no sparse file of %d samples here: %v", n, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSeatRecordsPast4GiBAsRF64 (issue 11, low): a seat used to be refused past the WAV limit
// (~37 h). Its file now turns into RF64 and recording goes on: at 40 h an agent's frame is
// archived, the manifest counts and hashes the whole file, and the samples at both ends read
// back exactly.
func TestSeatRecordsPast4GiBAsRF64(t *testing.T) {
	dir := t.TempDir()
	hearing, seats := startHearing(t, dir, "s-rf64")
	growSparse(t, dir, hearing, seats, hours40)

	r, ws := resumeWith(t, dir, "s-rf64", hearing, seats, hours40)
	waitAck(t, ws, 2)
	ws.Close()
	m, err := r.srv.CloseHearing(t.Context(), hearing)
	if err != nil {
		t.Fatal(err)
	}
	if m.Samples != hours40+1600 || m.DurationSeconds != 40*3600+0.1 {
		t.Fatalf("manifest: %d samples, %.3f s", m.Samples, m.DurationSeconds)
	}
	for i, s := range seats {
		p := filepath.Join(archive.HearingDir(dir, hearing), archive.AudioDir, s.Name+".wav")
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var hdr [wavfile.HeaderSize]byte
		f.ReadAt(hdr[:], 0)
		if string(hdr[0:4]) != "RF64" || string(hdr[12:16]) != "ds64" || binary.LittleEndian.Uint64(hdr[36:]) != hours40+1600 {
			t.Fatalf("seat %s header %q", s.Name, hdr[:16])
		}
		d, err := wavfile.NewDecoder(f)
		if err != nil || d.Frames() != hours40+1600 {
			t.Fatalf("seat %s: %v, %d frames", s.Name, err, d.Frames())
		}
		got := make([]int16, 2)
		for _, at := range []struct {
			frame int64
			want  int16
		}{{0, 5 + int16(i)}, {1598, 5 + int16(i)}, {1600, 0}, {hours40 - 2, 0}, {hours40, 9 + int16(i)}, {hours40 + 1598, 9 + int16(i)}} {
			d.SeekFrame(at.frame)
			if n, err := d.ReadInt16(got); n != 2 || err != nil || got[0] != at.want || got[1] != at.want {
				t.Fatalf("seat %s frame %d: %v (%v), want %d", s.Name, at.frame, got, err, at.want)
			}
		}
		hs := sha256.New()
		f.Seek(0, io.SeekStart)
		n, _ := io.Copy(hs, f)
		f.Close()
		if fe := m.Files[i]; fe.SHA256 != hex.EncodeToString(hs.Sum(nil)) || fe.Bytes != n || fe.Samples != hours40+1600 {
			t.Fatalf("manifest entry %+v, file %d bytes", fe, n)
		}
	}
}

// TestLegacySeatFileRefusedAtWAVLimit: a hearing whose seat files an earlier version created
// (44-byte header, no RF64 reserve) cannot grow past the WAV limit. The frame that would cross
// it is refused with the reason, not archived; the file is left as it was.
func TestLegacySeatFileRefusedAtWAVLimit(t *testing.T) {
	dir := t.TempDir()
	hearing, seats := startHearing(t, dir, "s-legacy")
	near := int64(wavfile.MaxSamples - 800)
	for _, s := range seats {
		p := filepath.Join(archive.HearingDir(dir, hearing), archive.AudioDir, s.Name+".wav")
		if err := os.WriteFile(p, legacyHeader(wire.SampleRate), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, wavfile.LegacyHeaderSize+2*near); err != nil {
			t.Skipf("no sparse file here: %v", err)
		}
	}
	_, ws := resumeWith(t, dir, "s-legacy", hearing, seats, near)
	e := expectErrorMsg(t, ws, wire.CodeTooLarge)
	if !strings.Contains(e.Message, "without the RF64 reserve") || !strings.Contains(e.Message, "record on in a new one") {
		t.Fatalf("refusal %q", e.Message)
	}
	ws.Close()
	for _, s := range seats {
		st, err := os.Stat(filepath.Join(archive.HearingDir(dir, hearing), archive.AudioDir, s.Name+".wav"))
		if err != nil || st.Size() != wavfile.LegacyHeaderSize+2*near {
			t.Fatalf("seat %s: %v, %v", s.Name, st, err)
		}
	}
}

// legacyHeader is the 44-byte header of an empty 16-bit mono WAV, as earlier versions wrote it.
func legacyHeader(rate int) []byte { return wavfile.PCMHeader(rate, 1, 0) }
