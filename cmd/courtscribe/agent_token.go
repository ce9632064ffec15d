package main

import (
	"errors"
	"log/slog"
)

// TokenEnv is the environment variable the agent reads its token from when --token-file is not
// given: unlike --token it is not visible in ps.
const TokenEnv = "COURTSCRIBE_TOKEN"

// agentToken picks the agent token: --token-file (0600, first line), else $COURTSCRIBE_TOKEN,
// else --token, which every local user can read in ps: it still works but warns. Giving more
// than one is an error.
func agentToken(flagToken, tokenFile string, getenv func(string) string, log *slog.Logger) (string, error) {
	env := getenv(TokenEnv)
	given := 0
	for _, v := range []string{flagToken, tokenFile, env} {
		if v != "" {
			given++
		}
	}
	if given > 1 {
		return "", errors.New("give the agent token one way only: --token-file, $" + TokenEnv + " or --token")
	}
	switch {
	case tokenFile != "":
		return readSecretFile(tokenFile, "--token-file")
	case env != "":
		return env, nil
	case flagToken != "":
		log.Warn("--token is visible to every local user in ps; use --token-file FILE (mode 0600) or $" + TokenEnv)
		return flagToken, nil
	}
	return "", nil
}
