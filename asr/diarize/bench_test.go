package diarize_test

import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/baseline"

// BenchmarkOffline diarizes 60 s of a 6-seat room and reports the speed in multiples of real
// time per channel (channel-seconds of audio per second).
func BenchmarkOffline(b *testing.B) {
	benchOffline(b, func(seats []string, pcm [][]int16) ([]diarize.Turn, error) {
		return diarize.Offline(diarize.DefaultConfig(), seats, pcm, nil)
	})
}

// BenchmarkOfflinePrevious is BenchmarkOffline for the previous diarizer (package
// baseline/v1), so that before and after are measured in the same run.
func BenchmarkOfflinePrevious(b *testing.B) { benchOffline(b, baseline.Previous) }

// benchOffline times run on 60 s of a 6-seat room.
func benchOffline(b *testing.B, run func(seats []string, pcm [][]int16) ([]diarize.Turn, error)) {
	b.Helper()
	rm := room{seats: 6, dur: 60, noise: 20, bleedDB: 10, delayMS: 5, seed: 11}
	for k := range 12 {
		rm.talks = append(rm.talks, talk{seat: k % 6, start: float64(k*5) + 0.3, end: float64(k*5) + 4.5, f0: 100 + float64(k%6)*25})
	}
	pcm := rm.render(b)
	seats := names(6)
	b.ResetTimer()
	for b.Loop() {
		if _, err := run(seats, pcm); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rm.dur*float64(rm.seats)*float64(b.N)/b.Elapsed().Seconds(), "xRT/channel")
}
