package wavfile

import "bytes"
import "encoding/binary"
import "errors"
import "os"
import "path/filepath"
import "runtime"
import "slices"
import "strings"
import "syscall"
import "testing"

func TestWriterCrashRepairResume(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	w, err := Create(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	want := []int16{1, 2, 3, -4, 32767, -32768}
	if err := w.Write(want[:4]); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash: an unsynced torn half-sample is on disk and the header is stale.
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{9})
	f.Close()
	w.f.Close() // abandon the writer without Close

	w2, err := Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w2.Samples() != 4 {
		t.Fatalf("resumed at %d samples, want 4", w2.Samples())
	}
	if err := w2.Write(want[4:]); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	a, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != 16000 || len(a.Channels) != 1 || len(a.Channels[0]) != len(want) {
		t.Fatalf("read back %d Hz, %d ch, %d samples", a.SampleRate, len(a.Channels), a.Frames())
	}
	for i := range want {
		if a.Channels[0][i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, a.Channels[0][i], want[i])
		}
	}
}

func TestRepairRejectsForeignFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.wav")
	os.WriteFile(p, bytes.Repeat([]byte("junk"), 20), 0o644)
	if _, err := Open(p, 16000); err == nil {
		t.Fatal("foreign file accepted")
	}
	b, _ := os.ReadFile(p)
	if !bytes.Equal(b, bytes.Repeat([]byte("junk"), 20)) {
		t.Fatal("foreign file was modified")
	}
}

func TestTruncateAndShortHeader(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.wav")
	os.WriteFile(p, []byte("RIFF"), 0o644) // crash during the first header
	w, err := Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]int16{1, 2, 3, 4, 5})
	if err := w.Truncate(2); err != nil {
		t.Fatal(err)
	}
	w.Write([]int16{7})
	w.Close()
	a, err := ReadFile(p)
	if err != nil || a.Frames() != 3 || a.Channels[0][2] != 7 {
		t.Fatalf("%v %v", a, err)
	}
}

func TestMultiRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.wav")
	ch := [][]int16{{1, 2, 3}, {4, 5, 6}, {-7, -8, -9}}
	if err := WriteMulti(p, 48000, ch); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(p)
	if err != nil || a.SampleRate != 48000 || len(a.Channels) != 3 || a.Channels[2][1] != -8 {
		t.Fatalf("%+v %v", a, err)
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	buf.Write(header(HeaderSize, 16000, 2))
	buf.Write([]byte{1, 0, 2, 0})
	f.Add(buf.Bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add(append(header(LegacyHeaderSize, 16000, 2), 1, 0, 2, 0))
	f.Add(append(header(HeaderSize, 16000, MaxSamples+1)[:HeaderSize], 1, 0, 2, 0)) // RF64 claiming more than present
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		_, _ = Read(bytes.NewReader(b))
	})
}

