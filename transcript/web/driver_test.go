package web_test

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "time"

import "github.com/chromedp/chromedp"
import "github.com/chromedp/chromedp/kb"

// The browser tests drive Chromium (through chromedp) and Firefox (through Marionette,
// marionette_test.go) with the same env: a browser behind the driver interface, the server rig,
// and the steps, waits, keys, screenshots and log-ins the journeys are written in.

// driver is what the browser tests need of a browser. Keys are WebDriver key values (keyEnter,
// keyAlt, … or a character); a selector is CSS and names the first match.
type driver interface {
	navigate(url string) error
	reload() error
	click(css string) error
	dblclick(css string) error
	focus(css string) error
	sendKeys(css, text string) error
	setFiles(css string, paths []string) error
	keys(mods []string, keys ...string) error
	// eval returns the JSON of a JavaScript expression's value.
	eval(js string) (json.RawMessage, error)
	screenshot() ([]byte, error)
	// broken reports whether err means the browser itself is gone (not an error of the page);
	// output is then what the browser printed.
	broken(err error) bool
	output() string
}

// step is one action of a journey, for env.run.
type step func(driver) error

func navigate(url string) step { return func(d driver) error { return d.navigate(url) } }
func reload() step             { return func(d driver) error { return d.reload() } }
func click(css string) step    { return func(d driver) error { return d.click(css) } }
func dblclick(css string) step { return func(d driver) error { return d.dblclick(css) } }
func focus(css string) step    { return func(d driver) error { return d.focus(css) } }
func sendKeys(css, text string) step {
	return func(d driver) error { return d.sendKeys(css, text) }
}
func press(keys ...string) step { return func(d driver) error { return d.keys(nil, keys...) } }
func setFiles(css string, paths ...string) step {
	return func(d driver) error { return d.setFiles(css, paths) }
}

// env is a browser (behind driver) on a server rig.
type env struct {
	*rig
	d        driver
	shotName string        // prefix of the screenshots' names
	waitFor  time.Duration // how long wait polls
	poll     time.Duration // between two polls
	// checkFields: check the login screen for fields sticking out of their boxes (once).
	checkFields, loginChecked bool
}

// run performs the steps in order and fails the test, with a screenshot, at the first error.
func (e *env) run(steps ...step) {
	e.t.Helper()
	for _, s := range steps {
		if err := s(e.d); err != nil {
			e.fail(err)
		}
	}
}

// journeyForm signs in as the admin, opens the new-hearing form and types the journeys'
// hearing hid into it (case number, cause, courtroom, title, presiding judge, clerk), then
// the extra steps; the caller fills the seats and submits.
func (e *env) journeyForm(hid string, extra ...step) {
	e.t.Helper()
	e.login("admin")
	e.run(navigate(e.srv.URL + "/#/new"))
	e.wait(`document.querySelector("#f-id")`)
	for _, f := range []struct{ id, v string }{
		{"f-id", hid}, {"f-case_number", "（2026）京0105民初1234号"}, {"f-cause", "买卖合同纠纷"}, {"f-courtroom", "第三法庭"},
		{"f-title", "张某诉李某买卖合同纠纷案"}, {"f-presiding", "zhangsan"}, {"f-clerk", "zhaoliu"},
	} {
		e.run(sendKeys("#"+f.id, f.v))
	}
	e.run(extra...)
}

// headDialog opens hearing hid's page, clicks the head button data-act=act once it is there
// and waits for the dialog to show the element dlg (a CSS selector inside #dlg).
func (e *env) headDialog(hid, act, dlg string) {
	e.t.Helper()
	btn := "#head button[data-act=" + act + "]"
	e.run(navigate(e.srv.URL + "/#/hearing/" + hid))
	e.wait(`document.querySelector("` + btn + `")`)
	e.run(click(btn))
	e.wait(`document.querySelector("#dlg[open] ` + dlg + `")`)
}

// fail fails the test on a driver error, with a screenshot, and with the browser's own output
// when the browser itself is gone.
func (e *env) fail(err error) {
	e.t.Helper()
	e.shot("failure")
	if e.d.broken(err) {
		e.t.Fatalf("%v; the browser said:\n%s", err, e.d.output())
	}
	e.t.Fatal(err)
}

// holds evaluates a JavaScript condition once.
func (e *env) holds(cond string) (bool, error) {
	raw, err := e.d.eval("!!(" + cond + ")")
	if err != nil {
		return false, err
	}
	var ok bool
	return ok, json.Unmarshal(raw, &ok)
}

