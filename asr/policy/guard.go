package policy

import "fmt"
import "strings"
import "unicode"

import "github.com/courtscribe/courtscribe/asr"

// Action is what a guard does when it fires.
type Action string

// Guard actions. Neither changes words silently: Flag keeps the text and marks the result
// suspect with the reason; Drop removes the text from the record (StatusEmpty) and keeps it in
// Result.Dropped with the reason.
const (
	Flag Action = "flag"
	Drop Action = "drop"
	Off  Action = "off"
)

// GuardConfig sets the guards against Whisper's known failures.
type GuardConfig struct {
	// SilenceDBFS: audio whose loudest 100 ms window is below this level holds no speech;
	// text on it is invented. SilenceAction applies.
	SilenceDBFS   float64
	SilenceAction Action
	// NoSpeechThreshold: an engine-reported no-speech probability above it fires
	// NoSpeechAction (engines that do not report one never fire it).
	NoSpeechThreshold float64
	NoSpeechAction    Action
	// MaxRepeats: a unit of 2..8 words (or CJK characters) repeated back to back at least
	// MaxRepeats times, or a single word/character at least 2*MaxRepeats times, fires
	// RepeatAction.
	MaxRepeats   int
	RepeatAction Action
	// Phrases are stock texts Whisper produces on noise (subtitle credits and the like); a
	// result that consists of one of them fires PhraseAction.
	Phrases      []string
	PhraseAction Action
	// MinConfidence: mean token probability below it flags the result (0 disables).
	MinConfidence float64
}

// DefaultGuards is the guard configuration courtscribe ships with.
func DefaultGuards() GuardConfig {
	return GuardConfig{
		SilenceDBFS:       -50,
		SilenceAction:     Drop,
		NoSpeechThreshold: 0.6,
		NoSpeechAction:    Flag,
		MaxRepeats:        4,
		RepeatAction:      Flag,
		Phrases: []string{
			"thank you for watching", "thanks for watching", "please subscribe",
			"subtitles by the amara.org community", "字幕由amara.org社区提供",
			"请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", "谢谢观看", "感谢观看", "优优独播剧场",
			"中文字幕", "字幕志愿者",
		},
		PhraseAction:  Flag,
		MinConfidence: 0,
	}
}

// Verdict is the outcome of the guards for one transcript.
type Verdict struct {
	Flags []string
	Drop  bool
}

// Check runs the guards on an engine transcript of pcm; confidence is the mean token
// probability (0 when unknown).
func (g GuardConfig) Check(t asr.Transcript, pcm []int16, confidence float64) Verdict {
	var v Verdict
	text := strings.TrimSpace(t.Text)
	if text == "" {
		return v
	}
	fire := func(a Action, reason string) {
		switch a {
		case Flag:
			v.Flags = append(v.Flags, reason)
		case Drop:
			v.Flags = append(v.Flags, reason)
			v.Drop = true
		case Off:
			// not reached: Check fires only the guards that are on
		}
	}
	if g.SilenceAction != Off {
		if lvl := PeakDBFS(pcm); lvl < g.SilenceDBFS {
			fire(g.SilenceAction, fmt.Sprintf("text on silence (peak %.0f dBFS < %.0f)", lvl, g.SilenceDBFS))
		}
	}
	if g.NoSpeechAction != Off && g.NoSpeechThreshold > 0 && t.NoSpeechProb > g.NoSpeechThreshold {
		fire(g.NoSpeechAction, fmt.Sprintf("no-speech probability %.2f > %.2f", t.NoSpeechProb, g.NoSpeechThreshold))
	}
	if g.RepeatAction != Off && g.MaxRepeats > 1 {
		if unit, n := Repeated(text, g.MaxRepeats); n > 0 {
			fire(g.RepeatAction, fmt.Sprintf("repeated %q ×%d", unit, n))
		}
	}
	if g.PhraseAction != Off {
		norm := normalize(text)
		for _, p := range g.Phrases {
			if np := normalize(p); np != "" && norm == np {
				fire(g.PhraseAction, fmt.Sprintf("stock hallucination phrase %q", p))
				break
			}
		}
	}
	if g.MinConfidence > 0 && confidence > 0 && confidence < g.MinConfidence {
		v.Flags = append(v.Flags, fmt.Sprintf("low confidence %.2f < %.2f", confidence, g.MinConfidence))
	}
	return v
}

// normalize lowercases and keeps letters and digits only.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Units splits text into words and single CJK characters, lowercased, punctuation dropped.
func Units(text string) []string {
	var out []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			out = append(out, w.String())
			w.Reset()
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			flush()
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			w.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// Repeated finds the longest run of a unit of 1..8 words repeated back to back: units of two or
// more words must repeat at least maxRepeats times, single words at least 2*maxRepeats times.
// It returns the unit and its count, or "", 0.
func Repeated(text string, maxRepeats int) (string, int) {
	u := Units(text)
	bestUnit, bestN := "", 0
	for n := 1; n <= 8 && 2*n <= len(u); n++ {
		need := maxRepeats
		if n == 1 {
			need = 2 * maxRepeats
		}
		for i := 0; i+n <= len(u); i++ {
			count := 1
			for j := i + n; j+n <= len(u) && equal(u[i:i+n], u[j:j+n]); j += n {
				count++
			}
			if count >= need && count > bestN {
				bestUnit, bestN = joinUnits(u[i:i+n]), count
			}
		}
	}
	return bestUnit, bestN
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func joinUnits(u []string) string {
	var b strings.Builder
	for i, s := range u {
		r := []rune(s)
		if i > 0 && (len(r) != 1 || !unicode.Is(unicode.Han, r[0])) {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// Confidence is the mean probability of the text tokens of t (special tokens such as "[_BEG_]"
// or "<|en|>" excluded); without token probabilities it is the engine's own t.Confidence.
func Confidence(t asr.Transcript) float64 {
	var sum float64
	n := 0
	for _, s := range t.Spans {
		for _, tok := range s.Tokens {
			if IsSpecialToken(tok.Text) || tok.P < 0 {
				continue
			}
			sum += tok.P
			n++
		}
	}
	if n == 0 {
		return t.Confidence
	}
	return sum / float64(n)
}

// IsSpecialToken reports whisper.cpp's special token texts ("[_BEG_]", "[_TT_150]", "<|en|>").
func IsSpecialToken(s string) bool {
	s = strings.TrimSpace(s)
	return (strings.HasPrefix(s, "[_") && strings.HasSuffix(s, "]")) ||
		(strings.HasPrefix(s, "<|") && strings.HasSuffix(s, "|>"))
}