// A 100-byte file whose second fmt chunk, after the data, claims 808 MB made go-audio/wav
// allocate 1.6 GB (found by FuzzRead; the input is in testdata/fuzz/FuzzRead/a876adb9a002eb05).
// Every chunk is now checked, after the data chunk too, and a bad file costs no more memory
// than a good one.
func TestHostileChunkAfterDataCostsNoMemory(t *testing.T) {
	valid := func() *bytes.Buffer {
		var b bytes.Buffer
		b.Write(header(HeaderSize, 16000, 2))
		b.Write([]byte{1, 0, 2, 0})
		return &b
	}
	for name, tail := range map[string]string{
		"second fmt chunk, 808 MB": "fmt 0000" + strings.Repeat("0", 20),
		"LIST chunk of 4 GB":       "LIST\xff\xff\xff\xff" + strings.Repeat("x", 20),
		"second data chunk":        "data\x02\x00\x00\x00\x01\x00",
	} {
		b := valid()
		b.WriteString(tail)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		_, err := Read(bytes.NewReader(b.Bytes()))
		runtime.ReadMemStats(&m1)
		if err == nil {
			t.Errorf("%s: read without an error", name)
		}
		if d := m1.TotalAlloc - m0.TotalAlloc; d > 16<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, d, b.Len())
		}
	}
	// The fuzzer's own input: its first fmt chunk is not PCM, so the decoder goes on reading.
	found := []byte("RIFF0000WAVEfmt \x10\x00\x00\x0000000000\x00\x00\x00\x000000data\x04\x00\x00\x000000fmt 00000000000000000000")
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := Read(bytes.NewReader(found))
	runtime.ReadMemStats(&m1)
	if d := m1.TotalAlloc - m0.TotalAlloc; err == nil || d > 16<<20 {
		t.Errorf("the fuzzer's input: %d bytes allocated for %d bytes of file (err %v)", d, len(found), err)
	}
	// Metadata after the data chunk that fits is fine; so is a data chunk cut short.
	b := valid()
	b.WriteString("LIST\x04\x00\x00\x00INFO")
	if a, err := Read(bytes.NewReader(b.Bytes())); err != nil || a.Frames() != 2 {
		t.Fatalf("LIST after data: %v", err)
	}
	cut := valid().Bytes()
	binary.LittleEndian.PutUint32(cut[40:], 1000) // data claims 1000 bytes, 4 are there
	if a, err := Read(bytes.NewReader(cut)); err != nil || a.Frames() != 2 {
		t.Fatalf("data cut short: %v", err)
	}
}

// diskBytes is what a file really occupies on disk (allocated blocks), not its length.
func diskBytes(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

// Issue 11 item 2: a long gap was written as zeros sample by sample and filled the disk. A
// gap is now a hole in the file: it reads back as zeros (the file, its hash and every
// reader are unchanged) but occupies no disk.
func TestWriteSilenceLeavesAHole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seat.wav")
	w, err := Create(path, 16000)
	if err != nil {
		t.Fatal(err)
	}
	head := []int16{1, -2, 3, -4, 5}
	const gap = 16000 * 60 * 5 // 5 minutes: 9.6 MB of zeros
	if err := w.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSilence(gap); err != nil {
		t.Fatal(err)
	}
	tail := []int16{7, 8, 9}
	if err := w.Write(tail); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(HeaderSize + 2*(len(head)+gap+len(tail)))
	if st.Size() != want {
		t.Fatalf("file is %d bytes, want %d", st.Size(), want)
	}
	if used := diskBytes(t, path); used > 1<<20 {
		t.Fatalf("a %d-sample gap occupies %d bytes on disk; want a hole (under 1 MiB)", gap, used)
	}
	// Sample-exact: reading back gives the samples, the zeros and the tail in place.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	got := a.Channels[0]
	if len(got) != len(head)+gap+len(tail) {
		t.Fatalf("read %d samples", len(got))
	}
	for i, s := range head {
		if got[i] != s {
			t.Fatalf("sample %d = %d, want %d", i, got[i], s)
		}
	}
	for i := len(head); i < len(head)+gap; i++ {
		if got[i] != 0 {
			t.Fatalf("gap sample %d = %d, want 0", i, got[i])
		}
	}
	for i, s := range tail {
		if got[len(head)+gap+i] != s {
			t.Fatalf("tail sample %d = %d, want %d", i, got[len(head)+gap+i], s)
		}
	}
	// Reopened after the gap (a restart), writing goes on at the end.
	w, err = Open(path, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Samples() != int64(len(head)+gap+len(tail)) {
		t.Fatalf("reopened with %d samples", w.Samples())
	}
	w.Close()
}

// A legacy file (44-byte header, no RF64 reserve) is capped at the WAV limit; a new file is
// not (TestRF64Past4GiB).
func TestWriteBeyondWAVLimitIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seat.wav")
	if err := os.WriteFile(path, header(LegacyHeaderSize, 16000, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path, 16000)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteSilence(MaxSamples - 2); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int16{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int16{3}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("write past the WAV size limit: %v, want ErrTooLong", err)
	}
	if err := w.WriteSilence(1); !errors.Is(err, ErrTooLong) {
		t.Fatalf("gap past the WAV size limit: %v, want ErrTooLong", err)
	}
	if w.Samples() != MaxSamples {
		t.Fatalf("samples %d, want %d", w.Samples(), int64(MaxSamples))
	}
}

// FuzzDecoder: any bytes give a Decoder or an error, and decoding what the header promises
// never panics nor reads past the file.
func FuzzDecoder(f *testing.F) {
	var buf bytes.Buffer
	buf.Write(header(HeaderSize, 16000, 2))
	buf.Write([]byte{1, 0, 2, 0})
	f.Add(buf.Bytes())
	ext := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x28\x00\x00\x00\xfe\xff\x02\x00\x80\x3e\x00\x00\x00\xee\x02\x00\x06\x00\x18\x00\x16\x00\x18\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71data\x06\x00\x00\x00\x01\x02\x03\x04\x05\x06")
	f.Add(ext)
	f.Add(append(header(LegacyHeaderSize, 16000, 2), 1, 0, 2, 0))
	// The archive's RF64 header (ds64 sizes past 4 GiB) over a short file: truncated, read to
	// the end of what is there.
	f.Add(append(header(HeaderSize, 16000, hours40), 1, 0, 2, 0, 3, 0))
	f.Add([]byte("RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00fmt \x10\x00\x00\x00\x03\x00\x01\x00\x80\x3e\x00\x00\x00\xfa\x00\x00\x04\x00\x20\x00data\xff\xff\xff\xff\x00\x00\x80\x3f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<16 {
			return
		}
		d, err := NewDecoder(bytes.NewReader(b))
		if err != nil {
			return
		}
		fm := d.Format()
		if fm.Channels < 1 || fm.Channels > MaxChannels || d.Frames()*int64(fm.Channels*fm.Bits/8) > int64(len(b)) {
			t.Fatalf("format %+v with %d frames from %d bytes", fm, d.Frames(), len(b))
		}
		fl := make([][]float32, fm.Channels)
		for c := range fl {
			fl[c] = make([]float32, 7)
		}
		var n int64
		for {
			k, err := d.ReadFloat(fl)
			n += int64(k)
			if err != nil || k == 0 {
				break
			}
			for c := range fl {
				for _, v := range fl[c][:k] {
					if v < -1 || v > 1 || v != v {
						t.Fatalf("sample %v out of range", v)
					}
				}
			}
		}
		if n != d.Frames() {
			t.Fatalf("read %d frames of %d", n, d.Frames())
		}
		_ = d.SeekFrame(d.Frames() / 2)
		_, _ = d.ReadInt16(make([]int16, 3*fm.Channels))
	})
}

