package main

import "testing"

// TestAgentTokenEnv: through the real command line parsing, COURTSCRIBE_TOKEN fills --token
// (agent.TestAgentToken covers how the agent picks its token).
func TestAgentTokenEnv(t *testing.T) {
	cmd := newAgentCmd()
	if err := applyConfig(cmd, func(k string) (string, bool) { return map[string]string{TokenEnv: "tok-env"}[k], k == TokenEnv }); err != nil {
		t.Fatal(err)
	}
	if v, _ := cmd.Flags().GetString("token"); v != "tok-env" {
		t.Errorf("$%s did not reach --token: %q", TokenEnv, v)
	}
}
