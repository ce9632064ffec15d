package testrig

import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"

// OneGap reads a hearing's gap log under data and fails t unless it holds exactly one gap,
// of the given wire reason (wire.GapAgentDown, …); it returns that gap and its length.
func OneGap(t testing.TB, data, hearing string, reason uint8) (archive.GapRecord, time.Duration) {
	t.Helper()
	gaps, err := archive.ReadGaps(data, hearing)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.GapReasonText(reason)
	if len(gaps) != 1 || gaps[0].Reason != want {
		t.Fatalf("gaps %+v, want exactly one %s gap", gaps, want)
	}
	g := gaps[0]
	return g, time.Duration(g.Samples) * time.Second / wire.SampleRate
}
