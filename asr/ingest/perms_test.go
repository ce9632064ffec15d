package ingest

import (
	"context"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// checkPrivate fails for any file under root (root itself excluded) that group or others may
// read: archived audio is the court's record (issue 11, item 8).
func checkPrivate(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestArchiveIsPrivate streams and closes a hearing with umask 0: every file in the data
// directory is 0600 and every directory 0700, whatever the umask.
func TestArchiveIsPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	r := newRig(t)
	pcm := testPCM(2, 16000, 9)
	a := r.agent("s-perm", pcm)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.srv.CloseHearing(ctx, res.Hearing); err != nil {
		t.Fatal(err)
	}
	if n := checkPrivate(t, r.dir); n < 6 {
		t.Fatalf("only %d entries checked", n)
	}
}
