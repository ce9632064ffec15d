package stream

import "github.com/courtscribe/courtscribe/capture/wire"

// The stream stands between three clocks: the archive's (sample index at wire.SampleRate), the
// record's (milliseconds of hearing time, transcript.Segment.StartMS/EndMS) and the
// utterances' and engines' (seconds of hearing time, float64). These are its only conversions.

// seconds is the hearing time of sample index n.
func seconds(n int64) float64 { return float64(n) / wire.SampleRate }

// samplesToMS is sample index n in whole milliseconds, rounded down (a gap note's bounds).
func samplesToMS(n int64) int64 { return n * 1000 / wire.SampleRate }

// msToSeconds is a record time (milliseconds) in seconds.
func msToSeconds(ms int64) float64 { return float64(ms) / 1000 }

// secondsToSamples is a duration in seconds as a whole number of samples, rounded down.
func secondsToSamples(sec float64) int { return int(sec * wire.SampleRate) }

// ms is hearing time in seconds as the record's milliseconds, rounded to the nearest.
func ms(sec float64) int64 { return int64(sec*1000 + 0.5) }
