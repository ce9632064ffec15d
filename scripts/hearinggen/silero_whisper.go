//go:build whisper

package main

import "fmt"
import "os"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/baseline"
import "github.com/courtscribe/courtscribe/asr/whisper"
import "github.com/courtscribe/courtscribe/capture/wire"

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
	return []method{
		{"Silero VAD per channel", func(seats []string, pcm [][]int16) ([]diarize.Turn, error) {
			probs, err := sileroProbs(path, pcm)
			if err != nil {
				return nil, err
			}
			flags := make([][]bool, len(pcm))
			for c, ch := range pcm {
				flags[c] = make([]bool, len(ch)/hop)
				for f := range flags[c] {
					if k := f * hop / whisper.VADFrame; k < len(probs[c]) {
						flags[c][f] = probs[c][k] > sileroThreshold
					}
				}
			}
			return baseline.FromFrames(seats, flags), nil
		}},
		{"courtscribe, turns Silero doubts dropped", func(seats []string, pcm [][]int16) ([]diarize.Turn, error) {
			turns, err := diarize.Offline(diarize.DefaultConfig(), seats, pcm, nil)
			if err != nil {
				return nil, err
			}
			probs, err := sileroProbs(path, pcm)
			if err != nil {
				return nil, err
			}
			idx := map[string]int{}
			for c, s := range seats {
				idx[s] = c
			}
			var kept []diarize.Turn
			for _, t := range turns {
				p := probs[idx[t.Seat]]
				a, b := int(t.Start*wire.SampleRate)/whisper.VADFrame, int(t.End*wire.SampleRate)/whisper.VADFrame+1
				a, b = min(max(a, 0), len(p)), min(max(b, 0), len(p))
				var sum float64
				for _, x := range p[a:b] {
					sum += float64(x)
				}
				if b > a && sum/float64(b-a) >= sileroThreshold/2 {
					kept = append(kept, t)
				}
			}
			return kept, nil
		}},
	}
}

// hop is the baselines' 10 ms frame.
const hop = wire.SampleRate / 100

// sileroProbs runs the Silero model on every channel alone.
func sileroProbs(path string, pcm [][]int16) ([][]float32, error) {
	v, err := whisper.OpenVAD(path, 1)
	if err != nil {
		return nil, err
	}
	defer v.Close()
	out := make([][]float32, len(pcm))
	for c, ch := range pcm {
		if out[c], err = v.Probs(ch); err != nil {
			return nil, err
		}
	}
	return out, nil
}
