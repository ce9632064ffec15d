package main

import "errors"
import "net"
import "os"
import "os/exec"
import "strings"
import "testing"

// TestRunDemoRefusesTakenPort: `make run` with its port taken says so, and how to choose
// another, before it builds or starts anything (it used to print the server's address and
// then fail with "bind: address already in use").
func TestRunDemoRefusesTakenPort(t *testing.T) {
	for _, tool := range []string{"bash", "espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it)", tool)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command("bash", "../../scripts/run-demo.sh")
	cmd.Env = append(os.Environ(), "DEMO_LISTEN="+ln.Addr().String())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("run-demo with %s taken: %v\n%s", ln.Addr(), err, out)
	}
	for _, want := range []string{ln.Addr().String() + " is already in use", "DEMO_LISTEN="} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "server on http://") {
		t.Errorf("the address was announced although the server cannot start:\n%s", out)
	}
}
