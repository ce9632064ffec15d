package transcript

import "bytes"
import "fmt"
import "regexp"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// What `transcript verify` needs is the JSON export of a signed record. A person handed it the
// TXT or PDF export (which they had in hand), or the JSON export of a draft; the answer must
// say what the file is and what would work, not show a JSON decoder's message.

var srtCue = regexp.MustCompile(`^\d+\r?\n\d\d:\d\d:\d\d,\d\d\d --> `)

// notARecord says what b is when it is not a JSON record export at all, or "" when it may be one.
func notARecord(b []byte) string {
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	switch {
	case len(t) == 0:
		return "an empty file"
	case t[0] == '{':
		return ""
	case bytes.HasPrefix(t, []byte("%PDF-")):
		return "a PDF export (for reading and printing)"
	case bytes.HasPrefix(t, []byte("WEBVTT")):
		return "a WebVTT subtitle export"
	case srtCue.Match(t):
		return "an SRT subtitle export"
	case wavfile.IsRIFF(t) || bytes.HasPrefix(t, []byte("fLaC")):
		return "an audio file"
	}
	head := t[:min(len(t), 4096)]
	switch {
	case bytes.Contains(head, []byte("笔录")) || bytes.Contains(head, []byte("TRANSCRIPT")) || bytes.Contains(head, []byte("Transcript")):
		return "a text export (庭审笔录 / US transcript layout)"
	case bytes.IndexByte(head, 0) >= 0:
		return "a binary file"
	}
	return "a text file, not a JSON record export"
}

// howToVerify is what a person does to get a file verify can check.
const howToVerify = "verify needs the JSON export of a signed hearing: courtscribe transcript export --format json --data DIR --hearing ID"

// errNotRecord is returned for a file that is not a JSON record export.
func errNotRecord(what string) error {
	return fmt.Errorf("record: the file is %s; %s", what, howToVerify)
}
