package web_test

import "context"
import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// TestRevokedSessionGoesToSignIn (issue 11): the server ends an open live feed with close code
// 1008 when the session ends (here: an admin disables the account while the page is open).
// The page used to retry the websocket every second for ever; it now goes to the sign-in
// screen with the reason in the user's language and opens no further feed.
func TestRevokedSessionGoesToSignIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, h := range []transcript.Hearing{
		{ID: "zh-1", Title: "张某诉李某", Language: "zh", Clerk: "zhaoliu", Presiding: "zhangsan", ScheduledAt: time.Now(),
			Seats: []transcript.Seat{{Seat: "judge", Role: "审判长"}}},
		{ID: "en-1", Title: "Smith v. Jones", Language: "en", Clerk: "zhaoliu", Presiding: "zhangsan", ScheduledAt: time.Now(),
			Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}}},
	} {
		if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
			t.Fatal(err)
		}
		e.store.Start(ctx, "zhaoliu", h.ID)
	}
	sg := e.replay("zh-1", "judge", 0, "现在开庭。")
	sgEn := e.replay("en-1", "judge", 0, "Please be seated.")

	for _, c := range []struct {
		user, hearing string
		seg           *transcript.Segment
		want          string
	}{
		{"zhaoliu", "zh-1", sg, "您的登录已失效"},
		{"viewer", "en-1", sgEn, "Your session has ended"},
	} {
		e.login(c.user)
		e.run(navigate(e.srv.URL + "/#/hearing/" + c.hearing))
		e.wait(fmt.Sprintf(`document.querySelector("%s") && document.querySelector("#online.on")`, sel(c.seg.ID)))
		before := e.lives.Load()
		if err := e.store.SetDisabled(ctx, "admin", c.user, true); err != nil {
			t.Fatal(err)
		}
		e.wait(`document.querySelector("#loginForm") && !document.querySelector("#loginNote").hidden`)
		var note string
		e.eval(`document.querySelector("#loginNote").textContent`, &note)
		if !strings.Contains(note, c.want) {
			t.Fatalf("%s: sign-in notice %q, want %q", c.user, note, c.want)
		}
		e.shot("revoked-" + c.hearing)
		// No reconnect storm: the feed that was ended is not opened again (it used to be
		// retried every second).
		time.Sleep(3 * time.Second)
		if n := e.lives.Load() - before; n != 0 {
			t.Fatalf("%s: %d live feed requests after the session ended, want none", c.user, n)
		}
		var hash string
		e.eval(`location.hash`, &hash)
		if hash != "#/login" {
			t.Fatalf("%s: page at %q after the session ended", c.user, hash)
		}
		if err := e.store.SetDisabled(ctx, "admin", c.user, false); err != nil {
			t.Fatal(err)
		}
	}

	// Signing out with the button also ends the feed with 1008; that is no "session ended"
	// notice.
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/zh-1"))
	e.wait(fmt.Sprintf(`document.querySelector("%s") && document.querySelector("#online.on")`, sel(sg.ID)))
	e.logout()
	time.Sleep(1500 * time.Millisecond)
	var hidden bool
	e.eval(`document.querySelector("#loginForm") && document.querySelector("#loginNote").hidden`, &hidden)
	if !hidden {
		t.Fatal("the sign-in screen after the user's own sign-out says the session ended")
	}
}
