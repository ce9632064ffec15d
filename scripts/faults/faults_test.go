package faults

import "crypto/sha256"
import "encoding/binary"
import "encoding/hex"
import "os"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestGenerateHearingRoundTrip: the generated WAV reads back (go-audio, through
// capture/wavfile) as the PCM and hashes the generator reports; seats speak in turns.
func TestGenerateHearingRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.wav")
	h, err := GenerateHearing(path, 3, 6*wire.SampleRate+77, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := wavfile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != wire.SampleRate || len(a.Channels) != 3 || int64(len(a.Channels[0])) != h.Samples {
		t.Fatalf("read back %d Hz, %d channels, %d samples", a.SampleRate, len(a.Channels), len(a.Channels[0]))
	}
	for s := range 3 {
		if got := testrig.HashPCM(a.Channels[s]); got != h.Hashes[s] || got != testrig.HashPCM(h.PCM[s]) {
			t.Fatalf("seat %d: file hash %s, reported %s", s, got, h.Hashes[s])
		}
	}
	if len(h.Turns) < 2 {
		t.Fatalf("only %d turns in 6 s", len(h.Turns))
	}
	// A speaking seat is far louder than the others at the same moment.
	tk := h.Turns[0]
	var own, other float64
	for i := tk.First; i < tk.First+tk.N; i++ {
		own += float64(h.PCM[tk.Seat][i]) * float64(h.PCM[tk.Seat][i])
		o := (tk.Seat + 1) % 3
		other += float64(h.PCM[o][i]) * float64(h.PCM[o][i])
	}
	if own < 100*other {
		t.Fatalf("speaking seat energy %g, another seat %g: no dominance", own, other)
	}
	// Two generations with one seed are the same hearing.
	h2, err := GenerateHearing(filepath.Join(t.TempDir(), "h2.wav"), 3, 6*wire.SampleRate+77, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 3 {
		if h2.Hashes[s] != h.Hashes[s] {
			t.Fatal("generation is not deterministic")
		}
	}
}

// TestHashSeatWAV: an archived seat WAV hashes to its PCM; a header that disagrees with the
// data, a stereo file and a foreign file are errors.
func TestHashSeatWAV(t *testing.T) {
	dir := t.TempDir()
	pcm := []int16{1, -2, 3, 32767, -32768, 0, 5}
	path := filepath.Join(dir, "seat.wav")
	testrig.WriteWAV(t, path, wire.SampleRate, pcm)
	sum, n, err := HashSeatWAV(path)
	if err != nil || n != int64(len(pcm)) || sum != testrig.HashPCM(pcm) {
		t.Fatalf("hash %s n %d err %v", sum, n, err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{9, 9})
	f.Close()
	if _, _, err := HashSeatWAV(path); err == nil {
		t.Fatal("a WAV longer than its header says was accepted")
	}
	stereo := filepath.Join(dir, "stereo.wav")
	if err := wavfile.WriteMulti(stereo, wire.SampleRate, [][]int16{pcm, pcm}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := HashSeatWAV(stereo); err == nil {
		t.Fatal("a stereo WAV was accepted as a seat")
	}
	junk := filepath.Join(dir, "junk.wav")
	os.WriteFile(junk, []byte("RIFF....WAVEjunk"), 0o644)
	if _, _, err := HashSeatWAV(junk); err == nil {
		t.Fatal("a foreign file was accepted")
	}
}

// FuzzHashSeatWAV: any bytes give a hash or an error, never a crash or a hang.
func FuzzHashSeatWAV(f *testing.F) {
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Add([]byte{})
	dir := f.TempDir()
	// A seat file as the archive writes it now (80-byte header with the RF64 reserve).
	if w, err := wavfile.Create(filepath.Join(dir, "seed.wav"), wire.SampleRate); err == nil {
		w.Write([]int16{1, 2})
		w.Close()
		b, _ := os.ReadFile(filepath.Join(dir, "seed.wav"))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "in.wav")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		HashSeatWAV(p)
	})
}

// TestHashSeatWAVRF64: the suite's archive check reads a 40 h RF64 seat file (sparse) and a
// legacy 44-byte header file, and refuses an RF64 file whose ds64 size disagrees with it.
func TestHashSeatWAVRF64(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seat.wav")
	w, err := wavfile.Create(path, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40 * 3600 * wire.SampleRate
	if err := w.WriteSilence(n); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The hash of 2n zero bytes, fed in 1 MiB pieces.
	h := sha256.New()
	block := make([]byte, 1<<20)
	for left := int64(2 * n); left > 0; left -= int64(len(block)) {
		h.Write(block[:min(int64(len(block)), left)])
	}
	sum, got, err := HashSeatWAV(path)
	if err != nil || got != n || sum != hex.EncodeToString(h.Sum(nil)) {
		t.Fatalf("40 h RF64 seat: %s, %d samples, %v", sum, got, err)
	}
	f, _ := os.OpenFile(path, os.O_WRONLY, 0)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], 2*n+2)
	f.WriteAt(b[:], 28) // ds64 data size two bytes more than the file holds
	f.Close()
	if _, _, err := HashSeatWAV(path); err == nil {
		t.Fatal("an RF64 file shorter than its ds64 size was accepted")
	}
	legacy := filepath.Join(dir, "legacy.wav")
	os.WriteFile(legacy, append(wavfile.PCMHeader(wire.SampleRate, 1, 4), 7, 0, 8, 0), 0o600)
	if sum, got, err := HashSeatWAV(legacy); err != nil || got != 2 || sum != testrig.HashPCM([]int16{7, 8}) {
		t.Fatalf("legacy seat: %s, %d, %v", sum, got, err)
	}
}
