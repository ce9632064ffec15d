package scene

import "context"
import "os/exec"
import "slices"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/capture/wire"

const tiny = `{
  "name": "tiny", "seed": 3,
  "seats": [
    {"name": "judge", "voice": "en-gb+m3", "pitch": 30},
    {"name": "clerk", "voice": "cmn-latn-pinyin+f2", "pitch": 70, "gain_db": 6}
  ],
  "bleed_db": [8, 12], "delay_ms": [2, 5], "noise_dbfs": -60, "hum_dbfs": -70,
  "lead_in": 0.5, "tail": 0.5,
  "script": [
    {"seat": "judge", "text": "Be seated."},
    {"seat": "clerk", "text": "qing3 zuo4.", "gap": -0.3}
  ]
}`

func TestParseIsStrict(t *testing.T) {
	if _, err := Parse([]byte(strings.Replace(tiny, `"seed"`, `"sede"`, 1))); err == nil {
		t.Fatal("an unknown key was accepted")
	}
	if _, err := Parse([]byte(strings.Replace(tiny, `"seat": "clerk"`, `"seat": "usher"`, 1))); err == nil {
		t.Fatal("a line for an unknown seat was accepted")
	}
	if _, err := Parse([]byte(tiny + "{}")); err == nil {
		t.Fatal("trailing data was accepted")
	}
	if _, err := Parse([]byte(tiny)); err != nil {
		t.Fatal(err)
	}
}

func TestRenderIsDeterministicAndTruthful(t *testing.T) {
	for _, bin := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh installs it)", bin)
		}
	}
	a := renderTwice(t, tiny)
	if len(a.Truth) != 2 || a.Truth[0].Seat != "judge" || a.Truth[1].Seat != "clerk" {
		t.Fatalf("truth %+v", a.Truth)
	}
	if !a.Truth[0].Overlap || !a.Truth[1].Overlap {
		t.Fatalf("the clerk starts 0.3 s before the judge ends; truth says %+v", a.Truth)
	}
	if got := a.Truth[0].Start; got != 0.5 {
		t.Fatalf("first utterance starts at %.3f, the scene says 0.5 s lead-in", got)
	}
	if d := a.Truth[0].End - a.Truth[1].Start; d < 0.28 || d > 0.32 {
		t.Fatalf("overlap %.3f s, the scene says 0.3 s", d)
	}
}

func TestMergeTruth(t *testing.T) {
	in := []diarize.Turn{{Seat: "a", Start: 0, End: 1}, {Seat: "a", Start: 1, End: 2}, {Seat: "b", Start: 3, End: 4}, {Seat: "c", Start: 3.5, End: 5}}
	got := MergeTruth(in)
	want := []diarize.Turn{{Seat: "a", Start: 0, End: 2}, {Seat: "b", Start: 3, End: 4, Overlap: true}, {Seat: "c", Start: 3.5, End: 5, Overlap: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestExtentsSplitAtLongPauses(t *testing.T) {
	pcm := make([]float64, wire.SampleRate*3)
	for i := range wire.SampleRate / 2 { // 0–0.5 s and 1.2–1.5 s of signal, 0.7 s pause between
		pcm[i] = 1000
	}
	for i := wire.SampleRate * 12 / 10; i < wire.SampleRate*15/10; i++ {
		pcm[i] = 1000
	}
	if got := extents(pcm, 0.5, false); len(got) != 2 {
		t.Fatalf("extents %v, want two (pause 0.7 s ≥ 0.5 s)", got)
	}
	if got := extents(pcm, 1.0, false); len(got) != 1 {
		t.Fatalf("extents %v, want one (pause 0.7 s < 1 s)", got)
	}
}

// render parses and renders the scene js.
func render(t *testing.T, js string) (*Scene, *Hearing) {
	t.Helper()
	sc, err := Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	h, err := Render(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sc, h
}

// renderTwice renders the scene js twice, requires the same samples both times and returns
// the first.
func renderTwice(t *testing.T, js string) *Hearing {
	t.Helper()
	_, a := render(t, js)
	_, b := render(t, js)
	for c := range a.Channels {
		if !slices.Equal(a.Channels[c], b.Channels[c]) {
			t.Fatalf("channel %d differs between two renders with the same seed", c)
		}
	}
	return a
}
