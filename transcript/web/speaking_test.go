package web_test

import "context"
import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// The seats' speaking indicator in the hearing's head, in Chromium against the real API: the
// live hub's speaking signal (what asr/stream tells it from the diarizer's Tentative, Start,
// End and Withdrawn) shows a hollow dim dot for a seat that may be speaking, a filled one for a
// seat that is speaking, and nothing once it is off; each says so in words (aria-label,
// title) in the reader's language. A browser that opens the hearing mid-utterance sees who is
// speaking, and the committed events keep arriving beside the signal.
func TestSpeakingIndicator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := transcript.Hearing{ID: "spk-1", Title: "发言指示", CaseNumber: "（2026）京0105民初7号", Language: "zh", Clerk: "zhaoliu",
		Presiding: "zhangsan", ScheduledAt: time.Now(), Courtroom: "第三法庭",
		Seats: []transcript.Seat{{Seat: "judge", Role: "审判长"}, {Seat: "witness", Role: "证人", Person: "王五"}}}
	if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Start(ctx, "zhaoliu", "spk-1"); err != nil {
		t.Fatal(err)
	}
	hub := e.api.Hub()
	signal := func(seat, state string) {
		t.Helper()
		if err := hub.Speaking("spk-1", seat, state); err != nil {
			t.Fatal(err)
		}
	}
	// The judge speaks before the clerk opens the hearing: shown once the feed has caught up.
	signal("judge", "speaking")
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/spk-1"))
	spk := func(seat string) string {
		return fmt.Sprintf(`document.querySelector("#speaking .spk[data-seat=%s]")`, seat)
	}
	e.wait(spk("judge") + ` && ` + spk("judge") + `.dataset.state === "speaking"`)

	// The witness: tentative (a hollow, dim dot), while the judge speaks on.
	signal("witness", "tentative")
	e.wait(spk("witness") + ` && ` + spk("witness") + `.classList.contains("tentative")`)
	var got []string
	e.eval(fmt.Sprintf(`[%[1]s.getAttribute("aria-label"), %[1]s.title, getComputedStyle(%[1]s, "::before").content,
		%[2]s.getAttribute("aria-label"), getComputedStyle(%[2]s, "::before").content,
		[...document.querySelectorAll("#speaking .spk")].map((x) => x.dataset.seat).join(","),
		getComputedStyle(%[1]s).color === getComputedStyle(%[2]s).color ? "same color" : "dimmer"]`, spk("witness"), spk("judge")), &got)
	if got[0] != "证人：可能在发言" || got[1] != got[0] || !strings.Contains(got[2], "○") ||
		got[3] != "审判长：正在发言" || !strings.Contains(got[4], "●") || got[5] != "judge,witness" || got[6] != "dimmer" {
		t.Fatalf("indicators say %q; want the witness hollow and dim (may be speaking), the judge filled (speaking), in seat order", got)
	}
	e.shot("26-speaking-indicator")

	// The judge's turn ends; the witness's start is confirmed; a committed segment still arrives.
	signal("judge", "")
	signal("witness", "speaking")
	sg := e.replay("spk-1", "witness", 3000, "我当时在家。")
	e.wait(`!` + spk("judge") + ` && ` + spk("witness") + ` && ` + spk("witness") + `.dataset.state === "speaking"`)
	e.wait(fmt.Sprintf(`document.querySelector("%s.final")`, sel(sg.ID)))
	var say string
	e.eval(spk("witness")+`.getAttribute("aria-label")`, &say)
	if say != "证人：正在发言" {
		t.Fatalf("confirmed witness says %q", say)
	}

	// A tentative start withdrawn (a door): the indicator goes, nothing was recorded.
	signal("witness", "")
	signal("judge", "tentative")
	e.wait(`!` + spk("witness") + ` && ` + spk("judge") + ` && ` + spk("judge") + `.dataset.state === "tentative"`)
	signal("judge", "")
	e.wait(`document.querySelector("#speaking") && !document.querySelector("#speaking .spk")`)
	if segs, _ := e.store.ListSegments(ctx, "spk-1", true); len(segs) != 1 {
		t.Fatalf("%d segments; the signal must not touch the record", len(segs))
	}

	// In English, after the language switch (the view and its feed start again).
	signal("witness", "tentative")
	e.wait(spk("witness"))
	e.run(click("#langBtn"))
	e.wait(spk("witness") + ` && ` + spk("witness") + `.getAttribute("aria-label") === "证人: may be speaking"`)
	signal("witness", "")
	e.wait(`document.querySelector("#speaking") && !document.querySelector("#speaking .spk")`)
}
