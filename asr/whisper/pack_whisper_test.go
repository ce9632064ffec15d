//go:build whisper

package whisper

import (
	"context"
	"testing"

	"github.com/courtscribe/courtscribe/asr"
)

// TestTranscribePacked: five short utterances and one longer than the window come back as six
// transcripts in order, every time inside its own utterance; the short ones cost one encoder
// window plus one per utterance that fell back, the long one is decoded on its own.
func TestTranscribePacked(t *testing.T) {
	e := deterministic(t, randomTiny(t), 1, false)
	utts := testUtterances(t, 5)
	long := make([]int16, PackWindowSamples+16000)
	copy(long, jfk(t))
	var reqs []asr.Request
	for _, u := range utts {
		reqs = append(reqs, asr.Request{PCM: u, Language: "en"})
	}
	reqs = append(reqs, asr.Request{PCM: long, Language: "en"})
	before := e.Encodes()
	out, st, err := e.TranscribePacked(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(reqs) {
		t.Fatalf("%d transcripts for %d utterances", len(out), len(reqs))
	}
	passes := e.Encodes() - before
	t.Logf("stats %+v, %d encoder passes", st, passes)
	if st.Windows != 1 || st.Packed+st.Fallbacks != 5 || st.Single != 1 {
		t.Errorf("stats %+v: want one window for the five short utterances and the long one alone", st)
	}
	if passes != st.Windows+st.Fallbacks+st.Single {
		t.Errorf("%d encoder passes, want %d (one per window and per utterance decoded alone)", passes, st.Windows+st.Fallbacks+st.Single)
	}
	if len(st.Alone) == 0 || st.Alone[len(st.Alone)-1] != 5 {
		t.Errorf("decoded alone %v: the utterance longer than the window must be", st.Alone)
	}
	alone := map[int]bool{}
	for _, i := range st.Alone {
		alone[i] = true
	}
	// Packed results carry times inside their own utterance (a one-by-one decode is whisper's
	// own answer, which with random weights may run past the audio: not packing's concern).
	for i, tr := range out {
		if alone[i] {
			continue
		}
		dur := float64(len(reqs[i].PCM)) / 16000
		for _, s := range tr.Segments {
			if s.Start < 0 || s.End > dur+1e-6 || s.Start > s.End {
				t.Errorf("utterance %d (%.1f s): segment %.2f–%.2f %q outside it", i, dur, s.Start, s.End, s.Text)
			}
			for _, tk := range s.Tokens {
				if tk.Start != -1 || tk.End != -1 {
					t.Errorf("utterance %d: token times %v–%v without TokenTimestamps", i, tk.Start, tk.End)
				}
			}
		}
	}
}
