//go:build whisper

package main

import (
	"fmt"
	"os"

	"github.com/courtscribe/courtscribe/asr/diarize"
	"github.com/courtscribe/courtscribe/asr/diarize/baseline"
	"github.com/courtscribe/courtscribe/asr/whisper"
	"github.com/courtscribe/courtscribe/capture/wire"
)

// sileroModel is the Silero model the comparison loads: $COURTSCRIBE_SILERO, else the one in
// the shared test data next to the repository (hearinggen runs from the repository root).
func sileroModel() string {
	if p := os.Getenv("COURTSCRIBE_SILERO"); p != "" {
		return p
	}
	return "../shared/testdata/for-tests-silero-v6.2.0-ggml.bin"
}

// sileroThreshold is Silero's usual speech threshold (whisper.cpp's default too).
const sileroThreshold = 0.5

// taggedMethods adds the real Silero VAD (whisper.cpp's whisper_vad_*), run on every channel
// alone like the energy VAD: a speech detector, not a seat attributor, so it shows what a
// better detector does against bleed and non-speech sounds.
func taggedMethods() []method {
	path := sileroModel()
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(os.Stderr, "hearinggen: no Silero model (%v): the Silero VAD baseline is left out\n", err)
		return nil
	}
	return []method{{"Silero VAD per channel", func(seats []string, pcm [][]int16) ([]diarize.Turn, error) {
		v, err := whisper.OpenVAD(path, 1)
		if err != nil {
			return nil, err
		}
		defer v.Close()
		flags := make([][]bool, len(pcm))
		hop := wire.SampleRate / 100 // the baselines' 10 ms frames
		for c, ch := range pcm {
			p, err := v.Probs(ch)
			if err != nil {
				return nil, err
			}
			flags[c] = make([]bool, len(ch)/hop)
			for f := range flags[c] {
				if k := f * hop / whisper.VADFrame; k < len(p) {
					flags[c][f] = p[k] > sileroThreshold
				}
			}
		}
		return baseline.FromFrames(seats, flags), nil
	}}}
}
