// Package der scores seat diarization with the diarization error rate (DER) of the NIST Rich
// Transcription evaluations (md-eval): missed speech + false alarm + seat confusion over the
// total reference speech time. It is overlap-aware (several seats may speak in one frame), uses
// the fixed seat mapping of a courtroom (a seat's name is its identity; no permutation search),
// 10 ms frames, and a collar: frames within Collar seconds of any reference segment boundary
// are not scored.
package der

import "math"

import "github.com/courtscribe/courtscribe/asr/diarize"

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
func Score(ref, hyp []diarize.Turn, o Options) Result {
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
	fr := newFrames(int(math.Ceil(end/o.Frame))+1, o.Frame)
	for _, s := range ref {
		if s.End > s.Start {
			fr.mark(fr.ref, s)
		}
		if collar > 0 {
			fr.skipAround(s.Start, collar)
			fr.skipAround(s.End, collar)
		}
	}
	for _, s := range hyp {
		if s.End > s.Start {
			fr.mark(fr.hyp, s)
		}
	}
	return fr.result()
}

// frames holds, per frame, a bit set of the seats speaking in the reference and in the
// hypothesis (up to 64 distinct seats; more collapse modulo 64, which no courtroom reaches),
// and the frames the collar leaves unscored.
type frames struct {
	frame    float64
	ref, hyp []uint64
	skip     []bool
	seatIdx  map[string]int
	names    []string
}

func newFrames(nf int, frame float64) *frames {
	return &frames{frame: frame, ref: make([]uint64, nf), hyp: make([]uint64, nf), skip: make([]bool, nf),
		seatIdx: map[string]int{}}
}

// idx numbers the seats in the order they are first seen.
func (fr *frames) idx(s string) int {
	i, ok := fr.seatIdx[s]
	if !ok {
		i = len(fr.names)
		fr.seatIdx[s] = i
		fr.names = append(fr.names, s)
	}
	return i
}

// mark sets segment s's seat in the frames it covers.
func (fr *frames) mark(f []uint64, s diarize.Turn) {
	bit := uint64(1) << (fr.idx(s.Seat) % 64)
	a, b := frameRange(s.Start, s.End, fr.frame, len(f))
	for i := a; i < b; i++ {
		f[i] |= bit
	}
}

// skipAround leaves the frames within collar of boundary t unscored.
func (fr *frames) skipAround(t, collar float64) {
	a, b := frameRange(t-collar, t+collar, fr.frame, len(fr.skip))
	for i := a; i < b; i++ {
		fr.skip[i] = true
	}
}

// result counts the scored frames.
func (fr *frames) result() Result {
	names := fr.names
	r := Result{Seats: map[string]*Seat{}}
	for _, n := range names {
		r.Seats[n] = &Seat{}
	}
	var refN, miss, fa, conf int
	perRef := make([]int, len(names))
	perMiss := make([]int, len(names))
	perFA := make([]int, len(names))
	for i := range fr.skip {
		if fr.skip[i] {
			continue
		}
		R, H := fr.ref[i], fr.hyp[i]
		nr, nh := popcount(R), popcount(H)
		refN += nr
		miss += max(0, nr-nh)
		fa += max(0, nh-nr)
		conf += min(nr, nh) - popcount(R&H)
		seatFrame(R, H, perRef, perMiss, perFA)
	}
	o := fr.frame
	r.Reference = float64(refN) * o
	r.Missed = float64(miss) * o
	r.FalseAlarm = float64(fa) * o
	r.Confusion = float64(conf) * o
	for k, n := range names {
		r.Seats[n].Reference = float64(perRef[k]) * o
		r.Seats[n].Missed = float64(perMiss[k]) * o
		r.Seats[n].FalseAlarm = float64(perFA[k]) * o
	}
	switch {
	case refN > 0:
		r.DER = float64(miss+fa+conf) / float64(refN)
	case fa > 0:
		r.DER = math.Inf(1)
	}
	return r
}

// seatFrame counts one frame (reference seats R, hypothesis seats H) per seat.
func seatFrame(R, H uint64, perRef, perMiss, perFA []int) {
	for k := range perRef {
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

// SeatTime is the time (seconds) segs give seat, overlapping segments counted each.
func SeatTime(segs []diarize.Turn, seat string) float64 {
	var t float64
	for _, x := range segs {
		if x.Seat == seat {
			t += x.End - x.Start
		}
	}
	return t
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
