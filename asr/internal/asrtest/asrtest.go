// Package asrtest holds what the asr packages' tests share.
package asrtest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.fuzzworker") || strings.HasPrefix(a, "-test.fuzz=") {
			return true
		}
	}
	return false
}

// Testdata is the path of a test data file in ../shared/testdata beside the repository root
// (the directory with go.mod); the test is skipped when it is not there.
func Testdata(t testing.TB, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data %s not found (expected in ../shared/testdata beside the repository): %v", name, err)
	}
	return p
}

// Listen listens on the TCP address addr, trying again for a while: a server restarted on the
// same port may find it still held briefly after its stop.
func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}
