package web_test

import "context"
import "fmt"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// TestUsersPage: the admin's users page lists every user with role and display name; the
// admin sets the judge's and the clerk's real names and adds a judge with one. Each change is
// on the administration chain with the admin as actor, and the 笔录 then prints the names,
// never the logins. A clerk gets no users page (no link, and the API's 403 in words).
func TestUsersPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-users"
	e.openedHearing(hid)

	e.login("admin")
	e.run(click("#usersLink"))
	e.wait(`document.querySelectorAll("#userTable tr[data-user]").length === 4`)
	e.eval(`document.documentElement.lang === "zh-CN" || document.querySelector("#langBtn").click() || true`, nil)
	e.wait(`document.documentElement.lang === "zh-CN" && document.querySelectorAll("#userTable tr[data-user]").length === 4`)
	var noName string
	e.eval(`document.querySelector("#userTable tr[data-user=zhangsan] .dn-state").textContent`, &noName)
	if !strings.Contains(noName, "未设置") {
		t.Fatalf("a user without a display name is shown as %q", noName)
	}
	setName := func(user, name string) {
		t.Helper()
		row := fmt.Sprintf(`#userTable tr[data-user=%s]`, user)
		e.eval(fmt.Sprintf(`document.querySelector(%q).value = ""`, row+" .dn-input"), nil)
		e.run(sendKeys(row+" .dn-input", name), click(row+" button[type=submit]"))
		e.wait(fmt.Sprintf(`document.querySelector(%q).textContent === "已保存"`, row+" .dn-state"))
	}
	setName("zhangsan", "张三")
	setName("zhaoliu", "赵六")
	e.run(sendKeys("#nu-name", "wangwu"), sendKeys("#nu-display", "王五"),
		sendKeys("#nu-pass", pw))
	e.setField("#nu-role", "judge")
	e.shot("24-users")
	e.run(click(`#newUser button[type=submit]`))
	e.wait(`document.querySelector("#userTable tr[data-user=wangwu] .dn-input") && document.querySelector("#userTable tr[data-user=wangwu] .dn-input").value === "王五"`)
	for user, want := range map[string]string{"zhangsan": "张三", "zhaoliu": "赵六", "wangwu": "王五"} {
		u, err := e.store.GetUser(ctx, user)
		if err != nil || u.DisplayName != want {
			t.Fatalf("user %s: %+v %v", user, u, err)
		}
	}
	if u, _ := e.store.GetUser(ctx, "wangwu"); u.Role != transcript.RoleJudge {
		t.Fatalf("added user %+v", u)
	}
	// Audited on the administration chain, by the admin.
	evs, err := e.store.EventsSince(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, ev := range evs {
		if ev.Kind == transcript.EventUserChanged && ev.Reason == "display name changed" {
			if ev.Actor != "admin" {
				t.Fatalf("display name change by %q", ev.Actor)
			}
			changed++
		}
	}
	if changed != 3 {
		t.Fatalf("%d display-name events on the administration chain, want 3", changed)
	}
	e.logout()

	// The 笔录 prints names; the clerk's header shows theirs. No users page for a clerk.
	e.login("zhaoliu")
	var who string
	e.eval(`document.querySelector("#who").textContent`, &who)
	if !strings.HasPrefix(who, "赵六") {
		t.Fatalf("header %q", who)
	}
	var link bool
	e.eval(`!!document.querySelector("#usersLink")`, &link)
	if link {
		t.Fatal("a clerk sees the users link")
	}
	e.run(navigate(e.srv.URL + "/#/users"))
	e.wait(`document.querySelector("main .err")`)
	var refused string
	e.eval(`document.querySelector("main .err").textContent`, &refused)
	if !strings.Contains(refused, "无权") {
		t.Fatalf("clerk on the users page sees %q", refused)
	}
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	txt := e.exportTXT("viewer")
	if !strings.Contains(txt, "审判员：张三") /* sitting alone: 审判员 */ || !strings.Contains(txt, "书记员：赵六") || strings.Contains(txt, "zhangsan") || strings.Contains(txt, "zhaoliu") {
		t.Fatalf("笔录 prints logins:\n%s", txt)
	}
}
