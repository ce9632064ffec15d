package web_test

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "log/slog"
import "net/http"
import "net/http/cookiejar"
import "net/http/httptest"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/api"
import "github.com/courtscribe/courtscribe/transcript/auth"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// The browser tests drive Debian's chromium (headless, through chromedp) and firefox-esr
// (through Marionette), both behind the driver interface (driver_test.go), against the real API
// on the real SQLite store. The capture side is a fake StatusSource (the outermost boundary);
// the "agent replay" is a helper that appends segments through the store the way the server
// pipeline does (diarizer appends, engine sets a partial, then a final result).

const chromium = "/usr/bin/chromium"
const pw = "correct-horse-1"

type statusFake struct {
	mu sync.Mutex
	h  map[string]api.AgentHealth
}

func (f *statusFake) HearingHealth(id string) (api.AgentHealth, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.h[id]
	return a, ok
}
func (f *statusFake) Agents() []api.AgentHealth {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.AgentHealth
	for _, a := range f.h {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b api.AgentHealth) int { return strings.Compare(a.Hearing, b.Hearing) })
	return out
}

func (f *statusFake) set(a api.AgentHealth) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.h[a.Hearing] = a
}

// rig is the server side every browser test runs against: the real API on the real SQLite
// store with the four users, a fake agent status, and the screenshot folder.
type rig struct {
	t     *testing.T
	dir   string
	store *sqlite.Store
	srv   *httptest.Server
	api   *api.Server // its Hub carries the seats' speaking signal (speaking_test.go)
	arts  string

	holdMu sync.Mutex
	holds  map[string]chan struct{} // see holdAnswer

	status *statusFake
	down   atomic.Bool  // the server is "down": every request's connection is dropped
	lives  atomic.Int64 // live feed (websocket) requests seen
}

// journeyLines is what the journeys' agent replay says, in order.
var journeyLines = []struct{ seat, text string }{
	{"judge", "现在开庭。核对当事人身份。"}, {"plaintiff", "原告张某，委托诉讼代理人李四。"}, {"defendant", "被告李某到庭。"},
	{"judge", "原告陈述诉讼请求。"}, {"plaintiff", "请求判令被告支付货款十万元及违约金。"},
}

// startJourneyHearing checks the hearing the admin created in the form, starts it as the
// agent replay does and replays the first two lines; it returns the lines and those segments.
func (r *rig) startJourneyHearing(hid string) ([]struct{ seat, text string }, []*transcript.Segment) {
	r.t.Helper()
	ctx := context.Background()
	h, err := r.store.GetHearing(ctx, hid)
	if err != nil || h.Clerk != "zhaoliu" || h.Presiding != "zhangsan" || len(h.Seats) != 3 || h.Seats[1].Person != "李四" ||
		h.CaseNumber != "（2026）京0105民初1234号" || h.Title != "张某诉李某买卖合同纠纷案" {
		r.t.Fatalf("created hearing: %+v, %v", h, err)
	}
	if _, err := r.store.Start(ctx, "zhaoliu", hid); err != nil {
		r.t.Fatal(err)
	}
	var segs []*transcript.Segment
	for i, l := range journeyLines[:2] {
		segs = append(segs, r.replay(hid, l.seat, int64(i)*3000, l.text))
	}
	return journeyLines, segs
}

