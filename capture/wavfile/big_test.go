package wavfile

import "encoding/binary"
import "errors"
import "io"
import "os"
import "os/exec"
import "path/filepath"
import "slices"
import "strconv"
import "strings"
import "testing"

// hours40 is a 40 h seat at 16 kHz: 4.6 GB of samples, past the 4 GiB RIFF limit.
const hours40 = 40 * 3600 * 16000

// writeSparse40h writes a 40 h seat file through the Writer: head, a hole (WriteSilence takes
// no disk), tail. Nothing like 4 GiB is written.
func writeSparse40h(t *testing.T, p string, head, tail []int16) {
	t.Helper()
	w, err := Create(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSilence(hours40 - int64(len(head)+len(tail))); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	if err := w.Write(tail); err != nil {
		t.Fatalf("write past 4 GiB: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readFrames reads n frames at frame at through the Decoder (the reader every importer uses).
func readFrames(t *testing.T, d *Decoder, at int64, n int) []int16 {
	t.Helper()
	if err := d.SeekFrame(at); err != nil {
		t.Fatal(err)
	}
	out := make([]int16, n)
	k, err := d.ReadInt16(out)
	if err != nil || k != n {
		t.Fatalf("read %d of %d frames at %d: %v", k, n, at, err)
	}
	return out
}

// TestRF64Past4GiB (issue 11, low): a seat passes 4 GiB of samples after about 37 h. New
// files carry a 36-byte JUNK reserve after WAVE; past the RIFF limit the file becomes RF64
// (EBU Tech 3306): the JUNK chunk turns into ds64 with the 64-bit sizes and the 32-bit sizes
// say 0xFFFFFFFF. The samples at both ends read back exactly, the file takes the disk of its
// real samples only (the gap is a hole), and the writer reopens it and writes on.
func TestRF64Past4GiB(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	head, tail := []int16{1, -2, 3, 32767}, []int16{-32768, 7, 8, 9}
	writeSparse40h(t, p, head, tail)

	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != HeaderSize+2*hours40 {
		t.Fatalf("file of %d bytes, want %d", st.Size(), HeaderSize+2*hours40)
	}
	if used := diskBytes(t, p); used > 1<<20 {
		t.Fatalf("a 40 h file with a 40 h hole takes %d bytes of disk", used)
	}
	b := make([]byte, HeaderSize)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	le32, le64 := binary.LittleEndian.Uint32, binary.LittleEndian.Uint64
	if string(b[0:4]) != "RF64" || le32(b[4:]) != 0xFFFFFFFF || string(b[8:12]) != "WAVE" ||
		string(b[12:16]) != "ds64" || le32(b[16:]) != 28 ||
		le64(b[20:]) != uint64(st.Size()-8) || le64(b[28:]) != 2*hours40 || le64(b[36:]) != hours40 || le32(b[44:]) != 0 ||
		string(b[48:52]) != "fmt " || string(b[72:76]) != "data" || le32(b[76:]) != 0xFFFFFFFF {
		t.Fatalf("RF64 header wrong:\n%q", b)
	}

	d, err := NewDecoder(f)
	if err != nil {
		t.Fatal(err)
	}
	if fm := d.Format(); fm.Container != "RF64" || fm.Channels != 1 || fm.Bits != 16 || fm.SampleRate != 16000 ||
		d.Frames() != hours40 || d.Declared() != hours40 || d.Truncated() || d.DataOffset() != HeaderSize || d.DataSize() != 2*hours40 {
		t.Fatalf("decoded %v, %d frames (declared %d), data at %d", fm, d.Frames(), d.Declared(), d.DataOffset())
	}
	if got := readFrames(t, d, 0, len(head)); !slices.Equal(got, head) {
		t.Fatalf("first samples %v, want %v", got, head)
	}
	if got := readFrames(t, d, hours40-int64(len(tail)), len(tail)); !slices.Equal(got, tail) {
		t.Fatalf("last samples %v, want %v", got, tail)
	}
	if got := readFrames(t, d, 30*3600*16000, 3); !slices.Equal(got, []int16{0, 0, 0}) {
		t.Fatalf("the hole at 30 h reads %v", got)
	}
	if _, err := d.ReadInt16(make([]int16, 1)); err != nil {
		t.Fatal(err)
	}
	d.SeekFrame(hours40)
	if _, err := d.ReadInt16(make([]int16, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read past the end: %v", err)
	}

	// Reopened (after a restart or a crash) it is repaired as RF64 and grows on.
	w, err := Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Samples() != hours40 || w.Limit() != MaxSamplesRF64 {
		t.Fatalf("reopened with %d samples, limit %d", w.Samples(), w.Limit())
	}
	if err := w.Write([]int16{42}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = NewDecoder(f)
	if err != nil || d.Frames() != hours40+1 {
		t.Fatalf("after one more sample: %v, %d frames", err, d.Frames())
	}
	if got := readFrames(t, d, hours40-1, 2); !slices.Equal(got, []int16{9, 42}) {
		t.Fatalf("last samples %v", got)
	}

	// Cut back under the limit (a crash repair aligning seats) it is a plain WAV again, with
	// the JUNK reserve, so that it can turn into RF64 once more.
	w, err = Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Truncate(1000); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.ReadAt(b, 0)
	if string(b[0:4]) != "RIFF" || le32(b[4:]) != 72+2000 || string(b[12:16]) != "JUNK" || le32(b[76:]) != 2000 {
		t.Fatalf("header after truncating to 1000 samples:\n%q", b)
	}
}

// TestRF64Boundary: the header turns into RF64 exactly when the RIFF size stops fitting 32
// bits, and both forms describe the same samples to the Decoder.
func TestRF64Boundary(t *testing.T) {
	last := int64(0xFFFFFFFF-(HeaderSize-8)) / 2 // most samples whose RIFF size fits 32 bits
	for _, n := range []int64{0, 1, last - 1, last, last + 1, MaxSamples, MaxSamples + 1, hours40} {
		h := header(HeaderSize, 16000, n)
		riff := 72 + 2*n
		if want := riff > 0xFFFFFFFF; (string(h[0:4]) == "RF64") != want || (string(h[12:16]) == "ds64") != want {
			t.Fatalf("%d samples: header %q, RF64 %v", n, h[:16], want)
		}
		if riff <= 0xFFFFFFFF && (binary.LittleEndian.Uint32(h[4:]) != uint32(riff) || binary.LittleEndian.Uint32(h[76:]) != uint32(2*n)) {
			t.Fatalf("%d samples: sizes %d, %d", n, binary.LittleEndian.Uint32(h[4:]), binary.LittleEndian.Uint32(h[76:]))
		}
		if _, err := layout(h, 16000); err != nil {
			t.Fatalf("%d samples: own header refused: %v", n, err)
		}
	}
}

// TestLegacyFileStopsAtWAVLimit: a file an earlier version wrote (44-byte header, no JUNK
// reserve) has no room for a ds64 chunk, and moving 4 GiB of samples to make room is not
// done under a live hearing. It is still opened, appended to and read, up to the WAV limit;
// writing past it is ErrTooLong (the archive turns that into a clear refusal to the agent:
// close the hearing and record on in a new one). A legacy file already past the limit keeps
// a header that does not wrap, and the Decoder reads it to the end.
func TestLegacyFileStopsAtWAVLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	legacy := append(header(LegacyHeaderSize, 16000, 3), 1, 0, 2, 0, 3, 0)
	if err := os.WriteFile(p, legacy, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Samples() != 3 || w.DataOffset() != LegacyHeaderSize || w.Limit() != MaxSamples {
		t.Fatalf("legacy file: %d samples, data at %d, limit %d", w.Samples(), w.DataOffset(), w.Limit())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, LegacyHeaderSize+2*hours40); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	w, err = Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Samples() != hours40 {
		t.Fatalf("%d samples, want %d", w.Samples(), hours40)
	}
	if err := w.Write([]int16{7}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("write to a 40 h legacy file: %v, want ErrTooLong", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, LegacyHeaderSize)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.ReadAt(b, 0)
	if riff, data := binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[40:]); string(b[0:4]) != "RIFF" || riff != 0xFFFFFFFF || data != 0xFFFFFFFF {
		t.Fatalf("RIFF size %d, data size %d: want 0xFFFFFFFF for a legacy file past 4 GiB", riff, data)
	}
	d, err := NewDecoder(f)
	if err != nil || d.Frames() != hours40 || d.DataOffset() != LegacyHeaderSize {
		t.Fatalf("legacy 40 h file: %v, %d frames", err, d.Frames())
	}
	if got := readFrames(t, d, 0, 3); !slices.Equal(got, []int16{1, 2, 3}) {
		t.Fatalf("first samples %v", got)
	}
	// A header that wrapped (written before the fix: 40 h claimed 2.7 h) is read to the end.
	binary.LittleEndian.PutUint32(b[40:], uint32(2*hours40&0xFFFFFFFF))
	binary.LittleEndian.PutUint32(b[4:], uint32((36+2*hours40)&0xFFFFFFFF))
	wf, _ := os.OpenFile(p, os.O_WRONLY, 0)
	wf.WriteAt(b, 0)
	wf.Close()
	if d, err = NewDecoder(f); err != nil || d.Frames() != hours40 {
		t.Fatalf("wrapped legacy header: %v, %d frames", err, d.Frames())
	}
}

// TestSoxReadsRF64: sox (scripts/deps.sh) reads the RF64 file the archive writes, with the
// right length and format. sox 14.4.2 reads through the whole file when it opens it (about
// 40 s for these 4.6 GB of holes on a busy 2-core box), so there is one soxi call; -short
// skips it.
func TestSoxReadsRF64(t *testing.T) {
	soxi, err := exec.LookPath("soxi")
	if err != nil {
		t.Skip("soxi (package sox, scripts/deps.sh) is not installed: RF64 interoperability not checked")
	}
	if testing.Short() {
		t.Skip("-short: soxi reads the whole 4.6 GB file")
	}
	p := filepath.Join(t.TempDir(), "judge.wav")
	writeSparse40h(t, p, []int16{1, 2}, []int16{1000, -1000})
	out, err := exec.Command(soxi, p).CombinedOutput()
	if err != nil {
		t.Fatalf("soxi: %v\n%s", err, out)
	}
	for _, want := range []string{"Channels       : 1", "Sample Rate    : 16000", "Precision      : 16-bit",
		"Duration       : 40:00:00.00 = " + strconv.Itoa(hours40) + " samples", "Signed Integer PCM"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("soxi lacks %q:\n%s", want, out)
		}
	}
}

// TestSnapshot: the consistent copy of a live seat file (backups) for each layout: a new file
// (RIFF + JUNK), a legacy 44-byte file, each with a torn half-sample at the end; a foreign
// file is not ours.
func TestSnapshot(t *testing.T) {
	dir := t.TempDir()
	newer := filepath.Join(dir, "new.wav")
	w, err := Create(newer, 16000)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]int16{1, 2, 3})
	w.Flush() // header says 3 samples
	w.Write([]int16{4})
	w.bw.Flush() // a fourth on disk, header not yet rewritten
	legacy := filepath.Join(dir, "legacy.wav")
	os.WriteFile(legacy, append(header(LegacyHeaderSize, 16000, 1), 1, 0, 2, 0, 3, 0, 4, 0), 0o600) // header lags
	for _, c := range []struct {
		path string
		hdr  int64
	}{{newer, HeaderSize}, {legacy, LegacyHeaderSize}} {
		af, _ := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND, 0)
		af.Write([]byte{9}) // torn
		af.Close()
		f, err := os.Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		r, n, ok, err := Snapshot(f)
		if err != nil || !ok || n != c.hdr+8 {
			t.Fatalf("%s: %d bytes, ok %v, %v", c.path, n, ok, err)
		}
		b, _ := io.ReadAll(r)
		f.Close()
		want := append(header(c.hdr, 16000, 4), 1, 0, 2, 0, 3, 0, 4, 0)
		if string(b) != string(want) {
			t.Fatalf("%s: snapshot\n%q\nwant\n%q", c.path, b, want)
		}
		d, err := NewDecoder(strings.NewReader(string(b)))
		if err != nil || d.Frames() != 4 {
			t.Fatalf("%s: snapshot decodes to %d frames: %v", c.path, d.Frames(), err)
		}
	}
	w.Close()
	foreign := filepath.Join(dir, "x.wav")
	os.WriteFile(foreign, []byte(strings.Repeat("junk", 30)), 0o600)
	f, _ := os.Open(foreign)
	defer f.Close()
	if _, _, ok, err := Snapshot(f); ok || err != nil {
		t.Fatalf("foreign file: ok %v, %v", ok, err)
	}
}
