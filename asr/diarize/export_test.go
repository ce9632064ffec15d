package diarize

// SetTrace installs a per-frame observer of the calibrated levels and own-speech scores.
func (d *Diarizer) SetTrace(f func(t int64, z, score []float64)) { d.trace = f }

// Floors returns each channel's noise floor (band power).
func (d *Diarizer) Floors() []float64 {
	out := make([]float64, d.n)
	for i := range out {
		out[i] = d.ch[i].NF.Level
	}
	return out
}

// Smooth returns each channel's smoothed band power.
func (d *Diarizer) Smooth() []float64 {
	out := make([]float64, d.n)
	for i := range out {
		out[i] = d.ch[i].Smooth
	}
	return out
}

// Internals returns the own levels p and predicted bleed of the last frame.
func (d *Diarizer) Internals() (p, bl []float64) {
	return append([]float64(nil), d.p...), append([]float64(nil), d.bl...)
}

// Voicing pushes x through a one-seat diarizer and returns the last frame's periodicity and
// tonality (the voicing measures a turn start uses).
func Voicing(x []int16) (per, ton float64) {
	d, ch := pushOneSeat(x)
	return d.periodicity(0), tonality(ch.Pow[binLo:binHi+1], ch.band)
}

// pushOneSeat pushes x through a one-seat diarizer and returns it and its channel.
func pushOneSeat(x []int16) (*Diarizer, *channel) {
	d, err := New(DefaultConfig(), []string{"a"}, nil)
	if err != nil {
		panic(err)
	}
	if _, err := d.Push([][]int16{x}); err != nil {
		panic(err)
	}
	return d, &d.ch[0]
}

// LowShare is the share of the last frame's speech-band power below 1 kHz (stage 10) after
// pushing x through a one-seat diarizer.
func LowShare(x []int16) float64 {
	_, ch := pushOneSeat(x)
	return lowShare(ch.Pow[binLo:binHi+1], ch.band)
}

// LearnedLead is seat c's learned lead at mic j (stage 16), and whether it is learned.
func (d *Diarizer) LearnedLead(c, j int) (int, bool) { return d.learnedLead(c, j) }
