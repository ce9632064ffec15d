package stream

import "testing"

import "github.com/courtscribe/courtscribe/capture/wire"

func TestUnits(t *testing.T) {
	const hour = 3600 * wire.SampleRate
	if got := seconds(hour + wire.SampleRate/2); got != 3600.5 {
		t.Errorf("seconds(1 h + 0.5 s of samples) = %v", got)
	}
	if got := samplesToMS(hour + wire.SampleRate/1000*7 + 3); got != 3600*1000+7 {
		t.Errorf("samplesToMS = %d, want 3600007 (rounded down)", got)
	}
	if got := msToSeconds(1500); got != 1.5 {
		t.Errorf("msToSeconds(1500) = %v", got)
	}
	if got := secondsToSamples(2.5); got != 5*wire.SampleRate/2 {
		t.Errorf("secondsToSamples(2.5) = %d", got)
	}
	if got := secondsToSamples(1.0 / wire.SampleRate * 0.9); got != 0 {
		t.Errorf("secondsToSamples(under one sample) = %d, want 0", got)
	}
	if ms(1.2344) != 1234 || ms(1.2346) != 1235 || ms(0) != 0 {
		t.Errorf("ms rounds to the nearest millisecond: %d %d", ms(1.2344), ms(1.2346))
	}
	// The round trips the stream relies on: whole milliseconds survive seconds and back.
	for _, v := range []int64{0, 1, 999, 1000, 3600 * 1000, 40 * 3600 * 1000} {
		if ms(msToSeconds(v)) != v {
			t.Errorf("ms(msToSeconds(%d)) = %d", v, ms(msToSeconds(v)))
		}
	}
	for _, n := range []int64{0, 16, 160, wire.SampleRate, hour} {
		if ms(seconds(n)) != samplesToMS(n) {
			t.Errorf("sample %d: ms(seconds) %d != samplesToMS %d", n, ms(seconds(n)), samplesToMS(n))
		}
	}
}
