package main

import "bytes"
import "context"
import "encoding/json"
import "math"
import "math/rand/v2"
import "os"
import "os/exec"
import "path/filepath"
import "regexp"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// diarizeWAV writes a two-seat hearing: the judge speaks (a voiced harmonic sound) from 1 to
// 3 s, the clerk from 4 to 5.5 s; each mic hears the other seat 12 dB down, plus room noise.
func diarizeWAV(t *testing.T, rate int) string {
	t.Helper()
	n := rate * 7
	r := rand.New(rand.NewPCG(1, 1))
	voice := func(t0, t1, f0 float64) []float64 {
		out := make([]float64, n)
		for i := int(t0 * float64(rate)); i < int(t1*float64(rate)); i++ {
			sec := float64(i) / float64(rate)
			env := math.Abs(math.Sin(math.Pi * 4 * sec))
			var v float64
			for k := 1; k <= 20 && f0*float64(k) < 4000; k++ {
				v += math.Sin(2*math.Pi*f0*float64(k)*sec) / float64(k)
			}
			out[i] = 3000 * env * v
		}
		return out
	}
	judge, clerk := voice(1, 3, 120), voice(4, 5.5, 220)
	ch := [][]int16{make([]int16, n), make([]int16, n)}
	for i := range n {
		ch[0][i] = int16(judge[i] + 0.25*clerk[i] + 20*r.NormFloat64())
		ch[1][i] = int16(clerk[i] + 0.25*judge[i] + 20*r.NormFloat64())
	}
	path := filepath.Join(t.TempDir(), "hearing.wav")
	if err := wavfile.WriteMulti(path, rate, ch); err != nil {
		t.Fatal(err)
	}
	return path
}

func runDiarizeCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestDiarizeJSONContract(t *testing.T) {
	wav := diarizeWAV(t, 16000)
	out, err := runDiarizeCLI(t, "diarize", "--seats", "judge,clerk", wav, "--json")
	if err != nil {
		t.Fatal(err)
	}
	// Exactly {"segments":[{"seat":..,"start":..,"end":..,"overlap":..},...]} on one line.
	re := regexp.MustCompile(`^\{"segments":\[(\{"seat":"[a-z]+","start":[0-9.]+,"end":[0-9.]+,"overlap":(true|false)\},?)*\]\}\n$`)
	if !re.MatchString(out) {
		t.Fatalf("output does not follow the contract:\n%s", out)
	}
	var doc struct {
		Segments []struct {
			Seat       string
			Start, End float64
			Overlap    bool
		}
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Segments) != 2 {
		t.Fatalf("want the judge's and the clerk's turn, got %s", out)
	}
	j, c := doc.Segments[0], doc.Segments[1]
	if j.Seat != "judge" || math.Abs(j.Start-1) > 0.1 || math.Abs(j.End-3) > 0.25 ||
		c.Seat != "clerk" || math.Abs(c.Start-4) > 0.1 || math.Abs(c.End-5.5) > 0.25 {
		t.Fatalf("turns %+v, want judge 1–3 s and clerk 4–5.5 s", doc.Segments)
	}
}

