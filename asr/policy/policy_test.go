package policy

import "math"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"

func tone(n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*220*float64(i)/wire.SampleRate))
	}
	return out
}

func TestSplitAtQuietestPoint(t *testing.T) {
	c := DefaultConfig()
	// 70 s of tone with quiet gaps at 27 s and 55 s (inside each split window).
	pcm := tone(70*wire.SampleRate, 8000)
	for _, gap := range []float64{27, 55} {
		s := int(gap * wire.SampleRate)
		for i := s; i < s+wire.SampleRate/5; i++ {
			pcm[i] = 0
		}
	}
	u := asr.Utterance{ID: "judge@160000", Seat: "judge", Start: 10, End: 80}
	ps := c.Split(u, pcm)
	if len(ps) != 3 {
		t.Fatalf("got %d pieces, want 3", len(ps))
	}
	total := 0
	for i, p := range ps {
		total += len(p.PCM)
		if len(p.PCM) > 30*wire.SampleRate {
			t.Errorf("piece %d is %d samples, over 30 s", i, len(p.PCM))
		}
		if p.Index != i+1 || p.Count != 3 {
			t.Errorf("piece %d numbered %d/%d", i, p.Index, p.Count)
		}
		if math.Abs(p.Utterance.Duration()-float64(len(p.PCM))/wire.SampleRate) > 1e-6 {
			t.Errorf("piece %d: times %.3f..%.3f do not match %d samples", i, p.Utterance.Start, p.Utterance.End, len(p.PCM))
		}
	}
	if total != len(pcm) {
		t.Fatalf("pieces hold %d samples, want %d", total, len(pcm))
	}
	if ps[0].Utterance.ID != u.ID || ps[1].Utterance.ID == u.ID {
		t.Errorf("IDs %q %q", ps[0].Utterance.ID, ps[1].Utterance.ID)
	}
	// cut 1 lies in the first gap (10+27..10+27.2 s hearing time)
	if c1 := ps[0].Utterance.End; c1 < 37 || c1 > 37.2 {
		t.Errorf("first cut at %.3f, want inside the quiet gap 37..37.2", c1)
	}
	if c2 := ps[1].Utterance.End; c2 < 65 || c2 > 65.2 {
		t.Errorf("second cut at %.3f, want inside the quiet gap 65..65.2", c2)
	}
	if ps[2].Utterance.End != 80 || ps[1].Utterance.Start != ps[0].Utterance.End {
		t.Errorf("pieces not contiguous: %+v", ps)
	}
	// short utterances are left alone
	if got := c.Split(u, pcm[:5*wire.SampleRate]); len(got) != 1 || got[0].Count != 1 {
		t.Errorf("short utterance split: %d", len(got))
	}
}

func TestMergeBlips(t *testing.T) {
	c := DefaultConfig()
	us := []asr.Utterance{
		{ID: "a1", Seat: "a", Start: 0, End: 2},
		{ID: "b1", Seat: "b", Start: 2.1, End: 2.2}, // blip, nothing of b near: skipped
		{ID: "a2", Seat: "a", Start: 2.3, End: 2.4}, // blip 0.3 s after a1: merged into a1
		{ID: "c1", Seat: "c", Start: 5, End: 5.1},   // blip 0.2 s before c2: merged into c2
		{ID: "c2", Seat: "c", Start: 5.3, End: 7},
		{ID: "a3", Seat: "a", Start: 10, End: 10.1}, // blip far from others: skipped
	}
	kept, skipped := c.MergeBlips(us)
	if len(kept) != 2 || len(skipped) != 2 {
		t.Fatalf("kept %v skipped %v", kept, skipped)
	}
	if kept[0].ID != "a1" || kept[0].End != 2.4 {
		t.Errorf("a1 not extended: %+v", kept[0])
	}
	if kept[1].ID != "c1" || kept[1].Start != 5 || kept[1].End != 7 {
		t.Errorf("c2 not extended back: %+v", kept[1])
	}
	if skipped[0].ID != "b1" || skipped[1].ID != "a3" {
		t.Errorf("skipped %v", skipped)
	}
}

