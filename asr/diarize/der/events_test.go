package der

import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"

func TestFalseSpeechOnSounds(t *testing.T) {
	ref := []diarize.Turn{{Seat: "judge", Start: 10, End: 15}}
	events := []Event{
		{Kind: "cough", Start: 2, End: 2.3},   // a 0.5 s false turn on the clerk: reported
		{Kind: "cough", Start: 5, End: 5.2},   // a 0.2 s false turn: not reported
		{Kind: "gavel", Start: 12, End: 12.4}, // during the judge's speech, the judge keeps talking: not reported
		{Kind: "door", Start: 20, End: 21},    // nothing: not reported
		{Kind: "murmur", Start: 0, End: 30},   // not a sound
	}
	hyp := []diarize.Turn{
		{Seat: "clerk", Start: 2.05, End: 2.55},
		{Seat: "clerk", Start: 5.0, End: 5.2},
		{Seat: "judge", Start: 10, End: 15},
	}
	got := FalseSpeechOnSounds(ref, hyp, events)
	if c := got["cough"]; c == nil || c.Total != 2 || c.Reported != 1 {
		t.Fatalf("cough %+v", c)
	}
	if c := got["gavel"]; c.Reported != 0 || got["door"].Reported != 0 || got["murmur"] != nil {
		t.Fatalf("%+v %+v %+v", got["gavel"], got["door"], got["murmur"])
	}
}

func TestFalseTurns(t *testing.T) {
	ref := []diarize.Turn{{Seat: "judge", Start: 10, End: 15}}
	events := []Event{{Kind: "murmur", Start: 0, End: 8}, {Kind: "ac_on", Start: 20, End: 22}}
	hyp := []diarize.Turn{
		{Seat: "clerk", Start: 3, End: 4},     // murmur turn
		{Seat: "judge", Start: 7.9, End: 15},  // mostly real speech: not counted
		{Seat: "clerk", Start: 23, End: 23.5}, // within 3 s after the ramp: AC turn
		{Seat: "clerk", Start: 26, End: 27},   // too late to blame on the switch
	}
	if m, a := FalseTurns(ref, hyp, events); m != 1 || a != 1 {
		t.Fatalf("murmur %d, ac %d; want 1, 1", m, a)
	}
}