// The same hearing at 8 and 48 kHz, in 24-bit, float, WAVE_FORMAT_EXTENSIBLE and FLAC as sox
// writes them, and as one mono file per seat, gives the same turns as the 16 kHz original
// (within the resampler's few milliseconds of delay).
func TestDiarizeOtherToolsFormats(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox is not installed (apt-get install sox): it writes the test files")
	}
	dir := t.TempDir()
	ref := diarizeWAV(t, 16000)
	want, err := runDiarizeCLI(t, "diarize", "--seats", "judge,clerk", ref, "--json")
	if err != nil {
		t.Fatal(err)
	}
	sox := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
			t.Fatalf("sox %v: %v\n%s", args, err, out)
		}
	}
	cases := map[string][]string{}
	for name, args := range map[string][]string{
		"48k-24bit.wav":     {"-r", "48000", "-b", "24"},
		"44k-float.wav":     {"-r", "44100", "-e", "floating-point", "-b", "32"},
		"8k.wav":            {"-r", "8000"},
		"extensible-32.wav": {"-b", "32"},
		"48k.flac":          {"-t", "flac", "-r", "48000", "-b", "24"},
	} {
		p := filepath.Join(dir, name)
		sox(append(append([]string{ref}, args...), p)...)
		cases[name] = []string{"diarize", "--seats", "judge,clerk", p, "--json"}
	}
	judge, clerk := filepath.Join(dir, "judge.flac"), filepath.Join(dir, "clerk.wav")
	sox(ref, "-r", "44100", judge, "remix", "1")
	sox(ref, "-b", "24", clerk, "remix", "2")
	cases["seat files"] = []string{"diarize", "--seat-file", "judge=" + judge, "--seat-file", "clerk=" + clerk, "--json"}
	cases["seat files in --seats order"] = []string{"diarize", "--seats", "judge,clerk", "--seat-file", "clerk=" + clerk, "--seat-file", "judge=" + judge, "--json"}
	parse := func(s string) []segJSON {
		var doc struct{ Segments []segJSON }
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		return doc.Segments
	}
	w := parse(want)
	for name, args := range cases {
		out, err := runDiarizeCLI(t, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g := parse(out)
		if len(g) != len(w) {
			t.Fatalf("%s: %s, want %s", name, out, want)
		}
		tol := 0.02
		if strings.HasPrefix(name, "8k") {
			tol = 0.1 // half the band is gone
		}
		for i := range w {
			if g[i].Seat != w[i].Seat || math.Abs(g[i].Start-w[i].Start) > tol || math.Abs(g[i].End-w[i].End) > tol {
				t.Fatalf("%s: %s, want %s", name, out, want)
			}
		}
	}
}

type segJSON struct {
	Seat       string
	Start, End float64
	Overlap    bool
}

func TestDiarizeTableAndScore(t *testing.T) {
	wav := diarizeWAV(t, 16000)
	out, err := runDiarizeCLI(t, "diarize", "--seats", "judge,clerk", wav)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "SEAT") || !strings.Contains(out, "judge") || !strings.Contains(out, "2 turns") {
		t.Fatalf("table:\n%s", out)
	}
	js, err := runDiarizeCLI(t, "diarize", "--seats", "judge,clerk", wav, "--json")
	if err != nil {
		t.Fatal(err)
	}
	hyp := filepath.Join(t.TempDir(), "hyp.json")
	if err := os.WriteFile(hyp, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runDiarizeCLI(t, "diarize", "score", "--ref", hyp, "--hyp", hyp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "DER 0.00%") {
		t.Fatalf("scoring a file against itself: %s", out)
	}
	for _, m := range []string{"snr", "previous", "energy", "loudest"} {
		out, err := runDiarizeCLI(t, "diarize", "--seats", "judge,clerk", "--method", m, wav)
		if err != nil || !strings.Contains(out, "judge") {
			t.Fatalf("--method %s: %v\n%s", m, err, out)
		}
	}
}

func TestDiarizeBadInput(t *testing.T) {
	wav := diarizeWAV(t, 16000)
	if _, err := runDiarizeCLI(t, "diarize", "--seats", "judge", wav); err == nil || !strings.Contains(err.Error(), "2 channels") ||
		!strings.HasPrefix(err.Error(), "hearing.wav: ") || !strings.Contains(err.Error(), "--seat-file") {
		t.Fatalf("one seat for two channels: %v", err)
	}
	mp3 := filepath.Join(t.TempDir(), "hearing.mp3")
	if err := os.WriteFile(mp3, append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 64)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runDiarizeCLI(t, "diarize", mp3); err == nil || !strings.HasPrefix(err.Error(), "hearing.mp3: an MP3") || !strings.Contains(err.Error(), "FLAC") {
		t.Fatalf("an MP3: %v", err)
	}
	if _, err := runDiarizeCLI(t, "diarize", "--seat-file", "judge=x.wav", wav); err == nil {
		t.Fatal("a FILE and --seat-file together were accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.wav")
	if err := os.WriteFile(bad, []byte("RIFF1234WAVEjunk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runDiarizeCLI(t, "diarize", bad); err == nil {
		t.Fatal("a corrupt WAV was accepted")
	}
	if _, err := runDiarizeCLI(t, "diarize", "--method", "psychic", wav); err == nil {
		t.Fatal("an unknown method was accepted")
	}
}
