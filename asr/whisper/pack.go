package whisper

import "math"
import "strings"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"

// Packing (docs/asr.md, "Packing utterances"): consecutive final utterances of one hearing are
// laid out in one encoder window, a silence between them, decoded once with token timestamps,
// and the text is split back by time. These functions are the engine-independent half: the
// plan, the packed audio and the split, pure functions over samples and timestamped tokens.

// Packing defaults: a window a little under whisper's 30 s (so the decoder sees where the
// audio stops) and a silence between utterances long enough for whisper to end a segment.
const (
	PackWindowSamples = 28 * wire.SampleRate
	PackGapSamples    = wire.SampleRate * 3 / 4
)

// PackPlan groups utterances (by their sample counts, in queue order) into packed windows of
// at most window samples, gap samples of silence between neighbours. An utterance longer than
// window-… that cannot share a window is alone in its group; one longer than the window
// itself is never packed (single reports it), so it is decoded on its own as before.
func PackPlan(lengths []int, window, gap int) (groups [][]int, single []bool) {
	single = make([]bool, len(lengths))
	var cur []int
	used := 0
	flush := func() {
		if len(cur) > 0 {
			groups = append(groups, cur)
			cur, used = nil, 0
		}
	}
	for i, n := range lengths {
		if n > window {
			flush()
			groups = append(groups, []int{i})
			single[i] = true
			continue
		}
		need := n
		if len(cur) > 0 {
			need += gap
		}
		if used+need > window {
			flush()
			need = n
		}
		cur = append(cur, i)
		used += need
	}
	flush()
	return groups, single
}

// PackSpan is where one utterance lies in a packed window, in seconds.
type PackSpan struct{ Start, End float64 }

// PackAudio lays the utterances out one after another with gap samples of silence between
// them and returns the window and each utterance's span in it.
func PackAudio(utts [][]float32, gap int) ([]float32, []PackSpan) {
	total := 0
	for i, u := range utts {
		if i > 0 {
			total += gap
		}
		total += len(u)
	}
	out := make([]float32, 0, total)
	spans := make([]PackSpan, len(utts))
	for i, u := range utts {
		if i > 0 {
			out = append(out, make([]float32, gap)...)
		}
		spans[i] = PackSpan{Start: float64(len(out)) / wire.SampleRate, End: float64(len(out)+len(u)) / wire.SampleRate}
		out = append(out, u...)
	}
	return out, spans
}

// SplitPacked assigns a packed decode back to its utterances. Each token goes to the span that
// holds its midpoint, the silence between two spans split halfway; times become relative to
// the utterance and are clamped into it. A segment that lies wholly on one side is assigned
// whole. ambiguous[i] is true when utterance i's text cannot be attributed with confidence —
// a segment crosses a span boundary and its tokens have no times, or a token reaches more
// than tolerance seconds into a neighbouring utterance — and the caller must decode that
// utterance on its own instead.
func SplitPacked(t asr.Transcript, spans []PackSpan, tolerance float64) (out []asr.Transcript, ambiguous []bool) {
	out = make([]asr.Transcript, len(spans))
	ambiguous = make([]bool, len(spans))
	if len(spans) == 0 {
		return out, ambiguous
	}
	for i := range out {
		out[i] = asr.Transcript{Language: t.Language, NoSpeechProb: -1}
	}
	sp := packSpans(spans)
	for _, seg := range t.Spans {
		a, b := sp.owner(seg.Start), sp.owner(math.Max(seg.Start, seg.End-1e-6))
		if a == b {
			out[a].Spans = append(out[a].Spans, sp.shiftSegment(seg, seg.Tokens, a))
			continue
		}
		sp.splitSegment(seg, a, b, tolerance, out, ambiguous)
	}
	for i := range out {
		var texts []string
		for _, s := range out[i].Spans {
			out[i].NoSpeechProb = math.Max(out[i].NoSpeechProb, s.NoSpeechProb)
			if s.Text != "" {
				texts = append(texts, s.Text)
			}
		}
		out[i].Text = asr.JoinText(texts)
	}
	return out, ambiguous
}

// packSpans are the utterances' spans in a packed window.
type packSpans []PackSpan

// owner is the span a time belongs to: boundaries halfway through each silence.
func (sp packSpans) owner(x float64) int {
	for i := 0; i < len(sp)-1; i++ {
		if x < (sp[i].End+sp[i+1].Start)/2 {
			return i
		}
	}
	return len(sp) - 1
}

// clamp makes a window time relative to span i, clamped into it.
func (sp packSpans) clamp(x float64, i int) float64 {
	return math.Min(math.Max(x-sp[i].Start, 0), sp[i].End-sp[i].Start)
}

// overlap is how long the token lies in span j (negative: not at all).
func (sp packSpans) overlap(tk asr.Token, j int) float64 {
	return math.Min(tk.End, sp[j].End) - math.Max(tk.Start, sp[j].Start)
}

// reaches says the token of span i lies more than tolerance seconds in a neighbour's speech.
func (sp packSpans) reaches(tk asr.Token, i int, tolerance float64) bool {
	return (i > 0 && sp.overlap(tk, i-1) > tolerance) || (i < len(sp)-1 && sp.overlap(tk, i+1) > tolerance)
}

// splitSegment splits a segment that crosses spans a..b by its tokens' times into out; the
// spans it cannot attribute with confidence are marked ambiguous.
func (sp packSpans) splitSegment(seg asr.Span, a, b int, tolerance float64, out []asr.Transcript, ambiguous []bool) {
	parts := map[int][]asr.Token{}
	timed := len(seg.Tokens) > 0
	for _, tk := range seg.Tokens {
		if tk.Start < 0 || tk.End < tk.Start {
			timed = false
			break
		}
		i := sp.owner((tk.Start + tk.End) / 2)
		if sp.reaches(tk, i, tolerance) {
			ambiguous[i] = true
		}
		parts[i] = append(parts[i], tk)
	}
	if !timed {
		for i := a; i <= b; i++ {
			ambiguous[i] = true
		}
		return
	}
	for i := a; i <= b; i++ {
		if tks := parts[i]; len(tks) > 0 {
			s := seg
			s.Start, s.End = tks[0].Start, tks[len(tks)-1].End
			s.Text = strings.TrimSpace(joinTokens(tks))
			out[i].Spans = append(out[i].Spans, sp.shiftSegment(s, tks, i))
		}
	}
}

// shiftSegment is seg with tokens tks, its times made relative to span i.
func (sp packSpans) shiftSegment(seg asr.Span, tks []asr.Token, i int) asr.Span {
	s := seg
	s.Start, s.End = sp.clamp(seg.Start, i), sp.clamp(seg.End, i)
	s.Tokens = make([]asr.Token, len(tks))
	for k, tk := range tks {
		if tk.Start >= 0 {
			tk.Start, tk.End = sp.clamp(tk.Start, i), sp.clamp(tk.End, i)
		}
		s.Tokens[k] = tk
	}
	return s
}

func joinTokens(tks []asr.Token) string {
	var b strings.Builder
	for _, tk := range tks {
		b.WriteString(tk.Text)
	}
	return b.String()
}
