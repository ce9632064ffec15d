// Package faults proves courtscribe under stress: its tests build the real courtscribe binary,
// run a server and capture agents on loopback with a generated hearing, inject faults (network
// cuts and a flapping link, kill -9 of the server and of an agent, an engine that dies or
// hangs, a full disk, agent clock jumps) and check the end state against ground truth: the
// archive's PCM hash per seat equals the source, every gap is recorded with its true length,
// acknowledged edits survive, the audit chain is intact and every segment ends with text.
//
// The short forms run in `go test ./scripts/faults/` (so in `make test`); the long forms and
// the soak (8 courtrooms × 6 seats at real time) run with COURTSCRIBE_SOAK=1 or -tags soak,
// see scripts/soak.sh and docs/faults.md.
//
// This file holds the small helpers the tests share: a deterministic speech-like hearing
// generator that streams a multichannel WAV and hashes each seat while writing, a reader that
// hashes an archived seat WAV without loading it, and a loopback link that can be cut, held
// down or made to flap.
package faults

import "bufio"
import "crypto/sha256"
import "encoding/binary"
import "encoding/hex"
import "fmt"
import "hash"
import "io"
import "math"
import "math/rand/v2"
import "os"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// Hearing is a generated multi-seat hearing: one channel per seat.
type Hearing struct {
	Seats   int
	Samples int64
	// Hashes is the SHA-256 of each seat's PCM (signed 16-bit little-endian), hex.
	Hashes []string
	// PCM holds every seat's samples when the hearing was generated with keep; else nil.
	PCM [][]int16
	// Turns is the ground truth of who speaks when (sample ranges).
	Turns []Turn
}

// Turn is one seat speaking from First for N samples.
type Turn struct {
	Seat     int
	First, N int64
}

// snippetSec is the length of each seat's synthesized voice; turns are at most this long.
const snippetSec = 3.5

