package capture

import "encoding/json"
import "math"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

func TestMetersLevels(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	m := NewMeters([]string{"judge", "clerk", "witness"}, time.Second, t0)
	sine := make([]int16, 1600)
	for i := range sine {
		sine[i] = int16(math.Round(16384 * math.Sin(2*math.Pi*1000*float64(i)/16000))) // -6 dBFS peak
	}
	clip := make([]int16, 1600)
	for i := range clip {
		clip[i] = 32767
		if i%2 == 1 {
			clip[i] = -32768
		}
	}
	for k := 0; k < 10; k++ {
		m.Add(0, sine)
		m.Add(1, make([]int16, 1600))
		m.Add(2, clip[:1600])
	}
	if m.Due(t0.Add(999 * time.Millisecond)) {
		t.Fatal("due before the interval")
	}
	now := t0.Add(time.Second)
	if !m.Due(now) {
		t.Fatal("not due after the interval")
	}
	lv := m.Take(now, 16000)
	j := lv.Seats[0]
	if math.Abs(j.PeakdBFS-(-6.02)) > 0.05 || math.Abs(j.RMSdBFS-(-9.03)) > 0.05 || j.Clipped != 0 {
		t.Errorf("judge sine: %+v, want peak -6.02, rms -9.03, no clips", j)
	}
	if c := lv.Seats[1]; c.RMSdBFS != SilenceDBFS || c.PeakdBFS != SilenceDBFS {
		t.Errorf("silent clerk: %+v", c)
	}
	if w := lv.Seats[2]; w.Clipped != 16000 || w.PeakdBFS != 0 {
		t.Errorf("clipping witness: %+v, want 16000 clips at 0 dBFS", w)
	}
	// The message is valid on the wire (no -Inf, strict decoding).
	b, _ := json.Marshal(lv)
	if _, err := wire.DecodeText(b); err != nil {
		t.Fatal(err)
	}
	// A new interval starts empty.
	if m.Due(now.Add(500 * time.Millisecond)) {
		t.Fatal("due right after Take")
	}
	lv = m.Take(now.Add(time.Second), 32000)
	if lv.Seats[0].PeakdBFS != SilenceDBFS || lv.Seats[2].Clipped != 0 {
		t.Errorf("readings not reset: %+v", lv.Seats)
	}
}
