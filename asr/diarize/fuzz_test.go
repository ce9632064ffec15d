package diarize_test

import "encoding/binary"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/capture/wire"

// FuzzPush feeds arbitrary audio in arbitrary block sizes: the diarizer must not panic, and its
// turns must be well formed (start < end, inside the audio, no two turns of a seat overlapping).
func FuzzPush(f *testing.F) {
	f.Add(uint8(2), uint16(160), []byte{0, 0, 255, 127, 0, 128, 1, 2, 3})
	f.Add(uint8(1), uint16(1), make([]byte, 4000))
	loud := make([]byte, 6400)
	for i := range loud {
		loud[i] = byte(i * 37)
	}
	f.Add(uint8(3), uint16(999), loud)
	f.Fuzz(func(t *testing.T, nseats uint8, block uint16, data []byte) {
		n := int(nseats%4) + 1
		blk := int(block%2000) + 1
		samples := len(data) / 2 / n
		if samples > wire.SampleRate*4 { // keep each exec quick
			samples = wire.SampleRate * 4
		}
		pcm := make([][]int16, n)
		for c := range pcm {
			pcm[c] = make([]int16, samples)
			for i := range samples {
				pcm[c][i] = int16(binary.LittleEndian.Uint16(data[2*(i*n+c):]))
			}
		}
		seats := []string{"a", "b", "c", "d"}[:n]
		d, err := diarize.New(diarize.DefaultConfig(), seats, nil)
		if err != nil {
			t.Fatal(err)
		}
		var segs []diarize.Turn
		for off := 0; off < samples; off += blk {
			end := min(off+blk, samples)
			part := make([][]int16, n)
			for c := range part {
				part[c] = pcm[c][off:end]
			}
			evs, err := d.Push(part)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Kind == diarize.End {
					segs = append(segs, e.Turn())
				}
			}
		}
		for _, e := range d.Flush() {
			if e.Kind == diarize.End {
				segs = append(segs, e.Turn())
			}
		}
		dur := float64(samples)/wire.SampleRate + 0.02
		last := map[string]float64{}
		for _, s := range segs {
			if !(s.Start >= 0 && s.Start < s.End && s.End <= dur) {
				t.Fatalf("bad turn %+v in %.2f s of audio", s, dur)
			}
			if s.Start < last[s.Seat] {
				t.Fatalf("turns of %s overlap: %+v", s.Seat, segs)
			}
			last[s.Seat] = s.End
		}
	})
}
