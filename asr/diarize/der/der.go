// Package der scores seat diarization with the diarization error rate (DER) of the NIST Rich
// Transcription evaluations (md-eval): missed speech + false alarm + seat confusion over the
// total reference speech time. It is overlap-aware (several seats may speak in one frame), uses
// the fixed seat mapping of a courtroom (a seat's name is its identity; no permutation search),
// 10 ms frames, and a collar: frames within Collar seconds of any reference segment boundary
// are not scored.
package der

import (
	"math"

	"github.com/courtscribe/courtscribe/asr/diarize"
)

// Options of the scorer.
type Options struct {
	Frame  float64 // seconds (default 0.01)
	Collar float64 // seconds each side of every reference boundary (default 0.25; <0 → none)
}

// DefaultOptions: 10 ms frames, 0.25 s collar.
func DefaultOptions() Options { return Options{Frame: 0.01, Collar: 0.25} }

// Seat is the per-seat view with the fixed mapping: speech time the reference gives the
// seat, and how much of it the hypothesis missed or added on that seat.
type Seat struct {
	Reference  float64 `json:"reference"`
	Missed     float64 `json:"missed"`
	FalseAlarm float64 `json:"false_alarm"`
}

// Result holds times in seconds of scored speaker time.
type Result struct {
	Reference  float64          `json:"reference"` // total scored reference speaker time
	Missed     float64          `json:"missed"`
	FalseAlarm float64          `json:"false_alarm"`
	Confusion  float64          `json:"confusion"`
	DER        float64          `json:"der"` // (Missed+FalseAlarm+Confusion)/Reference; 0 when both are empty
	Seats      map[string]*Seat `json:"seats"`
}

// Score compares hypothesis segments with reference segments.
func Score(ref, hyp []diarize.Segment, o Options) Result {
	if o.Frame <= 0 {
		o.Frame = 0.01
	}
	if o.Collar == 0 {
		o.Collar = 0.25
	}
	collar := max(o.Collar, 0)
	var end float64
	for _, s := range ref {
		end = max(end, s.End)
	}
	for _, s := range hyp {
		end = max(end, s.End)
	}
	nf := int(math.Ceil(end/o.Frame)) + 1
	seatIdx := map[string]int{}
	var names []string
	idx := func(s string) int {
		i, ok := seatIdx[s]
		if !ok {
			i = len(names)
			seatIdx[s] = i
			names = append(names, s)
		}
		return i
	}
	// Per frame, a bit set of seats (up to 64 distinct seats; more collapse modulo 64, which
	// no courtroom reaches).
	refF := make([]uint64, nf)
	hypF := make([]uint64, nf)
	skip := make([]bool, nf)
	mark := func(f []uint64, s diarize.Segment) {
		bit := uint64(1) << (idx(s.Seat) % 64)
		a, b := frameRange(s.Start, s.End, o.Frame, nf)
		for i := a; i < b; i++ {
			f[i] |= bit
		}
	}
	for _, s := range ref {
		if s.End > s.Start {
			mark(refF, s)
		}
		if collar > 0 {
			for _, t := range []float64{s.Start, s.End} {
				a, b := frameRange(t-collar, t+collar, o.Frame, nf)
				for i := a; i < b; i++ {
					skip[i] = true
				}
			}
		}
	}
	for _, s := range hyp {
		if s.End > s.Start {
			mark(hypF, s)
		}
	}
	r := Result{Seats: map[string]*Seat{}}
	for _, n := range names {
		r.Seats[n] = &Seat{}
	}
	var refN, miss, fa, conf int
	perRef := make([]int, len(names))
	perMiss := make([]int, len(names))
	perFA := make([]int, len(names))
	for i := range nf {
		if skip[i] {
			continue
		}
		R, H := refF[i], hypF[i]
		nr, nh := popcount(R), popcount(H)
		refN += nr
		miss += max(0, nr-nh)
		fa += max(0, nh-nr)
		conf += min(nr, nh) - popcount(R&H)
		for k := range names {
			bit := uint64(1) << (k % 64)
			if R&bit != 0 {
				perRef[k]++
				if H&bit == 0 {
					perMiss[k]++
				}
			} else if H&bit != 0 {
				perFA[k]++
			}
		}
	}
	r.Reference = float64(refN) * o.Frame
	r.Missed = float64(miss) * o.Frame
	r.FalseAlarm = float64(fa) * o.Frame
	r.Confusion = float64(conf) * o.Frame
	for k, n := range names {
		r.Seats[n].Reference = float64(perRef[k]) * o.Frame
		r.Seats[n].Missed = float64(perMiss[k]) * o.Frame
		r.Seats[n].FalseAlarm = float64(perFA[k]) * o.Frame
	}
	switch {
	case refN > 0:
		r.DER = float64(miss+fa+conf) / float64(refN)
	case fa > 0:
		r.DER = math.Inf(1)
	}
	return r
}

// frameRange returns the frames whose centres lie in [a, b).
func frameRange(a, b, frame float64, nf int) (int, int) {
	lo := int(math.Ceil(a/frame - 0.5))
	hi := int(math.Ceil(b/frame - 0.5))
	return min(max(lo, 0), nf), min(max(hi, 0), nf)
}

func popcount(x uint64) int {
	n := 0
	for x != 0 {
		x &= x - 1
		n++
	}
	return n
}
