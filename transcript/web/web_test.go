package web

import "io"
import "io/fs"
import "net/http/httptest"
import "path"
import "regexp"
import "strings"
import "testing"

func TestHandlerServesTheAppWithCSP(t *testing.T) {
	h := Handler()
	for _, tc := range []struct{ path, want string }{
		{"/", `<script type="module" src="app.js"`},
		{"/app.js", `from "./router.js"`},
		{"/i18n.js", "export const CS_I18N"},
		{"/views/hearing.js", "export async function viewHearing"},
		{"/app.css", "content-visibility"},
		{"/some/deep/link", `<script type="module" src="app.js"`}, // unknown paths get the app
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		b, _ := io.ReadAll(w.Result().Body)
		if w.Code != 200 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d, body lacks %q", tc.path, w.Code, tc.want)
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", tc.path, csp)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != 405 {
		t.Errorf("POST /: %d", w.Code)
	}
}

// Every string key has a [zh, en] pair of non-empty strings.
func TestI18nKeysMatch(t *testing.T) {
	b, err := Files().(interface {
		ReadFile(string) ([]byte, error)
	}).ReadFile("i18n.js")
	if err != nil {
		t.Skip("embedded FS does not support ReadFile:", err)
	}
	s := string(b)
	entry := regexp.MustCompile(`(?:"[^"]+"|[A-Za-z_]\w*): \[`)
	pair := regexp.MustCompile(`(?:"[^"]+"|[A-Za-z_]\w*): \["((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\],`)
	entries, pairs := entry.FindAllString(s, -1), pair.FindAllStringSubmatch(s, -1)
	if len(pairs) < 50 {
		t.Fatalf("parsed only %d keys", len(pairs))
	}
	if len(entries) != len(pairs) {
		t.Errorf("%d keys, %d of them a [zh, en] pair of strings", len(entries), len(pairs))
	}
	for _, p := range pairs {
		if p[1] == "" || p[2] == "" {
			t.Errorf("%s: an empty string", p[0])
		}
	}
}

// Every module is served with a JavaScript MIME type (a browser refuses a module script of any
// other type), and every relative import names a module that is embedded.
func TestModulesServedAsJavaScript(t *testing.T) {
	h := Handler()
	importRE := regexp.MustCompile(`(?m)^import [^;]* from "(\.[^"]+)";`)
	n := 0
	err := fs.WalkDir(Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		n++
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/"+p, nil))
		if ct := w.Header().Get("Content-Type"); w.Code != 200 || !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: %d, Content-Type %q", p, w.Code, ct)
		}
		b, err := fs.ReadFile(Files(), p)
		if err != nil {
			return err
		}
		for _, m := range importRE.FindAllStringSubmatch(string(b), -1) {
			dep := path.Join(path.Dir(p), m[1])
			if _, err := fs.Stat(Files(), dep); err != nil {
				t.Errorf("%s imports %s: %v", p, m[1], err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found only %d modules", n)
	}
}

// Markup is made only by html.js, which escapes every value by default: no other file writes
// innerHTML or outerHTML, calls insertAdjacentHTML or document.write, or keeps an esc() of its
// own. A new view that builds HTML from strings fails here.
func TestNoInnerHTMLOutsideTheHTMLHelper(t *testing.T) {
	banned := regexp.MustCompile(`\.innerHTML\b|\.outerHTML\s*=|insertAdjacentHTML|document\.write|function esc\(|\besc\(`)
	n := 0
	err := fs.WalkDir(Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(Files(), p)
		if err != nil {
			return err
		}
		if p == "html.js" {
			n = strings.Count(string(b), ".innerHTML")
			return nil
		}
		for i, line := range strings.Split(string(b), "\n") {
			if banned.MatchString(line) {
				t.Errorf("%s:%d writes markup without html.js: %s", p, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("html.js writes no innerHTML: the test no longer looks at the right file")
	}
}
