package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadGaps: gaps.jsonl after any crash never makes recovery fail or keep invalid records.
func FuzzReadGaps(f *testing.F) {
	f.Add([]byte(`{"first_sample":0,"samples":10,"reason":"overflow"}` + "\n"))
	f.Add([]byte(`{"first_sample":-1,"samples":10}` + "\n" + `{"first`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), GapsFile)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		gaps, _, err := ReadGapsFile(p)
		if err != nil && !strings.Contains(err.Error(), "token too long") {
			t.Fatal(err)
		}
		for _, g := range gaps {
			if g.FirstSample < 0 || g.Samples < 1 {
				t.Fatalf("invalid record kept: %+v", g)
			}
		}
	})
}

// The gaps of a hearing are the manifest's once it is closed, the gap log's before; a torn
// last line of the log (a crash while appending) is dropped, not an error.
func TestHearingGaps(t *testing.T) {
	dir := t.TempDir()
	if gaps, err := HearingGaps(dir); err != nil || len(gaps) != 0 {
		t.Fatalf("no files: %v %v", gaps, err)
	}
	os.WriteFile(filepath.Join(dir, GapsFile), []byte(`{"first_sample":16000,"samples":8000,"reason":"overflow"}`+"\n"+`{"first_sa`), 0o644)
	gaps, err := HearingGaps(dir)
	if err != nil || len(gaps) != 1 || gaps[0].FirstSample != 16000 || gaps[0].Samples != 8000 || gaps[0].Reason != "overflow" {
		t.Fatalf("gap log: %+v %v", gaps, err)
	}
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"gaps":[{"first_sample":32000,"samples":1,"reason":"agent-down"}]}`), 0o644)
	if gaps, err := HearingGaps(dir); err != nil || len(gaps) != 1 || gaps[0].FirstSample != 32000 {
		t.Fatalf("manifest: %+v %v", gaps, err)
	}
	if p, err := SeatPath("D", "h1", "judge"); err != nil || p != filepath.Join("D", HearingsDir, "h1", AudioDir, "judge.wav") {
		t.Errorf("SeatPath: %q %v", p, err)
	}
	if r := Rel("h1", SeatFile("judge")); r != "hearings/h1/audio/judge.wav" {
		t.Errorf("Rel: %q", r)
	}
	for _, bad := range [][2]string{{"..", "judge"}, {"h1", "a/b"}, {"", "judge"}, {"h1", "."}} {
		if _, err := SeatPath("D", bad[0], bad[1]); err == nil {
			t.Errorf("SeatPath(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
