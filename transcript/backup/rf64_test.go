package backup

import "bytes"
import "crypto/sha256"
import "encoding/binary"
import "encoding/hex"
import "io"
import "os"
import "path/filepath"
import "syscall"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// TestLivePrefixOfRF64SeatFile: a live seat file past 4 GiB is RF64 (issue 11). Its backup
// copy is the whole samples present now with the ds64 sizes set to them, even while a torn
// half-sample sits at the end; the samples at both ends come through unchanged.
func TestLivePrefixOfRF64SeatFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	w, err := wavfile.Create(p, wire.SampleRate)
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

// TestCopyKeepsHoles: a seat file's gaps are holes in the archive; its backup object and a
// restored copy keep them (same bytes and SHA-256, little disk), instead of writing the zeros.
func TestCopyKeepsHoles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "judge.wav")
	w, err := wavfile.Create(p, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]int16{1, 2, 3})
	w.WriteSilence(30 * 60 * 16000) // a 30 min recess: 57.6 MB of zeros as a hole
	w.Write([]int16{4, 5, 6})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(src)
	blocks := func(path string) int64 {
		var st syscall.Stat_t
		if err := syscall.Stat(path, &st); err != nil {
			t.Fatal(err)
		}
		return st.Blocks * 512
	}
	if blocks(p) > 1<<20 {
		t.Skipf("this file system keeps no holes (%d bytes on disk)", blocks(p))
	}
	f, _ := os.Open(p)
	defer f.Close()
	tmp, sum, n, err := copyToTemp(dir, f, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(tmp)
	if sum != hex.EncodeToString(want[:]) || n != int64(len(src)) || !bytes.Equal(got, src) {
		t.Fatalf("copy differs: %d of %d bytes, sum %s", n, len(src), sum)
	}
	if used := blocks(tmp); used > 1<<20 {
		t.Fatalf("a copy of a %d-byte file with a 30 min hole takes %d bytes on disk", len(src), used)
	}
	t.Logf("30 min gap: %d bytes, source %d and copy %d bytes on disk", len(src), blocks(p), blocks(tmp))
	// A file that ends in a hole keeps its length.
	q := filepath.Join(dir, "tail.wav")
	w, _ = wavfile.Create(q, wire.SampleRate)
	w.Write([]int16{9})
	w.WriteSilence(10 * 60 * 16000)
	w.Close()
	g, _ := os.Open(q)
	defer g.Close()
	tmp2, _, n2, err := copyToTemp(dir, g, 0o600)
	st, _ := os.Stat(tmp2)
	if err != nil || st.Size() != n2 || n2 != wavfile.HeaderSize+2*(1+10*60*16000) {
		t.Fatalf("copy of a file ending in a hole: %v, %d bytes, n %d", err, st.Size(), n2)
	}
}
