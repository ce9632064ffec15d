package faults

// Helpers for the end-to-end suites of the binary (the tests of cmd/courtscribe's commands
// as real processes): a server with its web UI, archives compared with their sources.

import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// igStartServer starts `courtscribe server` on addr and data (debug log, with the web UI),
// with extra flags, and waits until it is ready; it is killed at the end of the test.
func igStartServer(t testing.TB, data, addr string, extra ...string) *server {
	t.Helper()
	args := append([]string{"server", "--listen", addr, "--data", data, "--log-level", "debug"}, extra...)
	return &server{Proc: testrig.StartServer(t, addr, args...), addr: addr, data: data}
}

// igReadSeat reads one archived seat WAV.
func igReadSeat(t *testing.T, data, hearing, seat string) []int16 {
	t.Helper()
	a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(data, hearing), archive.AudioDir, seat+".wav"))
	if err != nil {
		t.Fatal(err)
	}
	if a.SampleRate != wire.SampleRate || len(a.Channels) != 1 {
		t.Fatalf("seat %s: %d Hz, %d channels", seat, a.SampleRate, len(a.Channels))
	}
	return a.Channels[0]
}

// igCheckExact proves every seat's archive equals the source, sample-exact (SHA-256 of PCM).
func igCheckExact(t *testing.T, data, hearing string, seats []wire.Seat, want [][]int16) {
	t.Helper()
	for i, s := range seats {
		got := igReadSeat(t, data, hearing, s.Name)
		if len(got) != len(want[i]) || testrig.HashPCM(got) != testrig.HashPCM(want[i]) {
			t.Fatalf("seat %s: archive %d samples (sha %s…), source %d samples (sha %s…)", s.Name,
				len(got), testrig.HashPCM(got)[:12], len(want[i]), testrig.HashPCM(want[i])[:12])
		}
	}
}

// igOnlyHearing returns the single hearing in a data directory.
func igOnlyHearing(t *testing.T, data string) string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(data, archive.HearingsDir))
	if err != nil || len(es) != 1 {
		t.Fatalf("want exactly one hearing in %s: %v %v", data, es, err)
	}
	return es[0].Name()
}

// igAddUser runs `courtscribe users add` with the password on stdin; where names the record
// (--data DIR and/or --db URL).
func igAddUser(t testing.TB, name, role, password string, where ...string) {
	t.Helper()
	cmd := exec.Command(testrig.Binary(t), append([]string{"users", "add", "--name", name, "--role", role, "--password-stdin"}, where...)...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("users add %s: %v\n%s", name, err, out)
	}
}

// igAddUsers adds each {name, role} of users with the password "pw-"+name.
func igAddUsers(t testing.TB, users [][2]string, where ...string) {
	t.Helper()
	for _, u := range users {
		igAddUser(t, u[0], u[1], "pw-"+u[0], where...)
	}
}