// wait polls a JavaScript condition in the page until it holds (generous: the machine is
// loaded; nothing here depends on how fast it is).
func (e *env) wait(cond string) {
	e.t.Helper()
	deadline := time.Now().Add(e.waitFor)
	for {
		ok, err := e.holds(cond)
		if err == nil && ok {
			return
		}
		if err != nil && e.d.broken(err) {
			e.fail(err) // the connection, not the page: the browser is gone
		}
		if time.Now().After(deadline) {
			e.shot("timeout")
			var page string
			if raw, err := e.d.eval(`"focus: " + document.activeElement.tagName + "#" + document.activeElement.id + " q=" + (document.querySelector("#q")||{}).value + "\n" + (document.querySelector("main")||document.body).innerText.slice(0,400)`); err == nil {
				json.Unmarshal(raw, &page)
			}
			e.t.Fatalf("timed out waiting for %s (last error %v); page:\n%s", cond, err, page)
		}
		time.Sleep(e.poll)
	}
}

// retryUntil does act until a condition holds (at most 3 tries, 2 s each), then waits for it
// as wait does: on a loaded 2-core machine an event now and then reaches the page before a
// focus change settles, or a live update re-renders the element an action aimed at.
func (e *env) retryUntil(what, cond string, act func()) {
	e.t.Helper()
	for try := 0; try < 3; try++ {
		act()
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if ok, err := e.holds(cond); err == nil && ok {
				return
			}
		}
		e.t.Logf("%s did not lead to %s; again", what, cond)
	}
	e.wait(cond)
}

// pressUntil presses a key until a condition holds (see retryUntil).
func (e *env) pressUntil(k, cond string) {
	e.t.Helper()
	e.retryUntil(fmt.Sprintf("key %q", k), cond, func() { e.key(k) })
}

// clickUntil clicks the element a selector names, from inside the page so it is the element
// there now, until a condition holds (see retryUntil): a live update may re-render a row
// between finding a button and a mouse click reaching it, and that click then lands on nothing.
func (e *env) clickUntil(css, cond string) {
	e.t.Helper()
	q, _ := json.Marshal(css)
	e.retryUntil("click on "+css, cond, func() {
		e.eval(fmt.Sprintf(`(function(){const b=document.querySelector(%s); if (b) b.click(); return !!b})()`, q), nil)
	})
}

// eval evaluates a JavaScript expression and decodes its value into out (may be nil).
func (e *env) eval(js string, out any) {
	e.t.Helper()
	raw, err := e.d.eval(js)
	if err != nil {
		e.shot("failure")
		e.t.Fatalf("%s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s = %s: %v", js, raw, err)
		}
	}
}

// shot saves a screenshot (see rig.saveShot), named after the browser unless it is Chromium.
func (e *env) shot(name string) {
	if b, err := e.d.screenshot(); err == nil {
		e.saveShot(e.shotName+name, b)
	} else {
		e.t.Logf("screenshot %s: %v", name, err)
	}
}

// key presses a key (a WebDriver key value) on the focused element, holding mods down.
func (e *env) key(k string, mods ...string) {
	e.t.Helper()
	if err := e.d.keys(mods, k); err != nil {
		e.fail(err)
	}
}

// typeKeys types text as key presses on the focused element, one per character.
func (e *env) typeKeys(text string) {
	e.t.Helper()
	var ks []string
	for _, r := range text {
		ks = append(ks, string(r))
	}
	if err := e.d.keys(nil, ks...); err != nil {
		e.fail(err)
	}
}

// focusOn focuses an element and waits until it has the focus.
func (e *env) focusOn(css string) {
	e.t.Helper()
	e.run(focus(css))
	e.wait(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, css))
}

func (e *env) login(name string) {
	e.t.Helper()
	e.run(navigate(e.srv.URL + "/#/login"))
	e.wait(`document.querySelector("#lu")`)
	if e.checkFields && !e.loginChecked {
		e.loginChecked = true
		e.fieldsInside("login")
	}
	e.run(sendKeys("#lu", name), sendKeys("#lp", pw), click("#loginForm button[type=submit]"))
	e.wait(`document.querySelector("#logoutBtn") && !document.querySelector("#logoutBtn").hidden && !document.querySelector("#loginForm")`)
}

func (e *env) logout() {
	e.t.Helper()
	e.run(click("#logoutBtn"))
	e.wait(`document.querySelector("#loginForm")`)
}

// fieldsInside fails the test when a visible form field or button sticks out of the box it
// sits in (its nearest ancestor that is not inline): Firefox sizes text fields from the
// font, and with the CJK font they came out wider than their cards.
func (e *env) fieldsInside(screen string) {
	e.t.Helper()
	var out []string
	e.eval(`(function(){
		const bad = [];
		for (const el of document.querySelectorAll("input, select, textarea, button")) {
			const r = el.getBoundingClientRect();
			if (!r.width || !r.height) continue;
			let p = el.parentElement;
			while (p && getComputedStyle(p).display === "inline") p = p.parentElement;
			const q = p.getBoundingClientRect();
			if (r.left < q.left - 1 || r.right > q.right + 1)
				bad.push((el.id || el.tagName + "." + el.className) + ": " + Math.round(r.left) + "–" + Math.round(r.right) + " in " + Math.round(q.left) + "–" + Math.round(q.right));
		}
		return bad;
	})()`, &out)
	if len(out) > 0 {
		e.shot("overflow-" + screen)
		e.t.Errorf("%s: fields stick out of their boxes: %q", screen, out)
	}
}

