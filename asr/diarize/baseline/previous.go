package baseline

import (
	"github.com/courtscribe/courtscribe/asr/diarize"
	v1 "github.com/courtscribe/courtscribe/asr/diarize/baseline/v1"
)

// Previous runs the previous diarizer (package v1, the algorithm as it stood before issue 10)
// offline with its default configuration.
func Previous(seats []string, pcm [][]int16) ([]diarize.Segment, error) {
	segs, err := v1.Offline(v1.DefaultConfig(), seats, pcm, nil)
	if err != nil {
		return nil, err
	}
	out := make([]diarize.Segment, len(segs))
	for i, s := range segs {
		out[i] = diarize.Segment{Seat: s.Seat, Start: s.Start, End: s.End, Overlap: s.Overlap}
	}
	return out, nil
}
