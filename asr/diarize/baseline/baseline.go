// Package baseline holds the seat diarizers the benchmark compares courtscribe's diarizer with,
// run on the same audio:
//
//   - Energy: each channel on its own, speech when its 10 ms energy exceeds the channel's noise
//     level (10th percentile of the whole file) by ThresholdDB, with the same hangover. This is
//     "transcribe every channel separately": bleed becomes speech on every seat.
//   - Loudest: in every frame, the channel with the highest raw energy (over the last 200 ms)
//     gets the frame if it is speech by the rule above ("loudest channel wins"): no overlaps, and a hot mic steals its
//     neighbours' speech.
//   - SNR: "highest SNR over its own floor wins" (issue 10's 30 lines of numpy): like Loudest,
//     but each channel is measured above its own running noise floor, which cancels mic gains.
//   - Previous: the diarizer as it was before issue 10, frozen in package v1.
package baseline

import "math"
import "slices"

import "github.com/courtscribe/courtscribe/asr/diarize"

// ThresholdDB above the noise level makes a frame speech.
const ThresholdDB = 9

// HangoverFrames bridges pauses up to 0.4 s, like the diarizer's default.
const HangoverFrames = 40

const hop = 160

// frameEnergy returns per-channel 10 ms energies in dB and each channel's speech flags.
func frameEnergy(pcm [][]int16) (en [][]float64, speech [][]bool) {
	n := len(pcm)
	nf := 0
	if n > 0 {
		nf = len(pcm[0]) / hop
	}
	en = make([][]float64, n)
	speech = make([][]bool, n)
	for c := range n {
		en[c] = make([]float64, nf)
		for f := range nf {
			var e float64
			for _, v := range pcm[c][f*hop : (f+1)*hop] {
				e += float64(v) * float64(v)
			}
			en[c][f] = 10 * math.Log10(e/hop+1)
		}
		sorted := slices.Clone(en[c])
		slices.Sort(sorted)
		noise := 0.0
		if nf > 0 {
			noise = sorted[nf/10]
		}
		speech[c] = make([]bool, nf)
		for f := range nf {
			speech[c][f] = en[c][f] > noise+ThresholdDB
		}
	}
	return en, speech
}

// FromFrames turns per-seat speech flags of 10 ms frames into turns the way every baseline
// here does (a gap longer than HangoverFrames ends a turn), for detectors outside this package
// (the Silero VAD under the whisper tag).
func FromFrames(seats []string, flags [][]bool) []diarize.Turn { return toSegments(seats, flags) }

// Energy runs the per-channel energy VAD.
func Energy(seats []string, pcm [][]int16) []diarize.Turn {
	_, speech := frameEnergy(pcm)
	return toSegments(seats, speech)
}

// Loudest runs "loudest channel wins".
func Loudest(seats []string, pcm [][]int16) []diarize.Turn {
	en, speech := frameEnergy(pcm)
	if len(en) == 0 {
		return nil
	}
	// Compare loudness over 200 ms (moving average of power), so the winner does not flicker
	// in every pause between words.
	sm := make([][]float64, len(en))
	for c := range en {
		sm[c] = movingPower(en[c])
	}
	own := make([][]bool, len(en))
	for c := range own {
		own[c] = make([]bool, len(en[0]))
	}
	for f, best := range highest(sm) {
		own[best][f] = speech[best][f]
	}
	return toSegments(seats, own)
}

// spanFrames: the baselines compare loudness over 200 ms.
const spanFrames = 20

// movingPower returns, per frame, the power summed over the last spanFrames frames of the
// energies en (dB).
func movingPower(en []float64) []float64 {
	out := make([]float64, len(en))
	var acc float64
	for f := range en {
		acc += math.Pow(10, en[f]/10)
		if f >= spanFrames {
			acc -= math.Pow(10, en[f-spanFrames]/10)
		}
		out[f] = acc
	}
	return out
}

// highest returns, per frame, the channel with the highest value (the first of equals).
func highest(val [][]float64) []int {
	out := make([]int, len(val[0]))
	for f := range out {
		best := 0
		for c := range val {
			if val[c][f] > val[best][f] {
				best = c
			}
		}
		out[f] = best
	}
	return out
}

// toSegments turns frame flags into segments, bridging pauses up to the hangover.
func toSegments(seats []string, flags [][]bool) []diarize.Turn {
	var out []diarize.Turn
	for c, fl := range flags {
		start, last := -1, -1
		for f, on := range fl {
			if !on {
				continue
			}
			if start >= 0 && f-last > HangoverFrames {
				out = append(out, diarize.Turn{Seat: seats[c], Start: float64(start) / 100, End: float64(last+1) / 100})
				start = -1
			}
			if start < 0 {
				start = f
			}
			last = f
		}
		if start >= 0 {
			out = append(out, diarize.Turn{Seat: seats[c], Start: float64(start) / 100, End: float64(last+1) / 100})
		}
	}
	markOverlaps(out)
	diarize.SortTurns(out)
	return out
}

func markOverlaps(s []diarize.Turn) {
	for i := range s {
		for j := range s {
			if s[i].Seat != s[j].Seat && s[i].Start < s[j].End && s[j].Start < s[i].End {
				s[i].Overlap = true
			}
		}
	}
}

// SNRWindowFrames is the span (±5 s) over which SNR takes a channel's noise floor.
const SNRWindowFrames = 500

// SNR runs "highest SNR over its own floor wins": each channel's floor is the minimum of its
// 200 ms power over the surrounding ±5 s (so it follows an air conditioner switching on), and in
// every frame the channel whose 200 ms power stands highest above its own floor gets the frame
// if that excess is at least ThresholdDB. The floor cancels a mic's preamp gain (a hot mic's
// noise is as hot as its speech), which loudest-wins cannot; it still has no notion of
// reverberation or of double talk.
func SNR(seats []string, pcm [][]int16) []diarize.Turn {
	en, _ := frameEnergy(pcm)
	if len(en) == 0 {
		return nil
	}
	nf := len(en[0])
	snr := make([][]float64, len(en))
	for c := range en {
		sm := movingPower(en[c])
		for f, acc := range sm {
			sm[f] = 10 * math.Log10(max(acc, 0)/float64(min(f+1, spanFrames))+1)
		}
		floor := slidingMin(sm, SNRWindowFrames)
		snr[c] = make([]float64, nf)
		for f := range nf {
			snr[c][f] = sm[f] - floor[f]
		}
	}
	own := make([][]bool, len(en))
	for c := range own {
		own[c] = make([]bool, nf)
	}
	for f, best := range highest(snr) {
		own[best][f] = snr[best][f] >= ThresholdDB
	}
	return toSegments(seats, own)
}

// slidingMin returns, for every index, the minimum of x over [i−w, i+w] (monotonic deque).
func slidingMin(x []float64, w int) []float64 {
	out := make([]float64, len(x))
	var dq []int // indices with increasing values
	next := 0
	for i := range x {
		for ; next < len(x) && next <= i+w; next++ {
			for len(dq) > 0 && x[dq[len(dq)-1]] >= x[next] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for dq[0] < i-w {
			dq = dq[1:]
		}
		out[i] = x[dq[0]]
	}
	return out
}
