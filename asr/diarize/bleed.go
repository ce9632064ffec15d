package diarize

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// gatedLearnMin: on a channel without a real floor of its own (a gated mic, floor.go) bleed
// teaches the model only where it stands 5 dB clear of the reference floor.
const gatedLearnMin = 2.0

// learn updates the bleed model from a frame in which one channel clearly dominates
// (core.Teacher).
func (d *Diarizer) learn() {
	dom, ok := core.Teacher(d.z, d.smooth, d.th.LearnMin, d.st.Frame, d.leader)
	if !ok || d.leanedBy(dom) >= 0 {
		return // no frame, or a neighbour leaning towards dom's mic (stage 19)
	}
	for j := range d.n {
		if j == dom {
			continue
		}
		if !d.ch[j].NF.Set && d.z[j] < gatedLearnMin {
			// A gated channel's level is measured against a borrowed floor, not its own
			// noise: near that floor the ratio says nothing about the coupling, and counting
			// it would learn the coupling several dB low.
			continue
		}
		d.bm.Teach(j, dom, core.Observed(d.z, d.zs, j, dom), d.cfg.BleedQuantile)
	}
}

func (d *Diarizer) smooth(c int) float64 { return d.ch[c].Smooth }

// leader settles which of channels a and b carries the talker by the time lead of its
// microphone (core.Lead).
func (d *Diarizer) leader(a, b int) (int, bool) {
	return d.lead.Leader(a, b, &d.ch[a].Hist, &d.ch[b].Hist)
}
