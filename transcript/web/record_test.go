package web_test

import "context"
import "fmt"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/api"
import "github.com/courtscribe/courtscribe/transcript/export"

// repairHearing creates and starts a Mandarin civil hearing for the repair tests.
func (r *rig) repairHearing(hid string) {
	r.t.Helper()
	ctx := context.Background()
	h := transcript.Hearing{ID: hid, CaseNumber: "（2026）京0105民初77号", Cause: "买卖合同纠纷", Court: "北京市朝阳区人民法院",
		Courtroom: "第三法庭", Title: "张某诉李某买卖合同纠纷案", Language: "zh", Presiding: "zhangsan", Clerk: "zhaoliu",
		ScheduledAt: time.Now(),
		Seats: []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}, {Seat: "plaintiff", Role: "原告", Person: "张某"},
			{Seat: "defendant", Role: "被告", Person: "李某"}}}
	if _, err := r.store.CreateHearing(ctx, "admin", h); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.store.Start(ctx, "zhaoliu", hid); err != nil {
		r.t.Fatal(err)
	}
}

// openedHearing is repairHearing with the judge's opening words already in the record.
func (r *rig) openedHearing(hid string) *transcript.Segment {
	r.t.Helper()
	r.repairHearing(hid)
	return r.replay(hid, "judge", 0, "现在开庭。")
}

