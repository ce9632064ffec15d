package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
		flags       guardFlags
		anon, token int
	}{
		{"loopback default", "127.0.0.1:8080", guardFlags{}, 200, 200},
		{"public default", "0.0.0.0:8080", guardFlags{}, 404, 404},
		{"public with token", "0.0.0.0:8080", guardFlags{metricsTokenFile: tokFile}, 401, 200},
		{"separate listener", "0.0.0.0:8080", guardFlags{metricsListen: "127.0.0.1:0"}, 404, 404},
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
	if _, err := (guardFlags{metricsTokenFile: tokFile}).metrics("0.0.0.0:1", log); err == nil {
		t.Error("a world-readable token file was accepted")
	}
	if _, err := parseCIDRs([]string{"10.0.0.0/8", "192.0.2.1", "::1"}); err != nil {
		t.Error(err)
	}
	if _, err := parseCIDRs([]string{"proxy.example"}); err == nil {
		t.Error("a host name was accepted as --trusted-proxy")
	}
}

// TestAgentToken: the agent token was visible in ps (issue 11, low). --token-file and
// $COURTSCRIBE_TOKEN (or a --config file) keep it out of the command line; --token there still
// works, with a warning.
func TestAgentToken(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("tok-from-file\nignored\n"), 0o600)
	if tok, err := agentToken("", file, []string{"agent", "--token-file", file}, log); err != nil || tok != "tok-from-file" {
		t.Errorf("--token-file: %q %v", tok, err)
	}
	// $COURTSCRIBE_TOKEN reaches agentToken as the --token value, with no --token argument.
	if tok, err := agentToken("tok-from-env", "", []string{"agent", "--courtroom", "c"}, log); err != nil || tok != "tok-from-env" {
		t.Errorf("$%s: %q %v", TokenEnv, tok, err)
	}
	if logged.Len() != 0 {
		t.Errorf("warned without --token on the command line: %s", logged.String())
	}
	if tok, err := agentToken("tok-flag", "", []string{"agent", "--token=tok-flag"}, log); err != nil || tok != "tok-flag" || !strings.Contains(logged.String(), "visible") {
		t.Errorf("--token: %q %v, log %q", tok, err, logged.String())
	}
	if _, err := agentToken("tok-flag", file, nil, log); err == nil {
		t.Error("two token sources accepted")
	}
	os.Chmod(file, 0o644)
	if _, err := agentToken("", file, nil, log); err == nil {
		t.Error("a world-readable token file accepted")
	}
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600)
	if _, err := agentToken("", filepath.Join(dir, "empty"), nil, log); err == nil {
		t.Error("an empty token file accepted")
	}
	// Through the real command line parsing: COURTSCRIBE_TOKEN fills --token.
	cmd := newAgentCmd()
	if err := applyConfig(cmd, func(k string) (string, bool) { return map[string]string{TokenEnv: "tok-env"}[k], k == TokenEnv }); err != nil {
		t.Fatal(err)
	}
	if v, _ := cmd.Flags().GetString("token"); v != "tok-env" {
		t.Errorf("$%s did not reach --token: %q", TokenEnv, v)
	}
}
