package web_test

import "context"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "regexp"
import "strings"
import "testing"
import "time"

// The Firefox test drives Debian's firefox-esr (headless) through its built-in Marionette
// protocol (marionette_test.go) against the same server rig as the chromium tests.

func firefoxBin() string {
	for _, b := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	return ""
}

func newFirefoxEnv(t *testing.T) *env {
	bin := firefoxBin()
	if bin == "" {
		t.Skip("!!! SKIPPING the Firefox browser test: firefox-esr is missing; install it with `apt-get install -y firefox-esr` (scripts/deps.sh does) !!!")
	}
	r := newRig(t)
	m, err := startFirefox(bin, t.TempDir(), map[string]any{
		"intl.accept_languages":                      "zh-CN, zh", // navigator.language, like chromium's --lang
		"app.update.disabledForTesting":              true,
		"browser.shell.checkDefaultBrowser":          false,
		"browser.startup.homepage_override.mstone":   "ignore",
		"datareporting.policy.dataSubmissionEnabled": false,
		"toolkit.telemetry.reportingpolicy.firstRun": false,
		"network.captive-portal-service.enabled":     false,
		"network.connectivity-service.enabled":       false,
		"browser.safebrowsing.update.enabled":        false,
		"media.autoplay.default":                     0, // allow: ▶ plays the archive's audio
	})
	if err != nil {
		t.Fatalf("starting firefox: %v", err)
	}
	t.Cleanup(m.quit) // runs before the rig's cleanup: the browser goes first
	if err := m.call("WebDriver:SetWindowRect", map[string]any{"width": 1400, "height": 900}, nil); err != nil {
		t.Fatalf("window size: %v", err)
	}
	return &env{rig: r, d: m, shotName: "firefox-", waitFor: 30 * time.Second, poll: 25 * time.Millisecond, checkFields: true}
}

