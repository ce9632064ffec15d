package baseline

import "math"
import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize/der"
import "github.com/courtscribe/courtscribe/capture/wire"

// room: the judge talks from 1 to 3 s; the clerk's mic hears the judge 6 dB down but has +9 dB
// of gain, so in raw level it is the louder of the two.
func room() [][]int16 {
	const rate, n = wire.SampleRate, wire.SampleRate * 5
	r := rand.New(rand.NewPCG(4, 4))
	ch := [][]int16{make([]int16, n), make([]int16, n)}
	hot := math.Pow(10, 9.0/20)
	for i := range n {
		sec := float64(i) / rate
		var v float64
		if sec >= 1 && sec < 3 {
			for k := 1; k <= 10; k++ {
				v += 2000 * math.Sin(2*math.Pi*130*float64(k)*sec) / float64(k)
			}
		}
		ch[0][i] = int16(v + 20*r.NormFloat64())
		ch[1][i] = int16(hot * (0.5*v + 20*r.NormFloat64()))
	}
	return ch
}

func TestEnergyCountsBleedAsSpeech(t *testing.T) {
	segs := Energy([]string{"judge", "clerk"}, room())
	if j, c := der.SeatTime(segs, "judge"), der.SeatTime(segs, "clerk"); math.Abs(j-2) > 0.1 || math.Abs(c-2) > 0.1 {
		t.Fatalf("energy VAD: judge %.2f s, clerk %.2f s; it should hear 2 s on both (bleed)", j, c)
	}
}

func TestLoudestGivesSpeechToTheHotMic(t *testing.T) {
	segs := Loudest([]string{"judge", "clerk"}, room())
	if j, c := der.SeatTime(segs, "judge"), der.SeatTime(segs, "clerk"); j > 0.1 || math.Abs(c-2) > 0.1 {
		t.Fatalf("loudest wins: judge %.2f s, clerk %.2f s; the hot mic should take it all", j, c)
	}
}

func TestSNRCancelsTheHotMicGain(t *testing.T) {
	segs := SNR([]string{"judge", "clerk"}, room())
	if j, c := der.SeatTime(segs, "judge"), der.SeatTime(segs, "clerk"); math.Abs(j-2) > 0.25 || c > 0.1 {
		t.Fatalf("highest SNR wins: judge %.2f s, clerk %.2f s; the judge is 6 dB above the clerk's mic over its own floor", j, c)
	}
}

// The floor follows a noise that switches on: a fan 20 dB over the room noise from 4 s on
// makes speech only while the ±5 s window still reaches back before it (≤ 5 s), unlike a floor
// over the whole file, which calls all 16 s of fan speech.
func TestSNRFloorFollowsANoiseSwitchingOn(t *testing.T) {
	const rate, n = wire.SampleRate, wire.SampleRate * 20
	r := rand.New(rand.NewPCG(9, 9))
	ch := [][]int16{make([]int16, n)}
	for i := range n {
		a := 20.0
		if i >= 4*rate {
			a = 200
		}
		ch[0][i] = int16(a * r.NormFloat64())
	}
	if got := der.SeatTime(SNR([]string{"a"}, ch), "a"); got > 5.5 {
		t.Fatalf("highest SNR wins gave %.2f s of speech to a steady fan", got)
	}
	if got := der.SeatTime(Energy([]string{"a"}, ch), "a"); got < 14 {
		t.Fatalf("energy VAD gave only %.2f s to the fan; the test no longer shows the difference", got)
	}
}

func TestSlidingMin(t *testing.T) {
	x := []float64{5, 3, 4, 9, 1, 7, 8}
	got := slidingMin(x, 1)
	want := []float64{3, 3, 3, 1, 1, 1, 7}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slidingMin %v, want %v", got, want)
		}
	}
}

func TestPreviousDiarizerRuns(t *testing.T) {
	segs, err := Previous([]string{"judge", "clerk"}, room())
	if err != nil {
		t.Fatal(err)
	}
	// The previous diarizer cancels the hot mic's gain by its own floor: the judge's 2 s.
	if j, c := der.SeatTime(segs, "judge"), der.SeatTime(segs, "clerk"); math.Abs(j-2) > 0.3 || c > 0.3 {
		t.Fatalf("previous diarizer: judge %.2f s, clerk %.2f s", j, c)
	}
}

func TestEmpty(t *testing.T) {
	if s := Loudest(nil, nil); len(s) != 0 {
		t.Fatal(s)
	}
	if s := SNR(nil, nil); len(s) != 0 {
		t.Fatal(s)
	}
	if s := Energy([]string{"a"}, [][]int16{{}}); len(s) != 0 {
		t.Fatal(s)
	}
}
