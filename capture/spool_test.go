package capture

import "os"
import "path/filepath"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

var testSeats = []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}}

func testPCM(start int64, n int) [][]int16 {
	pcm := make([][]int16, 2)
	for c := range pcm {
		pcm[c] = make([]int16, n)
		for i := range pcm[c] {
			pcm[c][i] = int16((start + int64(i)) * int64(c+1) % 30000)
		}
	}
	return pcm
}

func newTestSpool(t *testing.T, dir string, opts SpoolOptions) *Spool {
	t.Helper()
	s, err := OpenSpool(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !s.HasSession() {
		if err := s.Begin(SpoolState{Session: "s1", Courtroom: "room-1", Seats: testSeats}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func readAll(t *testing.T, s *Spool, after uint64) []*wire.Frame {
	t.Helper()
	var out []*wire.Frame
	for {
		b, seq, ok, err := s.Next(after)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		f, err := wire.DecodeFrame(b)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq != seq {
			t.Fatalf("Next returned seq %d for frame %d", seq, f.Seq)
		}
		out = append(out, f)
		after = seq
	}
}

func TestSpoolCrashSafety(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Unix(1700000000, 0)
	s := newTestSpool(t, dir, SpoolOptions{SegmentBytes: 20000})
	for i := 0; i < 40; i++ {
		if ok, err := s.AppendAudio(testPCM(int64(i)*1600, 1600), t0.Add(time.Duration(i)*100*time.Millisecond)); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if err := s.AppendGap(800, wire.GapOverflow, t0.Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(25); err != nil {
		t.Fatal(err)
	}
	segsBefore, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	// kill -9: abandon s without Close, then tear the tail as a crash mid-write would.
	last := segsBefore[len(segsBefore)-1]
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn, _ := wire.EncodeFrame(&wire.Frame{Kind: wire.KindAudio, Channels: 2, Seq: 42, FirstSample: 41 * 1600, Samples: 1600, PCM: testPCM(0, 1600)})
	f.Write([]byte{byte(len(torn)), byte(len(torn) >> 8), 0, 0})
	f.Write(torn[:len(torn)/2])
	f.Close()

	r, err := OpenSpool(dir, SpoolOptions{SegmentBytes: 20000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seq, sample, lastEnd := r.Position()
	if seq != 42 || sample != 40*1600+800 {
		t.Fatalf("reopened at seq %d sample %d, want 42 and %d", seq, sample, 40*1600+800)
	}
	if want := t0.Add(4*time.Second + 50*time.Millisecond); !lastEnd.Equal(want) {
		t.Fatalf("last end %v, want %v", lastEnd, want)
	}
	// Ack 25 may not have been persisted (only segment deletion writes state); the server's
	// Welcome re-acks it. Everything after 25 must be there, in order, byte-exact.
	if err := r.Ack(25); err != nil {
		t.Fatal(err)
	}
	frames := readAll(t, r, 25)
	if len(frames) != 16 {
		t.Fatalf("%d unacknowledged frames after reopening, want 16 (26..41)", len(frames))
	}
	for i, f := range frames[:15] {
		want := testPCM(int64(25+i)*1600, 1600)
		if f.Seq != uint64(26+i) || f.FirstSample != int64(25+i)*1600 {
			t.Fatalf("frame %d: seq %d first %d", i, f.Seq, f.FirstSample)
		}
		for c := range want {
			for k := range want[c] {
				if f.PCM[c][k] != want[c][k] {
					t.Fatalf("frame seq %d ch %d sample %d differs", f.Seq, c, k)
				}
			}
		}
	}
	if g := frames[15]; g.Kind != wire.KindGap || g.Samples != 800 || g.Reason != wire.GapOverflow {
		t.Fatalf("last frame %+v, want the overflow gap", g)
	}
	// The torn record is gone from disk, and appending continues cleanly.
	if ok, err := r.AppendAudio(testPCM(0, 160), t0.Add(5*time.Second)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if got := readAll(t, r, 41); len(got) != 1 || got[0].Seq != 42 || got[0].FirstSample != 40*1600+800 {
		t.Fatalf("frame after repair: %+v", got)
	}
	// Acknowledged segments are deleted, the newest stays.
	if err := r.Ack(42); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	if len(segs) != 1 || r.Unacked() != 0 {
		t.Fatalf("after acking all: %d segments, %d unacked", len(segs), r.Unacked())
	}
	if len(segsBefore) < 3 {
		t.Fatalf("test needs several segments, had %d", len(segsBefore))
	}
	if err := r.Ack(99); err == nil {
		t.Fatal("ack beyond the spool accepted")
	}
}

func TestSpoolDamageInTheMiddleIsAnError(t *testing.T) {
	dir := t.TempDir()
	s := newTestSpool(t, dir, SpoolOptions{SegmentBytes: 10000})
	for i := 0; i < 10; i++ {
		s.AppendAudio(testPCM(0, 1600), time.Unix(1, 0))
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*"))
	b, _ := os.ReadFile(segs[0])
	b[len(b)-5] ^= 0xff
	os.WriteFile(segs[0], b, 0o644)
	if _, err := OpenSpool(dir, SpoolOptions{}); err == nil {
		t.Fatal("a damaged older segment was accepted")
	}
}

func TestSpoolHardLimitBecomesGap(t *testing.T) {
	dir := t.TempDir()
	frame := int64(recHeader + wire.HeaderSize + 2*2*1600)
	s := newTestSpool(t, dir, SpoolOptions{Limit: 3*frame + 10})
	defer s.Close()
	t0 := time.Unix(1700000000, 0)
	var spooled int
	for i := 0; i < 6; i++ {
		ok, err := s.AppendAudio(testPCM(int64(i)*1600, 1600), t0.Add(time.Duration(i)*100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			spooled++
		}
	}
	if spooled != 3 || s.Level() != SpoolFull {
		t.Fatalf("spooled %d frames, level %v; want 3 and full", spooled, s.Level())
	}
	if _, sample, _ := s.Position(); sample != 6*1600 {
		t.Fatalf("timeline at %d, want %d: the held-back audio must still count", sample, 6*1600)
	}
	// The server catches up; the next audio frame is preceded by one gap of the held-back audio.
	if err := s.Ack(3); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AppendAudio(testPCM(6*1600, 1600), t0); !ok {
		t.Fatal("audio refused after the spool drained")
	}
	fr := readAll(t, s, 3)
	if len(fr) != 2 || fr[0].Kind != wire.KindGap || fr[0].Samples != 3*1600 || fr[0].FirstSample != 3*1600 ||
		fr[1].Kind != wire.KindAudio || fr[1].FirstSample != 6*1600 {
		t.Fatalf("after draining: %+v", fr)
	}
}

func TestSpoolBeginRefusesUnfinishedSession(t *testing.T) {
	dir := t.TempDir()
	s := newTestSpool(t, dir, SpoolOptions{})
	s.AppendAudio(testPCM(0, 160), time.Unix(1, 0))
	s.Close()
	r, err := OpenSpool(dir, SpoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Begin(SpoolState{Session: "s2", Courtroom: "x", Seats: testSeats}); err == nil {
		t.Fatal("Begin discarded an unfinished session")
	}
	r.Ack(1)
	r.MarkEnded()
	if err := r.Begin(SpoolState{Session: "s2", Courtroom: "x", Seats: testSeats}); err != nil {
		t.Fatal(err)
	}
	if seq, sample, _ := r.Position(); seq != 1 || sample != 0 {
		t.Fatalf("new session starts at seq %d sample %d", seq, sample)
	}
}

func FuzzScanSegment(f *testing.F) {
	fr, _ := wire.EncodeFrame(&wire.Frame{Kind: wire.KindGap, Channels: 1, Seq: 1, Samples: 5})
	rec := append([]byte(spoolMagic), byte(len(fr)), 0, 0, 0)
	f.Add(append(rec, fr...))
	f.Add([]byte(spoolMagic + "\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, valid, err := scanSegment(b)
		if valid > len(b) || (err == nil && valid != len(b)) {
			t.Fatalf("valid prefix %d of %d bytes, err %v", valid, len(b), err)
		}
		for _, r := range recs {
			if r.off+r.n > valid {
				t.Fatalf("record past the valid prefix")
			}
		}
	})
}