func TestPadAndValidate(t *testing.T) {
	c := DefaultConfig()
	if got := c.Pad(make([]int16, 100)); len(got) != int(1.1*wire.SampleRate) {
		t.Errorf("padded to %d", len(got))
	}
	long := make([]int16, 2*wire.SampleRate)
	if got := c.Pad(long); len(got) != len(long) {
		t.Errorf("long input changed")
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.MaxUtterance = time.Minute
	if c.Validate() == nil {
		t.Error("60 s max utterance accepted")
	}
}

func TestGuards(t *testing.T) {
	g := DefaultGuards()
	speech := tone(wire.SampleRate, 6000)
	silence := make([]int16, wire.SampleRate)
	cases := []struct {
		name     string
		text     string
		pcm      []int16
		noSpeech float64
		flagged  bool
		drop     bool
		reason   string
	}{
		{"clean", "The defendant pleads not guilty.", speech, -1, false, false, ""},
		{"silence", "Thank you.", silence, -1, true, true, "text on silence"},
		{"empty on silence", "", silence, -1, false, false, ""},
		{"repeat phrase", "I object. I object. I object. I object.", speech, -1, true, false, "repeated"},
		{"repeat zh", "谢谢谢谢谢谢谢谢谢谢", speech, -1, true, false, "repeated"},
		{"three yes is speech", "对对对，是的。", speech, -1, false, false, ""},
		{"no speech prob", "Hello there.", speech, 0.9, true, false, "no-speech"},
		{"stock phrase", "Thanks for watching!", speech, -1, true, false, "stock"},
		{"stock zh", "字幕由Amara.org社区提供", speech, -1, true, false, "stock"},
	}
	for _, c := range cases {
		v := g.Check(asr.Transcript{Text: c.text, NoSpeechProb: c.noSpeech}, c.pcm, 0)
		if (len(v.Flags) > 0) != c.flagged || v.Drop != c.drop {
			t.Errorf("%s: verdict %+v, want flagged=%v drop=%v", c.name, v, c.flagged, c.drop)
			continue
		}
		if c.reason != "" && !strings.Contains(strings.Join(v.Flags, ";"), c.reason) {
			t.Errorf("%s: flags %v lack %q", c.name, v.Flags, c.reason)
		}
	}
	g.SilenceAction = Off
	if v := g.Check(asr.Transcript{Text: "x y", NoSpeechProb: -1}, silence, 0); len(v.Flags) != 0 {
		t.Errorf("guard off still fired: %v", v)
	}
	g.MinConfidence = 0.5
	if v := g.Check(asr.Transcript{Text: "x y", NoSpeechProb: -1}, speech, 0.2); len(v.Flags) != 1 || v.Drop {
		t.Errorf("low confidence: %v", v)
	}
}

func TestRepeated(t *testing.T) {
	if u, n := Repeated("the court the court the court the court is in session", 4); u != "the court" || n != 4 {
		t.Errorf("got %q ×%d", u, n)
	}
	if _, n := Repeated("the court the court is in session", 4); n != 0 {
		t.Errorf("two repeats fired")
	}
	if u, n := Repeated("好的好的好的好的", 4); u != "好的" || n != 4 {
		t.Errorf("zh: %q ×%d", u, n)
	}
}

func TestConfidence(t *testing.T) {
	tr := asr.Transcript{Spans: []asr.Span{{Tokens: []asr.Token{
		{Text: "[_BEG_]", P: 0.1}, {Text: " Hello", P: 0.8}, {Text: " world", P: 0.6}, {Text: "<|endoftext|>", P: 0.01},
	}}}}
	if c := Confidence(tr); math.Abs(c-0.7) > 1e-9 {
		t.Errorf("confidence %v, want 0.7", c)
	}
	if Confidence(asr.Transcript{}) != 0 {
		t.Error("empty confidence not 0")
	}
}

func TestPrompt(t *testing.T) {
	p := DefaultPrompt()
	committed := strings.Repeat("word ", 100) + "the last sentence."
	got := p.Prompt([]string{"Zhang San", "Li Si", "", "contract dispute"}, committed)
	if !strings.HasPrefix(got, "Zhang San, Li Si, contract dispute. ") {
		t.Errorf("prompt %q", got)
	}
	if !strings.HasSuffix(got, "the last sentence.") {
		t.Errorf("prompt does not end with recent text: %q", got)
	}
	tail := strings.TrimPrefix(got, "Zhang San, Li Si, contract dispute. ")
	if n := len([]rune(tail)); n > 200 || strings.HasPrefix(tail, "ord") {
		t.Errorf("tail %d runes %q", n, tail)
	}
	zh := strings.Repeat("本院认为", 100)
	if n := len([]rune(p.Prompt(nil, zh))); n != 200 {
		t.Errorf("zh tail %d runes", n)
	}
	long := make([]string, 100)
	for i := range long {
		long[i] = "vocabulary"
	}
	if n := len([]rune(p.Prompt(long, ""))); n > 151 {
		t.Errorf("vocabulary not capped: %d", n)
	}
}

func FuzzGuards(f *testing.F) {
	f.Add("谢谢谢谢谢谢谢谢谢谢", 0.5)
	f.Add("I object. I object. I object. I object.", -1.0)
	f.Add("", 0.0)
	g := DefaultGuards()
	pcm := tone(wire.SampleRate/2, 3000)
	f.Fuzz(func(t *testing.T, text string, ns float64) {
		if len(text) > 2000 {
			return
		}
		v := g.Check(asr.Transcript{Text: text, NoSpeechProb: ns}, pcm, 0.5)
		if v.Drop && len(v.Flags) == 0 {
			t.Fatal("dropped without a reason")
		}
		_ = DefaultPrompt().Prompt([]string{text}, text)
	})
}
