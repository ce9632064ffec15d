package diarize

import "math/rand/v2"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize/internal/core"

// TestNeighbourLeadByLearnedLeads: stage 7's vote on a frame of seat c's run (neighbourLead),
// with the loudest other mic o near, for a sound that reaches o lag samples after c (a delayed
// copy; mixed with independent noise for a lower correlation), given what the two seats have
// learned of where their talkers sit (stage 16). Stage 24 adds two rules: a lag under
// core.LeadMin, which says nothing by its sign, votes for the seat whose learned lead it is
// nearer by leanSamples; and o's talker's learned lead matched to a sample votes for o at a
// correlation under stage 7's startLeadCorr (a talker turned away, heard through the room).
func TestNeighbourLeadByLearnedLeads(t *testing.T) {
	const (
		cLead = 24 // c's voice reaches o's mic 24 samples after c's
		oLead = 20 // o's voice reaches c's mic 20 samples after o's: lag −20 here
	)
	for _, tc := range []leadCase{
		{name: "under LeadMin, nearer o's voice", lag: -2, learned: true, want: 1},
		{name: "under LeadMin, nothing learned", lag: -2},
		{name: "under LeadMin, nearer c's own", lag: 3, learned: true}, // 21 from c's, 23 from o's: not by leanSamples
		{name: "o's voice to a sample, weakly correlated", lag: -oLead, noise: 1.3, learned: true, want: 1},
		{name: "o's voice to a sample, weakly correlated, nothing learned", lag: -oLead, noise: 1.3},
		{name: "another lag, weakly correlated", lag: -12, noise: 1.3, learned: true},
		{name: "c's own voice", lag: cLead, learned: true, want: -1},
		{name: "o first by more than LeadMin", lag: -12, learned: true, want: 1}, // stage 7 as before
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, c, o := nearNeighbour(t, tc, 900) // o within startNeighbourDB
			if tc.learned {
				learnLead(&c.pos, 1, cLead)
				learnLead(&o.pos, 0, oLead)
			}
			lag, corr := d.lead.CrossLead(&c.Hist, &o.Hist)
			if got := d.neighbourLead(0); got != tc.want {
				t.Errorf("vote %d, want %d (lag %d, correlation %.2f)", got, tc.want, lag, corr)
			}
			if tc.noise > 0 && (corr < exactCorr || corr >= startLeadCorr) {
				t.Fatalf("correlation %.2f: the case needs one in [%.2f, %.2f)", corr, exactCorr, startLeadCorr)
			}
		})
	}
}

