// Package pgtest starts a private PostgreSQL cluster for tests: initdb in a temporary
// directory, a free TCP port on loopback, the unix socket in that directory, run as a
// non-root user (the `postgres` system user through runuser when the test runs as root,
// as CI does). The cluster is stopped and removed when the test ends. Nothing here
// assumes a server is already running; Debian's auto-created cluster is never used.
package pgtest

import "errors"
import "fmt"
import "net"
import "os"
import "os/exec"
import "os/user"
import "path/filepath"
import "sort"
import "strconv"
import "testing"

// Cluster is one running private PostgreSQL server.
type Cluster struct {
	Dir     string // data directory
	SockDir string // unix socket directory
	Port    int
	User    string // database superuser name
}

// URL is a postgres:// connection string for database db over loopback TCP.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", c.User, c.Port, db)
}

// BinDir finds the newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/deps.sh")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Options change the private cluster. The zero value is what tests want.
type Options struct {
	// Durable keeps fsync on (benchmarks that compare commit latency with SQLite's
	// synchronous=FULL); tests run with fsync=off.
	Durable bool
}

// Start starts a private cluster and registers its removal with t.Cleanup.
// It skips the test with a clear message where PostgreSQL is not installed.
func Start(t testing.TB) *Cluster {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Cluster {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		t.Skipf("pgtest: %v", err)
	}
	// As root, run the server as the postgres system user (initdb refuses root).
	var wrap []string
	runAs := ""
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			t.Skipf("pgtest: running as root and no postgres system user: %v", err)
		}
		rp, err := exec.LookPath("runuser")
		if err != nil {
			t.Skipf("pgtest: running as root and no runuser: %v", err)
		}
		wrap = []string{rp, "-u", "postgres", "--"}
		runAs = "postgres"
	}
	// t.TempDir may sit under a directory the postgres user cannot enter, so use
	// a fresh directory under the system temp dir that it owns.
	dir, err := os.MkdirTemp("", "courtscribe-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if runAs != "" {
		u, _ := user.Lookup(runAs)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c := &Cluster{Dir: filepath.Join(dir, "data"), SockDir: dir, User: "courtscribe"}
	run := func(name string, args ...string) ([]byte, error) {
		argv := append(append([]string{}, wrap...), append([]string{filepath.Join(bin, name)}, args...)...)
		return exec.Command(argv[0], argv[1:]...).CombinedOutput()
	}
	if out, err := run("initdb", "-D", c.Dir, "-U", c.User, "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	c.Port = freePort(t)
	fsync := "off"
	if o.Durable {
		fsync = "on"
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=%s -c max_connections=200", c.SockDir, c.Port, fsync)
	if out, err := run("pg_ctl", "-D", c.Dir, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		if out, err := run("pg_ctl", "-D", c.Dir, "-m", "immediate", "-w", "stop"); err != nil {
			t.Logf("pgtest: pg_ctl stop: %v\n%s", err, out)
		}
	})
	return c
}

// CreateDB creates database name in the cluster through createdb.
func (c *Cluster) CreateDB(t testing.TB, name string) string {
	t.Helper()
	bin, _ := BinDir()
	out, err := exec.Command(filepath.Join(bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", c.User, name).CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: createdb %s: %v\n%s", name, err, out)
	}
	return c.URL(name)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
