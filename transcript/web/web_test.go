package web

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesTheAppWithCSP(t *testing.T) {
	h := Handler()
	for _, tc := range []struct{ path, want string }{
		{"/", "<script src=\"app.js\""},
		{"/app.js", "use strict"},
		{"/i18n.js", "CS_I18N"},
		{"/app.css", "content-visibility"},
		{"/some/deep/link", "<script src=\"app.js\""}, // unknown paths get the app
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

// Every string key exists in both languages.
func TestI18nKeysMatch(t *testing.T) {
	b, err := Files().(interface {
		ReadFile(string) ([]byte, error)
	}).ReadFile("i18n.js")
	if err != nil {
		t.Skip("embedded FS does not support ReadFile:", err)
	}
	s := string(b)
	zh := s[strings.Index(s, "zh: {"):strings.Index(s, "en: {")]
	en := s[strings.Index(s, "en: {"):]
	keys := func(block string) map[string]bool {
		m := map[string]bool{}
		for _, part := range strings.Split(block, "\",") {
			part = strings.TrimSpace(part)
			if i := strings.Index(part, ":"); i > 0 {
				k := strings.TrimSpace(part[:i])
				if !strings.ContainsAny(k, " {\"") && !strings.HasPrefix(strings.TrimSpace(part[i+1:]), "{") {
					m[k] = true
				}
			}
		}
		return m
	}
	kz, ke := keys(zh), keys(en)
	if len(kz) < 50 {
		t.Fatalf("parsed only %d keys", len(kz))
	}
	for k := range kz {
		if !ke[k] {
			t.Errorf("key %q has no English text", k)
		}
	}
	for k := range ke {
		if !kz[k] {
			t.Errorf("key %q has no Chinese text", k)
		}
	}
}
