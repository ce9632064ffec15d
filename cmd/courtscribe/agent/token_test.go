package agent

import "log/slog"
import "os"
import "path/filepath"
import "strings"
import "testing"

// TestAgentToken: the agent token was visible in ps (issue 11, low). --token-file and
// $COURTSCRIBE_TOKEN (or a --config file) keep it out of the command line; --token there still
// works, with a warning.
func TestAgentToken(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("tok-from-file\nignored\n"), 0o600)
	if tok, err := (TokenConfig{File: file, Args: []string{"agent", "--token-file", file}}).resolve(log); err != nil || tok != "tok-from-file" {
		t.Errorf("--token-file: %q %v", tok, err)
	}
	// $COURTSCRIBE_TOKEN reaches the agent as the --token value, with no --token argument.
	if tok, err := (TokenConfig{Value: "tok-from-env", Args: []string{"agent", "--courtroom", "c"}}).resolve(log); err != nil || tok != "tok-from-env" {
		t.Errorf("$%s: %q %v", TokenEnv, tok, err)
	}
	if logged.Len() != 0 {
		t.Errorf("warned without --token on the command line: %s", logged.String())
	}
	if tok, err := (TokenConfig{Value: "tok-flag", Args: []string{"agent", "--token=tok-flag"}}).resolve(log); err != nil || tok != "tok-flag" || !strings.Contains(logged.String(), "visible") {
		t.Errorf("--token: %q %v, log %q", tok, err, logged.String())
	}
	if _, err := (TokenConfig{Value: "tok-flag", File: file}).resolve(log); err == nil {
		t.Error("two token sources accepted")
	}
	os.Chmod(file, 0o644)
	if _, err := (TokenConfig{File: file}).resolve(log); err == nil {
		t.Error("a world-readable token file accepted")
	}
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600)
	if _, err := (TokenConfig{File: filepath.Join(dir, "empty")}).resolve(log); err == nil {
		t.Error("an empty token file accepted")
	}
}
