package diarize

import "math"

// learnDominance: a teaching frame's dominant channel must exceed every other by 2 dB, so a
// frame in which a neighbour's mic happens to read as loud as the talker's does not teach.
const learnDominance = 0.63

// gatedLearnMin: on a channel without a real floor of its own (a gated mic, floor.go) bleed
// teaches the model only where it stands 5 dB clear of the reference floor.
const gatedLearnMin = 2.0

// learn updates the bleed model from a frame in which one channel clearly dominates.
func (d *Diarizer) learn() {
	if d.n < 2 {
		return
	}
	dom, second, loud := 0, 0.0, 0
	for c := 1; c < d.n; c++ {
		if d.z[c] > d.z[dom] {
			dom, second = c, d.z[dom]
		} else {
			second = max(second, d.z[c])
		}
		if d.ch[c].smooth > d.ch[loud].smooth {
			loud = c
		}
	}
	if d.z[dom] < d.learnMin {
		return
	}
	if loud != dom {
		if d.frame%leadEvery != 0 {
			return
		}
		var ok bool
		if dom, ok = d.leader(dom, loud); !ok {
			return
		}
	} else if second > d.z[dom]*learnDominance {
		return
	}
	zi := d.z[dom]
	if zi < 10 {
		return
	}
	q := d.cfg.BleedQuantile
	for j := range d.n {
		if j == dom {
			continue
		}
		if !d.ch[j].floorSet && d.z[j] < gatedLearnMin {
			// A gated channel's level is measured against a borrowed floor, not its own
			// noise: near that floor the ratio says nothing about the coupling, and counting
			// it would learn the coupling several dB low.
			continue
		}
		obs := 10 * math.Log10(max(d.z[j], zi*1e-4)/max(d.zs[dom], zi))
		eta := 1.0
		if d.learnN[j][dom] > 200 {
			eta = 0.25
		}
		d.learnN[j][dom]++
		cur := d.bleedD[j][dom]
		if obs < cur {
			cur -= eta * (1 - q)
		} else {
			cur += eta * q
		}
		cur = min(max(cur, -40), 20)
		d.bleedD[j][dom] = cur
		d.bleed[j][dom] = math.Pow(10, cur/10)
	}
}