// newRig starts the API server on a fresh store; t.Cleanup stops it.
func newRig(t *testing.T) *rig {
	dir := t.TempDir()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := sqlitetest.Open(t, dir, sqlite.Options{Logger: log, DataDir: dir, Argon2: &transcript.TestArgon2})
	for _, u := range []struct {
		n string
		r transcript.Role
	}{{"admin", transcript.RoleAdmin}, {"zhaoliu", transcript.RoleClerk}, {"zhangsan", transcript.RoleJudge}, {"viewer", transcript.RoleViewer}} {
		if _, err := st.CreateUser(ctx, "system", u.n, u.r, pw); err != nil {
			t.Fatal(err)
		}
	}
	cfg := api.DefaultConfig()
	cfg.DataDir = dir
	cfg.Sessions = auth.Config{LoginBurst: 1000, LoginEvery: time.Millisecond}
	status := &statusFake{h: map[string]api.AgentHealth{}}
	a := api.New(cfg, st, status, log)
	r := &rig{t: t, dir: dir, store: st, api: a, holds: map[string]chan struct{}{}, status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if strings.HasSuffix(req.URL.Path, "/live") {
			r.lives.Add(1)
		}
		hold := r.takeHold(req.URL.Path)
		if hold == nil {
			a.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		<-hold
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	status.h["h-2026-001"] = api.AgentHealth{Hearing: "h-2026-001", Connected: true, LevelsAt: time.Now().Add(time.Hour), Engine: "whisper:base",
		Levels:     []api.SeatLevel{{Seat: "judge", RMSdBFS: -22, PeakdBFS: -8}, {Seat: "plaintiff", RMSdBFS: -35, PeakdBFS: -20}, {Seat: "defendant", RMSdBFS: -30, PeakdBFS: 0, Clipped: 4}},
		SpoolBytes: 4096}
	r.arts = filepath.Join(testrig.RepoRoot(t), "test-artifacts", "ui")
	os.MkdirAll(r.arts, 0o755)
	t.Cleanup(func() {
		r.srv.Close()
		a.Close()
		st.Close()
	})
	return r
}

// holdAnswer makes the next request whose path ends in suffix run as usual (its change is
// committed and goes out on the live feed) but holds its answer back until release: the
// browser sees the live event first and the answer late, as over a slow network.
func (r *rig) holdAnswer(suffix string) (release func()) {
	ch := make(chan struct{})
	r.holdMu.Lock()
	r.holds[suffix] = ch
	r.holdMu.Unlock()
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	r.t.Cleanup(release) // before the server closes: it waits for the held request
	return release
}

func (r *rig) takeHold(path string) chan struct{} {
	r.holdMu.Lock()
	defer r.holdMu.Unlock()
	for suffix, ch := range r.holds {
		if strings.HasSuffix(path, suffix) {
			delete(r.holds, suffix)
			return ch
		}
	}
	return nil
}

// saveShot writes a PNG to the artifacts folder and, with CS_UPDATE_SCREENSHOTS=1, to
// docs/screenshots.
func (r *rig) saveShot(name string, png []byte) {
	os.WriteFile(filepath.Join(r.arts, name+".png"), png, 0o644)
	if os.Getenv("CS_UPDATE_SCREENSHOTS") == "1" {
		d := filepath.Join(testrig.RepoRoot(r.t), "docs", "screenshots")
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, name+".png"), png, 0o644)
	}
}

func newEnv(t *testing.T) *env {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("!!! SKIPPING the browser tests: " + chromium + " is missing; install it with `apt-get install -y chromium` (scripts/deps.sh does) !!!")
	}
	r := newRig(t)
	ctx := context.Background()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900), chromedp.Flag("lang", "zh-CN"))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser (no timeout on this first call)
		cancelB()
		cancelA()
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, cancelT := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(func() { // runs before the rig's cleanup: the browser goes first
		cancelT()
		cancelB()
		cancelA()
	})
	return &env{rig: r, d: newChromeDriver(tctx), waitFor: 15 * time.Second, poll: 20 * time.Millisecond}
}

// replay appends a segment the way the pipeline does.
func (e *rig) replay(hearing, seat string, startMS int64, text string) *transcript.Segment {
	e.t.Helper()
	ctx := context.Background()
	sg, err := e.store.AppendSegment(ctx, "diarizer", hearing, transcript.NewSegment{Seat: seat, StartMS: startMS, EndMS: startMS + 2500})
	if err != nil {
		e.t.Fatal(err)
	}
	if text == "" {
		return sg
	}
	if _, err := e.store.SetEngineResult(ctx, "engine:whisper", sg.ID, transcript.EngineResult{Text: string([]rune(text)[:len([]rune(text))/2]), Confidence: .5, Engine: "whisper"}); err != nil {
		e.t.Fatal(err)
	}
	sg, err = e.store.SetEngineResult(ctx, "engine:whisper", sg.ID, transcript.EngineResult{Text: text, Confidence: .9, Final: true, Engine: "whisper"})
	if err != nil {
		e.t.Fatal(err)
	}
	return sg
}

// apiClient is a second window (a real session over HTTP).
type apiClient struct {
	hc   *http.Client
	base string
	csrf string
}