// TestClerkRepairs walks the clerk's repairs in Chromium: typed and confirmed text is verified
// (no ⋯, no italics, no 待识别, and the health panel's backlog agrees with /summary), a blip is
// struck with a reason, a missed utterance is added with seat and time, a cross-seat merge
// explains itself in a message that stays, notes carry wall-clock time and are edited and
// struck, closing asks first, and after finalizing Enter opens a 补正 (with the party's
// written request attached) instead of the editor. The export links include VTT.
func TestClerkRepairs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-repair"
	e.repairHearing(hid)
	s0 := e.replay(hid, "judge", 0, "现在开庭。")
	s1 := e.replay(hid, "plaintiff", 3000, "请求判令被告支付货款。")
	pend := e.replay(hid, "defendant", 6000, "") // waits for the engine
	blip, err := e.store.AppendSegment(ctx, "diarizer", hid, transcript.NewSegment{Seat: "defendant", StartMS: 9000, EndMS: 9130})
	if err != nil {
		t.Fatal(err)
	}
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(fmt.Sprintf(`document.querySelector("%s.pending") && document.querySelector("#online.on")`, sel(pend.ID)))
	var backlog string
	e.wait(`document.querySelector("#backlog") && document.querySelector("#backlog").textContent === "2"`)

	// The clerk types what the defendant said into the pending segment: it is verified.
	e.run(focus(sel(pend.ID)))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.eval(`document.activeElement.value = "被告李某到庭。"`, nil)
	e.key(keyEnter)
	e.wait(fmt.Sprintf(`document.querySelector("%s.verified") && !document.querySelector("textarea")`, sel(pend.ID)))
	var look []string
	e.eval(fmt.Sprintf(`(function(){const r=document.querySelector("%s"), tx=r.querySelector(".tx");
		return [r.querySelector(".st").textContent, getComputedStyle(tx,"::before").content, getComputedStyle(tx).fontStyle]})()`, sel(pend.ID)), &look)
	if !strings.Contains(look[0], "已核对") || strings.Contains(look[0], "待识别") || strings.Contains(look[1], "⋯") || look[2] != "normal" {
		t.Fatalf("typed text looks %q, want verified: no 待识别, no ⋯, upright", look)
	}
	// Alt+C confirms the engine's text as heard.
	e.run(focus(sel(s1.ID)))
	e.key("c", keyAlt)
	e.wait(fmt.Sprintf(`document.querySelector("%s.verified")`, sel(s1.ID)))
	if g := segText(t, e.store, s1.ID); !g.Edited || g.Text != "请求判令被告支付货款。" {
		t.Fatalf("confirmed segment %+v", g)
	}
	// The panel's backlog and /summary agree: only the blip still waits.
	e.wait(`document.querySelector("#backlog").textContent === "1"`)
	e.eval(`document.querySelector("#backlog").textContent`, &backlog)
	cc := e.apiLogin("zhaoliu")
	var sum struct{ Pending []int64 }
	cc.do("GET", "/api/hearings/"+hid+"/summary", nil, &sum)
	if backlog != fmt.Sprint(len(sum.Pending)) || len(sum.Pending) != 1 || sum.Pending[0] != blip.ID {
		t.Fatalf("backlog %s, summary pending %v", backlog, sum.Pending)
	}

	// A cross-seat merge is refused with an explanation that names the people, not ids, and
	// stays on screen.
	e.run(focus(sel(s0.ID)))
	e.key("m", keyAlt)
	e.wait(`!document.querySelector("#msg").hidden`)
	var msg string
	e.eval(`document.querySelector("#msgText").textContent`, &msg)
	if !strings.Contains(msg, "审判长（张三）") || !strings.Contains(msg, "原告（张某）") || strings.ContainsAny(msg, "#0123456789") {
		t.Fatalf("cross-seat merge message %q", msg)
	}
	e.shot("11-merge-explained")
	time.Sleep(3 * time.Second) // longer than the old 2.5 s toast
	var shown bool
	e.eval(`!document.querySelector("#msg").hidden`, &shown)
	if !shown {
		t.Fatal("the message vanished by itself")
	}
	e.run(click("#msgClose"))
	e.wait(`document.querySelector("#msg").hidden`)

	// The relabel dialog names the segment it changes.
	e.run(focus(sel(s1.ID)))
	e.key("r", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dSeat")`)
	var title string
	e.eval(`document.querySelector("#dlgTitle").textContent`, &title)
	if !strings.Contains(title, "00:00:03") || !strings.Contains(title, "原告（张某）") || !strings.Contains(title, "请求判令") {
		t.Fatalf("relabel dialog title %q", title)
	}
	// The clerk leaves it with Esc and at once presses Alt+D on the blip: the strike dialog opens
	// before the relabel dialog's close event has run (a dialog's close event is a task of its
	// own). Done in one script so the order is certain: that stale event used to resolve the new
	// dialog as cancelled, leaving a strike dialog whose buttons did nothing.
	e.eval(fmt.Sprintf(`(function(){document.querySelector("#dlg").close(); const r=document.querySelector("%s"); r.focus();
		r.dispatchEvent(new KeyboardEvent("keydown", {key: "d", code: "KeyD", altKey: true, bubbles: true, cancelable: true})); return true})()`, sel(blip.ID)), nil)

	// Strike the 130 ms blip with a reason.
	e.wait(`document.querySelector("#dlg[open] #dReason")`)
	e.run(sendKeys("#dReason", "噪声，非发言"), click(`#dlgActions button[value=ok]`))
	e.wait(fmt.Sprintf(`!document.querySelector("%s")`, sel(blip.ID)))
	if g := segText(t, e.store, blip.ID); !g.Deleted {
		t.Fatal("the blip was not struck")
	}
	hist, _ := e.store.SegmentHistory(ctx, blip.ID)
	if last := hist[len(hist)-1]; last.Reason != "噪声，非发言" || last.Actor != "zhaoliu" {
		t.Fatalf("strike event %+v", last)
	}

	// Add a missed utterance with seat, time, words and reason.
	e.run(focus(sel(s1.ID)))
	e.key("i", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #iSeat")`)
	e.eval(`(function(){document.querySelector("#iSeat").value="defendant"; document.querySelector("#iStart").value="0:00:05.6";
		document.querySelector("#iEnd").value="0:00:05.9"; return true})()`, nil)
	e.run(sendKeys("#iText", "同意。"), sendKeys("#iReason", "被告未开麦克风，书记员补记"))
	e.shot("12-insert-utterance")
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`Array.from(document.querySelectorAll("#tx .seg.verified")).some(r => r.textContent.includes("同意。"))`)
	segs, _ := e.store.ListSegments(ctx, hid, false)
	var ins *transcript.Segment
	for i := range segs {
		if segs[i].Text == "同意。" {
			ins = &segs[i]
		}
	}
	if ins == nil || ins.Seat != "defendant" || ins.StartMS != 5600 || ins.EndMS != 5900 {
		t.Fatalf("inserted utterance %+v", ins)
	}

	// A note shows the wall-clock time beside the audio clock; it is edited and struck.
	e.run(focus(sel(s0.ID)))
	e.key("n", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dNote")`)
	e.run(sendKeys("#dNote", "原告提交证据两份"), click(`#dlgActions button[value=ok]`))
	e.wait(`Array.from(document.querySelectorAll(".note.k-annotation")).some(n => n.textContent.includes("两份"))`)
	var wall string
	e.eval(`document.querySelector(".note.k-annotation .wall").textContent`, &wall)
	if !strings.Contains(wall, ":") {
		t.Fatalf("note wall-clock time %q", wall)
	}
	e.clickUntil(`.note.k-annotation button[data-nact=edit]`, `document.querySelector("#dlg[open] #dNoteText")`)
	e.eval(`document.querySelector("#dNoteText").value = "原告提交证据三份"`, nil)
	e.run(sendKeys("#dReason", "份数记错"), click(`#dlgActions button[value=ok]`))
	e.wait(`Array.from(document.querySelectorAll(".note.k-annotation")).some(n => n.textContent.includes("三份"))`)
	e.clickUntil(`.note.k-annotation button[data-nact=delete]`, `document.querySelector("#dlg[open] #dReason")`)
	e.run(sendKeys("#dReason", "误记"), click(`#dlgActions button[value=ok]`))
	e.wait(`!document.querySelector(".note.k-annotation")`)
	notes, _ := e.store.ListNotes(ctx, hid)
	if len(notes) != 1 || !notes[0].Deleted || notes[0].Text != "原告提交证据三份" || notes[0].Revision != 2 {
		t.Fatalf("notes after edit and strike: %+v", notes)
	}

	// An error is said in the clerk's language, without the server's English or ids, and stays.
	e.run(focus(sel(s0.ID)))
	e.key("i", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #iSeat")`)
	e.run(sendKeys("#iText", "x"), sendKeys("#iReason", " "))
	e.eval(`document.querySelector("#iReason").value = " "`, nil)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`!document.querySelector("#msg").hidden`)
	e.eval(`document.querySelector("#msgText").textContent`, &msg)
	if !strings.Contains(msg, "补记发言") || !strings.Contains(msg, "原因") || strings.Contains(msg, "segment") || strings.Contains(msg, "reason") {
		t.Fatalf("error message %q", msg)
	}
	e.run(click("#msgClose"))

	// History speaks in words: no event kinds, no "diarizer".
	e.run(focus(sel(pend.ID)))
	e.key("h", keyAlt)
	e.wait(`document.querySelectorAll("#dlg[open] #histTable tbody tr").length >= 2`)
	var histText string
	e.eval(`document.querySelector("#histTable").textContent + document.querySelector("#dlgTitle").textContent`, &histText)
	if strings.Contains(histText, "segment.") || strings.Contains(histText, "diarizer") || !strings.Contains(histText, "自动分段") || !strings.Contains(histText, "被告（李某）") {
		t.Fatalf("history %q", histText)
	}
	e.key(keyEscape)
	e.wait(`!document.querySelector("#dlg[open]")`)

	// Closing asks first; cancelling keeps the hearing live.
	e.run(click(`#head button[data-act=close]`))
	e.wait(`document.querySelector("#dlg[open] #closeWarn")`)
	e.shot("13-close-confirm")
	e.run(click(`#dlgActions button[value='']`))
	e.wait(`!document.querySelector("#dlg[open]")`)
	if h, _ := e.store.GetHearing(ctx, hid); h.Status != transcript.StatusLive {
		t.Fatalf("cancelled close left the hearing %s", h.Status)
	}
	e.run(click(`#head button[data-act=close]`))
	e.wait(`document.querySelector("#dlg[open] #closeWarn")`)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=closed]")`)
	e.run(click(`#head button[data-act=finalize]`))
	e.wait(`document.querySelector("#dlg[open] #issues")`)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=finalized]")`)

	// After finalizing, Enter opens the 补正, never the editor; the party's request is attached.
	e.run(focus(sel(s1.ID)))
	e.key(keyEnter)
	e.wait(`document.querySelector("#dlg[open] #cText")`)
	var editors int
	e.eval(`document.querySelectorAll("#tx textarea").length`, &editors)
	if editors != 0 {
		t.Fatal("the editor opened on a finalized record")
	}
	doc := filepath.Join(t.TempDir(), "申请书.pdf")
	os.WriteFile(doc, []byte("%PDF-1.4 原告张某申请补正"), 0o644)
	e.eval(`document.querySelector("#cText").value = "请求判令被告支付货款十万元。"`, nil)
	e.run(sendKeys("#cReason", "当事人申请补正"), sendKeys("#cParty", "原告张某"),
		sendKeys("#cReq", "笔录漏记“十万元”"), setFiles("#cFile", doc))
	e.shot("14-correction-with-request")
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#signed") && document.querySelector("#signed").textContent.includes("2")`)
	rec, err := e.store.Record(ctx, hid, 0)
	if err != nil || rec.Version != 2 || len(rec.Corrections) != 1 || rec.Corrections[0].Request == nil ||
		rec.Corrections[0].Request.Party != "原告张某" || rec.Corrections[0].Request.FileName != "申请书.pdf" || rec.Corrections[0].Request.FileBytes == 0 {
		t.Fatalf("record after the correction: %+v %v", rec, err)
	}
	// The UI offers every format the CLI's export writes, and each link serves that format.
	var links []string
	e.eval(`Array.from(document.querySelectorAll("#exports a")).map(a => a.dataset.format)`, &links)
	if !slices.Equal(links, export.Formats) {
		t.Fatalf("export links %q, the CLI exports %q", links, export.Formats)
	}
	for _, f := range links {
		var href string
		e.eval(`document.querySelector("#exports a[data-format=`+f+`]").getAttribute("href")`, &href)
		code, b := cc.do("GET", href, nil, nil)
		if code != 200 || len(b) == 0 {
			t.Fatalf("export link %s: %d, %d bytes", href, code, len(b))
		}
	}
}

