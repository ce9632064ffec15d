package api

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if fuzzing() {
		os.Exit(m.Run()) // the fuzz engine's own goroutines are not ours to check
	}
	goleak.VerifyTestMain(m)
}

// fuzzing reports whether this test binary runs as a fuzz worker or coordinator.
func fuzzing() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.fuzzworker") || strings.HasPrefix(a, "-test.fuzz=") {
			return true
		}
	}
	return false
}