func (e *rig) apiLogin(name string) *apiClient {
	jar, _ := cookiejar.New(nil)
	c := &apiClient{hc: &http.Client{Jar: jar}, base: e.srv.URL}
	var s struct{ CSRF string }
	if code, _ := c.do("POST", "/api/login", map[string]string{"name": name, "password": pw}, &s); code != 200 {
		e.t.Fatalf("api login %s: %d", name, code)
	}
	c.csrf = s.CSRF
	return c
}

func (c *apiClient) do(method, path string, body any, out any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(auth.CSRFHeader, c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode, b
}

func segText(t *testing.T, st transcript.Store, id int64) *transcript.Segment {
	sg, err := st.GetSegment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func sel(id int64) string { return fmt.Sprintf("#s-%d", id) }

// TestJourney: admin creates a hearing → segments arrive live → the clerk sees them, edits,
// relabels, splits, adds a recess, resolves a conflict with a second window → closes and
// finalizes → the judge signs → the export verifies offline. A viewer cannot edit.
func TestJourney(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "h-2026-001"

	// Admin creates the hearing through the form.
	e.journeyForm(hid, sendKeys("#f-vocabulary", "违约金"))
	// A new hearing is 独任 by default: its judge seat and presiding field say 审判员; a panel
	// makes the judge seat 审判长, and back.
	var roles []string
	e.eval(`[document.querySelector("label[for=f-presiding]").textContent, document.querySelector("#seatTable .s-role").value]`, &roles)
	if len(roles) != 2 || (roles[0] != "审判员" && roles[0] != "Judge") || roles[1] != "审判员" {
		t.Fatalf("a new single-judge hearing's presiding label and judge seat: %q", roles)
	}
	e.run(click("#f-panel"))
	e.wait(`document.querySelector("#seatTable .s-role").value === "审判长" && ["审判长", "Presiding judge"].includes(document.querySelector("label[for=f-presiding]").textContent)`)
	e.run(click("#f-single"))
	e.wait(`document.querySelector("#seatTable .s-role").value === "审判员" && ["审判员", "Judge"].includes(document.querySelector("label[for=f-presiding]").textContent)`)
	e.eval(`(function(){const i=document.querySelectorAll("#seatTable .s-person");i[0].value="张三";i[1].value="李四";i[2].value="李某";return true})()`, nil)
	e.shot("02-create-hearing")
	e.run(click("#hf button[type=submit]"))
	e.wait(`location.hash.startsWith("#/hearing/")`)
	e.logout()

	// The clerk opens the hearing; the agent replay starts it and speech arrives.
	lines, segs := e.startJourneyHearing(hid)
	e.login("zhaoliu")
	e.wait(fmt.Sprintf(`document.querySelector("tr[data-hearing='%s'] .badge.live")`, hid)) // today's list, live badge
	e.shot("01-hearing-list")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelectorAll("#tx .seg").length === 2 && window.csLastEvent !== undefined || document.querySelectorAll("#tx .seg").length === 2`)
	e.wait(`document.querySelector("#online.on")`)
	pending := e.replay(hid, "defendant", 6000, "") // pending: no text yet
	e.wait(fmt.Sprintf(`document.querySelector("%s.pending")`, sel(pending.ID)))
	var lat []time.Duration
	for i, l := range lines[2:] {
		t0 := time.Now()
		sg := e.replay(hid, l.seat, int64(9000+i*3000), l.text)
		segs = append(segs, sg)
		e.wait(fmt.Sprintf(`document.querySelector("%s.final")`, sel(sg.ID)))
		lat = append(lat, time.Since(t0))
	}
	t.Logf("store commit → visible in the browser: %v", lat)
	// Pending, partial and final look different by text, not only colour.
	var labels []string
	e.eval(fmt.Sprintf(`[document.querySelector("%s .st").textContent, document.querySelector("%s .st").textContent]`, sel(pending.ID), sel(segs[0].ID)), &labels)
	if !strings.Contains(labels[0], "待识别") || !strings.Contains(labels[1], "已识别") {
		t.Fatalf("status labels %q", labels)
	}
	var who string
	e.eval(fmt.Sprintf(`document.querySelector("%s .who").textContent`, sel(segs[1].ID)), &who)
	if !strings.Contains(who, "原告") {
		t.Fatalf("seat label %q, want the court word 原告", who)
	}
	e.wait(`document.querySelector("#alarms li[data-code=clipping]")`)
	e.shot("03-live-hearing-clerk")

	// Tab order: the list itself is one Tab stop that lands on
	// the segment last worked on.
	e.run(focus(sel(segs[1].ID)), focus("#q"), focus("#tx"))
	e.wait(fmt.Sprintf(`document.activeElement.id === "s-%d"`, segs[1].ID))
	// Shift+Tab leaves the list again: its own tab stop must not hand focus straight back.
	e.key(keyTab, keyShift)
	e.wait(`document.activeElement.closest("#head") && document.activeElement.tagName === "A"`)

	// Edit with the keyboard: focus a segment, arrows, Enter edits, Enter saves.
	e.run(focus(sel(segs[1].ID)))
	e.key(keyUp)
	e.wait(fmt.Sprintf(`document.activeElement.id === "s-%d"`, segs[0].ID))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.eval(`document.activeElement.value = "现在开庭。核对当事人身份及到庭情况。"`, nil)
	e.key(keyEnter)
	e.wait(fmt.Sprintf(`document.querySelector("%s .tx").textContent.includes("到庭情况") && !document.querySelector("textarea")`, sel(segs[0].ID)))
	if got := segText(t, e.store, segs[0].ID); got.Text != "现在开庭。核对当事人身份及到庭情况。" || got.UpdatedBy != "zhaoliu" {
		t.Fatalf("edited segment %+v", got)
	}
	// Esc cancels.
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.eval(`document.activeElement.value = "不应保存"`, nil)
	e.key(keyEscape)
	e.wait(`!document.querySelector("textarea")`)
	if got := segText(t, e.store, segs[0].ID); strings.Contains(got.Text, "不应保存") {
		t.Fatal("Esc saved the text")
	}

	// Relabel segs[2] (defendant) to the plaintiff's seat with Alt+R.
	e.run(focus(sel(segs[2].ID)))
	e.key("r", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dSeat")`)
	e.eval(`document.querySelector("#dSeat").value = "plaintiff"`, nil)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(fmt.Sprintf(`document.querySelector("%s .who").textContent.includes("原告")`, sel(segs[2].ID)))
	if got := segText(t, e.store, segs[2].ID); got.Seat != "plaintiff" {
		t.Fatalf("relabel: seat %s", got.Seat)
	}

	// Split segs[4] at the cursor with Alt+S.
	e.run(focus(sel(segs[4].ID)))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.eval(`(function(){const ta=document.activeElement; const i=ta.value.indexOf("及"); ta.setSelectionRange(i,i); return i})()`, nil)
	e.key("s", keyAlt)
	e.wait(fmt.Sprintf(`document.querySelector("%s .tx").textContent.startsWith("请求判令被告支付货款十万元") && document.querySelectorAll("#tx .seg").length === 7`, sel(segs[4].ID)))
	all, _ := e.store.ListSegments(ctx, hid, false)
	if len(all) != 7 || !strings.HasPrefix(all[len(all)-1].Text, "及违约金") {
		t.Fatalf("after split: %d segments, last %+v", len(all), all[len(all)-1])
	}

	// Recess with a reason, then resume.
	e.run(click(`#head button[data-act=recess]`))
	e.wait(`document.querySelector("#dlg[open] #dReason")`)
	e.run(sendKeys("#dReason", "合议庭评议"), click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=recess]") && document.querySelector(".note.k-recess")`)
	e.shot("04-recess")
	e.run(click(`#head button[data-act=resume]`))
	e.wait(`document.querySelector("#dlg[open] #dReason")`)
	e.run(sendKeys("#dReason", "评议结束"), click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=live]") && document.querySelector(".note.k-resume")`)

	// Conflict: the clerk edits segs[3] here while a second window saves first.
	second := e.apiLogin("zhaoliu")
	e.run(focus(sel(segs[3].ID)))
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	e.eval(`document.activeElement.value = "原告陈述诉讼请求和事实理由。"`, nil)
	base := segText(t, e.store, segs[3].ID)
	if code, b := second.do("POST", fmt.Sprintf("/api/segments/%d/edit", base.ID), map[string]any{"revision": base.Revision, "text": "原告宣读起诉状。"}, nil); code != 200 {
		t.Fatalf("second window edit: %d %s", code, b)
	}
	e.wait(fmt.Sprintf(`document.querySelector("%s.conflict .remote .conflictbox")`, sel(segs[3].ID))) // shown while typing
	e.run(focus(sel(segs[3].ID) + " textarea"))
	e.key(keyEnter)
	e.wait(fmt.Sprintf(`document.querySelector("%s .conflictbox pre.theirs")`, sel(segs[3].ID)))
	var theirs, mine string
	e.eval(fmt.Sprintf(`document.querySelector("%s pre.theirs").textContent`, sel(segs[3].ID)), &theirs)
	e.eval(fmt.Sprintf(`document.querySelector("%s pre.mine").textContent`, sel(segs[3].ID)), &mine)
	if theirs != "原告宣读起诉状。" || mine != "原告陈述诉讼请求和事实理由。" {
		t.Fatalf("conflict shows theirs %q mine %q", theirs, mine)
	}
	if got := segText(t, e.store, segs[3].ID); got.Text != "原告宣读起诉状。" {
		t.Fatalf("the conflicting save overwrote silently: %q", got.Text)
	}
	e.shot("05-conflict")
	e.run(click(sel(segs[3].ID) + ` button[data-act=keepMine]`))
	e.wait(fmt.Sprintf(`!document.querySelector("%s.conflict") && document.querySelector("%s .tx").textContent.includes("事实理由")`, sel(segs[3].ID), sel(segs[3].ID)))
	if got := segText(t, e.store, segs[3].ID); got.Text != "原告陈述诉讼请求和事实理由。" {
		t.Fatalf("after keeping mine: %q", got.Text)
	}

	// History of the edited segment.
	e.run(focus(sel(segs[3].ID)))
	e.key("h", keyAlt)
	e.wait(`document.querySelectorAll("#dlg[open] #histTable tbody tr").length >= 4`)
	e.shot("06-history")
	e.run(click(`#dlgActions button`))
	e.wait(fmt.Sprintf(`!document.querySelector("#dlg[open]") && document.activeElement.id === "s-%d"`, segs[3].ID))

	// Search.
	e.run(focus(sel(segs[0].ID)))
	e.pressUntil("/", `document.activeElement.id === "q"`)
	e.eval(`document.querySelector("#q").value = ""`, nil) // CDP sends the '/' char event separately
	e.run(sendKeys("#q", "原告"))
	e.wait(`document.querySelectorAll("#tx .seg.hit").length >= 2`)

	// Play a segment's audio from the archive: the URL asks for exactly its range.
	e.run(focus(sel(segs[0].ID)))
	e.key("p", keyAlt)
	e.wait(fmt.Sprintf(`(window.csLastAudio||"").includes("/api/hearings/%s/audio/judge?start=0&end=2.5")`, hid))

	// Merge the split halves again with Alt+M, and insert a note with Alt+N.
	e.run(focus(sel(segs[4].ID)))
	e.key("m", keyAlt)
	e.wait(fmt.Sprintf(`document.querySelectorAll("#tx .seg").length === 6 && document.querySelector("%s .tx").textContent.includes("及违约金")`, sel(segs[4].ID)))
	e.run(focus(sel(segs[4].ID)))
	e.key("n", keyAlt)
	e.wait(`document.querySelector("#dlg[open] #dNote")`)
	e.run(sendKeys("#dNote", "原告当庭提交证据三份"), click(`#dlgActions button[value=ok]`))
	e.wait(`Array.from(document.querySelectorAll(".note.k-annotation")).some(n => n.textContent.includes("证据三份"))`)

	// Close and finalize: the summary lists the pending utterance.
	e.closeAndFinalize(pending.ID, "07-finalize-summary", `document.querySelector("#head [data-status=finalized]")`)
	e.logout()

	// A viewer reads but cannot edit.
	e.login("viewer")
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelectorAll("#tx .seg").length === 6`)
	e.run(focus(sel(segs[1].ID)))
	e.key(keyEnter)
	time.Sleep(200 * time.Millisecond)
	var n int
	e.eval(`document.querySelectorAll("textarea").length + document.querySelectorAll("#head button[data-act]").length`, &n)
	if n != 0 {
		t.Fatalf("a viewer got %d editors or lifecycle buttons", n)
	}
	e.viewerCannotEditOverAPI(segs[1].ID)
	e.logout()

	// The judge signs with the key password; the record shows signer, time and a verified badge.
	e.judgeSigns(hid)
	// The clerk signs too (the whole panel and the clerk sign); then the record is signed.
	e.wait(`document.querySelector("#signed .sig[data-signer=zhangsan]") && document.querySelector("#missing")`)
	if code, b := e.apiLogin("zhaoliu").do("POST", "/api/hearings/"+hid+"/sign", map[string]any{"password": pw}, nil); code != 200 {
		t.Fatalf("clerk signs: %d %s", code, b)
	}
	e.wait(`document.querySelector("#head [data-status=signed]") && document.querySelector("#verifiedBadge.ok")`)
	e.wait(`document.querySelector("#signed") && document.querySelector("#signed").textContent.includes("zhangsan")`)
	var box string
	e.eval(`document.querySelector("#signed").textContent`, &box)
	if !strings.Contains(box, "zhangsan") || !strings.Contains(box, "已校验") {
		t.Fatalf("signed box %q", box)
	}
	e.shot("08-signed-judge")

	// The export verifies offline; a tampered copy does not.
	jc := e.apiLogin("zhangsan")
	code, exp := jc.do("GET", "/api/hearings/"+hid+"/export", nil, nil)
	if code != 200 {
		t.Fatalf("export: %d", code)
	}
	rec, err := api.VerifyExport(exp)
	if err != nil {
		t.Fatalf("export does not verify: %v", err)
	}
	if rec.Signature.Signer != "zhangsan" || len(rec.Segments) != 6 {
		t.Fatalf("export: signer %s, %d segments", rec.Signature.Signer, len(rec.Segments))
	}
	judge, err := e.store.GetUser(ctx, "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	// The store's offline verifier, against the judge's key from the user directory.
	if res, err := transcript.VerifyRecord(exp, judge.PublicKey, ""); err != nil || res.Signer != "zhangsan" {
		t.Fatalf("transcript.VerifyRecord: %v", err)
	}
	var href string
	e.eval(`document.querySelector("#exportLink").getAttribute("href")`, &href)
	if code, b := jc.do("GET", href, nil, nil); code != 200 || !bytes.Equal(b, exp) {
		t.Fatalf("the UI's export link %s: %d", href, code)
	}
	bad := bytes.Replace(exp, []byte("事实理由"), []byte("事实理据"), 1)
	if _, err := api.VerifyExport(bad); err == nil {
		t.Fatal("a tampered export verifies")
	}
	os.WriteFile(filepath.Join(e.arts, "export.json"), exp, 0o644)
}

// bigHearing creates a live hearing of n final segments, 4 s apart.
func (e *rig) bigHearing(hid string, n int) {
	e.t.Helper()
	ctx := context.Background()
	h := transcript.Hearing{ID: hid, Title: fmt.Sprintf("%d segments", n), Language: "zh", Clerk: "zhaoliu", Presiding: "zhangsan", ScheduledAt: time.Now(),
		Seats: []transcript.Seat{{Seat: "judge", Role: "审判长"}, {Seat: "plaintiff", Role: "原告"}, {Seat: "defendant", Role: "被告"}}}
	if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
		e.t.Fatal(err)
	}
	e.store.Start(ctx, "zhaoliu", hid)
	seats := []string{"judge", "plaintiff", "defendant"}
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 32; w++ { // concurrent appends share group commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				sg, err := e.store.AppendSegment(ctx, "diarizer", hid, transcript.NewSegment{Seat: seats[i%3], StartMS: int64(i) * 4000, EndMS: int64(i)*4000 + 3500})
				if err == nil {
					_, err = e.store.SetEngineResult(ctx, "engine:x", sg.ID, transcript.EngineResult{Text: fmt.Sprintf("第%d段：本院依法公开开庭审理了原告与被告买卖合同纠纷一案，双方当事人均到庭参加诉讼。", i), Final: true, Engine: "x"})
				}
				if err != nil {
					e.t.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}

// TestFirstPaint2000 measures the first paint of a hearing with 2,000 segments.
func TestFirstPaint2000(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const hid = "big"
	const n = 2000
	e.bigHearing(hid, n)
	e.login("zhaoliu")
	var results []string
	var paints []float64
	c := e.apiLogin("zhaoliu") // the first read of a hearing scans its history once for the live head
	c.do("GET", "/api/hearings/"+hid+"/segments", nil, nil)
	for run := 0; run < 3; run++ {
		e.run(navigate(e.srv.URL + "/#/hearings"))
		e.wait(`document.querySelector("h1")`)
		e.run(navigate(e.srv.URL + "/?r=" + fmt.Sprint(run) + "#/hearing/" + hid))
		e.wait(`window.csFirstPaint && document.querySelectorAll("#tx .seg").length === 2000`)
		var fp struct {
			MS              float64 `json:"ms"`
			SinceNavigation float64 `json:"sinceNavigation"`
			Segments        int     `json:"segments"`
			Fetch, DOM      float64
			Layout          float64
		}
		e.eval(`window.csFirstPaint`, &fp)
		results = append(results, fmt.Sprintf("run %d: %.0f ms from navigation start (data request %.0f ms, DOM %.0f ms, layout and paint %.0f ms)",
			run+1, fp.SinceNavigation, fp.Fetch, fp.DOM, fp.Layout))
		paints = append(paints, fp.SinceNavigation)
	}
	benchLine("chromium", paints)
	e.shot("09-hearing-2000-segments")
	// Typing while segments stream in: type into an editor while 50 segments arrive.
	// Edit the last segment, at the bottom where new ones arrive: the view must not move.
	e.eval(`(function(){ const all = document.querySelectorAll("#tx .seg"); all[all.length-1].focus(); return all.length })()`, nil)
	typing := e.typeWhileStreaming(ctx, hid, n, "typing while the hearing streams", func(text string) { e.run(sendKeys("textarea", text)) })
	msg := fmt.Sprintf("first paint, 2000 segments (headless chromium): %s; typing 32 characters while 50 segments streamed in: %v",
		strings.Join(results, "; "), typing.Round(time.Millisecond))
	t.Log(msg)
	os.WriteFile(filepath.Join(e.arts, "first-paint.txt"), []byte(msg+"\n"), 0o644)
	// How fast is a benchmark's question (make bench-ui, target < 1 s), not this test's: under
	// -race and beside other packages' tests the time says little.
}

// closeAndFinalize closes the open hearing (the irreversible step confirmed first) and
// finalizes it; the finalize summary must list the pending segment (screenshot shot). done is
// what the page shows once the hearing is finalized.
func (e *env) closeAndFinalize(pending int64, shot, done string) {
	e.t.Helper()
	e.run(click(`#head button[data-act=close]`))
	e.wait(`document.querySelector("#dlg[open] #closeWarn")`)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(`document.querySelector("#head [data-status=closed]")`)
	e.run(click(`#head button[data-act=finalize]`))
	e.wait(fmt.Sprintf(`document.querySelector("#dlg[open] #issues a[data-goto='%d']")`, pending))
	e.shot(shot)
	e.run(click(`#dlgActions button[value=ok]`))
	e.wait(done)
}

// viewerCannotEditOverAPI checks that the server refuses the viewer's edit of a segment.
func (e *env) viewerCannotEditOverAPI(seg int64) {
	e.t.Helper()
	vc := e.apiLogin("viewer")
	if code, _ := vc.do("POST", fmt.Sprintf("/api/segments/%d/edit", seg), map[string]any{"revision": 5, "text": "x"}, nil); code != 403 {
		e.t.Fatalf("viewer edit over the API: %d", code)
	}
}

// judgeSigns logs the judge in and signs the hearing with the key password in the sign dialog.
func (e *env) judgeSigns(hid string) {
	e.t.Helper()
	e.login("zhangsan")
	e.headDialog(hid, "sign", "#dPass")
	e.run(sendKeys("#dPass", pw), click(`#dlgActions button[value=ok]`))
}

// typeWhileStreaming opens the editor on the focused segment and types text into it (with
// typeIt) while 50 segments stream into the hearing after its n: the editor must neither move
// nor lose the focus or the text. It returns how long the typing took.
func (e *env) typeWhileStreaming(ctx context.Context, hid string, n int, text string, typeIt func(string)) time.Duration {
	t := e.t
	t.Helper()
	e.key(keyEnter)
	e.wait(`document.activeElement.tagName === "TEXTAREA"`)
	var top0 float64
	e.eval(`document.activeElement.getBoundingClientRect().top`, &top0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			sg, err := e.store.AppendSegment(ctx, "diarizer", hid, transcript.NewSegment{Seat: "judge", StartMS: int64(n+i) * 4000, EndMS: int64(n+i)*4000 + 3000})
			if err == nil {
				e.store.SetEngineResult(ctx, "engine:x", sg.ID, transcript.EngineResult{Text: "继续", Final: true, Engine: "x"})
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	t0 := time.Now()
	typeIt(text)
	typing := time.Since(t0)
	<-done
	e.wait(fmt.Sprintf(`document.querySelectorAll("#tx .seg").length === %d`, n+50))
	var top1 float64
	e.eval(`document.activeElement.getBoundingClientRect().top`, &top1)
	if top1 != top0 {
		t.Errorf("the editor moved from y=%.0f to y=%.0f while segments streamed in", top0, top1)
	}
	var still string
	e.eval(`document.activeElement.tagName + ":" + document.activeElement.value`, &still)
	if !strings.HasSuffix(still, text) || !strings.HasPrefix(still, "TEXTAREA") {
		t.Fatalf("the editor lost focus or text while segments streamed in: %q", still)
	}
	return typing
}

// benchLine prints the first-paint runs of one browser in the form scripts/bench-ui.sh reads.
func benchLine(browser string, ms []float64) {
	s := slices.Clone(ms)
	slices.Sort(s)
	runs := make([]string, len(ms))
	for i, v := range ms {
		runs[i] = fmt.Sprintf("%.0f", v)
	}
	fmt.Printf("BENCH firstpaint browser=%s segments=2000 median_ms=%.0f runs_ms=%s race=%v\n", browser, s[len(s)/2], strings.Join(runs, ","), raceOn)
}

// TestEnglishHearing: an English hearing shows the US court labels and an English UI; the
// language button switches the UI to Chinese.
func TestEnglishHearing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := transcript.Hearing{ID: "en-1", Title: "Smith v. Jones", CaseNumber: "CV-2026-0042", Language: "en", Clerk: "zhaoliu",
		Presiding: "zhangsan", ScheduledAt: time.Now(), Courtroom: "Courtroom 4B",
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "counsel1", Role: "MR. SMITH", Person: "John Smith"}}}
	if _, err := e.store.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	e.store.Start(ctx, "zhaoliu", "en-1")
	sg := e.replay("en-1", "counsel1", 0, "Your Honor, we call our first witness.")
	e.login("viewer")
	e.run(navigate(e.srv.URL + "/#/hearings"))
	e.wait(`document.querySelector("tr[data-hearing='en-1'] [data-status=live]")`)
	e.run(navigate(e.srv.URL + "/#/hearing/en-1"))
	e.wait(fmt.Sprintf(`document.querySelector("%s.final")`, sel(sg.ID)))
	var got []string
	e.eval(fmt.Sprintf(`[document.querySelector("%s .who").textContent, document.querySelector("%s .st").textContent, document.querySelector("#head [data-status]").textContent, document.documentElement.lang]`, sel(sg.ID), sel(sg.ID)), &got)
	if !strings.HasPrefix(got[0], "MR. SMITH") || !strings.Contains(got[1], "final") || got[2] != "In session" || got[3] != "en" {
		t.Fatalf("English hearing shows %q", got)
	}
	// A partial engine result looks different from a final one, by text and line style.
	part, err := e.store.AppendSegment(ctx, "diarizer", "en-1", transcript.NewSegment{Seat: "judge", StartMS: 4000, EndMS: 6000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetEngineResult(ctx, "engine:whisper", part.ID, transcript.EngineResult{Text: "Call your", Engine: "whisper"}); err != nil {
		t.Fatal(err)
	}
	e.wait(fmt.Sprintf(`document.querySelector("%s.partial .st") && document.querySelector("%s .st").textContent.includes("partial")`, sel(part.ID), sel(part.ID)))
	var deco string
	e.eval(fmt.Sprintf(`getComputedStyle(document.querySelector("%s .tx")).textDecorationStyle + "/" + getComputedStyle(document.querySelector("%s .tx")).fontStyle`, sel(part.ID), sel(sg.ID)), &deco)
	if deco != "dashed/normal" {
		t.Fatalf("partial/final styles %q, want dashed underline for partial and upright final text", deco)
	}
	e.run(click("#langBtn"))
	e.wait(`document.querySelector("#head [data-status]") && document.querySelector("#head [data-status]").textContent === "庭审中" && document.documentElement.lang === "zh-CN"`)
	e.shot("10-english-hearing-in-chinese-ui")
}