// TestLeanBeyondDoubt: stage 19's lean (leanedBy) on seat c's mic, louder than seat j's by
// 4.5 dB, for a sound that reaches j's mic lag samples after c's, where c's voice gives j's mic
// only the coupling it learned (−4 dB: j reads no more of it than c's own voice would give it,
// so stage 19's excess test fails). A lag nearer j's learned lead than c's, at a correlation of
// leanSure or more, is j's talker leaning towards c's mic all the same (stage 25), but not while
// c is in a turn of its own, and not at a lower correlation.
func TestLeanBeyondDoubt(t *testing.T) {
	const (
		cLead = 18 // c's voice reaches j's mic 18 samples after c's
		jLead = 9  // j's voice reaches c's mic 9 samples after j's: lag −9 here
	)
	for _, tc := range []leadCase{
		{name: "nearer j's voice, one source", lag: 2, want: 1},
		{name: "nearer j's voice, c in a turn", lag: 2, active: true, want: -1},
		{name: "nearer j's voice, correlation under leanSure", lag: 2, noise: 0.6, want: -1},
		{name: "c's own voice", lag: cLead, want: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(DefaultConfig(), []string{"c", "j", "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, j := &d.ch[0], &d.ch[1]
			oneSound(c, j, tc.lag, tc.noise)
			learnLead(&c.pos, 1, cLead)
			learnLead(&j.pos, 0, jLead)
			d.bm.Lin[1][0] = 0.4 // c's voice on j's mic: −4 dB
			d.z[0], d.z[1], d.z[2] = 1000, 355, 10
			c.Active = tc.active
			lag, corr := d.lead.CrossLead(&c.Hist, &j.Hist)
			got := leanAfterFrames(d)
			if got != tc.want {
				t.Errorf("lean %d, want %d (lag %d, correlation %.2f)", got, tc.want, lag, corr)
			}
			if tc.noise > 0 && (corr < leanCorr || corr >= leanSure) {
				t.Fatalf("correlation %.2f: the case needs one in [%.2f, %.2f)", corr, leanCorr, leanSure)
			}
		})
	}
}

// TestLeanWithoutTheSeatsOwnLead: stage 19's lean on seat c's mic, louder than seat j's, where
// j's talker has learned their lead at c's mic (46 samples: in c's convention j's voice shows
// −46) and c has learned none at j's (stage 27). A sound that j's mic heard first, within
// nearReach of j's lead, is j's talker leaning towards c's mic: c's own talker, nearer c's
// mic, is heard there first. Not while c is in a turn of its own (its talker may be speaking
// with j's over it), not for a lag beyond reach of j's lead, not for a sound c's mic heard
// first, and nothing without j's learned lead.
func TestLeanWithoutTheSeatsOwnLead(t *testing.T) {
	const jLead = 46
	for _, tc := range []leadCase{
		{name: "j's mic first, within reach of j's lead", lag: -20, learned: true, want: 1},
		{name: "c in a turn", lag: -20, learned: true, active: true, want: -1},
		{name: "j's mic first, beyond reach of j's lead", lag: -10, learned: true, want: -1},
		{name: "c's mic first", lag: 12, learned: true, want: -1},
		{name: "j's lead not learned", lag: -20, want: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(DefaultConfig(), []string{"c", "j", "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, j := &d.ch[0], &d.ch[1]
			oneSound(c, j, tc.lag, 0)
			if tc.learned {
				learnLead(&j.pos, 0, jLead)
			}
			d.bm.Lin[1][0] = 0.1 // c's voice on j's mic: −10 dB
			d.z[0], d.z[1], d.z[2] = 1000, 355, 10
			c.Active = tc.active
			got := leanAfterFrames(d)
			if got != tc.want {
				lag, corr := d.lead.CrossLead(&c.Hist, &j.Hist)
				t.Errorf("lean %d, want %d (lag %d, correlation %.2f)", got, tc.want, lag, corr)
			}
		})
	}
}

// leanAfterFrames runs stage 19's lean on seat 0's mic for leanFrames frames of the same sound
// and returns the seat it names, or -1.
func leanAfterFrames(d *Diarizer) int {
	got := -1
	for f := range leanFrames {
		d.st.Frame = int64(100 + f)
		got = d.leanedBy(0)
	}
	return got
}

// leadCase is a sound at two mics: lag samples later on the second, independent noise on it at
// noise times the sound's level; whether the seats have learned their leads, whether the first
// seat is in a turn; the vote or lean wanted.
type leadCase struct {
	name            string
	lag             int
	noise           float64
	learned, active bool
	want            int
}

// oneSound fills the last 32 ms of channels a and b with one noise source that reaches b lag
// samples after a, plus independent noise on b at noise times its level.
func oneSound(a, b *channel, lag int, noise float64) {
	r := rand.New(rand.NewPCG(24, 7))
	src := make([]float64, core.HistLen+2*core.MaxLead)
	for i := range src {
		src[i] = r.NormFloat64()
	}
	for i := range core.HistLen {
		a.Hist[i] = src[core.MaxLead+i]
		b.Hist[i] = src[core.MaxLead+i-lag] + noise*r.NormFloat64()
	}
}

// learnLead gives ps a learned lead at mic k, as stage 16 would after posMinCount observations.
func learnLead(ps *position, k, lead int) {
	ps.hist[k] = make([]float32, posLags)
	ps.hist[k][lead+core.MaxLead] = posMinCount
	ps.count[k] = posMinCount
}

// nearNeighbour makes a four-seat diarizer whose mics c (seat 0) and o (seat 1) carry tc's
// sound (oneSound), c at a level of 1000 over the last 80 ms, o at oLevel, the other two quiet.
func nearNeighbour(t *testing.T, tc leadCase, oLevel float64) (*Diarizer, *channel, *channel) {
	t.Helper()
	d, err := New(DefaultConfig(), []string{"c", "o", "x", "y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, o := &d.ch[0], &d.ch[1]
	oneSound(c, o, tc.lag, tc.noise)
	c.Ev.ZSum, o.Ev.ZSum = 1000, oLevel
	d.ch[2].Ev.ZSum, d.ch[3].Ev.ZSum = 10, 10
	return d, c, o
}
