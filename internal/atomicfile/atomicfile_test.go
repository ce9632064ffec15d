package atomicfile

import "os"
import "path/filepath"
import "strings"
import "sync"
import "syscall"
import "testing"

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileNewAndReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v", b, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "state.json" {
		t.Fatalf("directory holds %v, want only state.json", names)
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	if err := WriteJSON(path, map[string]int{"a": 1}, 0o640); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "{\n  \"a\": 1\n}\n" {
		t.Fatalf("got %q", b)
	}
}

func TestWriteJSONMarshalErrorLeavesOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	os.WriteFile(path, []byte("old"), 0o600)
	if err := WriteJSON(path, make(chan int), 0o600); err == nil {
		t.Fatal("a channel encoded as JSON")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("original now %q", b)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
}

func TestWriteFileUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if err := WriteFile(path, []byte("new"), 0o600); err == nil {
		t.Fatal("wrote into a read-only directory")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Fatalf("original now %q, %v", b, err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such"), []byte("x"), 0o600); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// A rename that fails (the target is a non-empty directory) removes the temporary file and
// leaves the target as it was.
func TestWriteFileRenameFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(path, "inner"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err == nil {
		t.Fatal("replaced a non-empty directory")
	}
	if st, err := os.Stat(filepath.Join(path, "inner")); err != nil || !st.IsDir() {
		t.Fatalf("target changed: %v, %v", st, err)
	}
	for _, n := range entries(t, dir) {
		if strings.HasPrefix(n, TempPrefix) {
			t.Fatalf("temporary file %s left behind", n)
		}
	}
}

// Concurrent writers of one path each use their own temporary file: the result is one of the
// contents whole.
func TestWriteFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	want := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 8 {
		s := strings.Repeat(string(rune('a'+i)), 4096)
		want[s] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := WriteFile(path, []byte(s), 0o600); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(path)
	if err != nil || !want[string(b)] {
		t.Fatalf("torn or missing content (%d bytes), %v", len(b), err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("synced a missing directory")
	}
}

// A write that fails part-way (here: past the file size limit, which fails even for root)
// removes the temporary file and leaves the original intact.
func TestWriteFileWriteFailureKeepsOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = 1 << 16
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	err := WriteFile(path, make([]byte, 1<<20), 0o600)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil {
		t.Fatal("a write past the file size limit succeeded")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Fatalf("original now %d bytes, %v", len(b), err)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v", names)
	}
}

// A directory that is a file fails before anything is written.
func TestWriteFileDirIsAFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if err := WriteFile(filepath.Join(file, "child"), []byte("y"), 0o600); err == nil {
		t.Fatal("wrote below a regular file")
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Fatalf("file now %q", b)
	}
}