// TestFirefoxJourney runs the clerk's core journey in headless Firefox, with real key and
// mouse events: the admin creates a hearing in the form (typed CJK text) → the clerk sees it
// live in the list, opens it, segments arrive over the websocket → Tab/Shift+Tab order, edits
// with the keyboard (typed text, Enter saves, Esc cancels), relabels (Alt+R), splits at a caret
// moved with the arrow keys (Alt+S), recesses (Enter submits the dialog) and resumes, resolves
// a conflict with a second window, history (Alt+H, Esc), double-click edit and Alt+↓, plays
// audio (P), searches with "/", merges (Alt+M), adds a note (Alt+N) → closes and finalizes →
// a viewer cannot edit → the judge signs and sees the verified record, then switches to
// English. Every screen is checked for form fields sticking out of their boxes.
func TestFirefoxJourney(t *testing.T) {
	start := time.Now()
	e := newFirefoxEnv(t)
	ctx := context.Background()
	const hid = "h-2026-001"

	// The admin creates the hearing through the form, typing CJK text.
	e.journeyForm(hid,
		sendKeys("#seatTable tbody tr:nth-child(1) .s-person", "张三"),
		sendKeys("#seatTable tbody tr:nth-child(2) .s-person", "李四"),
		sendKeys("#seatTable tbody tr:nth-child(3) .s-person", "李某"))
	e.fieldsInside("hearing form")
	e.run(click("#hf button[type=submit]"))
	e.wait(`location.hash.startsWith("#/hearing/")`)
	e.logout()

	// The agent replay starts the hearing and speech arrives.
	lines, segs := e.startJourneyHearing(hid)

	// The clerk's list shows the hearing live; the clerk opens it with a click.
	e.login("zhaoliu")
	row := fmt.Sprintf("tr[data-hearing='%s']", hid)
	e.wait(fmt.Sprintf(`document.querySelector("%s .badge.live")`, row))
	var when string
	e.eval(fmt.Sprintf(`document.querySelector("%s td").textContent`, row), &when)
	if !regexp.MustCompile(`^\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}:\d{2}$`).MatchString(when) {
		t.Errorf("the list shows the time as %q, want the zh-CN form 2026/11/26 09:30:00", when)
	}
	e.shot("01-hearing-list")
	e.run(click(row + ` a[href^="#/hearing/"]`))
	e.wait(`document.querySelectorAll("#tx .seg").length === 2 && document.querySelector("#online.on")`)

	// Segments arrive live over the websocket: pending, then final.
	pending := e.replay(hid, "defendant", 6000, "")
	e.wait(fmt.Sprintf(`document.querySelector("%s.pending")`, sel(pending.ID)))
	for i, l := range lines[2:] {
		sg := e.replay(hid, l.seat, int64(9000+i*3000), l.text)
		segs = append(segs, sg)
		e.wait(fmt.Sprintf(`document.querySelector("%s.final")`, sel(sg.ID)))
	}
	var labels []string
	e.eval(fmt.Sprintf(`[document.querySelector("%s .st").textContent, document.querySelector("%s .st").textContent, document.querySelector("%s .who").textContent]`,
		sel(pending.ID), sel(segs[0].ID), sel(segs[1].ID)), &labels)
	if !strings.Contains(labels[0], "待识别") || !strings.Contains(labels[1], "已识别") || !strings.Contains(labels[2], "原告") {
		t.Fatalf("status and seat labels %q", labels)
	}
	e.wait(`document.querySelector("#alarms li[data-code=clipping]")`)
	e.shot("02-live-hearing-clerk")
	e.fieldsInside("live hearing")

	// Tab order: the list is one tab stop that lands on the segment last worked on, and
	// Shift+Tab leaves it again (no keyboard trap). (After the list, Firefox also stops on the
	// side panel when it overflows: scroll containers are keyboard-focusable there.)
	e.focusOn(sel(segs[1].ID))
	e.focusOn(`#head a[href$="format=vtt"]`)
	e.key(keyTab)
	e.wait(fmt.Sprintf(`document.activeElement.id === "s-%d"`, segs[1].ID))
	e.key(keyTab, keyShift)
	e.wait(`document.activeElement.matches('#head a[href$="format=vtt"]')`)

	// Edit with the keyboard only: ↑ selects, Enter edits, typed text, Enter saves.
	e.focusOn(sel(segs[1].ID))
	e.key(keyUp)
	e.wait(fmt.Sprintf(`document.activeElement.id === "s-%d"`, segs[0].ID))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.key(keyBackspace) // the caret starts at the end: drop the final "。"
	e.typeKeys("及到庭情况。")
	e.wait(`document.activeElement.value === "现在开庭。核对当事人身份及到庭情况。"`)
	e.key(keyEnter)
	e.wait(fmt.Sprintf(`document.querySelector("%s .tx").textContent.includes("到庭情况") && !document.querySelector("textarea") && document.activeElement.id === "s-%d"`, sel(segs[0].ID), segs[0].ID))
	if got := segText(t, e.store, segs[0].ID); got.Text != "现在开庭。核对当事人身份及到庭情况。" || got.UpdatedBy != "zhaoliu" {
		t.Fatalf("edited segment %+v", got)
	}
	// Esc cancels.
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.typeKeys("不应保存")
	e.key(keyEscape)
	e.wait(fmt.Sprintf(`!document.querySelector("textarea") && document.activeElement.id === "s-%d"`, segs[0].ID))
	if got := segText(t, e.store, segs[0].ID); strings.Contains(got.Text, "不应保存") {
		t.Fatal("Esc saved the text")
	}

	// Relabel segs[2] (defendant) to the plaintiff's seat with Alt+R. The answer is held back
	// (a slow network): the live feed shows the new seat, the clerk moves on and opens the
	// next editor, and only then does the answer arrive. It must not pull focus out of the
	// editor (it did: keys typed next went to the relabelled row).
	release := e.holdAnswer("/relabel")
	e.focusOn(sel(segs[2].ID))
	e.key("r", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dSeat") && document.activeElement.id === "dSeat"`)
	e.fieldsInside("relabel dialog")
	e.eval(`document.querySelector("#dSeat").value = "plaintiff"`, nil)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(fmt.Sprintf(`document.querySelector("%s .who").textContent.includes("原告")`, sel(segs[2].ID)))
	if got := segText(t, e.store, segs[2].ID); got.Seat != "plaintiff" {
		t.Fatalf("relabel: seat %s", got.Seat)
	}
	e.focusOn(sel(segs[4].ID))
	e.key(keyEnter)
	inEditor := fmt.Sprintf(`document.activeElement.tagName === "TEXTAREA" && document.activeElement.closest("#s-%d")`, segs[4].ID)
	e.wait(inEditor)
	e.eval(`document.querySelector("#toast").classList.remove("show")`, nil)
	release()
	e.wait(`document.querySelector("#toast.show")`) // the answer was handled: relabel's last step
	var stillIn bool
	e.eval("!!("+inEditor+")", &stillIn)
	if !stillIn {
		e.shot("focus-stolen")
		t.Fatal("the late relabel answer pulled focus out of the editor the clerk had moved to")
	}

	// Split segs[4] with Alt+S at a caret moved with the arrow keys: before "及违约金。".
	e.run(press(keyLeft, keyLeft, keyLeft, keyLeft, keyLeft))
	e.wait(`document.activeElement.selectionStart === document.activeElement.value.indexOf("及")`)
	e.key("s", keyAlt)
	e.wait(fmt.Sprintf(`document.querySelector("%s .tx").textContent.startsWith("请求判令被告支付货款十万元") && document.querySelectorAll("#tx .seg").length === 7`, sel(segs[4].ID)))
	all, _ := e.store.ListSegments(ctx, hid, false)
	if len(all) != 7 || all[len(all)-1].Text != "及违约金。" {
		t.Fatalf("after split: %d segments, last %+v", len(all), all[len(all)-1])
	}

	// Recess: the reason is typed and Enter submits the dialog; resume with the button.
	e.run(click(`#head button[data-act=recess]`))
	e.wait(`document.querySelector("#dlg[open] #dReason") && document.activeElement.id === "dReason"`)
	e.typeKeys("合议庭评议")
	e.key(keyEnter)
	e.wait(`document.querySelector("#head [data-status=recess]") && document.querySelector(".note.k-recess")`)
	e.run(click(`#head button[data-act=resume]`))
	e.wait(`document.querySelector("#dlg[open] #dReason")`)
	e.run(sendKeys("#dReason", "评议结束"))
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=live]") && document.querySelector(".note.k-resume")`)

	// Conflict: the clerk types in segs[3] while a second window saves first.
	second := e.apiLogin("zhaoliu")
	e.focusOn(sel(segs[3].ID))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.key(keyBackspace)
	e.typeKeys("和事实理由。")
	base := segText(t, e.store, segs[3].ID)
	if code, b := second.do("POST", fmt.Sprintf("/api/segments/%d/edit", base.ID), map[string]any{"revision": base.Revision, "text": "原告宣读起诉状。"}, nil); code != 200 {
		t.Fatalf("second window edit: %d %s", code, b)
	}
	e.wait(fmt.Sprintf(`document.querySelector("%s.conflict .remote .conflictbox") && document.activeElement.tagName === "TEXTAREA"`, sel(segs[3].ID)))
	e.key(keyEnter)
	e.wait(fmt.Sprintf(`document.querySelector("%s .conflictbox pre.theirs")`, sel(segs[3].ID)))
	var theirsMine []string
	e.eval(fmt.Sprintf(`[document.querySelector("%s pre.theirs").textContent, document.querySelector("%s pre.mine").textContent]`, sel(segs[3].ID), sel(segs[3].ID)), &theirsMine)
	if theirsMine[0] != "原告宣读起诉状。" || theirsMine[1] != "原告陈述诉讼请求和事实理由。" {
		t.Fatalf("conflict shows theirs %q mine %q", theirsMine[0], theirsMine[1])
	}
	if got := segText(t, e.store, segs[3].ID); got.Text != "原告宣读起诉状。" {
		t.Fatalf("the conflicting save overwrote silently: %q", got.Text)
	}
	e.shot("03-conflict")
	e.run(click(sel(segs[3].ID) + ` button[data-act=keepMine]`))
	e.wait(fmt.Sprintf(`!document.querySelector("%s.conflict") && document.querySelector("%s .tx").textContent.includes("事实理由")`, sel(segs[3].ID), sel(segs[3].ID)))
	if got := segText(t, e.store, segs[3].ID); got.Text != "原告陈述诉讼请求和事实理由。" {
		t.Fatalf("after keeping mine: %q", got.Text)
	}

	// Alt+H shows the segment's history; Esc closes the dialog and focus returns to the row.
	e.focusOn(sel(segs[3].ID))
	e.key("h", keyAlt)
	e.wait(`document.querySelectorAll("#dlg[open] #histTable tbody tr").length >= 4`)
	e.key(keyEscape)
	e.wait(fmt.Sprintf(`!document.querySelector("#dlg[open]") && document.activeElement.id === "s-%d"`, segs[3].ID))

	// A double-click edits; Alt+↓ saves and moves to the next segment.
	e.run(dblclick(sel(segs[1].ID) + " .tx"))
	e.wait(fmt.Sprintf(`document.activeElement.tagName === "TEXTAREA" && document.activeElement.closest("#s-%d")`, segs[1].ID))
	e.key(keyBackspace)
	e.typeKeys("（已核对）")
	e.key(keyDown, keyAlt)
	e.wait(fmt.Sprintf(`!document.querySelector("textarea") && document.activeElement.id === "s-%d"`, pending.ID))
	if got := segText(t, e.store, segs[1].ID); got.Text != "原告张某，委托诉讼代理人李四（已核对）" {
		t.Fatalf("double-click edit saved %q", got.Text)
	}

	// P plays the segment's audio from the archive: the URL asks for exactly its range.
	e.focusOn(sel(segs[0].ID))
	e.key("p")
	e.wait(fmt.Sprintf(`(window.csLastAudio||"").includes("/api/hearings/%s/audio/judge?start=0&end=2.5")`, hid))

	// "/" searches (and must not open Firefox's quick find or type a "/" into the box);
	// Enter jumps to a match, Esc returns to the list.
	e.focusOn(sel(segs[0].ID))
	e.key("/")
	e.wait(`document.activeElement.id === "q"`)
	e.typeKeys("原告")
	e.wait(`document.querySelector("#q").value === "原告" && document.querySelectorAll("#tx .seg.hit").length >= 2`)
	e.key(keyEnter)
	e.wait(`document.querySelector("#tx .seg.hit.cur")`)
	e.key(keyEscape)
	e.wait(`document.activeElement.classList.contains("seg") && !document.querySelector("#tx .seg.hit")`)

	// Alt+M merges the split halves again.
	e.focusOn(sel(segs[4].ID))
	e.key("m", keyAlt)
	e.wait(fmt.Sprintf(`document.querySelectorAll("#tx .seg").length === 6 && document.querySelector("%s .tx").textContent.includes("及违约金")`, sel(segs[4].ID)))
	if got := segText(t, e.store, segs[4].ID); got.Text != "请求判令被告支付货款十万元及违约金。" {
		t.Fatalf("after merge: %q", got.Text)
	}

	// A note with Alt+N; Enter in the dialog saves it.
	e.focusOn(sel(segs[4].ID))
	e.key("n", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dNote") && document.activeElement.id === "dNote"`)
	e.typeKeys("原告当庭提交证据三份")
	e.key(keyEnter)
	e.wait(`Array.from(document.querySelectorAll(".note.k-annotation")).some(n => n.textContent.includes("证据三份"))`)

	// Close and finalize: the summary lists the pending utterance.
	e.closeAndFinalize(pending.ID, "04-finalize-summary", `document.querySelector("#head [data-status=finalized]") && document.querySelector("#verifiedBadge.ok")`)
	e.logout()

	// A viewer reads but cannot edit: Enter and Alt+R do nothing (the ↑ after them shows
	// that both keys reached the page before the check).
	e.login("viewer")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelectorAll("#tx .seg").length === 6`)
	e.focusOn(sel(segs[1].ID))
	e.key(keyEnter)
	e.key("r", keyAlt)
	e.key(keyUp)
	e.wait(fmt.Sprintf(`document.activeElement.id === "s-%d"`, segs[0].ID))
	var n int
	e.eval(`document.querySelectorAll("textarea").length + document.querySelectorAll("#head button[data-act]").length + document.querySelectorAll("#dlg[open]").length`, &n)
	if n != 0 {
		t.Fatalf("a viewer got %d editors, lifecycle buttons or dialogs", n)
	}
	e.viewerCannotEditOverAPI(segs[1].ID)
	e.logout()

	// The judge signs with the key password; the record shows signer, time and a verified badge.
	e.judgeSigns(hid)
	e.wait(`document.querySelector("#signed .sig[data-signer=zhangsan]")`)
	if code, b := e.apiLogin("zhaoliu").do("POST", "/api/hearings/"+hid+"/sign", map[string]any{"password": pw}, nil); code != 200 { // the clerk signs too
		t.Fatalf("clerk signs: %d %s", code, b)
	}
	e.wait(`document.querySelector("#head [data-status=signed]") && document.querySelector("#verifiedBadge.ok") && document.querySelector("#signed").textContent.includes("zhangsan")`)
	var box string
	e.eval(`document.querySelector("#signed").textContent`, &box)
	if !strings.Contains(box, "zhangsan") || !strings.Contains(box, "已校验") || !regexp.MustCompile(`\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}:\d{2}`).MatchString(box) {
		t.Fatalf("signed box %q", box)
	}
	e.shot("05-signed-judge")
	if v, err := e.store.Versions(ctx, hid); err != nil || len(v) != 1 || v[0].Signature == nil || v[0].Signature.Signer != "zhangsan" {
		t.Fatalf("versions after signing: %+v, %v", v, err)
	}

	// The language button switches the UI to English, dates included.
	e.run(click("#langBtn"))
	e.wait(`document.documentElement.lang === "en" && document.querySelector("#head [data-status=signed]").textContent === "Signed" && document.querySelector("#signed") && document.querySelector("#signed").textContent.includes("Signed by")`)
	e.eval(`document.querySelector("#signed").textContent`, &box)
	if !regexp.MustCompile(`\d{1,2}/\d{1,2}/\d{4}, \d{2}:\d{2}:\d{2}`).MatchString(box) || !strings.Contains(box, "Verified") {
		t.Fatalf("signed box in English %q", box)
	}
	t.Logf("Firefox journey: %v including browser start", time.Since(start).Round(100*time.Millisecond))
}

// TestFirefoxTypingWhileStreaming opens a hearing of 2,000 segments in Firefox (its first
// paint is measured for make bench-ui, not judged here), then types into the
// last segment's editor while 50 segments arrive below it: the editor must keep its place, its
// focus and every typed character; after it, "follow live" picks up again.
func TestFirefoxTypingWhileStreaming(t *testing.T) {
	e := newFirefoxEnv(t)
	ctx := context.Background()
	const hid, n = "big", 2000
	e.bigHearing(hid, n)
	e.login("zhaoliu")
	c := e.apiLogin("zhaoliu") // the first read of a hearing scans its history once for the live head
	c.do("GET", "/api/hearings/"+hid+"/segments", nil, nil)
	var runs []string
	var paints []float64
	for run := 0; run < 3; run++ { // a fresh page load each time, as in TestFirstPaint2000
		e.run(navigate(e.srv.URL + "/#/hearings"))
		e.wait(`document.querySelector("h1")`)
		e.run(navigate(fmt.Sprintf("%s/?r=%d#/hearing/%s", e.srv.URL, run, hid)))
		e.wait(fmt.Sprintf(`window.csFirstPaint && document.querySelectorAll("#tx .seg").length === %d`, n))
		var fp struct {
			SinceNavigation, Fetch, DOM, Layout float64
		}
		e.eval(`window.csFirstPaint`, &fp)
		runs = append(runs, fmt.Sprintf("run %d: %.0f ms from navigation start (data request %.0f ms, DOM %.0f ms, layout and paint %.0f ms)",
			run+1, fp.SinceNavigation, fp.Fetch, fp.DOM, fp.Layout))
		paints = append(paints, fp.SinceNavigation)
	}
	benchLine("firefox", paints)
	msg := "first paint, 2000 segments (headless Firefox): " + strings.Join(runs, "; ")
	e.focusOn("#tx .seg:last-of-type")
	const typed = "typing while the hearing streams，继续记录"
	typing := e.typeWhileStreaming(ctx, hid, n, typed, e.typeKeys)
	e.shot("06-typing-while-streaming")

	// Esc leaves the editor; the 50 rows that arrived meanwhile wait behind the "↓ 50" button,
	// which scrolls to the end; from there the next segment scrolls into view by itself.
	e.key(keyEscape)
	e.wait(`!document.querySelector("textarea") && !document.querySelector("#followBtn").hidden && document.querySelector("#followBtn").textContent.startsWith("↓ 50 ")`)
	e.run(click("#followBtn"))
	e.wait(`document.querySelector("#followBtn").hidden`)
	last := e.replay(hid, "plaintiff", int64(n+50)*4000, "最后一段")
	e.wait(fmt.Sprintf(`(function(){ const r = document.querySelector("%s.final"), l = document.querySelector("#tx");
		return r && r.getBoundingClientRect().bottom <= l.getBoundingClientRect().bottom + 1 && l.scrollTop + l.clientHeight >= l.scrollHeight - 2 })()`, sel(last.ID)))
	msg += fmt.Sprintf("; typing %d characters while 50 segments streamed in: %v", len([]rune(typed)), typing.Round(time.Millisecond))
	t.Log(msg)
	os.WriteFile(filepath.Join(e.arts, "firefox-first-paint.txt"), []byte(msg+"\n"), 0o644)
}
