package backfill

import "context"

// AudioSource gives a seat's audio for a span of hearing time (16 kHz mono); the audio
// archive's reader (asr/archive.Archive) is one.
type AudioSource interface {
	Audio(ctx context.Context, hearing, seat string, start, end float64) ([]int16, error)
}
