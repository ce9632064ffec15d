package api

import "context"
import "encoding/json"
import "fmt"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// mountTmpfs mounts a small tmpfs (the outermost boundary: a real full file system), or skips
// loudly when this machine does not allow it.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIP (full disk not tested): cannot mount a tmpfs here (%v: %s); run as root", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestEditOnFullDiskIsAClearError: a full disk gave edits a bare 500 (issue 11, low). The record
// lives on a 4 MiB tmpfs that a filler file fills; edits then get 507 with a JSON body that
// says the server's storage is full, and succeed again once the filler is gone.
func TestEditOnFullDiskIsAClearError(t *testing.T) {
	dir := mountTmpfs(t, "4m")
	r := newRig(t) // users, clock and client helpers; its API is replaced by one on the tmpfs
	st := sqlitetest.Open(t, dir, sqlite.Options{Logger: quietLog(), DataDir: dir, Argon2: &transcript.TestArgon2})
	for _, u := range rigUsers {
		if _, err := st.CreateUser(context.Background(), "system", u.name, u.role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	a := New(r.cfg, st, r.status, quietLog())
	srv := httptest.NewServer(a)
	t.Cleanup(func() { srv.Close(); a.Close(); st.Close() })
	r.store, r.api, r.srv = st, a, srv
	_, segs := r.hearing("h1", 40)
	clerk := r.login("zhaoliu")
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	for k := 0; k < 16; k++ { // the last few KB
		f.Write(chunk[:1024])
	}
	f.Close()
	full := 0
	for i, sg := range segs {
		code, body := clerk.raw("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID),
			map[string]any{"text": strings.Repeat("满", 2000) + fmt.Sprint(i), "revision": sg.Revision}, nil)
		if code == 200 {
			continue
		}
		var e apiError
		if json.Unmarshal(body, &e) != nil || code != 507 || e.Code != "storage_full" {
			t.Fatalf("edit %d on a full disk: %d %s; want 507 storage_full", i, code, body)
		}
		full++
		if full == 3 {
			break
		}
	}
	if full == 0 {
		t.Fatal("the disk never filled: the probe did not reach a full disk")
	}
	os.Remove(filler)
	cur, err := st.GetSegment(context.Background(), segs[len(segs)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := clerk.raw("POST", fmt.Sprintf("/api/segments/%d/edit", cur.ID), map[string]any{"text": "空间恢复。", "revision": cur.Revision}, nil); code != 200 {
		t.Fatalf("edit after space returned: %d %s", code, body)
	}
}
