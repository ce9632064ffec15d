package asrtest

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot is the repository root: the nearest directory with go.mod at or above the
// working directory; ok is false when there is none.
func RepoRoot() (dir string, ok bool) {
	dir, _ = os.Getwd()
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Testdata is the path of a test data file in ../shared/testdata beside the repository root;
// the test is skipped when it is not there.
func Testdata(t testing.TB, name string) string {
	t.Helper()
	root, ok := RepoRoot()
	if !ok {
		t.Skip("no go.mod above the test directory")
	}
	p := filepath.Join(root, "..", "shared", "testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("test data %s not found (expected in ../shared/testdata beside the repository): %v", name, err)
	}
	return p
}
