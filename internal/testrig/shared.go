package testrig

import "net"
import "os"
import "path/filepath"
import "testing"
import "time"

// Testdata is the path of a test data file in ../shared/testdata beside the repository root;
// the test is skipped when it is not there.
func Testdata(t testing.TB, name string) string {
	t.Helper()
	root, err := FindRepoRoot()
	if err != nil {
		t.Skip("no go.mod above the test directory")
	}
	p := filepath.Join(root, "..", "shared", "testdata", name)
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
