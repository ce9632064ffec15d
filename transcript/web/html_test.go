package web_test

import "context"
import "encoding/json"
import "net/http/httptest"
import "os"
import "testing"
import "time"

import "github.com/chromedp/chromedp"

import "github.com/courtscribe/courtscribe/transcript/web"

// hostile is text that would run script, close an attribute or open an element if it were
// pasted into markup.
const hostile = `<script>alert(1)</script>"'&><img src=x onerror=alert(2)>`

// TestHTMLHelperEscapes loads static/html.js in headless chromium (the module the UI runs) and
// checks that html`…` escapes what it interpolates into text and into quoted attributes, that
// raw() and nested html`…` pass unchanged, and that render() of a plain string shows text.
func TestHTMLHelperEscapes(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("!!! SKIPPING the browser tests: " + chromium + " is missing; install it with `apt-get install -y chromium` (scripts/deps.sh does) !!!")
	}
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	// A page of the UI's origin that runs no script of its own.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/app.css")); err != nil {
		t.Fatal(err)
	}
	js := `(async () => {
  const { html, raw, render, fragment, markupString } = await import("/html.js");
  const h = ` + "`" + hostile + "`" + `;
  const o = {};
  o.text = markupString(html` + "`<p>${h}</p>`" + `);
  const div = document.createElement("div");
  render(div, html` + "`<a title=\"${h}\" data-x='${h}' href=\"#\">${h}</a>`" + `);
  const a = div.firstChild;
  o.nodes = div.childNodes.length;
  o.aElements = a.children.length;
  o.attrs = Array.from(a.attributes).map((x) => x.name);
  o.title = a.title;
  o.dataX = a.dataset.x;
  o.textContent = a.textContent;
  o.scripts = div.querySelectorAll("script, img").length;
  o.raw = markupString(html` + "`<p>${raw(\"<b>bold</b>\")}</p>`" + `);
  o.nested = markupString(html` + "`<ul>${[\"<1>\", \"2\"].map((x) => html`<li>${x}</li>`)}</ul>`" + `);
  o.empty = markupString(html` + "`[${null}${undefined}${false}${0}${\"\"}]`" + `);
  render(div, h);
  o.plainElements = div.children.length;
  o.plainText = div.textContent;
  const el = fragment(html` + "`<article id=\"s-1\" class=\"${h}\">${h}</article>`" + `);
  o.fragment = [el.tagName, el.className, el.textContent, el.children.length];
  o.concat = String("x" + html` + "`<b>`" + `);
  return JSON.stringify(o);
})()`
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Text, Title, DataX, TextContent, Raw, Nested, Empty, PlainText, Concat string
		Nodes, AElements, Scripts, PlainElements                               int
		Attrs                                                                  []string
		Fragment                                                               []any
	}
	if err := json.Unmarshal([]byte(v), &o); err != nil {
		t.Fatalf("%s: %v", v, err)
	}
	t.Logf("%+v", o)
	if want := `<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&gt;&lt;img src=x onerror=alert(2)&gt;</p>`; o.Text != want {
		t.Errorf("text: %s, want %s", o.Text, want)
	}
	if o.Nodes != 1 || o.AElements != 0 || o.Scripts != 0 {
		t.Errorf("hostile values made elements: %d nodes, %d inside <a>, %d script/img", o.Nodes, o.AElements, o.Scripts)
	}
	if len(o.Attrs) != 3 || o.Attrs[0] != "title" || o.Attrs[1] != "data-x" || o.Attrs[2] != "href" {
		t.Errorf("hostile values made attributes: %q", o.Attrs)
	}
	if o.Title != hostile || o.DataX != hostile || o.TextContent != hostile {
		t.Errorf("values do not read back as they were: title %q, data-x %q, text %q", o.Title, o.DataX, o.TextContent)
	}
	if o.Raw != "<p><b>bold</b></p>" {
		t.Errorf("raw: %s", o.Raw)
	}
	if o.Nested != "<ul><li>&lt;1&gt;</li><li>2</li></ul>" {
		t.Errorf("nested: %s", o.Nested)
	}
	if o.Empty != "[0]" {
		t.Errorf("null, undefined, false, 0, \"\": %s", o.Empty)
	}
	if o.PlainElements != 0 || o.PlainText != hostile {
		t.Errorf("render of a plain string: %d elements, text %q", o.PlainElements, o.PlainText)
	}
	if len(o.Fragment) != 4 || o.Fragment[0] != "ARTICLE" || o.Fragment[1] != hostile || o.Fragment[2] != hostile || o.Fragment[3] != float64(0) {
		t.Errorf("fragment: %v", o.Fragment)
	}
	if o.Concat == "x<b>" {
		t.Errorf(`"x" + html… gave markup %q: string concatenation must not pass for markup`, o.Concat)
	}
}
