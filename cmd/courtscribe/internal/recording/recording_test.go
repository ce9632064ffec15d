package recording

import "bytes"
import "strings"
import "testing"

// The progress line is for terminals only: into a buffer (a pipe, a log) nothing is written.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, "diarizing", 3600*16000)
	if p != nil {
		t.Fatal("a progress line for a non-terminal writer")
	}
	p.Update(100) // nil-safe
	p.Done()
	if b.Len() != 0 {
		t.Fatalf("wrote %q", b.String())
	}
	if got := mmss(16000 * 3725); got != "1:02:05" {
		t.Fatalf("mmss = %q", got)
	}
	if got := mmss(16000 * 95); got != "1:35" {
		t.Fatalf("mmss = %q", got)
	}
}

// --seat-file mistakes are one clear line each.
func TestSeatFileFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args, seats, files []string
		want               string
	}{
		{nil, nil, []string{"judge"}, "want NAME=FILE"},
		{nil, nil, []string{"judge=a.wav", "judge=b.wav"}, "given twice"},
		{nil, []string{"judge", "clerk"}, []string{"judge=a.wav", "witness=b.wav"}, `no seat "witness" in --seats (judge, clerk)`},
		{nil, []string{"judge"}, []string{"judge=a.wav", "clerk=b.wav"}, `no seat "clerk" in --seats (judge)`},
		{nil, []string{"judge", "clerk", "witness"}, []string{"judge=a.wav", "clerk=b.wav"}, "names 3 seats but 2 --seat-file"},
		{[]string{"x.wav"}, nil, []string{"judge=a.wav"}, "not both"},
		{nil, []string{"judge"}, nil, "give the recording"},
	} {
		_, _, err := Open(tc.args, tc.seats, tc.files, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v %v: %v, want %q", tc.args, tc.seats, tc.files, err, tc.want)
		}
	}
}
