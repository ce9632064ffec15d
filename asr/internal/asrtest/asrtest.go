// Package asrtest holds what the asr packages' tests share.
package asrtest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// Main runs a package's tests and fails them if a goroutine is left behind; under the fuzz
// engine it only runs them (the engine's own goroutines are not ours to check). Call it from
// TestMain.
func Main(m *testing.M) {
	if Fuzzing() {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

// Fuzzing reports whether this test binary runs as a fuzz worker or coordinator.
func Fuzzing() bool {
	return slices.ContainsFunc(os.Args, func(a string) bool {
		return strings.HasPrefix(a, "-test.fuzzworker") || strings.HasPrefix(a, "-test.fuzz=")
	})
}