// TestHealthPanelNeverFalseGreen: with the server unreachable the panel turns into "connection
// lost" within a few seconds (no ✔, grey meters); a microphone delivering digital zeros alarms
// within 10 s, marks its meter, can sound, and stays listed until acknowledged even after it
// recovers. The technician's agents page is translated and follows changes live.
func TestHealthPanelNeverFalseGreen(t *testing.T) {
	e := newEnv(t)
	const hid = "h-health"
	e.openedHearing(hid)
	start := time.Now()
	good := func(now time.Time, plaintiffSignal time.Time) api.AgentHealth {
		pl := api.SeatLevel{Seat: "plaintiff", RMSdBFS: -52, PeakdBFS: -40}
		if plaintiffSignal.Before(now.Add(time.Minute)) {
			pl = api.SeatLevel{Seat: "plaintiff", RMSdBFS: -120, PeakdBFS: -120} // digital zeros
		}
		return api.AgentHealth{Hearing: hid, Courtroom: "第三法庭", Agent: "courtroom-3", Connected: true, LevelsAt: now.Add(time.Hour), Engine: "whisper:base",
			Seats:  []string{"judge", "plaintiff"},
			Levels: []api.SeatLevel{{Seat: "judge", RMSdBFS: -24, PeakdBFS: -9}, pl},
			Activity: []api.SeatActivity{{Seat: "judge", Since: start, LastSpeechAt: now.Add(time.Hour), LastSignalAt: now.Add(time.Hour)},
				{Seat: "plaintiff", Since: start, LastSignalAt: plaintiffSignal}}}
	}
	e.status.set(good(time.Now(), time.Now().Add(time.Hour)))
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelector("#alarms .okline") && document.querySelector("#health .badge.ok")`)

	// The server goes away: within a few seconds the panel says so and shows nothing green.
	// Times are taken with the page's clock (the same machine's), when the page changed, not
	// when this test's polling noticed: on a loaded machine the test's own round trips through
	// the DevTools protocol took seconds and made the bound flaky.
	t0 := time.Now()
	e.down.Store(true)
	e.wait(`document.querySelector("#connLost")`)
	var lostAt int64
	e.eval(`window.csLostAt`, &lostAt)
	lostAfter := time.UnixMilli(lostAt).Sub(t0)
	var green int
	e.eval(`document.querySelectorAll("#health .okline, #health .badge.ok, #online.on").length + document.querySelectorAll("#health .meter:not(.stale)").length`, &green)
	if green != 0 || lostAfter > 8*time.Second {
		t.Fatalf("after the server went down: %d green items, connection lost shown after %v", green, lostAfter)
	}
	t.Logf("server down → connection lost shown after %v", lostAfter.Round(100*time.Millisecond))
	e.shot("15-health-connection-lost")
	e.down.Store(false)
	e.wait(`!document.querySelector("#connLost") && document.querySelector("#alarms .okline")`)

	// The plaintiff's microphone delivers only digital zeros from now on.
	e.run(click("#alarmSound"))
	var beeps0 int
	e.eval(`window.csBeeps || 0`, &beeps0)
	dead := time.Now()
	e.status.set(good(time.Now(), dead))
	e.wait(`document.querySelector("#alarms li[data-code=no_signal]")`)
	var alarmAt int64
	e.eval(`window.csAlarmAt["no_signal/plaintiff"]`, &alarmAt)
	if d := time.UnixMilli(alarmAt).Sub(dead); d > 10*time.Second || d < 0 {
		t.Fatalf("dead microphone alarmed after %v", d)
	}
	t.Logf("digital zeros → alarm after %v", time.UnixMilli(alarmAt).Sub(dead).Round(100*time.Millisecond))
	e.wait(`document.querySelector(".meter.alarm[data-seat=plaintiff]") && (window.csBeeps || 0) > ` + fmt.Sprint(beeps0))
	var alarmText string
	e.eval(`document.querySelector("#alarms li[data-code=no_signal]").textContent`, &alarmText)
	if !strings.Contains(alarmText, "原告") || !strings.Contains(alarmText, "无信号") {
		t.Fatalf("alarm text %q", alarmText)
	}
	e.shot("16-health-dead-microphone")
	// The microphone comes back: the alarm stays (marked cleared) until acknowledged.
	e.status.set(good(time.Now(), time.Now().Add(time.Hour)))
	e.wait(`document.querySelector("#alarms li[data-code=no_signal].cleared")`)
	e.run(click(`#alarms li[data-code=no_signal] button[data-ack]`))
	e.wait(`!document.querySelector("#alarms li[data-code=no_signal]") && !document.querySelector(".meter.alarm")`)
	e.logout()

	// The agents page: translated, live.
	e.login("admin")
	e.run(navigate(e.srv.URL + "/#/agents"))
	e.wait(fmt.Sprintf(`document.querySelector("#agentTable tr[data-hearing='%s'] .badge.ok")`, hid))
	var head string
	e.eval(`document.documentElement.lang === "zh-CN" || document.querySelector("#langBtn").click() || true`, nil)
	e.wait(`document.documentElement.lang === "zh-CN" && document.querySelector("#agentTable")`)
	e.eval(`document.querySelector("#agentTable thead").textContent`, &head)
	if strings.Contains(head, "Hearing") || strings.Contains(head, "Agent") || !strings.Contains(head, "庭审") || !strings.Contains(head, "采集端") {
		t.Fatalf("agents page header %q", head)
	}
	a := good(time.Now(), time.Now().Add(time.Hour))
	a.Connected = false
	e.status.set(a)
	e.wait(fmt.Sprintf(`document.querySelector("#agentTable tr[data-hearing='%s'] .badge.bad")`, hid))
	e.shot("17-agents-live")
}

