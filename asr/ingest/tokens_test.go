package ingest

import "encoding/base64"
import "os"
import "path/filepath"
import "strings"
import "testing"

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	ts := OpenTokens(dir, nil)
	tok, rec, err := ts.Add("room1")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not 32 bytes base64url", tok)
	}
	st, err := os.Stat(filepath.Join(dir, TokenFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, TokenFile))
	if strings.Contains(string(b), tok) || !strings.Contains(string(b), rec.SHA256) {
		t.Fatal("token file must hold the hash, never the token")
	}
	for _, c := range []struct {
		tok, room string
		ok        bool
	}{{tok, "room1", true}, {tok, "room2", false}, {tok + "x", "room1", false}, {"", "room1", false}} {
		ok, err := ts.Authenticate(c.tok, c.room)
		if err != nil || ok != c.ok {
			t.Fatalf("Authenticate(%q,%q)=%v,%v want %v", c.tok, c.room, ok, err, c.ok)
		}
	}
	if _, _, err := ts.Add("../x"); err == nil {
		t.Fatal("bad courtroom accepted")
	}
	if err := ts.Revoke("nope"); err == nil {
		t.Fatal("revoking an unknown id must fail")
	}
	if err := ts.Revoke(rec.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := ts.Authenticate(tok, "room1"); ok {
		t.Fatal("revoked token accepted")
	}
	list, err := ts.List()
	if err != nil || len(list) != 1 || list[0].Revoked == nil {
		t.Fatalf("list %+v %v", list, err)
	}
	os.WriteFile(filepath.Join(dir, TokenFile), []byte("{"), 0o600)
	if _, err := ts.Authenticate(tok, "room1"); err == nil {
		t.Fatal("corrupt token file must be an error")
	}
}
