package der

import "math"
import "testing"

import "github.com/courtscribe/courtscribe/asr/diarize"

func seg(seat string, a, b float64) diarize.Turn {
	return diarize.Turn{Seat: seat, Start: a, End: b}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.4f, want %.4f", what, got, want)
	}
}

func noCollar() Options { return Options{Frame: 0.01, Collar: -1} }

func TestPerfect(t *testing.T) {
	ref := []diarize.Turn{seg("judge", 1, 3), seg("clerk", 2, 4)}
	r := Score(ref, ref, noCollar())
	near(t, "reference", r.Reference, 4)
	near(t, "DER", r.DER, 0)
}

func TestMissFalseAlarmConfusion(t *testing.T) {
	ref := []diarize.Turn{seg("judge", 0, 2), seg("witness", 3, 5)}
	hyp := []diarize.Turn{
		seg("judge", 0, 1),     // 1 s of judge missed
		seg("witness", 2, 2.5), // 0.5 s false alarm in silence
		seg("clerk", 3, 4),     // 1 s confusion (clerk instead of witness)
		seg("witness", 4, 5),   // correct
	}
	r := Score(ref, hyp, noCollar())
	near(t, "reference", r.Reference, 4)
	near(t, "missed", r.Missed, 1)
	near(t, "false alarm", r.FalseAlarm, 0.5)
	near(t, "confusion", r.Confusion, 1)
	near(t, "DER", r.DER, 2.5/4)
	near(t, "witness false alarm", r.Seats["witness"].FalseAlarm, 0.5)
	near(t, "clerk false alarm", r.Seats["clerk"].FalseAlarm, 1)
	near(t, "judge missed", r.Seats["judge"].Missed, 1)
}

func TestOverlapAware(t *testing.T) {
	// Two seats talk at once for 1 s; the hypothesis reports only one of them.
	ref := []diarize.Turn{seg("judge", 0, 2), seg("defense", 1, 2)}
	hyp := []diarize.Turn{seg("judge", 0, 2)}
	r := Score(ref, hyp, noCollar())
	near(t, "reference", r.Reference, 3)
	near(t, "missed", r.Missed, 1)
	near(t, "DER", r.DER, 1.0/3)
	// Reporting the overlap on both seats is perfect; on one wrong seat is confusion.
	r = Score(ref, []diarize.Turn{seg("judge", 0, 2), seg("clerk", 1, 2)}, noCollar())
	near(t, "confusion", r.Confusion, 1)
	near(t, "missed", r.Missed, 0)
}

func TestFixedMappingNoPermutation(t *testing.T) {
	// Swapped names are all confusion: seats are identities, not clusters.
	ref := []diarize.Turn{seg("a", 0, 1), seg("b", 2, 3)}
	hyp := []diarize.Turn{seg("b", 0, 1), seg("a", 2, 3)}
	near(t, "DER", Score(ref, hyp, noCollar()).DER, 1)
}

func TestCollar(t *testing.T) {
	ref := []diarize.Turn{seg("judge", 1, 3)}
	// Boundaries off by 0.2 s both ways: inside the collar, not scored.
	hyp := []diarize.Turn{seg("judge", 1.2, 2.8)}
	r := Score(ref, hyp, DefaultOptions())
	near(t, "DER with collar", r.DER, 0)
	near(t, "reference with collar", r.Reference, 1.5) // 2 s minus 0.25 s at each end
	r = Score(ref, hyp, noCollar())
	near(t, "DER without collar", r.DER, 0.4/2)
	// A false alarm far from any boundary is scored.
	r = Score(ref, []diarize.Turn{seg("judge", 1, 3), seg("clerk", 5, 6)}, DefaultOptions())
	near(t, "false alarm", r.FalseAlarm, 1)
}

func TestEmpty(t *testing.T) {
	if r := Score(nil, nil, DefaultOptions()); r.DER != 0 {
		t.Fatalf("empty DER %v", r.DER)
	}
	if r := Score(nil, []diarize.Turn{seg("a", 0, 1)}, DefaultOptions()); !math.IsInf(r.DER, 1) {
		t.Fatalf("false alarm without reference: DER %v, want +Inf", r.DER)
	}
}
