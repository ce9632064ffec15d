package capture

import "context"
import "os"
import "path/filepath"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestSpoolAndLocalCopyArePrivate runs the agent with umask 0 and an older spool directory
// left 0755: every file of the spool and the local copy ends 0600, every directory 0700
// (issue 11, item 8: they hold the hearing's audio).
func TestSpoolAndLocalCopyArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	src := filepath.Join(dir, "hearing.wav")
	writeTestWAV(t, src, 16000, 1, 2)
	srv := newWireServer(t, "tok")
	rep, err := OpenReplay(src, false, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	if err := mkdir0755(spool); err != nil {
		t.Fatal(err)
	}
	cfg := AgentConfig{Server: srv.URL(), Token: "tok", Courtroom: "room-7", Seats: []wire.Seat{{Name: "judge", Channel: 1}},
		SpoolDir: spool, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Logger: testLogger(t), FrameSamples: 1600}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := RunAgent(ctx, cfg, rep); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(spool); err != nil {
		t.Fatal(err)
	} else if st.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %v, want -rwx------", spool, st.Mode().Perm())
	}
	n := 0
	for _, p := range testrig.CheckPrivate(t, spool) {
		if filepath.Ext(p) == ".wav" {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no local copy found in the spool directory")
	}
}

func mkdir0755(p string) error {
	if err := syscall.Mkdir(p, 0o755); err != nil {
		return err
	}
	return nil
}