// GenerateHearing writes a deterministic speech-like hearing of the given length to path as
// a 16-bit WAV with one channel per seat. Seats take turns of 1.2–3.5 s with pauses of
// 0.4–1.2 s; each seat's voice is a harmonic series on its own pitch shaped by three formants
// in syllables, it bleeds into the other microphones 26 dB down, and every microphone has a
// little room noise. With keep the PCM is also returned (only for short hearings).
func GenerateHearing(path string, seats int, samples int64, seed uint64, keep bool) (*Hearing, error) {
	if seats < 1 || seats > 64 || samples < 1 {
		return nil, fmt.Errorf("faults: cannot generate %d seats × %d samples", seats, samples)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	voices := make([][]int16, seats)
	for s := range voices {
		voices[s] = voice(int(snippetSec*wire.SampleRate), 95+37*float64(s%6)+7*float64(s/6), rng)
	}
	h := &Hearing{Seats: seats, Samples: samples, Hashes: make([]string, seats)}
	h.Turns = planTurns(rng, seats, samples)
	if keep {
		h.PCM = make([][]int16, seats)
		for s := range h.PCM {
			h.PCM[s] = make([]int16, 0, samples)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := newHearingWriter(h, voices, f, seed)
	if _, err := w.bw.Write(wavfile.PCMHeader(wire.SampleRate, seats, samples*int64(seats)*2)); err != nil {
		return nil, err
	}
	for first := int64(0); first < samples; first += hearingBlock {
		if err := w.block(first, int(min(hearingBlock, samples-first))); err != nil {
			return nil, err
		}
	}
	if err := w.bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	for s := range w.hs {
		h.Hashes[s] = hex.EncodeToString(w.hs[s].Sum(nil))
	}
	return h, nil
}

// planTurns draws the turns: from 0.5 s on, a random seat speaks 1.2–3.5 s, then a pause of
// 0.4–1.2 s.
func planTurns(rng *rand.Rand, seats int, samples int64) []Turn {
	var turns []Turn
	for t := int64(wire.SampleRate / 2); t < samples; {
		n := int64((1.2 + 2.3*rng.Float64()) * wire.SampleRate)
		turns = append(turns, Turn{Seat: rng.IntN(seats), First: t, N: min(n, samples-t)})
		t += n + int64((0.4+0.8*rng.Float64())*wire.SampleRate)
	}
	return turns
}

// hearingBlock is how many samples per seat the generator writes at a time (100 ms).
const hearingBlock = wire.SampleRate / 10

// hearingWriter mixes a hearing block by block into the interleaved WAV, each seat's hash and,
// with keep, the kept PCM.
type hearingWriter struct {
	h      *Hearing
	voices [][]int16
	bw     *bufio.Writer
	hs     []hash.Hash
	inter  []byte   // one block, interleaved
	seat   [][]byte // one block per seat
	noise  uint32   // room noise generator state
	turn   int      // the turn at or after the current sample
}

func newHearingWriter(h *Hearing, voices [][]int16, f *os.File, seed uint64) *hearingWriter {
	w := &hearingWriter{h: h, voices: voices, bw: bufio.NewWriterSize(f, 1<<20), hs: make([]hash.Hash, h.Seats),
		inter: make([]byte, 2*h.Seats*hearingBlock), seat: make([][]byte, h.Seats), noise: uint32(seed) | 1}
	for s := range w.hs {
		w.hs[s] = sha256.New()
	}
	for s := range w.seat {
		w.seat[s] = make([]byte, 2*hearingBlock)
	}
	return w
}

// block mixes and writes the n samples from first.
func (w *hearingWriter) block(first int64, n int) error {
	seats := w.h.Seats
	for i := range n {
		who, sp := w.speaker(first + int64(i))
		for s := range seats {
			w.noise = w.noise*1664525 + 1013904223
			v := float64(int32(w.noise>>16)%40 - 20)
			if who == s {
				v += sp
			} else if who >= 0 {
				v += sp * 0.05
			}
			x := int16(max(-32768, min(32767, math.Round(v))))
			binary.LittleEndian.PutUint16(w.inter[2*(i*seats+s):], uint16(x))
			binary.LittleEndian.PutUint16(w.seat[s][2*i:], uint16(x))
			if w.h.PCM != nil {
				w.h.PCM[s] = append(w.h.PCM[s], x)
			}
		}
	}
	if _, err := w.bw.Write(w.inter[:2*seats*n]); err != nil {
		return err
	}
	for s := range seats {
		w.hs[s].Write(w.seat[s][:2*n])
	}
	return nil
}

// speaker returns who speaks at sample at (-1: nobody) and their voice's sample.
func (w *hearingWriter) speaker(at int64) (int, float64) {
	turns := w.h.Turns
	for w.turn < len(turns) && turns[w.turn].First+turns[w.turn].N <= at {
		w.turn++
	}
	if w.turn < len(turns) && turns[w.turn].First <= at {
		who := turns[w.turn].Seat
		return who, float64(w.voices[who][at-turns[w.turn].First])
	}
	return -1, 0
}

// voice synthesizes n samples of one speaker: a harmonic series on a wandering pitch f0, shaped
// by formant peaks at 600, 1500 and 2600 Hz, in syllables of 150–230 ms, peak about 9000.
func voice(n int, f0 float64, rng *rand.Rand) []int16 {
	out := make([]float64, n)
	var ph, syl float64
	sylLen := 0.15 + 0.08*rng.Float64()
	peak := 1e-9
	var amps [24]float64
	nh := 0
	for t := range n {
		sec := float64(t) / wire.SampleRate
		f := f0 * (1 + 0.08*math.Sin(2*math.Pi*1.3*sec))
		ph += 2 * math.Pi * f / wire.SampleRate
		syl += 1.0 / wire.SampleRate
		if syl > sylLen {
			syl, sylLen = 0, 0.15+0.08*rng.Float64()
		}
		env := math.Sin(math.Pi * syl / sylLen)
		if t%32 == 0 { // the pitch wanders slowly: formant weights every 2 ms are enough
			nh = 0
			for k := 1; k <= len(amps); k++ {
				hf := f * float64(k)
				if hf > 4500 {
					break
				}
				amps[k-1] = 1/float64(k) + 1.5*formant(hf, 600) + formant(hf, 1500) + 0.6*formant(hf, 2600)
				nh = k
			}
		}
		var v float64
		for k := 1; k <= nh; k++ {
			v += amps[k-1] * math.Sin(float64(k)*ph)
		}
		out[t] = env * v
		peak = max(peak, math.Abs(out[t]))
	}
	pcm := make([]int16, n)
	for i, v := range out {
		pcm[i] = int16(math.Round(v / peak * 9000))
	}
	return pcm
}

func formant(f, c float64) float64 { d := (f - c) / 150; return math.Exp(-d * d) }

// HashSeatWAV streams a mono 16-bit WAV (an archived seat: plain WAV, or RF64 past 4 GiB) and
// returns the SHA-256 of its PCM and its length in samples. The header is parsed by wavfile's
// Decoder; the data chunk must fill the file exactly as the header says (its 32-bit size, or
// the ds64 size of an RF64 file): a header that disagrees with the data is an error, not a
// guess.
func HashSeatWAV(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	d, err := wavfile.NewDecoder(f)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	fm := d.Format()
	if fm.Channels != 1 || fm.Bits != 16 || fm.Float {
		return "", 0, fmt.Errorf("%s: %d channels of %d bits, want mono 16-bit", path, fm.Channels, fm.Bits)
	}
	size := d.DataSize()
	if rest := st.Size() - d.DataOffset(); rest != size || d.Truncated() || d.Declared() != d.Frames() {
		return "", 0, fmt.Errorf("%s: header says %d data bytes, the file holds %d", path, size, rest)
	}
	if _, err := f.Seek(d.DataOffset(), io.SeekStart); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(bufio.NewReaderSize(f, 1<<20), size))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	if n != size || n%2 != 0 {
		return "", 0, fmt.Errorf("%s: %d data bytes read, want %d", path, n, size)
	}
	return hex.EncodeToString(h.Sum(nil)), n / 2, nil
}
