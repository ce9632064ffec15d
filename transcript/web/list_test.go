package web_test

import "context"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// TestHearingListByDay: the list shows a day's hearings, by the day each hearing belongs to
// (scheduled, else started, else created). A hearing recorded without a scheduled time stays
// in its day's list after it is signed (it used to vanish), another day is one pick away, and
// "all hearings" shows everything.
func TestHearingListByDay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	seats := []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}}
	// Recorded today without a scheduled time, then closed, finalized and signed.
	signed := transcript.Hearing{ID: "h-unscheduled", CaseNumber: "（2026）京0105民初9号", Courtroom: "第一法庭", Language: "zh",
		Presiding: "zhangsan", Clerk: "zhaoliu", Seats: seats}
	if _, err := e.store.CreateHearing(ctx, "admin", signed); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { _, err := e.store.Start(ctx, "zhaoliu", signed.ID); return err },
		func() error { _, err := e.store.CloseHearing(ctx, "zhaoliu", signed.ID, nil); return err },
		func() error { _, err := e.store.Finalize(ctx, "zhaoliu", signed.ID); return err },
		func() error { _, err := e.store.Sign(ctx, "zhangsan", pw, signed.ID); return err },
		func() error { _, err := e.store.Sign(ctx, "zhaoliu", pw, signed.ID); return err }, // the clerk signs too
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	// Scheduled three days ago, never held.
	past := time.Now().AddDate(0, 0, -3)
	old := transcript.Hearing{ID: "h-past", CaseNumber: "（2026）京0105民初8号", Courtroom: "第二法庭", Language: "zh",
		Presiding: "zhangsan", Clerk: "zhaoliu", Seats: seats, ScheduledAt: past}
	if _, err := e.store.CreateHearing(ctx, "admin", old); err != nil {
		t.Fatal(err)
	}

	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearings"))
	e.wait(`document.querySelector("tr[data-hearing='h-unscheduled'] [data-status=signed]")`)
	var shown bool
	e.eval(`!!document.querySelector("tr[data-hearing='h-past']")`, &shown)
	if shown {
		t.Fatal("a hearing of three days ago is in today's list")
	}
	// Pick its day.
	day := past.Format("2006-01-02")
	e.eval(`(() => { const d = document.querySelector("#day"); d.value = "`+day+`"; d.dispatchEvent(new Event("change")); return true })()`, nil)
	e.wait(`document.querySelector("tr[data-hearing='h-past']") && !document.querySelector("tr[data-hearing='h-unscheduled']")`)
	e.shot("01b-hearing-list-other-day")
	// Back to today, then all hearings.
	e.run(click("#toToday"))
	e.wait(`document.querySelector("tr[data-hearing='h-unscheduled']") && !document.querySelector("tr[data-hearing='h-past']")`)
	e.run(click("#toggleAll"))
	e.wait(`document.querySelector("tr[data-hearing='h-unscheduled']") && document.querySelector("tr[data-hearing='h-past']")`)
}
