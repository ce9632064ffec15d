package web_test

import "context"
import "fmt"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// setField sets a form field in the open dialog and fires its change event, as a clerk's pick
// in a select does.
func (e *env) setField(css, value string) {
	e.t.Helper()
	e.eval(fmt.Sprintf(`(function(){const el=document.querySelector(%q); el.value=%q; el.dispatchEvent(new Event("change",{bubbles:true})); return true})()`, css, value), nil)
}

// exportTXT fetches the TXT export through the link the page offers, with a session of name.
func (e *env) exportTXT(name string) string {
	e.t.Helper()
	var href string
	e.wait(`document.querySelector("#exports a[data-format=txt]")`)
	e.eval(`document.querySelector("#exports a[data-format=txt]").getAttribute("href")`, &href)
	code, b := e.apiLogin(name).do("GET", href, nil, nil)
	if code != 200 {
		e.t.Fatalf("export %s: %d %s", href, code, b)
	}
	return string(b)
}

// TestClerkMarksUSTranscript: on an English criminal hearing the clerk marks, in the UI, the
// witness sworn, a direct examination by MR. SMITH, its end and a cross-examination by MS.
// JONES, and an exhibit received; fills the reporter's name and credential and the parties
// with their counsel in the record-header form. The US transcript (the TXT export the page
// links, which the sign dialog previews) prints exactly those: the sworn line, the headings
// with BY …:, Q./A. only inside the marked examinations, the exhibit, APPEARANCES and the
// certificate. Each mark is an audited note by the clerk; after finalizing both forms are gone
// and the API refuses them.
func TestClerkMarksUSTranscript(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "cr-marks"
	h := transcript.Hearing{ID: hid, Title: "People v. Roe", CaseNumber: "CR-2026-0042", Court: "Circuit Court of Cook County", Courtroom: "Courtroom 4B",
		Language: "en", Clerk: "zhaoliu", Presiding: "zhangsan", TimeZone: "America/Chicago", ScheduledAt: time.Now(),
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "pros", Role: "MR. SMITH", Person: "John Smith"},
			{Seat: "def", Role: "MS. JONES", Person: "Ann Jones"}, {Seat: "wit", Role: "THE WITNESS", Person: "Jane Doe", Witness: true}}}
	if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Start(ctx, "zhaoliu", hid); err != nil {
		t.Fatal(err)
	}
	e.replay(hid, "judge", 0, "Call your first witness.")
	q1 := e.replay(hid, "pros", 10000, "Where were you on the night of March 3rd?")
	e.replay(hid, "wit", 13000, "At home.")
	obj := e.replay(hid, "def", 16000, "Objection, your honor.")
	e.replay(hid, "judge", 19000, "Overruled.")
	q2 := e.replay(hid, "def", 30000, "You did not see the defendant that night?")
	e.replay(hid, "wit", 33000, "No.")

	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(fmt.Sprintf(`document.querySelector("%s") && document.querySelector("#head button[data-act=marks]")`, sel(q2.ID)))

	mark := func(row int64, fill func()) {
		t.Helper()
		e.run(focus(sel(row)))
		e.key("k", keyAlt)
		e.wait(`document.querySelector("#dlg[open] #mKind")`)
		fill()
		e.run(click(`#dlgActions button[value=ok]`))
		e.wait(`!document.querySelector("#dlg[open]")`)
	}
	// Sworn, then DIRECT by MR. SMITH, both before the first question.
	mark(q1.ID, func() {
		e.setField("#mKind", "sworn")
		e.setField("#mWitness", "wit")
		e.eval(`document.querySelector("#mName").value = "Jane Doe"`, nil)
	})
	e.wait(`document.querySelector(".note.k-sworn")`)
	mark(q1.ID, func() {
		e.setField("#mKind", "examination")
		e.setField("#mExam", "direct")
		e.setField("#mBy", "pros")
		e.setField("#mWitness", "wit")
		e.shot("21-mark-examination")
	})
	e.wait(`document.querySelector(".note.k-examination")`)
	// The examination ends before the objection; CROSS by MS. JONES later.
	mark(obj.ID, func() {
		e.setField("#mKind", "examination")
		e.setField("#mExam", "end")
	})
	mark(q2.ID, func() {
		e.setField("#mKind", "examination")
		e.setField("#mExam", "cross")
		e.setField("#mBy", "def")
		e.setField("#mWitness", "wit")
	})
	mark(q2.ID, func() {
		e.setField("#mKind", "exhibit")
		e.eval(`document.querySelector("#mExhibit").value = "Government Exhibit 1"`, nil)
		e.eval(`document.querySelector("#mDesc").value = "photograph"`, nil)
		e.setField("#mStatus", "received")
	})
	// A mark set by mistake is struck, with a reason (and set anew if need be). The clerk
	// saves it and at once presses Alt+K again, in one script so the order is certain: the next
	// dialog opens before the saved one's close event ran, which used to drop the saved mark
	// (the stale close event resolved the new dialog and the new one cancelled the old).
	e.run(focus(sel(q2.ID)))
	e.key("k", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #mKind")`)
	e.setField("#mKind", "exhibit")
	e.eval(`document.querySelector("#mExhibit").value = "Defense Exhibit A"`, nil)
	e.setField("#mStatus", "offered")
	e.eval(fmt.Sprintf(`(function(){document.querySelector("#dlgActions button[value=ok]").click(); const r=document.querySelector("%s"); r.focus();
		r.dispatchEvent(new KeyboardEvent("keydown", {key: "k", code: "KeyK", altKey: true, bubbles: true, cancelable: true})); return true})()`, sel(q2.ID)), nil)
	e.wait(`document.querySelectorAll(".note.mark").length === 6 && document.querySelector("#dlg[open] #mKind") && document.querySelector("#mExhibit").value === ""`)
	e.run(click(`#dlgActions button[value='']`))
	e.wait(`!document.querySelector("#dlg[open]")`)
	var wrong string
	e.eval(`Array.from(document.querySelectorAll(".note.k-exhibit")).find(n => n.textContent.includes("Defense Exhibit A")).id`, &wrong)
	e.clickUntil(`#`+wrong+` button[data-nact=delete]`, `document.querySelector("#dlg[open] #dReason")`)
	var strikeWhat string
	e.eval(`document.querySelector("#dlgBody").textContent`, &strikeWhat)
	e.run(sendKeys("#dReason", "marked by mistake"), click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelectorAll(".note.mark").length === 5`)
	var shown string
	e.eval(`Array.from(document.querySelectorAll(".note.mark")).map(n => n.textContent).join("\n")`, &shown)
	for _, want := range []string{"Jane Doe", "Direct examination · By MR. SMITH (John Smith) · Witness THE WITNESS (Jane Doe)", "Examination ends",
		"Cross-examination · By MS. JONES", "Government Exhibit 1 (photograph) received"} {
		if !strings.Contains(shown, want) {
			t.Fatalf("marks shown:\n%s\nwant %q", shown, want)
		}
	}

	// The record header: reporter and credential, the parties and their counsel.
	e.run(click(`#head button[data-act=header]`))
	e.wait(`document.querySelector("#dlg[open] #partyTable")`)
	e.run(click("#addParty"), click("#addAgent"), click("#addParty"), click("#addAgent"))
	e.eval(`(function(){const r=document.querySelectorAll("#partyTable tbody tr"), v=[["Plaintiff","The People of the State of Illinois",""],["Counsel","John Smith","Assistant State's Attorney"],["Defendant","Richard Roe",""],["Counsel","Ann Jones","Assistant Public Defender"]];
		r.forEach((tr,i)=>{tr.querySelector(".p-role").value=v[i][0]; tr.querySelector(".p-name").value=v[i][1]; tr.querySelector(".p-details").value=v[i][2];}); return true})()`, nil)
	e.run(sendKeys("#hRep", "Pat Lee"), sendKeys("#hCred", "CSR No. 084-004567"))
	e.shot("22-record-header-us")
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`!document.querySelector("#dlg[open]") && document.querySelector("#msg").hidden`)
	var got *transcript.Hearing
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, _ = e.store.GetHearing(ctx, hid)
		if got.Reporter != "" || time.Now().After(end) {
			break
		}
	}
	if got.Reporter != "Pat Lee" || got.ReporterCredential != "CSR No. 084-004567" || len(got.PartyList) != 2 || len(got.PartyList[1].Agents) != 1 ||
		got.PartyList[1].Agents[0].Name != "Ann Jones" || got.PartyList[1].Agents[0].Kind != "Counsel" {
		t.Fatalf("hearing after the header form: %+v", got)
	}

	txt := e.exportTXT("viewer")
	for _, want := range []string{"JANE DOE, having been first duly sworn, testified\n", "  as follows:", "DIRECT EXAMINATION", "BY MR. SMITH:",
		"JANE DOE - Direct", "JANE DOE - Cross", "Q.  Where were you on the night of March 3rd?", "A.  At home.", "MS. JONES:  Objection, your honor.", "CROSS-EXAMINATION", "BY MS. JONES:",
		"Q.  You did not see the defendant that night?", "A.  No.", "Government Exhibit 1 (photograph) received", "APPEARANCES", "Richard Roe", "Ann Jones",
		"Pat Lee", "CSR No. 084-004567"} {
		if !strings.Contains(txt, want) {
			t.Fatalf("US transcript lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "Q.  Objection") || strings.Contains(txt, "Defense Exhibit A") {
		t.Fatalf("the objection was printed as a question:\n%s", txt)
	}
	// Lines per page: 25 unless the clerk picks another rule (some states use 32); the TXT and
	// PDF links follow the choice at once and the export numbers that many lines a page.
	if strings.Contains(txt, "\n26\n") || !strings.Contains(txt, "\n25\n") {
		t.Fatalf("the default US transcript does not number 25 lines a page:\n%s", txt)
	}
	e.setField("#lpp", "32")
	e.wait(`document.querySelector("#exports a[data-format=pdf]").getAttribute("href").endsWith("&lines_per_page=32")`)
	if txt32 := e.exportTXT("viewer"); !strings.Contains(txt32, "\n32\n") || strings.Contains(txt32, "\n33\n") {
		t.Fatalf("US transcript at 32 lines a page:\n%s", txt32)
	}
	var jsonHref string
	e.eval(`document.querySelector("#exports a[data-format=json]").getAttribute("href")`, &jsonHref)
	if strings.Contains(jsonHref, "lines_per_page") {
		t.Fatalf("the JSON record is not paged, yet its link is %q", jsonHref)
	}
	e.setField("#lpp", "25")
	e.wait(`!document.querySelector("#exports a[data-format=txt]").getAttribute("href").includes("lines_per_page")`)
	// Every mark is the clerk's, on the hearing's audit trail.
	notes, _ := e.store.ListNotes(ctx, hid)
	kinds := map[transcript.NoteKind]int{}
	for _, n := range notes {
		if n.Author != "zhaoliu" {
			t.Fatalf("mark by %q: %+v", n.Author, n)
		}
		if n.Deleted {
			if n.Text != "Defense Exhibit A offered" || n.UpdatedBy != "zhaoliu" || !strings.Contains(strikeWhat, "Defense Exhibit A") {
				t.Fatalf("struck mark %+v (dialog said %q)", n, strikeWhat)
			}
			continue
		}
		kinds[n.Kind]++
	}
	if kinds[transcript.NoteSworn] != 1 || kinds[transcript.NoteExamination] != 3 || kinds[transcript.NoteExhibit] != 1 {
		t.Fatalf("marks in the store: %v", kinds)
	}
	if rep, err := e.store.AuditHearing(ctx, hid); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}

	// After finalizing: no forms, and the API refuses both.
	if _, err := e.store.CloseHearing(ctx, "zhaoliu", hid, []transcript.AudioFile{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Finalize(ctx, "zhaoliu", hid); err != nil {
		t.Fatal(err)
	}
	e.wait(`document.querySelector("#head [data-status=finalized]") && !document.querySelector("#head button[data-act=marks]") && !document.querySelector("#head button[data-act=header]")`)
	cc := e.apiLogin("zhaoliu")
	if code, b := cc.do("POST", "/api/hearings/"+hid+"/notes", map[string]any{"kind": "exhibit", "at_ms": 40000, "text": "Defense Exhibit A offered"}, nil); code != 409 {
		t.Fatalf("a mark after finalizing: %d %s", code, b)
	}
	if code, b := cc.do("PATCH", "/api/hearings/"+hid, map[string]any{"reporter": "Someone Else"}, nil); code != 409 {
		t.Fatalf("a header change after finalizing: %d %s", code, b)
	}
}

// TestRecordHeaderZh: the clerk sets 不公开 with its reason and the parties with their agents
// (who appeared) in the record-header form; the admin switches the bench from 独任 to 合议庭 in
// the hearing form. The 庭审笔录 prints all of it.
func TestRecordHeaderZh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-header"
	if _, err := e.store.CreateUser(ctx, "admin", "wangwu", transcript.RoleJudge, pw); err != nil {
		t.Fatal(err)
	}
	e.openedHearing(hid)
	e.login("zhaoliu")
	e.headDialog(hid, "header", "#partyTable")
	var org string
	e.eval(`document.querySelector("#hOrg").textContent`, &org)
	if !strings.Contains(org, "独任审判") {
		t.Fatalf("bench shown as %q", org)
	}
	e.run(click("#hNotPublic"), sendKeys("#hReason", "涉及个人隐私"),
		click("#addParty"), click("#addAgent"), click("#addParty"))
	e.eval(`(function(){const r=document.querySelectorAll("#partyTable tbody tr"), v=[["原告","张某","男，1980年1月1日出生，住北京市朝阳区",true],["委托诉讼代理人","李四","北京某律师事务所律师",true],["被告","李某","",false]];
		r.forEach((tr,i)=>{tr.querySelector(".p-role").value=v[i][0]; tr.querySelector(".p-name").value=v[i][1]; tr.querySelector(".p-details").value=v[i][2]; tr.querySelector(".p-present").checked=v[i][3];}); return true})()`, nil)
	e.shot("23-record-header-zh")
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`!document.querySelector("#dlg[open]")`)
	waitHearing := func(ok func(*transcript.Hearing) bool) *transcript.Hearing {
		t.Helper()
		for end := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			h, _ := e.store.GetHearing(ctx, hid)
			if ok(h) {
				return h
			}
			if time.Now().After(end) {
				t.Fatalf("hearing %+v", h)
			}
		}
	}
	waitHearing(func(h *transcript.Hearing) bool { return h.NotPublic && len(h.PartyList) == 2 })
	txt := e.exportTXT("viewer")
	for _, want := range []string{"审理方式：不公开开庭审理（涉及个人隐私）　审判组织：独任审判", "当事人及其诉讼代理人：",
		"原告：张某，男，1980年1月1日出生，住北京市朝阳区", "委托诉讼代理人：李四，北京某律师事务所律师", "被告：李某"} {
		if !strings.Contains(txt, want) {
			t.Fatalf("笔录 lacks %q:\n%s", want, txt)
		}
	}
	e.logout()

	// The admin makes it a collegial bench in the hearing form.
	e.login("admin")
	e.run(navigate(e.srv.URL + "/#/edit/" + hid))
	e.wait(`document.querySelector("#f-single:checked") && document.querySelector("#f-judges").parentElement.hidden`)
	// A single judge is 审判员 (the presiding field says so); a panel's presiding judge 审判长.
	e.wait(`["审判员", "Judge"].includes(document.querySelector("label[for=f-presiding]").textContent)`)
	e.run(click("#f-panel"))
	e.wait(`!document.querySelector("#f-judges").parentElement.hidden && ["审判长", "Presiding judge"].includes(document.querySelector("label[for=f-presiding]").textContent)`)
	e.run(sendKeys("#f-judges", "wangwu"), click(`#hf button[type=submit]`))
	e.wait(`location.hash === "#/hearing/` + hid + `"`)
	waitHearing(func(h *transcript.Hearing) bool { return len(h.Judges) == 1 && h.Judges[0] == "wangwu" && h.NotPublic })
	txt = e.exportTXT("viewer")
	if !strings.Contains(txt, "审判组织：合议庭") || !strings.Contains(txt, "审判员：") {
		t.Fatalf("笔录 after the bench change:\n%s", txt)
	}
}
