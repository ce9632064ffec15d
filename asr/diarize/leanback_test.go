package diarize_test

import "os"
import "testing"

// testdata/lean-back.json is a courtroom drawn by `hearinggen random` (seed 407: RT60 0.69 s,
// five seats), in espeak-ng's Mandarin voices. The clerk sits 1.3 m in front of the bench,
// facing the well, the judge behind. The judge speaks three times, so the judge's lead at the clerk's mic is
// known; the clerk answers upright once. Then the clerk leans 0.3 m back towards the judge's
// mic, turning from their own, and reads a long sentence.
//
// TestLeanBackToTheBench (stage 28): the clerk, leaning back to the judge's mic and turned from
// their own, is still the loudest on their own mic, but only 3–10 dB over the room, and the
// judge's mic hears the voice 7 samples first: far from the judge's own voice there (61 samples
// the other way), and the clerk has learned no lead at the judge's mic. Before stage 28 stage 7
// took the judge's mic first for the judge's voice, stage 22 found no sign of the clerk, and the
// 5.4 s line went to nobody (0.00 s on either seat); without stage 28's stage 7 part it still
// does.
func TestLeanBackToTheBench(t *testing.T) {
	js, err := os.ReadFile("testdata/lean-back.json")
	if err != nil {
		t.Fatal(err)
	}
	keepsTheLine(t, string(js), "clerk", "judge", 0.6)
}
