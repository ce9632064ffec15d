package wavfile

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestHeaderDoesNotWrapPast4GiB: a seat file passes 4 GiB of samples after about 37 h, and its
// 32-bit RIFF sizes wrapped to small numbers, so readers that believed the header saw the
// first 2.7 h of a 40 h file (issue 11, low). Past the 32-bit limit the sizes are now written
// as 0xFFFFFFFF ("to the end of the file"), never wrapped. The file is sparse: no 4 GiB is
// written.
func TestHeaderDoesNotWrapPast4GiB(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	w, err := Create(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]int16{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	const samples = 40 * 3600 * 16000 // 40 h
	if err := os.Truncate(p, HeaderSize+2*samples); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	w, err = Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Samples() != samples {
		t.Fatalf("%d samples, want %d", w.Samples(), samples)
	}
	// A seat file is capped at MaxSamples (issue 11 item 2): writing more is refused, but a
	// file already past it (from an older version) keeps a header that does not wrap.
	if err := w.Write([]int16{7}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("write to a 40 h file: %v, want ErrTooLong", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, HeaderSize)
	f, _ := os.Open(p)
	f.ReadAt(b, 0)
	f.Close()
	if riff, data := binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[40:]); riff != 0xFFFFFFFF || data != 0xFFFFFFFF {
		t.Fatalf("RIFF size %d, data size %d: want 0xFFFFFFFF for a file past 4 GiB", riff, data)
	}
	if st, _ := os.Stat(p); st.Size() != HeaderSize+2*samples {
		t.Fatalf("file of %d bytes", st.Size())
	}
	// Back under the limit (a crash repair truncated it) the header is exact again.
	w, err = Open(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Truncate(1000); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, _ = os.Open(p)
	f.ReadAt(b, 0)
	f.Close()
	if data := binary.LittleEndian.Uint32(b[40:]); data != 2000 {
		t.Fatalf("data size %d after truncating to 1000 samples", data)
	}
}
