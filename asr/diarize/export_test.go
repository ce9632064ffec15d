package diarize

// SetTrace installs a per-frame observer of the calibrated levels and own-speech scores.
func (d *Diarizer) SetTrace(f func(t int64, z, score []float64)) { d.trace = f }
