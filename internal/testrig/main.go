package testrig

import "os"
import "strings"
import "testing"

import "go.uber.org/goleak"

// mainConfig is what the options of Main set.
type mainConfig struct {
	leaks bool
}

// Option adjusts Main.
type Option func(*mainConfig)

// NoLeakCheck leaves goroutine leaks unchecked: for packages whose tests drive other processes
// and keep no goroutines of their own worth checking (the end-to-end suites).
func NoLeakCheck() Option { return func(c *mainConfig) { c.leaks = false } }

// Main is every package's TestMain: it runs the tests, then (unless NoLeakCheck or a fuzzing
// run) fails a passing run that left goroutines behind, and in every case removes what the
// tests built through Binary before the test binary exits with the tests' code.
//
//	func TestMain(m *testing.M) { testrig.Main(m) }
func Main(m *testing.M, opts ...Option) {
	cfg := mainConfig{leaks: true}
	for _, o := range opts {
		o(&cfg)
	}
	sweepStaleBinaries()
	exit := func(code int) {
		removeBinaries()
		os.Exit(code)
	}
	if !cfg.leaks || Fuzzing() {
		// The fuzz engine's own goroutines are not ours to check.
		exit(m.Run())
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(exit))
}

// Fuzzing reports whether this test binary runs as a fuzz worker or coordinator.
func Fuzzing() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.fuzzworker") || strings.HasPrefix(a, "-test.fuzz=") {
			return true
		}
	}
	return false
}
