package testrig

import "bufio"
import "bytes"
import "os"
import "os/exec"
import "path/filepath"
import "strconv"
import "strings"
import "testing"

func TestMain(m *testing.M) { Main(m) }

// childEnv makes the test binary a child that builds the hello program and then passes or
// fails as the variable says.
const childEnv = "TESTRIG_BUILD_CHILD"

// TestBuildChild is the child's part of TestBinariesRemovedAtExit; it skips in a normal run.
func TestBuildChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("only run as TestBinariesRemovedAtExit's child")
	}
	bin := Build(t, "./internal/testrig/testdata/hello", "")
	if again := Build(t, "./internal/testrig/testdata/hello", ""); again != bin {
		t.Fatalf("second Build gave %s, first %s: not built once", again, bin)
	}
	out, err := exec.Command(bin).Output()
	if err != nil || strings.TrimSpace(string(out)) != "hello" {
		t.Fatalf("built program: %q %v", out, err)
	}
	os.Stdout.WriteString("BIN " + bin + "\n")
	if mode == "fail" {
		t.Fatal("failing on purpose: the binary must still be removed")
	}
}

// Every binary a test process builds is gone when it exits, whether its tests passed or failed:
// go test of the end-to-end suites leaves no courtscribe binaries in the temporary directory.
func TestBinariesRemovedAtExit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	for _, mode := range []string{"pass", "fail"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run", "^TestBuildChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+mode)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if (err == nil) != (mode == "pass") {
				t.Fatalf("child (%s) exit: %v\n%s", mode, err, out.String())
			}
			bin := ""
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				if p, ok := strings.CutPrefix(sc.Text(), "BIN "); ok {
					bin = p
				}
			}
			if bin == "" {
				t.Fatalf("child (%s) named no binary:\n%s", mode, out.String())
			}
			for _, p := range []string{bin, filepath.Dir(filepath.Dir(bin))} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("child (%s) left %s behind (stat: %v)", mode, p, err)
				}
			}
		})
	}
}

// A binary directory left by a process that no longer runs is removed by the next Main; one
// of a running process is kept.
func TestSweepStaleBinaries(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale, err := os.MkdirTemp("", binPrefix+strconv.Itoa(dead.Process.Pid)+"-")
	if err != nil {
		t.Fatal(err)
	}
	live, err := os.MkdirTemp("", binPrefix+strconv.Itoa(os.Getppid())+"-")
	if err != nil {
		t.Fatal(err)
	}
	sweepStaleBinaries()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a dead process's binaries were kept: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a running process's binaries were removed: %v", err)
	}
}