// TestLiveDotTurnsLostWhenTheServerStops: the header's "实时" dot is green only while the
// server answers. The server stops answering but the browser's websocket stays open (a hung
// process or a cut network sends no close frame): within a few seconds the dot says the
// connection is lost, with nothing green; when the server answers again it is live again.
func TestLiveDotTurnsLostWhenTheServerStops(t *testing.T) {
	e := newEnv(t)
	const hid = "h-dot"
	e.openedHearing(hid)
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelector("#online.on") && document.querySelector("#online").textContent === "实时"`)
	t0 := time.Now()
	e.down.Store(true)
	e.wait(`document.querySelector("#online.off")`)
	var dot struct {
		Text   string
		LostAt int64
	}
	e.eval(`({Text: document.querySelector("#online").textContent, LostAt: window.csLostAt})`, &dot)
	if dot.Text != "连接中断" {
		t.Fatalf("live dot says %q with the server down, want 连接中断", dot.Text)
	}
	if d := time.UnixMilli(dot.LostAt).Sub(t0); dot.LostAt == 0 || d > 8*time.Second {
		t.Fatalf("live dot lost after %v (page clock), want within a few seconds", d)
	}
	t.Logf("server stopped → live dot lost after %v", time.UnixMilli(dot.LostAt).Sub(t0).Round(100*time.Millisecond))
	e.shot("20-live-dot-lost")
	e.down.Store(false)
	e.wait(`document.querySelector("#online.on") && !document.querySelector("#connLost")`)
}

// TestCourtTimeInTheUI: times print in the court's zone (the hearing's time_zone), not the
// browser's.
func TestCourtTimeInTheUI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := transcript.Hearing{ID: "cr-9", Title: "People v. Roe", CaseNumber: "CR-9", Language: "en", Clerk: "zhaoliu", Presiding: "zhangsan",
		TimeZone: "America/Chicago", ScheduledAt: time.Date(2031, 3, 4, 15, 0, 0, 0, time.UTC), Courtroom: "Courtroom 4B",
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}}}
	if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearings"))
	e.run(click("#toggleAll"))
	e.wait(`document.querySelector("tr[data-hearing='cr-9']")`)
	var when string
	e.eval(`document.querySelector("tr[data-hearing='cr-9'] td").textContent`, &when)
	if !strings.Contains(when, "09:00") {
		t.Fatalf("scheduled time %q, want 09:00 in America/Chicago", when)
	}
	e.run(navigate(e.srv.URL + "/#/hearing/cr-9"))
	e.wait(`document.querySelector("#tz") && document.querySelector("#tz").textContent.includes("America/Chicago")`)
}

// TestSignWhatYouSee: the clerk records the parties' review (a refusal with its reason); the
// judge's sign dialog names the case, the version and its hash and shows the formatted record
// before the password; the clerk signs too, and only then is the record signed and no longer
// a draft. Headers print display names.
func TestSignWhatYouSee(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-sign"
	e.repairHearing(hid)
	if err := e.store.SetDisplayName(ctx, "admin", "zhangsan", "张三"); err != nil {
		t.Fatal(err)
	}
	e.replay(hid, "judge", 0, "现在开庭。")
	e.replay(hid, "plaintiff", 3000, "请求判令被告支付货款。")
	if _, err := e.store.CloseHearing(ctx, "zhaoliu", hid, []transcript.AudioFile{}); err != nil {
		t.Fatal(err)
	}
	ver, err := e.store.Finalize(ctx, "zhaoliu", hid)
	if err != nil {
		t.Fatal(err)
	}
	e.login("zhaoliu")
	e.headDialog(hid, "review", "#rvParty")
	e.eval(`document.querySelector("#rvOutcome").value = "refused"`, nil)
	e.run(sendKeys("#rvParty", "被告李某"), sendKeys("#rvReason", "认为第二段记录不全"),
		click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#reviews") && document.querySelector("#reviews").textContent.includes("拒绝签名")`)
	e.logout()

	e.login("zhangsan")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	var who string
	e.wait(`document.querySelector("#head button[data-act=sign]")`)
	e.eval(`document.querySelector("#who").textContent`, &who)
	if !strings.HasPrefix(who, "张三") {
		t.Fatalf("header shows %q, want the display name", who)
	}
	e.run(click(`#head button[data-act=sign]`))
	e.wait(`document.querySelector("#dlg[open] #preview") && document.querySelector("#dPass")`)
	var got struct{ Title, Hash, Version, Preview string }
	e.eval(`({Title: document.querySelector("#dlgTitle").textContent, Hash: document.querySelector("#signHash").textContent,
		Version: document.querySelector("#signVersion").textContent, Preview: document.querySelector("#preview").textContent})`, &got)
	if !strings.Contains(got.Title, "（2026）京0105民初77号") || got.Hash != ver.Hash || got.Version != "1" ||
		!strings.Contains(got.Preview, "法庭审理笔录") || !strings.Contains(got.Preview, "请求判令被告支付货款。") || !strings.Contains(got.Preview, "被告李某：拒绝签名") {
		t.Fatalf("sign dialog %+v (version hash %s)", got, ver.Hash)
	}
	e.shot("18-sign-preview")
	e.run(sendKeys("#dPass", pw), click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#signed .sig[data-signer=zhangsan]") && document.querySelector("#missing") && !document.querySelector("#head button[data-act=sign]")`)
	if h, _ := e.store.GetHearing(ctx, hid); h.Status != transcript.StatusFinalized {
		t.Fatalf("signed by the judge alone: %s", h.Status)
	}
	e.logout()

	// The clerk signs in the UI as well; now the record is signed and the export is no draft.
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelector("#head button[data-act=sign]") && !document.querySelector("#head button[data-act=review]")`)
	e.run(click(`#head button[data-act=sign]`))
	e.wait(`document.querySelector("#dlg[open] #preview") && document.querySelector("#dPass")`)
	e.run(sendKeys("#dPass", pw), click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=signed]") && document.querySelector("#signed .sig[data-signer=zhaoliu]") && !document.querySelector("#missing") && document.querySelector("#verifiedBadge.ok")`)
	e.shot("19-signed-by-panel-and-clerk")
	c := e.apiLogin("viewer")
	code, txt := c.do("GET", "/api/hearings/"+hid+"/export?format=txt", nil, nil)
	if code != 200 || strings.Contains(string(txt), "草稿") || !strings.Contains(string(txt), "以上笔录经核对无误") || !strings.Contains(string(txt), "审判员（签名）：张三（已电子签名）") /* sitting alone: 审判员 */ {
		t.Fatalf("signed export: %d\n%s", code, txt)
	}
	_, js := c.do("GET", "/api/hearings/"+hid+"/export?format=json", nil, nil)
	res, err := transcript.VerifyRecord(js, nil, "")
	if err != nil || len(res.Signers) != 2 || len(res.Missing) != 0 {
		t.Fatalf("verify: %+v %v", res, err)
	}
}

