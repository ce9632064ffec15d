package asr

import "testing"
import "unicode/utf8"

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"现在开庭。":                 "现在开庭。",
		"a\x00b":                "ab",
		"split \xe4\xb8":        "split \uFFFD",
		"line\nnext\ttab\r\x1b": "line\nnext\ttab",
		"\u0085del\x7f":         "del",
	} {
		got := CleanText(in)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}
