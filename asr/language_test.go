package asr

import "testing"

func TestParseLanguage(t *testing.T) {
	for _, s := range []string{"zh", "en", "auto"} {
		if l, err := ParseLanguage(s); err != nil || string(l) != s {
			t.Errorf("ParseLanguage(%q) = %q, %v", s, l, err)
		}
	}
	for _, s := range []string{"", "ZH", "fr", "chinese"} {
		if _, err := ParseLanguage(s); err == nil || err.Error() != `language "`+s+`": want zh, en or auto` {
			t.Errorf("ParseLanguage(%q): %v", s, err)
		}
	}
}
