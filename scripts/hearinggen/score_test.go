package main

import "bytes"
import "context"
import "math"
import "math/rand/v2"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// scoreHearingFiles writes a 4 s hearing of two seats to dir as NAME.wav and NAME.truth.json:
// the judge speaks 1.0–2.5 s (a 140 Hz voice with harmonics, bleeding 15 dB down onto the
// clerk's mic) over a quiet noise floor; the truth also holds a cough and the air conditioner
// switching on. rate and chans are the WAV's.
func scoreHearingFiles(t *testing.T, dir, name string, rate, chans int) (wav, truth string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	n := 4 * rate
	pcm := make([][]int16, chans)
	for c := range pcm {
		pcm[c] = make([]int16, n)
		for i := range pcm[c] {
			v := 30 * rng.NormFloat64()
			if ts := float64(i) / float64(rate); ts >= 1 && ts < 2.5 {
				var voice float64
				for h := 1.0; h <= 12; h++ {
					voice += math.Sin(2*math.Pi*140*h*ts) / h
				}
				voice *= 3000 * (0.6 + 0.4*math.Sin(2*math.Pi*4*ts))
				if c > 0 {
					voice *= math.Pow(10, -15.0/20)
				}
				v += voice
			}
			pcm[c][i] = int16(max(-32768, min(32767, v)))
		}
	}
	wav = filepath.Join(dir, name+".wav")
	if err := wavfile.WriteMulti(wav, rate, pcm); err != nil {
		t.Fatal(err)
	}
	truth = filepath.Join(dir, name+".truth.json")
	writeFile(t, truth, `{"segments": [{"seat": "judge", "start": 1.0, "end": 2.5, "overlap": false}],
 "events": [{"kind": "cough", "source": "gallery", "start": 3.0, "end": 3.3},
            {"kind": "ac_on", "source": "hvac", "start": 0.2, "end": 1.5}],
 "lines": [{"seat": "judge", "text": "Please be seated.", "start": 1.0, "end": 2.5}]}`)
	return wav, truth
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScore: `hearinggen score` runs every method of bench on a WAV and its truth JSON (the
// format scripts/altroom/render.py writes), prints bench's table and writes one Markdown row per
// hearing and their mean; the reference is scored as bench scores it (0.25 s collar).
func TestScore(t *testing.T) {
	dir := t.TempDir()
	wav, truth := scoreHearingFiles(t, dir, "one", 16000, 2)
	rw, err := scoreHearing(wav, truth, []string{"judge", "clerk"}, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rw.name != "one" || rw.seats != 2 || rw.dur != 4 || len(rw.res) != len(methods) || rw.switches != 1 || rw.target != 5 {
		t.Fatalf("row %+v", rw)
	}
	for k, x := range rw.res {
		// 1.5 s of reference speech less the 0.25 s collar either end; the cough is the one sound.
		if math.Abs(x.der.Reference-1.0) > 0.011 || x.soundsTotal != 1 {
			t.Errorf("%s: reference %.2f s, %d sounds; want 1.00 s, 1", methods[k].name, x.der.Reference, x.soundsTotal)
		}
	}

	wav2, _ := scoreHearingFiles(t, dir, "two", 16000, 2)
	md := filepath.Join(dir, "out", "score.md")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"score", "-seats", "judge, clerk", "-target", "5", "-runs", "1", "-md", md, wav, wav2}, &out); err != nil {
		t.Fatal(err)
	}
	for _, m := range methods {
		if strings.Count(out.String(), "\n  "+m.name+" ") != 2 {
			t.Errorf("output has not one %q line per hearing:\n%s", m.name, out.String())
		}
	}
	if !strings.Contains(out.String(), "one: 2 seats, 4.0 s; reference "+truth) {
		t.Errorf("output does not name the hearing and its reference:\n%s", out.String())
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[2], "| one | 2, 4 s | ≤ 5 % | ") ||
		!strings.HasPrefix(lines[3], "| two | ") || !strings.HasPrefix(lines[4], "| **mean of 2** |") {
		t.Fatalf("markdown:\n%s", b)
	}
	for _, l := range lines {
		if c := strings.Count(l, "|"); c != strings.Count(lines[0], "|") {
			t.Errorf("%d columns in %q, header has %d", c-1, l, strings.Count(lines[0], "|")-1)
		}
	}
}

// TestScoreBadInput: wrong or missing input is an error that says what is wrong, never a panic.
func TestScoreBadInput(t *testing.T) {
	dir := t.TempDir()
	wav, truth := scoreHearingFiles(t, dir, "ok", 16000, 2)
	wav8k, _ := scoreHearingFiles(t, dir, "rate", 8000, 2)
	lonely := filepath.Join(dir, "lonely.wav") // no truth beside it
	if err := os.Link(wav, lonely); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.wav")
	writeFile(t, garbage, "RIFF\x10\x00\x00\x00WAVEfmt nonsense")
	bad := func(name, s string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, s)
		return p
	}
	malformed := bad("malformed.json", `{"segments": [{"seat": "judge", "start": 1.0,`)
	wrongType := bad("wrongtype.json", `{"segments": {"seat": "judge"}}`)
	empty := bad("empty.json", `{"segments": [], "events": []}`)
	stranger := bad("stranger.json", `{"segments": [{"seat": "bailiff", "start": 1.0, "end": 2.0}]}`)
	backwards := bad("backwards.json", `{"segments": [{"seat": "judge", "start": 2.0, "end": 1.0}]}`)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no seats", []string{wav}, "-seats is required"},
		{"a seat without a name", []string{"-seats", "judge,,clerk", wav}, "name of its own"},
		{"a seat twice", []string{"-seats", "judge,judge", wav}, "name of its own"},
		{"no WAV", []string{"-seats", "judge,clerk"}, "no WAV files"},
		{"-truth with two WAVs", []string{"-seats", "judge,clerk", "-truth", truth, wav, wav}, "one WAV"},
		{"negative target", []string{"-seats", "judge,clerk", "-target", "-1", wav}, "-target"},
		{"missing WAV", []string{"-seats", "judge,clerk", "-truth", truth, filepath.Join(dir, "absent.wav")}, "absent.wav"},
		{"missing truth", []string{"-seats", "judge,clerk", lonely}, "lonely.truth.json"},
		{"malformed truth", []string{"-seats", "judge,clerk", "-truth", malformed, wav}, "malformed.json"},
		{"truth of the wrong shape", []string{"-seats", "judge,clerk", "-truth", wrongType, wav}, "wrongtype.json"},
		{"truth without segments", []string{"-seats", "judge,clerk", "-truth", empty, wav}, "no reference segments"},
		{"truth of another seat", []string{"-seats", "judge,clerk", "-truth", stranger, wav}, `"bailiff"`},
		{"segment ending before it starts", []string{"-seats", "judge,clerk", "-truth", backwards, wav}, "from 2 s to 1 s"},
		{"more seats than channels", []string{"-seats", "judge,clerk,witness", wav}, "2 channels, want 16000 × 3"},
		{"fewer seats than channels", []string{"-seats", "judge", "-truth", truth, wav}, "2 channels, want 16000 × 1"},
		{"8 kHz", []string{"-seats", "judge,clerk", wav8k}, "8000 Hz"},
		{"not a WAV", []string{"-seats", "judge,clerk", "-truth", truth, garbage}, "garbage.wav"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"score", "-runs", "1"}, c.args...), &out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
