package agent

import "math/rand/v2"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestSeatFilesDecoderSeek: a resumed session seeks the seat-file replay; the frames after
// the seek equal those of an unbroken replay (the resampler's state is rebuilt by reading
// forward), whether seeking back or ahead.
func TestSeatFilesDecoderSeek(t *testing.T) {
	dir := t.TempDir()
	jp, cp := filepath.Join(dir, "j.wav"), filepath.Join(dir, "c.wav")
	if err := wavfile.WriteMulti(jp, 44100, [][]int16{noisePCM(44100*3, 3)}); err != nil {
		t.Fatal(err)
	}
	if err := wavfile.WriteMulti(cp, 16000, [][]int16{noisePCM(16000*3-800, 4)}); err != nil {
		t.Fatal(err)
	}
	readFrom := func(seek int64) []int16 {
		r, err := audiofile.OpenSeats([]string{jp, cp})
		if err != nil {
			t.Fatal(err)
		}
		d := &seatFilesDecoder{r: r, paths: []string{jp, cp}}
		defer d.Close()
		if seek > 0 { // read past it first, so the seek goes back
			d.ReadInt16(make([]int16, 2*(seek+5000)))
		}
		if err := d.SeekFrame(seek); err != nil {
			t.Fatal(err)
		}
		var out []int16
		buf := make([]int16, 2*777)
		for {
			n, err := d.ReadInt16(buf)
			out = append(out, buf[:2*n]...)
			if err != nil {
				return out
			}
		}
	}
	all := readFrom(0)
	if len(all) != 2*48000 {
		t.Fatalf("%d samples, want %d", len(all), 2*48000)
	}
	for _, at := range []int64{1, 12345, 47999} {
		got := readFrom(at)
		if testrig.HashPCM(got) != testrig.HashPCM(all[2*at:]) {
			t.Fatalf("after seek to %d the frames differ", at)
		}
	}
}

// noisePCM is one channel of seeded noise.
func noisePCM(samples int, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 11))
	pcm := make([]int16, samples)
	for i := range pcm {
		pcm[i] = int16(rng.IntN(20000) - 10000)
	}
	return pcm
}