// TestAlarmAcknowledgedForEveryone: the clerk acknowledges a dead microphone; the
// acknowledgement is kept on the server, so after a reload, and in the technician's browser,
// the alarm shows acknowledged by the clerk (by name) with no button and an unmarked meter.
// The microphone recovers and dies again: a new alarm, unacknowledged, marked. The clerk
// acknowledges that one from another window (the API): the technician's open page shows it
// without a reload.
func TestAlarmAcknowledgedForEveryone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-ack"
	e.openedHearing(hid)
	if _, err := e.store.CreateUser(ctx, "admin", "tech", transcript.RoleTechnician, pw); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetDisplayName(ctx, "admin", "zhaoliu", "赵六"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	report := func(lastSignal time.Time) {
		now := time.Now()
		e.status.set(api.AgentHealth{Hearing: hid, Courtroom: "第三法庭", Agent: "courtroom-3", Connected: true, LevelsAt: now.Add(time.Hour),
			Seats:  []string{"judge", "plaintiff"},
			Levels: []api.SeatLevel{{Seat: "judge", RMSdBFS: -24, PeakdBFS: -9}, {Seat: "plaintiff", RMSdBFS: -120, PeakdBFS: -120}},
			Activity: []api.SeatActivity{{Seat: "judge", Since: start, LastSpeechAt: now.Add(time.Hour), LastSignalAt: now.Add(time.Hour)},
				{Seat: "plaintiff", Since: start, LastSignalAt: lastSignal}}})
	}
	report(time.Now().Add(time.Hour))
	e.login("zhaoliu")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelector("#alarms .okline")`)
	report(time.Now().Add(-time.Minute)) // digital zeros for a minute already
	const alarm = `#alarms li[data-code=no_signal]`
	e.wait(`document.querySelector("` + alarm + ` button[data-ack]") && document.querySelector(".meter.alarm[data-seat=plaintiff]")`)
	e.run(click(alarm + ` button[data-ack]`))
	acked := `document.querySelector("` + alarm + `.acked .ackby") && document.querySelector("` + alarm + ` .ackby").textContent.includes("赵六") &&
		!document.querySelector("` + alarm + ` button[data-ack]") && !document.querySelector(".meter.alarm")`
	e.wait(acked)
	e.shot("25-alarm-acknowledged")
	acks, err := e.store.AlarmAcks(ctx, hid)
	if err != nil || len(acks) != 1 || acks[0].By != "zhaoliu" || acks[0].Code != "no_signal" || acks[0].Seat != "plaintiff" {
		t.Fatalf("acks in the store: %+v %v", acks, err)
	}
	// A reload keeps it acknowledged.
	e.run(reload())
	e.wait(acked)
	e.logout()
	// So does the technician's browser.
	e.login("tech")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(acked)

	// Recovery forgets the acknowledged alarm; dying again alarms again.
	report(time.Now().Add(time.Hour))
	e.wait(`!document.querySelector("` + alarm + `") && document.querySelector("#alarms .okline")`)
	report(time.Now().Add(-time.Minute))
	e.wait(`document.querySelector("` + alarm + ` button[data-ack]") && !document.querySelector("` + alarm + ` .ackby") && document.querySelector(".meter.alarm[data-seat=plaintiff]")`)
	// The clerk acknowledges it in another window; the technician's page follows live.
	cc := e.apiLogin("zhaoliu")
	var hl api.Health
	cc.do("GET", "/api/hearings/"+hid+"/health", nil, &hl)
	var since time.Time
	for _, p := range hl.Panel {
		if p.Code == "no_signal" {
			since = p.Since
		}
	}
	if code, b := cc.do("POST", "/api/hearings/"+hid+"/alarms/ack", map[string]any{"code": "no_signal", "seat": "plaintiff", "since": since}, nil); code != 200 {
		t.Fatalf("ack from the other window: %d %s", code, b)
	}
	e.wait(acked)
	if acks, _ := e.store.AlarmAcks(ctx, hid); len(acks) != 2 || acks[0].Since.Equal(acks[1].Since) {
		t.Fatalf("two episodes acknowledged: %+v", acks)
	}
}
