package main

import "os"
import "runtime/debug"
import "testing"

// gcPercent reads the current GOGC setting without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestAgentGCPercent(t *testing.T) {
	orig := gcPercent()
	defer debug.SetGCPercent(orig)
	env, hadEnv := os.LookupEnv("GOGC")
	defer func() {
		if hadEnv {
			os.Setenv("GOGC", env)
		} else {
			os.Unsetenv("GOGC")
		}
	}()

	os.Unsetenv("GOGC")
	debug.SetGCPercent(100)
	setAgentGCPercent()
	if got := gcPercent(); got != agentGCPercent {
		t.Errorf("without GOGC in the environment the agent runs with GOGC=%d, want %d", got, agentGCPercent)
	}

	// An operator's GOGC wins (the runtime has applied it at start; the agent leaves it).
	os.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	setAgentGCPercent()
	if got := gcPercent(); got != 200 {
		t.Errorf("with GOGC=200 in the environment the agent changed it to %d", got)
	}
}