// TestAbandonLeavesTheNewOwnersFile: a writer that lost the file to another (a stalled server
// replica whose hearing another replica took) drops its buffered samples and leaves the header
// alone when abandoned; closing it instead would overwrite the new owner's samples and size.
func TestAbandonLeavesTheNewOwnersFile(t *testing.T) {
	for _, abandon := range []bool{true, false} {
		p := filepath.Join(t.TempDir(), "judge.wav")
		old, err := Create(p, 16000)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Write([]int16{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		if err := old.Sync(); err != nil {
			t.Fatal(err)
		}
		owner, err := Open(p, 16000)
		if err != nil {
			t.Fatal(err)
		}
		if err := owner.Write([]int16{5, 6, 7, 8, 9, 10}); err != nil {
			t.Fatal(err)
		}
		if err := owner.Close(); err != nil {
			t.Fatal(err)
		}
		old.Write([]int16{-5, -6}) // the stalled writer wakes with samples in hand
		if abandon {
			err = old.Abandon()
		} else {
			err = old.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Close(); err != nil {
			t.Fatalf("Close after Abandon: %v", err)
		}
		a, err := ReadFile(p)
		var got []int16
		if err == nil {
			got = a.Channels[0]
		}
		exact := slices.Equal(got, []int16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		if abandon && !exact {
			t.Fatalf("after Abandon the file holds %v (%v), want the new owner's 1…10", got, err)
		}
		if !abandon && exact {
			t.Fatal("Close of the stalled writer left the file intact: the test no longer shows what Abandon prevents")
		}
	}
}
