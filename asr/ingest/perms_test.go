package ingest

import "context"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"

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
	if n := len(testrig.CheckPrivate(t, r.dir)); n < 6 {
		t.Fatalf("only %d entries checked", n)
	}
}
