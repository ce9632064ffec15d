// Package web is the clerk's and judge's browser UI: plain HTML, CSS and JavaScript as native
// ES modules (no framework, no build step) embedded with go:embed and served by the API
// server. The pages talk to the JSON API and the live websocket of transcript/api; markup is
// made only by static/html.js, which escapes by default. See docs/ui.md.
package web

import "embed"
import "io/fs"
import "net/http"
import "strings"

//go:embed static
var static embed.FS

// Files are the UI's files (index.html, app.css and the modules: app.js, views/*.js, …).
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil { // cannot happen: the directory is embedded
		return static
	}
	return sub
}

// Handler serves the UI. Every path that is not a file gets index.html (the app routes by the
// URL hash). The Content-Security-Policy forbids inline scripts and foreign origins; module
// scripts from 'self' are allowed. JavaScript is always served as text/javascript: a browser
// refuses a module of any other type, and the system's MIME table (which mime.TypeByExtension
// reads) may say otherwise (some map .js to text/plain).
func Handler() http.Handler {
	files := http.FileServerFS(Files())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Cache-Control", "no-cache")
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p == "" || strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		if _, err := fs.Stat(Files(), p); err != nil {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		if strings.HasSuffix(p, ".js") {
			h.Set("Content-Type", "text/javascript; charset=utf-8")
		}
		files.ServeHTTP(w, r)
	})
}
