package diarize

import "testing"

// TestStrikeTailReachesOnlySeatsNotSpeaking: an impact's strike tail at one seat (stage 21) is
// predicted as bleed onto a seat not in a turn and onto a seat whose talker has paused in their
// turn (a gavel in a counsel's hangover must not hold the turn on), never onto a seat speaking
// now (a turn spoken through a gavel must not be split); a turn of the struck seat clears it.
func TestStrikeTailReachesOnlySeatsNotSpeaking(t *testing.T) {
	d, err := New(DefaultConfig(), []string{"judge", "counsel", "witness"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const now = 500
	d.st.Frame = now
	d.ch[0].strike = 1e4 // the judge's gavel, struck outside a turn
	couple := d.bm.Lin[1][0]
	for _, c := range []struct {
		name           string
		active         bool
		lastOn         int64
		wantStrikeTail bool
	}{
		{"not in a turn", false, -1, true},
		{"in a turn, paused", true, now - 20, true},
		{"in a turn, speaking", true, now - 1, false},
	} {
		d.ch[1].Active, d.ch[1].LastOn = c.active, c.lastOn
		d.ch[0].strike = 1e4
		d.attribute()
		got := d.bl[1] >= 0.5*couple*1e4
		if got != c.wantStrikeTail {
			t.Errorf("%s: predicted bleed %.3g on the counsel's mic (coupling %.3g × strike 1e4): strike tail counted %v, want %v",
				c.name, d.bl[1], couple, got, c.wantStrikeTail)
		}
	}
	d.ch[0].Active = true
	d.attribute()
	if d.ch[0].strike != 0 {
		t.Errorf("the judge's turn left their strike tail at %.3g", d.ch[0].strike)
	}
}
