package testrig

import "context"
import "errors"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "strconv"
import "strings"
import "sync"
import "syscall"
import "testing"
import "time"

// binPrefix starts the name of the temporary directory that holds the binaries one test
// process built; the process ID follows it, so a later run can tell a dead run's leftovers.
const binPrefix = "courtscribe-testbin-"

// TagsEnv names the environment variable with the build tags of the courtscribe binary the
// tests build (e.g. "whisper").
const TagsEnv = "COURTSCRIBE_E2E_TAGS"

// builds holds the binaries built by this test process, by package and tags.
var builds struct {
	mu  sync.Mutex
	dir string
	m   map[string]*build
}

type build struct {
	once sync.Once
	n    int // its place in the order of first requests: its subdirectory
	path string
	err  error
}

// Binary is the courtscribe binary (./cmd/courtscribe, with the build tags in
// COURTSCRIBE_E2E_TAGS), built once per test process; go build's cache makes the builds of
// later runs quick. Main removes it when the test binary exits.
func Binary(t testing.TB) string {
	t.Helper()
	return Build(t, "./cmd/courtscribe", os.Getenv(TagsEnv))
}

// Build builds the main package pkg (a path from the module root) with tags once per test
// process into a temporary directory that Main removes when the test binary exits.
func Build(t testing.TB, pkg, tags string) string {
	t.Helper()
	builds.mu.Lock()
	if builds.m == nil {
		builds.m = map[string]*build{}
	}
	key := pkg + "\x00" + tags
	b := builds.m[key]
	if b == nil {
		b = &build{n: len(builds.m)}
		builds.m[key] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() { b.path, b.err = goBuild(RepoRoot(t), pkg, tags, b.n) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// goBuild runs go build for pkg into subdirectory n of the process's binary directory; the
// binary keeps the package's name (courtscribe), as its messages may show it.
func goBuild(root, pkg, tags string, n int) (string, error) {
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	sub := filepath.Join(dir, strconv.Itoa(n))
	if err := os.Mkdir(sub, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(sub, filepath.Base(pkg))
	args := []string{"build", "-o", path}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return path, nil
}

// binDir makes (once) the directory for this process's binaries.
func binDir() (string, error) {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		return builds.dir, nil
	}
	dir, err := os.MkdirTemp("", binPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", err
	}
	builds.dir = dir
	return dir, nil
}

// removeBinaries removes this process's binary directory, if any.
func removeBinaries() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir == "" {
		return
	}
	if err := os.RemoveAll(builds.dir); err != nil {
		fmt.Fprintf(os.Stderr, "testrig: %v\n", err)
	}
	builds.dir = ""
}

// sweepStaleBinaries removes the binary directories of test processes that ended without
// Main's cleanup (a -timeout panic, a SIGKILL).
func sweepStaleBinaries() {
	dirs, err := filepath.Glob(filepath.Join(os.TempDir(), binPrefix+"*"))
	if err != nil {
		return
	}
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), binPrefix)
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			// Another run's leftovers: failing to remove them is not this run's failure.
			_ = os.RemoveAll(d)
		}
	}
}

// ErrNoRepoRoot is FindRepoRoot's error when no folder above the working directory holds go.mod.
var ErrNoRepoRoot = errors.New("go.mod not found above the test directory")

// FindRepoRoot walks up from the working directory (a test's package directory) to the folder
// holding go.mod.
func FindRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRepoRoot
		}
		dir = parent
	}
}

// RepoRoot is FindRepoRoot for a test, which fails without one.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
