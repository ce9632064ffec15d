// Package testrig holds what the tests of several packages share. It is the start of issue 12's
// one test rig: the TestMain of every package (Main), the courtscribe binary the end-to-end
// suites run (Binary) and the processes they start (Proc), a test PKI, and audio helpers.
package testrig

import "context"
import "crypto/sha256"
import "encoding/binary"
import "encoding/hex"
import "errors"
import "io"
import "math/rand/v2"
import "os"
import "path/filepath"
import "testing"

// HashPCM is the SHA-256 (hex) of samples as signed 16-bit little-endian: the hash of a seat's
// PCM, whatever file or frames carried it.
func HashPCM(pcm []int16) string {
	b := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// NoisePCM is deterministic noise-like audio, distinct per seat: seats channels of samples
// each, from seed, within ±10000.
func NoisePCM(seats, samples int, seed uint64) [][]int16 {
	return noisePCM(seats, samples, rand.NewPCG(seed, 11), 10000)
}

// FullScalePCM is like NoisePCM over the whole int16 range, -32768 and 32767 included: what a
// test of sample-exact storage wants.
func FullScalePCM(seats, samples int, seed uint64) [][]int16 {
	return noisePCM(seats, samples, rand.NewPCG(seed, 7), 32768)
}

func noisePCM(seats, samples int, src rand.Source, half int) [][]int16 {
	rng := rand.New(src)
	out := make([][]int16, seats)
	for c := range out {
		out[c] = make([]int16, samples)
		for i := range out[c] {
			out[c][i] = int16(rng.IntN(2*half) - half)
		}
	}
	return out
}

// ReadChannels reads a multichannel source to its end, chunk samples per channel at a time,
// through read (an audio reader's Read: samples per channel read, io.EOF at the end).
func ReadChannels(t testing.TB, channels, chunk int, read func([][]int16) (int, error)) [][]int16 {
	t.Helper()
	out := make([][]int16, channels)
	buf := make([][]int16, channels)
	for c := range buf {
		buf[c] = make([]int16, chunk)
	}
	for {
		n, err := read(buf)
		for c := range buf {
			out[c] = append(out[c], buf[c][:n]...)
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// MaxFuzzFile is the largest fuzz input FuzzFile writes.
const MaxFuzzFile = 1 << 16

// FuzzFile writes a fuzz input to dir/name for code that reads files; ok is false, and nothing
// is written, for an input over MaxFuzzFile bytes (the target skips it).
func FuzzFile(t testing.TB, dir, name string, b []byte) (path string, ok bool) {
	t.Helper()
	if len(b) > MaxFuzzFile {
		return "", false
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, true
}

// EachBlock calls read until it returns io.EOF, handing every block to fn before the next
// read (a source may reuse its buffers); any other error fails t. read is a block source's
// Read (a replay, a capture device).
func EachBlock[B any](t testing.TB, read func(context.Context) (B, error), fn func(B)) {
	t.Helper()
	for {
		b, err := read(context.Background())
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(b)
	}
}
