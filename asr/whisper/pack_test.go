package whisper

import "math"
import "reflect"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"

func TestPackPlan(t *testing.T) {
	const sec = 16000
	groups, single := PackPlan([]int{2 * sec, 5 * sec, 31 * sec, 10 * sec, 10 * sec, 7 * sec, 1 * sec}, 28*sec, sec/2)
	want := [][]int{{0, 1}, {2}, {3, 4, 5}, {6}}
	if !reflect.DeepEqual(groups, want) {
		t.Fatalf("groups %v, want %v", groups, want)
	}
	if !reflect.DeepEqual(single, []bool{false, false, true, false, false, false, false}) {
		t.Fatalf("single %v", single)
	}
	// 10+0.5+10+0.5+7 = 28 s fits exactly; another second does not.
}

func TestPackAudio(t *testing.T) {
	a, b := []float32{1, 2, 3}, []float32{4, 5}
	win, spans := PackAudio([][]float32{a, b}, 4)
	if !reflect.DeepEqual(win, []float32{1, 2, 3, 0, 0, 0, 0, 4, 5}) {
		t.Fatalf("window %v", win)
	}
	if spans[1].Start != 7.0/wire.SampleRate || spans[1].End != 9.0/wire.SampleRate || spans[0].End != 3.0/wire.SampleRate {
		t.Fatalf("spans %+v", spans)
	}
}

func tok(text string, s, e float64) asr.Token { return asr.Token{Text: text, P: 0.9, Start: s, End: e} }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Three utterances at 0–2 s, 2.75–6 s, 6.75–8 s: one segment per utterance, one segment that
// spans two utterances and is split by its tokens, and the times come back utterance-relative.
func TestSplitPacked(t *testing.T) {
	spans := []PackSpan{{0, 2}, {2.75, 6}, {6.75, 8}}
	tr := asr.Transcript{Language: "en", Spans: []asr.Span{
		{Start: 0.1, End: 1.9, Text: "Please rise.", NoSpeechProb: 0.1, Tokens: []asr.Token{tok(" Please", 0.1, 0.8), tok(" rise.", 0.8, 1.9)}},
		{Start: 2.9, End: 7.9, Text: "Thank you. Be seated.", NoSpeechProb: 0.2, Tokens: []asr.Token{
			tok(" Thank", 2.9, 3.5), tok(" you.", 3.5, 5.8), tok(" Be", 6.8, 7.2), tok(" seated.", 7.2, 7.9)}},
	}}
	out, amb := SplitPacked(tr, spans, 0.2)
	if len(out) != 3 || amb[0] || amb[1] || amb[2] {
		t.Fatalf("%d results, ambiguous %v", len(out), amb)
	}
	for i, w := range []string{"Please rise.", "Thank you.", "Be seated."} {
		if out[i].Text != w || out[i].Language != "en" {
			t.Errorf("utterance %d: %q (%s), want %q", i, out[i].Text, out[i].Language, w)
		}
		for _, s := range out[i].Spans {
			length := spans[i].End - spans[i].Start
			if s.Start < 0 || s.End > length+1e-9 || s.Start > s.End {
				t.Errorf("utterance %d: segment %.2f–%.2f outside 0–%.2f", i, s.Start, s.End, length)
			}
			for _, tk := range s.Tokens {
				if tk.Start < 0 || tk.End > length+1e-9 {
					t.Errorf("utterance %d: token %q %.2f–%.2f outside", i, tk.Text, tk.Start, tk.End)
				}
			}
		}
	}
	if s := out[1].Spans[0]; !near(s.Start, 0.15) || !near(s.End, 3.05) {
		t.Errorf("second utterance's segment %.2f–%.2f, want 0.15–3.05", s.Start, s.End)
	}
	if s := out[2].Spans[0]; !near(s.Start, 0.05) || !near(s.End, 1.15) {
		t.Errorf("third utterance's segment %.2f–%.2f, want 0.05–1.15", s.Start, s.End)
	}
	if out[1].NoSpeechProb != 0.2 || out[0].NoSpeechProb != 0.1 {
		t.Errorf("no-speech %v %v", out[0].NoSpeechProb, out[1].NoSpeechProb)
	}
}

// Text that cannot be attributed sends the utterances back to one-by-one decoding: a segment
// across a boundary without token times, and a token that runs well into the next utterance.
func TestSplitPackedAmbiguous(t *testing.T) {
	spans := []PackSpan{{0, 2}, {2.75, 6}, {6.75, 8}}
	untimed := asr.Transcript{Spans: []asr.Span{
		{Start: 0.1, End: 1.9, Text: "Please rise.", Tokens: []asr.Token{{Text: " Please", Start: -1, End: -1}}},
		{Start: 2.9, End: 7.9, Text: "Thank you. Be seated.", Tokens: []asr.Token{{Text: " Thank", Start: -1, End: -1}}},
	}}
	out, amb := SplitPacked(untimed, spans, 0.2)
	if !reflect.DeepEqual(amb, []bool{false, true, true}) || out[0].Text != "Please rise." {
		t.Fatalf("untimed: ambiguous %v, first %q", amb, out[0].Text)
	}
	leak := asr.Transcript{Spans: []asr.Span{
		{Start: 0.1, End: 3.5, Text: "Please rise now", Tokens: []asr.Token{tok(" Please", 0.1, 0.8), tok(" risenow", 1.0, 3.5)}},
	}}
	_, amb = SplitPacked(leak, spans, 0.2)
	if !amb[0] {
		t.Fatalf("a token across the boundary was attributed: %v", amb)
	}
}
