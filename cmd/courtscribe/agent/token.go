package agent

import "errors"
import "log/slog"
import "strings"

import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

// TokenEnv is the environment variable that sets the agent token (the generic COURTSCRIBE_<FLAG>
// mapping of --token, see cmd/courtscribe/config.go): unlike --token on the command line it is
// not visible in ps. A YAML --config file with a token key is not visible either.
const TokenEnv = "COURTSCRIBE_TOKEN"

// TokenConfig is how the agent gets its token: one of Token and File.
type TokenConfig struct {
	Value string // from $COURTSCRIBE_TOKEN, the config file or the command line
	File  string // mode 0600, first line
	// Args is the command line, to warn when the token was given on it (visible in ps).
	Args []string
}

// resolve picks the agent token: the file, else Token (on the command line every local user
// can read it in ps, so it still works but warns). Both at once is an error.
func (c TokenConfig) resolve(log *slog.Logger) (string, error) {
	if c.File != "" && c.Value != "" {
		return "", errors.New("give the agent token one way only: --token-file, $" + TokenEnv + " or --token")
	}
	if c.File != "" {
		return server.ReadSecretFile(c.File, "--token-file")
	}
	for _, a := range c.Args {
		if a == "--" {
			break
		}
		if a == "--token" || strings.HasPrefix(a, "--token=") {
			log.Warn("--token on the command line is visible to every local user in ps; use --token-file FILE (mode 0600) or $" + TokenEnv)
			break
		}
	}
	return c.Value, nil
}
