package pgtest

import "os/exec"
import "path/filepath"
import "strconv"
import "strings"
import "testing"

// TestStartPrivateCluster starts a cluster, creates a database and runs a query in it
// through psql, so the helper is proven to give a usable server.
func TestStartPrivateCluster(t *testing.T) {
	c := Start(t)
	c.CreateDB(t, "courtscribe_test")
	bin, _ := BinDir()
	out, err := exec.Command(filepath.Join(bin, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port),
		"-U", c.User, "-d", "courtscribe_test", "-Atc", "SELECT 40+2").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "42" {
		t.Fatalf("SELECT 40+2 = %q", got)
	}
}
