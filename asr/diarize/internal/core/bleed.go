package core

import "math"

// Thresholds are a Config's values in the units the diarizer works in.
type Thresholds struct {
	OnLin, OffLin, Margin, LearnMin float64
	Confirm, Hang                   int // frames
	RiseSlow, RiseFast              float64
}

// NewThresholds converts cfg.
func NewThresholds(cfg Config) Thresholds {
	return Thresholds{
		OnLin:    math.Pow(10, cfg.OnThresholdDB/10) - 1,
		OffLin:   math.Pow(10, cfg.OffThresholdDB/10) - 1,
		Margin:   math.Pow(10, cfg.BleedMarginDB/10),
		LearnMin: math.Pow(10, cfg.LearnMinDB/10),
		Confirm:  max(1, int(math.Round(cfg.ConfirmSec*FramesS))),
		Hang:     max(1, int(math.Round(cfg.HangoverSec*FramesS))),
		RiseSlow: math.Pow(10, FloorRiseSlow),
		RiseFast: math.Pow(10, FloorRiseFast),
	}
}

// Bleed is the coupling model: Lin[j][i] is the level on mic j when only seat i talks,
// relative to mic i, DB the same in dB, N how many frames taught it.
type Bleed struct {
	Lin [][]float64
	DB  [][]float64
	N   [][]int
}

// NewBleed starts every coupling of n seats at priorDB.
func NewBleed(n int, priorDB float64) Bleed {
	b := Bleed{Lin: make([][]float64, n), DB: make([][]float64, n), N: make([][]int, n)}
	prior := math.Pow(10, priorDB/10)
	for j := range n {
		b.Lin[j], b.DB[j], b.N[j] = make([]float64, n), make([]float64, n), make([]int, n)
		for i := range n {
			if i != j {
				b.Lin[j][i], b.DB[j][i] = prior, priorDB
			}
		}
	}
	return b
}

// Copy returns the coupling in dB.
func (b *Bleed) Copy() [][]float64 {
	out := make([][]float64, len(b.DB))
	for j := range out {
		out[j] = append([]float64(nil), b.DB[j]...)
	}
	return out
}

// LearnDominance: a teaching frame's dominant channel must exceed every other by 2 dB, so a
// frame in which a neighbour's mic happens to read as loud as the talker's does not teach.
const LearnDominance = 0.63

// Teacher picks the channel whose talker teaches the bleed model in frame `frame`: the channel
// highest in calibrated level z, at least learnMin, that clearly dominates every other; where
// another channel is the loudest in raw level (smooth), the time lead (leader) decides who
// talks. False when the frame teaches nothing.
func Teacher(z []float64, smooth func(c int) float64, learnMin float64, frame int64,
	leader func(a, b int) (int, bool)) (int, bool) {
	n := len(z)
	if n < 2 {
		return 0, false
	}
	dom, second, loud := 0, 0.0, 0
	for c := 1; c < n; c++ {
		if z[c] > z[dom] {
			dom, second = c, z[dom]
		} else {
			second = max(second, z[c])
		}
		if smooth(c) > smooth(loud) {
			loud = c
		}
	}
	if z[dom] < learnMin {
		return 0, false
	}
	if loud != dom {
		if frame%LeadEvery != 0 {
			return 0, false
		}
		var ok bool
		if dom, ok = leader(dom, loud); !ok {
			return 0, false
		}
	} else if second > z[dom]*LearnDominance {
		return 0, false
	}
	return dom, !(z[dom] < 10)
}

// Observed is the coupling (dB) that a teaching frame shows from seat dom to channel j: the
// ratio of j's level to dom's own level as a bleed source.
func Observed(z, zs []float64, j, dom int) float64 {
	zi := z[dom]
	return 10 * math.Log10(max(z[j], zi*1e-4)/max(zs[dom], zi))
}

// Teach moves the coupling from seat i to mic j one step towards the observation obs (dB),
// tracking its quantile q.
func (b *Bleed) Teach(j, i int, obs, q float64) {
	eta := 1.0
	if b.N[j][i] > 200 {
		eta = 0.25
	}
	b.N[j][i]++
	cur := b.DB[j][i]
	if obs < cur {
		cur -= eta * (1 - q)
	} else {
		cur += eta * q
	}
	cur = min(max(cur, -40), 20)
	b.DB[j][i] = cur
	b.Lin[j][i] = math.Pow(10, cur/10)
}

// NNLSSweeps: Gauss-Seidel sweeps of the attribution (enough for the few seats of a courtroom).
const NNLSSweeps = 8

// NNLS estimates every seat's own level p by nonnegative least squares on z = A·p (A the
// coupling, its diagonal 1), by projected Gauss-Seidel on the normal equations, NNLSSweeps
// sweeps from p = 0; r is scratch for the residual z − A·p.
func NNLS(p, r, z []float64, a [][]float64) {
	n := len(z)
	clear(p)
	copy(r, z) // residual z − A·p
	for range NNLSSweeps {
		for i := range n {
			var num, den float64
			for j := range n {
				aji := 1.0
				if j != i {
					aji = a[j][i]
				}
				num += aji * r[j]
				den += aji * aji
			}
			np := max(0, p[i]+num/den)
			if dp := np - p[i]; dp != 0 {
				for j := range n {
					aji := 1.0
					if j != i {
						aji = a[j][i]
					}
					r[j] -= aji * dp
				}
				p[i] = np
			}
		}
	}
}

// Predicted is the bleed that the other seats' own levels q predict on channel c through the
// coupling row A[c].
func Predicted(row, q []float64, c int) float64 {
	var b float64
	for i := range q {
		if i != c {
			b += row[i] * q[i]
		}
	}
	return b
}
