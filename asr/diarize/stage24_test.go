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
	for _, tc := range []struct {
		name    string
		lag     int
		noise   float64 // independent noise on o's mic, relative to the copy
		learned bool
		want    int
	}{
		{"under LeadMin, nearer o's voice", -2, 0, true, 1},
		{"under LeadMin, nothing learned", -2, 0, false, 0},
		{"under LeadMin, nearer c's own", 3, 0, true, 0}, // 21 from c's, 23 from o's: not by leanSamples
		{"o's voice to a sample, weakly correlated", -oLead, 1.3, true, 1},
		{"o's voice to a sample, weakly correlated, nothing learned", -oLead, 1.3, false, 0},
		{"another lag, weakly correlated", -12, 1.3, true, 0},
		{"c's own voice", cLead, 0, true, -1},
		{"o first by more than LeadMin", -12, 0, true, 1}, // stage 7 as before
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(DefaultConfig(), []string{"c", "o", "x", "y"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(24, 7))
			src := make([]float64, core.HistLen+2*core.MaxLead)
			for i := range src {
				src[i] = r.NormFloat64()
			}
			c, o := &d.ch[0], &d.ch[1]
			for i := range core.HistLen {
				c.Hist[i] = src[core.MaxLead+i]
				o.Hist[i] = src[core.MaxLead+i-tc.lag] + tc.noise*r.NormFloat64()
			}
			c.Ev.ZSum, o.Ev.ZSum = 1000, 900 // o within startNeighbourDB
			d.ch[2].Ev.ZSum, d.ch[3].Ev.ZSum = 10, 10
			if tc.learned {
				learn := func(ps *position, j, lead int) {
					ps.hist[j] = make([]float32, posLags)
					ps.hist[j][lead+core.MaxLead] = posMinCount
					ps.count[j] = posMinCount
				}
				learn(&c.pos, 1, cLead)
				learn(&o.pos, 0, oLead)
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
