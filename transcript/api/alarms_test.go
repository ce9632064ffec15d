package api

import "context"
import "testing"
import "time"

// TestAlarmAcknowledgementsOnTheServer: an alarm episode is acknowledged once, on the server,
// by the hearing's clerk: every other session (a reload, another clerk's browser, the
// technician) sees who acknowledged it and when; the acknowledgement is on the hearing's audit
// chain; an acknowledged alarm that clears is forgotten, and the same alarm coming back is a
// new episode, unacknowledged. A cleared alarm nobody acknowledged stays listed. A viewer may
// not acknowledge; a stale episode is refused.
func TestAlarmAcknowledgementsOnTheServer(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 0)
	ctx := context.Background()
	start := r.now.Now()
	report := func(plaintiffDead bool) {
		now := r.now.Now()
		pl := SeatActivity{Seat: "plaintiff", Since: start, LastSignalAt: now}
		if plaintiffDead {
			pl.LastSignalAt = start
		}
		r.status.set(AgentHealth{Hearing: "h1", Connected: true, LevelsAt: now,
			Levels:   []SeatLevel{{Seat: "judge", RMSdBFS: -30, PeakdBFS: -12}, {Seat: "plaintiff", RMSdBFS: -120, PeakdBFS: -120}},
			Activity: []SeatActivity{{Seat: "judge", Since: start, LastSpeechAt: now, LastSignalAt: now}, pl}})
	}
	clerk, tech, viewer := r.login("zhaoliu"), r.login("tech"), r.login("viewer")
	panel := func(c *client) map[string]AlarmState {
		t.Helper()
		var hl Health
		if code := c.do("GET", "/api/hearings/h1/health", nil, &hl); code != 200 {
			t.Fatalf("health: %d", code)
		}
		m := map[string]AlarmState{}
		for _, a := range hl.Panel {
			m[a.Key] = a
		}
		return m
	}
	r.now.Add(10 * time.Second)
	report(true)
	p := panel(clerk)
	ns, ok := p["no_signal/plaintiff"]
	if !ok || !ns.Active || ns.Ack != nil || ns.Since.IsZero() {
		t.Fatalf("panel %+v", p)
	}
	// A viewer may not acknowledge; the clerk may; a stale episode is refused.
	body := map[string]any{"code": "no_signal", "seat": "plaintiff", "since": ns.Since}
	if code := viewer.do("POST", "/api/hearings/h1/alarms/ack", body, nil); code != 403 {
		t.Fatalf("viewer ack: %d", code)
	}
	if code := clerk.do("POST", "/api/hearings/h1/alarms/ack", map[string]any{"code": "no_signal", "seat": "plaintiff", "since": ns.Since.Add(-time.Second)}, nil); code != 409 {
		t.Fatalf("ack of another episode: %d", code)
	}
	var st AlarmState
	if code := clerk.do("POST", "/api/hearings/h1/alarms/ack", body, &st); code != 200 || st.Ack == nil || st.Ack.By != "zhaoliu" {
		t.Fatalf("clerk ack: %d %+v", code, st)
	}
	// Everyone sees it acknowledged: a new session (a reload), the technician.
	r.now.Add(2 * time.Second)
	report(true)
	for name, c := range map[string]*client{"reload": r.login("zhaoliu"), "technician": tech} {
		a := panel(c)["no_signal/plaintiff"]
		if !a.Active || a.Ack == nil || a.Ack.By != "zhaoliu" || a.Ack.At.IsZero() || !a.Since.Equal(ns.Since) {
			t.Fatalf("%s sees %+v", name, a)
		}
	}
	acks, err := r.store.AlarmAcks(ctx, "h1")
	if err != nil || len(acks) != 1 || acks[0].Code != "no_signal" || acks[0].Seat != "plaintiff" || acks[0].By != "zhaoliu" {
		t.Fatalf("stored acks %+v %v", acks, err)
	}
	if rep, err := r.store.AuditHearing(ctx, "h1"); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("audit %+v %v", rep, err)
	}
	// The microphone comes back: the acknowledged episode is forgotten.
	r.now.Add(time.Second)
	report(false)
	if a, ok := panel(clerk)["no_signal/plaintiff"]; ok {
		t.Fatalf("an acknowledged, cleared alarm is still listed: %+v", a)
	}
	// It dies again: a new episode, not acknowledged.
	r.now.Add(time.Second)
	start = r.now.Now()
	r.now.Add(8 * time.Second)
	report(true)
	again := panel(tech)["no_signal/plaintiff"]
	if !again.Active || again.Ack != nil || !again.Since.After(ns.Since) {
		t.Fatalf("the recurrence %+v (first episode since %v)", again, ns.Since)
	}
	// Cleared without acknowledgement: still listed, as cleared, until the technician
	// acknowledges it; then gone.
	r.now.Add(time.Second)
	report(false)
	cl := panel(clerk)["no_signal/plaintiff"]
	if cl.Active || cl.Ack != nil {
		t.Fatalf("cleared, unacknowledged: %+v", cl)
	}
	if code := tech.do("POST", "/api/hearings/h1/alarms/ack", map[string]any{"code": "no_signal", "seat": "plaintiff", "since": cl.Since}, &st); code != 200 || st.Ack.By != "tech" {
		t.Fatalf("technician ack: %d %+v", code, st)
	}
	if a, ok := panel(viewer)["no_signal/plaintiff"]; ok {
		t.Fatalf("acknowledged after clearing, still listed: %+v", a)
	}
	if acks, _ := r.store.AlarmAcks(ctx, "h1"); len(acks) != 2 || acks[1].By != "tech" {
		t.Fatalf("stored acks %+v", acks)
	}
}
