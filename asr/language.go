package asr

import "fmt"

// Language is the language an engine is asked to transcribe.
type Language string

// The languages courtscribe transcribes; LanguageAuto lets the engine detect it.
const (
	LanguageZh   Language = "zh"
	LanguageEn   Language = "en"
	LanguageAuto Language = "auto"
)

// ParseLanguage checks a language given by a flag, a config or a request: zh, en or auto.
// Anything else, "" included, is an error that names the value and what would work; callers
// prefix it with what they are ("--", "whisper: ").
func ParseLanguage(s string) (Language, error) {
	switch l := Language(s); l {
	case LanguageZh, LanguageEn, LanguageAuto:
		return l, nil
	}
	return "", fmt.Errorf("language %q: want zh, en or auto", s)
}
