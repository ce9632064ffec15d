package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
