package baseline

import "github.com/courtscribe/courtscribe/asr/diarize"
import v1 "github.com/courtscribe/courtscribe/asr/diarize/baseline/v1"

// Previous runs the previous diarizer (package v1, the algorithm as it stood before issue 10)
// offline with its default configuration.
func Previous(seats []string, pcm [][]int16) ([]diarize.Turn, error) {
	return v1.Offline(v1.DefaultConfig(), seats, pcm, nil)
}
