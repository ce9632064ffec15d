package diarize

import "math"
import "testing"

// TestNotTheNeighboursVoice: stage 28 on seat c's mic, the louder, against the loudest other
// mic o, for a sound that reaches o's mic lag samples after c's, where o's talker has learned
// their lead at c's mic (61 samples: in c's convention o's voice shows −61) and c has learned
// none at o's. A lag under core.LeadMin beyond nearReach of o's voice is not o's talker: it
// counts as the seat's own sound for stage 22's start (heardFirst, frame after frame) and is
// not o's lead for stage 7 (neighbourLead). o's own voice, a weak correlation, or nothing
// learned of o's talker leaves both as before.
func TestNotTheNeighboursVoice(t *testing.T) {
	const oLead = 61
	for _, tc := range []struct {
		leadCase
		near int // heardFirst after nearMany frames
	}{
		{leadCase{name: "o's mic first, far from o's voice", lag: -7, learned: true, want: 0}, nearMany},
		{leadCase{name: "too close to tell, far from o's voice", lag: 2, learned: true, want: 0}, nearMany},
		{leadCase{name: "o's voice", lag: -55, learned: true, want: 1}, 0},
		{leadCase{name: "o's mic first, nothing learned of o's talker", lag: -7, want: 1}, 0},
		{leadCase{name: "o's mic first, weakly correlated", lag: -7, noise: 1.3, learned: true, want: 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, c, o := nearNeighbour(t, tc.leadCase, 700) // o within startNeighbourDB, c the louder
			if tc.learned {
				learnLead(&o.pos, 0, oLead)
			}
			lag, corr := d.lead.CrossLead(&c.Hist, &o.Hist)
			if got := d.neighbourLead(0); got != tc.want {
				t.Errorf("stage 7 vote %d, want %d (lag %d, correlation %.2f)", got, tc.want, lag, corr)
			}
			var got int
			for f := range nearMany {
				d.st.Frame = int64(100 + f)
				got = d.heardFirst(0)
			}
			if got != tc.near {
				t.Errorf("heard first in %d frames, want %d (lag %d, correlation %.2f)", got, tc.near, lag, corr)
			}
		})
	}
}

// TestStartOverTheRoomByTheLead: the start over the room (overRoom) for a level z dB over the
// room level, after n frames of the sound showed it came from the seat: 7 dB with none, 4 dB
// after nearFrames (stage 22), 2 dB after nearMany (stage 28); before the hearing's first turn
// 9 dB, whatever the frames showed (stage 30).
func TestStartOverTheRoomByTheLead(t *testing.T) {
	for _, tc := range []struct {
		db    float64
		n     int
		first bool
		want  bool
	}{
		{7.5, 0, false, true}, {5, 0, false, false},
		{5, nearFrames, false, true}, {3, nearFrames, false, false}, {3, nearMany - 1, false, false},
		{3, nearMany, false, true}, {1, nearMany, false, false},
		{9.5, 0, true, true}, {8.5, 0, true, false}, {8.5, nearMany, true, false},
	} {
		d, err := New(DefaultConfig(), []string{"c", "o", "x", "y"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d.begun = !tc.first
		ch := &d.ch[0]
		d.st.Frame = 100
		ch.nearAt, ch.nearN, ch.nearLast = d.st.Frame+1, tc.n, d.st.Frame // this frame's count
		ch.dSum = 100
		z := ch.dSum * math.Pow(10, tc.db/10)
		if got := d.overRoom(0, z); got != tc.want {
			t.Errorf("%.1f dB over the room after %d frames (before the first turn: %v): start %v, want %v", tc.db, tc.n, tc.first, got, tc.want)
		}
	}
}
