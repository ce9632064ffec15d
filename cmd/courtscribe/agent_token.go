package main

import (
	"errors"
	"github.com/courtscribe/courtscribe/cmd/courtscribe/server"
	"log/slog"
	"strings"
)

// TokenEnv is the environment variable that sets the agent token (the generic COURTSCRIBE_<FLAG>
// mapping of --token, see config.go): unlike --token on the command line it is not visible in
// ps. A YAML --config file with a token key is not visible either.
const TokenEnv = "COURTSCRIBE_TOKEN"

// agentToken picks the agent token: --token-file (0600, first line), else the --token value
// (from $COURTSCRIBE_TOKEN, the config file or the command line; on the command line every
// local user can read it in ps, so it still works but warns). Both at once is an error.
func agentToken(flagToken, tokenFile string, args []string, log *slog.Logger) (string, error) {
	if tokenFile != "" && flagToken != "" {
		return "", errors.New("give the agent token one way only: --token-file, $" + TokenEnv + " or --token")
	}
	if tokenFile != "" {
		return server.ReadSecretFile(tokenFile, "--token-file")
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--token" || strings.HasPrefix(a, "--token=") {
			log.Warn("--token on the command line is visible to every local user in ps; use --token-file FILE (mode 0600) or $" + TokenEnv)
			break
		}
	}
	return flagToken, nil
}
