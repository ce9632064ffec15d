package backup

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/courtscribe/courtscribe/capture/wavfile"
)

// TestLivePrefixOfRF64SeatFile: a live seat file past 4 GiB is RF64 (issue 11). Its backup
// copy is the whole samples present now with the ds64 sizes set to them, even while a torn
// half-sample sits at the end; the samples at both ends come through unchanged.
func TestLivePrefixOfRF64SeatFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	w, err := wavfile.Create(p, 16000)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40 * 3600 * 16000
	if err := w.Write([]int16{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSilence(n - 4); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	if err := w.Write([]int16{3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	af, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	af.Write([]byte{9}) // a writer mid-sample
	af.Close()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := wavPrefix(f)
	if err != nil {
		t.Fatal(err)
	}
	h := make([]byte, wavfile.HeaderSize+4)
	if _, err := io.ReadFull(r, h); err != nil {
		t.Fatal(err)
	}
	if string(h[0:4]) != "RF64" || string(h[12:16]) != "ds64" || binary.LittleEndian.Uint64(h[28:]) != 2*n ||
		binary.LittleEndian.Uint64(h[36:]) != n || !bytes.Equal(h[wavfile.HeaderSize:], []byte{1, 0, 2, 0}) {
		t.Fatalf("copied header and first samples:\n%q", h)
	}
	// The copy's length is the whole samples (the torn byte left out), without reading 4.6 GB
	// of holes here.
	if _, size, ok, err := wavfile.Snapshot(f); err != nil || !ok || size != wavfile.HeaderSize+2*n {
		t.Fatalf("snapshot of %d bytes (%v, %v), want %d", size, ok, err, wavfile.HeaderSize+2*n)
	}
}
