package capture

import "math"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

// SilenceDBFS is the floor reported for digital silence (JSON has no -Inf).
const SilenceDBFS = -120.0

// Meters measures each seat's level over an interval: RMS and peak in dBFS relative to a
// full-scale square wave (a full-scale sine reads -3.01 dB RMS, 0 dB peak) and the number of
// clipped samples (at the int16 limits). Time is passed in, so tests are deterministic. Not
// safe for concurrent use.
type Meters struct {
	seats    []string
	interval time.Duration
	sumsq    []float64
	peak     []int32
	clipped  []int
	n        int64
	last     time.Time
}

// NewMeters makes meters for the seats (in channel order) that report every interval.
func NewMeters(seats []string, interval time.Duration, now time.Time) *Meters {
	return &Meters{
		seats: seats, interval: interval, last: now,
		sumsq: make([]float64, len(seats)), peak: make([]int32, len(seats)), clipped: make([]int, len(seats)),
	}
}

// Add accounts the samples of one seat (index in seat order).
func (m *Meters) Add(seat int, pcm []int16) {
	var ss float64
	pk := m.peak[seat]
	cl := 0
	for _, s := range pcm {
		v := int32(s)
		ss += float64(v * v)
		if v < 0 {
			v = -v
		}
		if v > pk {
			pk = v
		}
		if v >= 32767 {
			cl++
		}
	}
	m.sumsq[seat] += ss
	m.peak[seat] = pk
	m.clipped[seat] += cl
	if seat == 0 {
		m.n += int64(len(pcm))
	}
}

// Due reports whether an interval has passed since the last report.
func (m *Meters) Due(now time.Time) bool { return now.Sub(m.last) >= m.interval }

// Take returns the readings since the last Take and starts a new interval at now.
func (m *Meters) Take(now time.Time, atSample int64) wire.Levels {
	lv := wire.Levels{Type: wire.TypeLevels, AtSample: atSample, Seats: make([]wire.SeatLevel, len(m.seats))}
	for i, name := range m.seats {
		rms := SilenceDBFS
		if m.n > 0 && m.sumsq[i] > 0 {
			rms = dbfs(math.Sqrt(m.sumsq[i] / float64(m.n)))
		}
		pk := SilenceDBFS
		if m.peak[i] > 0 {
			pk = dbfs(float64(m.peak[i]))
		}
		lv.Seats[i] = wire.SeatLevel{Seat: name, RMSdBFS: rms, PeakdBFS: pk, Clipped: m.clipped[i]}
		m.sumsq[i], m.peak[i], m.clipped[i] = 0, 0, 0
	}
	m.n = 0
	m.last = now
	return lv
}

func dbfs(v float64) float64 {
	d := 20 * math.Log10(v/32768)
	if d < SilenceDBFS {
		return SilenceDBFS
	}
	return math.Round(d*100) / 100
}
