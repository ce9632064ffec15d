package backup

import "context"
import "encoding/json"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// FuzzParseRetention: any --keep value is parsed or refused with an error, never a crash, and
// a parsed policy has no negative keep period.
func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"Court A=10y", "*=3650d", "A=720h,B=forever", "=", "A=-1d", "A=99999999999y", "A=1e300h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := transcript.ParseRetention([]string{s})
		if err != nil {
			return
		}
		if p.Default < 0 {
			t.Fatalf("%q: negative default", s)
		}
		for c, d := range p.Courts {
			if d < 0 {
				t.Fatalf("%q: court %q negative", s, c)
			}
		}
	})
}

// FuzzSnapshotManifest: the file list of a snapshot manifest (as anyone with write access to
// the backup disk could leave it) is read or refused; restoring from it never creates or writes
// anything outside the target data directory.
func FuzzSnapshotManifest(f *testing.F) {
	zero := "0000000000000000000000000000000000000000000000000000000000000000"
	f.Add([]byte(`[{"path":"../x","sha256":"` + zero + `","bytes":1,"mode":420,"mtime_ns":0}]`))
	f.Add([]byte(`[{"path":"hearings/h/audio/a.wav","sha256":"` + zero + `","bytes":1,"mode":2541,"mtime_ns":-1}]`))
	f.Add([]byte(`[{"path":"/etc/x","sha256":"` + zero + `","bytes":0,"mode":0,"mtime_ns":0}]`))
	f.Add([]byte(`[{"path":"a/./../../b","sha256":"` + zero + `","bytes":0,"mode":0,"mtime_ns":0}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var files []File
		if json.Unmarshal(b, &files) != nil {
			return
		}
		root := t.TempDir()
		dest := filepath.Join(root, "dest")
		snap := filepath.Join(dest, SnapshotsDir, "s1")
		os.MkdirAll(snap, 0o755)
		os.WriteFile(filepath.Join(snap, DBName), nil, 0o644)
		m := Manifest{Format: Format, Snapshot: "s1", Files: files,
			Database: File{Path: DBName, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Mode: 0o600}}
		for _, f := range files {
			if len(f.SHA256) == 64 && !strings.ContainsAny(f.SHA256, "/.") {
				os.MkdirAll(filepath.Dir(ObjectPath(dest, f.SHA256)), 0o755)
				os.WriteFile(ObjectPath(dest, f.SHA256), []byte("x"), 0o644)
			}
		}
		mb, _ := json.Marshal(m)
		os.WriteFile(filepath.Join(snap, ManifestName), mb, 0o644)
		if _, err := ReadManifest(dest, "s1"); err != nil {
			return
		}
		to := filepath.Join(root, "to")
		Restore(context.Background(), RestoreConfig{From: dest, DataDir: to, Logger: quiet})
		es, _ := os.ReadDir(root)
		for _, e := range es {
			if e.Name() != "dest" && e.Name() != "to" {
				t.Fatalf("restore wrote %s outside the data directory", e.Name())
			}
		}
	})
}
