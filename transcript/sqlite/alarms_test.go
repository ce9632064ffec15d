package sqlite

import "context"
import "errors"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// TestAlarmAcksOnTheChain: an acknowledgement records who acknowledged which alarm episode
// and when, as an event on the hearing's hash chain (the audit stays clean, a reopened store
// still has it); bad input and unknown hearings are refused.
func TestAlarmAcksOnTheChain(t *testing.T) { testAlarmAcksOnTheChain(t, sqliteDB) }

func testAlarmAcksOnTheChain(t *testing.T, newDB backend) {
	d := newDB(t)
	s := d.open(t)
	ctx := context.Background()
	if _, err := s.CreateHearing(ctx, "admin", zhHearing("h1")); err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 3, 2, 9, 40, 0, 0, time.UTC)
	if _, err := s.Start(ctx, "zhaoliu", "h1"); err != nil {
		t.Fatal(err)
	}
	a, err := s.AckAlarm(ctx, "zhaoliu", transcript.AlarmAck{HearingID: "h1", Code: "no_signal", Seat: "plaintiff", Since: since, By: "someone-else"})
	if err != nil || a.By != "zhaoliu" || a.At.IsZero() || !a.Since.Equal(since) {
		t.Fatalf("ack: %+v %v", a, err)
	}
	later := since.Add(5 * time.Minute)
	if _, err := s.AckAlarm(ctx, "qianqi", transcript.AlarmAck{HearingID: "h1", Code: "no_signal", Seat: "plaintiff", Since: later}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []transcript.AlarmAck{{HearingID: "h1", Code: "", Since: since}, {HearingID: "h1", Code: "x/../y", Since: since},
		{HearingID: "h1", Code: "clipping", Seat: "Not A Seat", Since: since}, {HearingID: "h1", Code: "clipping"}} {
		if _, err := s.AckAlarm(ctx, "zhaoliu", bad); !errors.Is(err, transcript.ErrInvalid) {
			t.Fatalf("ack %+v: %v, want invalid", bad, err)
		}
	}
	if _, err := s.AckAlarm(ctx, "zhaoliu", transcript.AlarmAck{HearingID: "nope", Code: "clipping", Since: since}); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("ack on a missing hearing: %v", err)
	}
	rep, err := s.AuditHearing(ctx, "h1")
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("audit: %+v %v", rep, err)
	}
	s.Close()
	s2, err := d.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	acks, err := s2.AlarmAcks(ctx, "h1")
	if err != nil || len(acks) != 2 || acks[0].By != "zhaoliu" || acks[1].By != "qianqi" || !acks[1].Since.Equal(later) || acks[0].Seat != "plaintiff" {
		t.Fatalf("acks after reopening: %+v %v", acks, err)
	}
	evs, _ := s2.EventsSince(ctx, "h1", 0, 100)
	if last := evs[len(evs)-1]; last.Kind != transcript.EventAlarmAcked || last.Actor != "qianqi" {
		t.Fatalf("last event %+v", last)
	}
	if acks, _ := s2.AlarmAcks(ctx, "h2"); len(acks) != 0 {
		t.Fatalf("acks of an unknown hearing: %+v", acks)
	}
}
