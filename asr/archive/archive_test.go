package archive

import "errors"
import "io/fs"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"

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

// ReadManifestFiles reads the file list leniently (other tools' names for the fields, unknown
// fields ignored) but insists on a name and a SHA-256 for every entry.
func TestReadManifestFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadManifestFiles(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no manifest: %v", err)
	}
	sum := strings.Repeat("Ab", 32)
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"tool":"other","created":"not a time","files":[` +
		`{"name":"judge.wav","path":"ignored.wav","sha256":"` + sum + `","bytes":10,"size":99},` +
		`{"file":"x/clerk.wav","sha256":"` + sum + `","size":7},` +
		`{"path":"audio/bar.wav","sha256":"` + sum + `","seat":"bar","samples":"ignored"}]}`)
	files, err := ReadManifestFiles(dir)
	want := []ManifestFileEntry{
		{Path: "audio/judge.wav", SHA256: strings.ToLower(sum), Bytes: 10},
		{Path: "x/clerk.wav", SHA256: strings.ToLower(sum), Bytes: 7},
		{Path: "audio/bar.wav", SHA256: strings.ToLower(sum)},
	}
	if err != nil || !slices.Equal(files, want) {
		t.Fatalf("lenient manifest: %+v %v", files, err)
	}
	p := filepath.Join(dir, ManifestFile)
	for in, msg := range map[string]string{
		`{"files":[{"name":"x.wav"}]}`:                                             p + ": audio manifest: an entry lacks a name or a SHA-256",
		`{"files":[{"sha256":"` + sum + `"}]}`:                                     p + ": audio manifest: an entry lacks a name or a SHA-256",
		`{"files":[{"name":"x.wav","sha256":"` + strings.Repeat("zz", 32) + `"}]}`: p + ": audio manifest: x.wav: bad sha256",
	} {
		write(in)
		if _, err := ReadManifestFiles(dir); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %s", in, err, msg)
		}
	}
	write(`{"files":{}}`)
	if _, err := ReadManifestFiles(dir); err == nil || !strings.HasPrefix(err.Error(), p+": audio manifest: json: ") {
		t.Errorf("files not a list: %v", err)
	}
}
