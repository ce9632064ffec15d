package policy

import "strings"
import "unicode/utf8"

// PromptConfig bounds the initial prompt. whisper.cpp keeps at most n_text_ctx/2 (224) prompt
// tokens and drops the oldest, so the vocabulary comes first and is capped, and the recent
// committed text comes last.
type PromptConfig struct {
	VocabularyRunes int // cap on the vocabulary part
	CommittedRunes  int // tail of the hearing's committed text (~200 characters)
}

// DefaultPrompt is the prompt configuration courtscribe ships with.
func DefaultPrompt() PromptConfig { return PromptConfig{VocabularyRunes: 150, CommittedRunes: 200} }

// Prompt builds the initial prompt from the hearing vocabulary (party names, case terms, legal
// words) and the hearing's committed text so far.
func (c PromptConfig) Prompt(vocabulary []string, committed string) string {
	var parts []string
	if len(vocabulary) > 0 {
		var b strings.Builder
		n := 0
		for _, w := range vocabulary {
			w = strings.TrimSpace(w)
			if w == "" {
				continue
			}
			k := utf8.RuneCountInString(w) + 2 // with ", "
			if n+k > c.VocabularyRunes {
				break
			}
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w)
			n += k
		}
		if b.Len() > 0 {
			parts = append(parts, b.String()+".")
		}
	}
	if t := Tail(strings.TrimSpace(committed), c.CommittedRunes); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// Tail returns the last n runes of s, starting at a word boundary where one is near.
func Tail(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	t := r[len(r)-n:]
	// avoid a cut word: skip to after the first space within the first 20 runes
	for i := 0; i < len(t) && i < 20; i++ {
		if t[i] == ' ' {
			return strings.TrimSpace(string(t[i+1:]))
		}
	}
	return string(t)
}
