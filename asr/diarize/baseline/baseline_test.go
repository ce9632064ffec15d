package baseline

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/courtscribe/courtscribe/asr/diarize"
)

// room: the judge talks from 1 to 3 s; the clerk's mic hears the judge 6 dB down but has +9 dB
// of gain, so in raw level it is the louder of the two.
func room() [][]int16 {
	const rate, n = 16000, 16000 * 5
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

func seatTime(segs []diarize.Segment, seat string) float64 {
	var s float64
	for _, x := range segs {
		if x.Seat == seat {
			s += x.End - x.Start
		}
	}
	return s
}

func TestEnergyCountsBleedAsSpeech(t *testing.T) {
	segs := Energy([]string{"judge", "clerk"}, room())
	if j, c := seatTime(segs, "judge"), seatTime(segs, "clerk"); math.Abs(j-2) > 0.1 || math.Abs(c-2) > 0.1 {
		t.Fatalf("energy VAD: judge %.2f s, clerk %.2f s; it should hear 2 s on both (bleed)", j, c)
	}
}

func TestLoudestGivesSpeechToTheHotMic(t *testing.T) {
	segs := Loudest([]string{"judge", "clerk"}, room())
	if j, c := seatTime(segs, "judge"), seatTime(segs, "clerk"); j > 0.1 || math.Abs(c-2) > 0.1 {
		t.Fatalf("loudest wins: judge %.2f s, clerk %.2f s; the hot mic should take it all", j, c)
	}
}

func TestEmpty(t *testing.T) {
	if s := Loudest(nil, nil); len(s) != 0 {
		t.Fatal(s)
	}
	if s := Energy([]string{"a"}, [][]int16{{}}); len(s) != 0 {
		t.Fatal(s)
	}
}
