package ingest

import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"

// Seat activity is gathered from every level report, watched or not; a new connection starts
// afresh; only the hearing's own seats are tracked.
func TestSeatActivityFromLevelReports(t *testing.T) {
	h := &hearing{info: archive.HearingInfo{Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "plaintiff", Channel: 2}}}}
	h.owner = &conn{}
	t0 := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	h.agent.ConnectedAt = t0
	report := func(at time.Time, judge, plaintiff float64) {
		h.noteLevels(&wire.Levels{Seats: []wire.SeatLevel{{Seat: "judge", RMSdBFS: judge}, {Seat: "plaintiff", RMSdBFS: plaintiff},
			{Seat: "intruder", RMSdBFS: -10}}}, at)
	}
	for i := 0; i < 240; i++ { // four minutes, one report a second: the judge talks, the plaintiff's mic is silent
		report(t0.Add(time.Duration(i)*time.Second), -20, -80)
	}
	hs := h.status()
	byName := map[string]SeatActivity{}
	for _, a := range hs.Activity {
		byName[a.Seat] = a
	}
	if len(hs.Activity) != 2 {
		t.Fatalf("activity %+v: want the two seats of the hearing only", hs.Activity)
	}
	if j := byName["judge"]; !j.Since.Equal(t0) || !j.LastSpeechAt.Equal(t0.Add(239*time.Second)) {
		t.Fatalf("judge %+v", j)
	}
	if p := byName["plaintiff"]; !p.Since.Equal(t0) || !p.LastSpeechAt.IsZero() {
		t.Fatalf("plaintiff %+v", p)
	}
	// The agent reconnects: what went before says nothing about the microphones now.
	t1 := t0.Add(10 * time.Minute)
	h.agent.ConnectedAt = t1
	report(t1, -80, -80)
	hs = h.status()
	for _, a := range hs.Activity {
		if !a.Since.Equal(t1) || !a.LastSpeechAt.IsZero() {
			t.Fatalf("after reconnecting: %+v", a)
		}
	}
	// While no agent is connected there is no activity to report.
	h.owner = nil
	if hs := h.status(); hs.Activity != nil {
		t.Fatalf("disconnected: %+v", hs.Activity)
	}
}

// A seat delivering digital zeros (peak at the meter's -120 dBFS floor) has no signal; a quiet
// but live microphone (room noise) has.
func TestSeatSignalIsNotDigitalZeros(t *testing.T) {
	h := &hearing{info: archive.HearingInfo{Seats: []wire.Seat{{Name: "judge", Channel: 1}, {Name: "plaintiff", Channel: 2}}}}
	h.owner = &conn{}
	t0 := time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)
	h.agent.ConnectedAt = t0
	for i := 0; i < 10; i++ {
		h.noteLevels(&wire.Levels{Seats: []wire.SeatLevel{{Seat: "judge", RMSdBFS: -70, PeakdBFS: -62}, {Seat: "plaintiff", RMSdBFS: -120, PeakdBFS: -120}}},
			t0.Add(time.Duration(i)*time.Second))
	}
	for _, a := range h.status().Activity {
		switch a.Seat {
		case "judge":
			if !a.LastSignalAt.Equal(t0.Add(9 * time.Second)) {
				t.Fatalf("quiet live microphone: %+v", a)
			}
		case "plaintiff":
			if !a.LastSignalAt.IsZero() {
				t.Fatalf("digital zeros counted as signal: %+v", a)
			}
		}
	}
}