// chromeDriver drives Chromium through chromedp. It holds the browser's context only inside
// its functions: do performs actions, value evaluates an expression to a string, capture takes
// a screenshot; each call has 30 s (a selector that never matches fails, not hangs).
type chromeDriver struct {
	do      func(actions ...chromedp.Action[chromedp.Void]) error
	value   func(js string) (string, error)
	capture func() ([]byte, error)
}

// chromeActionTimeout bounds every chromedp call of the tests.
const chromeActionTimeout = 30 * time.Second

func newChromeDriver(ctx context.Context) chromeDriver {
	bounded := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, chromeActionTimeout) }
	return chromeDriver{
		do: func(actions ...chromedp.Action[chromedp.Void]) error {
			c, cancel := bounded()
			defer cancel()
			return chromedp.Do(c, actions...)
		},
		value: func(js string) (string, error) {
			c, cancel := bounded()
			defer cancel()
			return chromedp.Run(c, chromedp.Evaluate[string](js))
		},
		capture: func() ([]byte, error) {
			c, cancel := bounded()
			defer cancel()
			return chromedp.Run(c, chromedp.CaptureScreenshot())
		},
	}
}

func (c chromeDriver) navigate(url string) error { return c.do(chromedp.Navigate(url)) }
func (c chromeDriver) reload() error             { return c.do(chromedp.Reload()) }
func (c chromeDriver) click(css string) error    { return c.do(chromedp.Click(chromedp.CSS(css))) }
func (c chromeDriver) dblclick(css string) error {
	return c.do(chromedp.DoubleClick(chromedp.CSS(css)))
}
func (c chromeDriver) focus(css string) error { return c.do(chromedp.Focus(chromedp.CSS(css))) }
func (c chromeDriver) sendKeys(css, text string) error {
	return c.do(chromedp.SendKeys(chromedp.CSS(css), text))
}
func (c chromeDriver) setFiles(css string, paths []string) error {
	return c.do(chromedp.SetUploadFiles(chromedp.CSS(css), paths))
}

// chromeKeys are chromedp's names of the WebDriver key values the tests press.
var chromeKeys = map[string]string{
	keyTab: kb.Tab, keyEnter: kb.Enter, keyEscape: kb.Escape, keyBackspace: kb.Backspace,
	keyLeft: kb.ArrowLeft, keyUp: kb.ArrowUp, keyDown: kb.ArrowDown,
}

// chromeModifiers are chromedp's modifiers for the WebDriver modifier keys.
var chromeModifiers = map[string]chromedp.Modifier{keyAlt: chromedp.ModifierAlt, keyShift: chromedp.ModifierShift}

func (c chromeDriver) keys(mods []string, keys ...string) error {
	var ms []chromedp.Modifier
	for _, m := range mods {
		cm, ok := chromeModifiers[m]
		if !ok {
			return fmt.Errorf("modifier %q: not one chromedp knows here", m)
		}
		ms = append(ms, cm)
	}
	for _, k := range keys {
		if ck, ok := chromeKeys[k]; ok {
			k = ck
		}
		if err := c.do(chromedp.KeyEvent(k, chromedp.KeyModifiers(ms...))); err != nil {
			return err
		}
	}
	return nil
}

func (c chromeDriver) eval(js string) (json.RawMessage, error) {
	v, err := c.value("JSON.stringify((" + js + ")) ?? 'null'")
	return json.RawMessage(v), err
}

func (c chromeDriver) screenshot() ([]byte, error) { return c.capture() }

// broken: chromedp's errors are the page's or a deadline's; a browser that is gone shows as
// the test's context ending.
func (chromeDriver) broken(error) bool { return false }
func (chromeDriver) output() string    { return "" }

// The Marionette client (marionette_test.go) as a driver: the methods it lacks.

func (m *marionette) reload() error { return m.call("WebDriver:Refresh", map[string]any{}, nil) }

// focus focuses an element from inside the page.
func (m *marionette) focus(css string) error {
	return m.exec(fmt.Sprintf(`document.querySelector(%q).focus()`, css), nil)
}

// setFiles sets a file input's files: WebDriver types the paths into it.
func (m *marionette) setFiles(css string, paths []string) error {
	text := ""
	for i, p := range paths {
		if i > 0 {
			text += "\n"
		}
		text += p
	}
	return m.sendKeys(css, text)
}

func (m *marionette) eval(js string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := m.exec("return ("+js+")", &raw)
	return raw, err
}

// broken: any error that is not Marionette's answer is the connection's, Firefox being gone.
func (m *marionette) broken(err error) bool {
	var me *mnError
	return !errors.As(err, &me)
}
