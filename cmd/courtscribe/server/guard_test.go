package server

import "io"
import "log/slog"
import "net/http"
import "net/http/httptest"
import "os"
import "path/filepath"
import "testing"

// TestMetricsPolicy: /metrics was served to anyone (issue 11, low). It stays open on a
// loopback-only listener (the default, and where the benchmark scripts read it), is refused on
// a public one unless a token is set, and with --metrics-listen is served only there.
func TestMetricsPolicy(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tokFile := filepath.Join(t.TempDir(), "metrics.token")
	if err := os.WriteFile(tokFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(h http.Handler, path, auth string) int {
		req := httptest.NewRequest("GET", path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, c := range []struct {
		name        string
		listen      string
		flags       GuardConfig
		anon, token int
	}{
		{"loopback default", "127.0.0.1:8080", GuardConfig{}, 200, 200},
		{"public default", "0.0.0.0:8080", GuardConfig{}, 404, 404},
		{"public with token", "0.0.0.0:8080", GuardConfig{MetricsTokenFile: tokFile}, 401, 200},
		{"separate listener", "0.0.0.0:8080", GuardConfig{MetricsListen: "127.0.0.1:0"}, 404, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.flags.metrics(c.listen, log)
			if err != nil {
				t.Fatal(err)
			}
			h := p.gate(inner)
			if got := get(h, "/metrics", ""); got != c.anon {
				t.Errorf("/metrics without a token: %d, want %d", got, c.anon)
			}
			if got := get(h, "/metrics", "Bearer s3cret-token"); got != c.token {
				t.Errorf("/metrics with the token: %d, want %d", got, c.token)
			}
			if got := get(h, "/readyz", ""); got != 200 {
				t.Errorf("/readyz: %d", got)
			}
		})
	}
	os.Chmod(tokFile, 0o644)
	if _, err := (GuardConfig{MetricsTokenFile: tokFile}).metrics("0.0.0.0:1", log); err == nil {
		t.Error("a world-readable token file was accepted")
	}
	if _, err := parseCIDRs([]string{"10.0.0.0/8", "192.0.2.1", "::1"}); err != nil {
		t.Error(err)
	}
	if _, err := parseCIDRs([]string{"proxy.example"}); err == nil {
		t.Error("a host name was accepted as --trusted-proxy")
	}
}
