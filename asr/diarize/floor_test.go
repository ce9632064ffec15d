package diarize

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

// Unit tests of the noise floor on gated channels (floor.go).

func noise(n int, rms float64, r *rand.Rand) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(math.Round(rms * r.NormFloat64()))
	}
	return x
}

// voice: a harmonic tone at 130 Hz, about -20 dBFS (low spectral flatness, like voiced speech).
func voice(n int, r *rand.Rand) []int16 {
	x := make([]int16, n)
	for i := range x {
		var v float64
		for k := 1; k <= 20; k++ {
			v += math.Sin(2*math.Pi*130*float64(k)*float64(i)/wire.SampleRate) / float64(k)
		}
		x[i] = int16(math.Round(2500*v + 20*r.NormFloat64()))
	}
	return x
}

func push1(t *testing.T, d *Diarizer, x []int16) {
	t.Helper()
	if _, err := d.Push([][]int16{x}); err != nil {
		t.Fatal(err)
	}
}

func oneSeat(t *testing.T) *Diarizer {
	t.Helper()
	d, err := New(DefaultConfig(), []string{"a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func db(x float64) float64 { return 10 * math.Log10(x) }

func TestFloorHeldThroughDigitalSilence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	d := oneSeat(t)
	push1(t, d, noise(4*wire.SampleRate, 30, r))
	before := d.ch[0].NF.Level
	push1(t, d, make([]int16, 3*wire.SampleRate)) // the gate closes
	push1(t, d, voice(wire.SampleRate/2, r))      // and opens on a loud voice
	if got := d.ch[0].NF.Level; math.Abs(db(got/before)) > 1 || !d.ch[0].NF.Set {
		t.Fatalf("floor %.1f dB after zeros and a voice, %.1f dB before", db(got), db(before))
	}
}

func TestGatedFloorNotSeededBySpeech(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := oneSeat(t)
	push1(t, d, make([]int16, wire.SampleRate)) // a closed gate
	push1(t, d, voice(2*wire.SampleRate, r))    // opening on two seconds of speech
	ch := &d.ch[0]
	if ch.NF.Set {
		t.Fatalf("a gated channel took its floor from speech: %.1f dB", db(ch.NF.Level))
	}
	if ch.NF.Level > gatedRefFloor {
		t.Fatalf("reference floor %.1f dB above a quiet mic's self-noise (%.1f dB)", db(ch.NF.Level), db(gatedRefFloor))
	}
	if z := d.z[0]; z < 100 {
		t.Fatalf("speech reads only %.1f dB above the reference floor", db(z+1))
	}
}

func TestGatedFloorFromQuietStretch(t *testing.T) {
	// A file that starts with zeros and then carries the room: the floor is the room's once
	// half a second of quiet noise has been seen, and stays there.
	r := rand.New(rand.NewPCG(5, 6))
	d := oneSeat(t)
	push1(t, d, make([]int16, wire.SampleRate))
	push1(t, d, noise(wire.SampleRate/4, 40, r))
	if d.ch[0].NF.Set {
		t.Fatal("floor set after 0.25 s of signal (needs 0.5 s of quiet)")
	}
	push1(t, d, noise(wire.SampleRate/2, 40, r))
	ch := &d.ch[0]
	want := 40.0 * 40 * (binHi - binLo + 1)
	if !ch.NF.Set || math.Abs(db(ch.NF.Level/want)) > 3 {
		t.Fatalf("floor %.1f dB (set %v), the room is %.1f dB", db(ch.NF.Level), ch.NF.Set, db(want))
	}
	push1(t, d, noise(2*wire.SampleRate, 40, r))
	if math.Abs(db(ch.NF.Level/want)) > 3 {
		t.Fatalf("floor drifted to %.1f dB, the room is %.1f dB", db(ch.NF.Level), db(want))
	}
}

func TestReferenceFloorIsTheOpenMics(t *testing.T) {
	// A gated channel beside an open one is measured against the open mic's floor.
	r := rand.New(rand.NewPCG(7, 8))
	d, err := New(DefaultConfig(), []string{"judge", "clerk"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 3 * wire.SampleRate
	judge := append(make([]int16, n-wire.SampleRate/2), voice(wire.SampleRate/2, r)...)
	if _, err := d.Push([][]int16{judge, noise(n, 25, r)}); err != nil {
		t.Fatal(err)
	}
	if d.ch[0].NF.Set || !d.ch[1].NF.Set || d.ch[0].NF.Level != d.ch[1].NF.Level {
		t.Fatalf("gated judge floor %.1f dB (own %v), open clerk %.1f dB", db(d.ch[0].NF.Level), d.ch[0].NF.Set, db(d.ch[1].NF.Level))
	}
}

func TestDeadChannelReadsZero(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	d, err := New(DefaultConfig(), []string{"a", "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Push([][]int16{voice(2*wire.SampleRate, r), make([]int16, 2*wire.SampleRate)}); err != nil {
		t.Fatal(err)
	}
	if d.z[1] != 0 || d.ch[1].NF.Set || !(d.ch[1].NF.Level > 0) {
		t.Fatalf("dead channel: z %v, floor %v (set %v)", d.z[1], d.ch[1].NF.Level, d.ch[1].NF.Set)
	}
}
