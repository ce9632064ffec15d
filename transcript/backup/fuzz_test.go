package backup

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/courtscribe/courtscribe/transcript"
)

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

// FuzzSnapshotManifest: a snapshot manifest (as an attacker with write access to the backup
// disk could leave it) is read or refused; restoring from it never writes outside the target
// data directory.
func FuzzSnapshotManifest(f *testing.F) {
	f.Add([]byte(`{"format":"courtscribe.backup/1","snapshot":"s1","created":"2026-01-01T00:00:00Z","finished":"2026-01-01T00:00:00Z",
"database":{"path":"courtscribe.db","sha256":"00","bytes":0,"mode":384,"mtime_ns":0},"files":[{"path":"../x","sha256":"` +
		"0000000000000000000000000000000000000000000000000000000000000000" + `","bytes":1,"mode":420,"mtime_ns":0}],"hearings":[],"admin_chain":{"events":0,"head":""},"total_bytes":0,"new_bytes":0}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		root := t.TempDir()
		dest := filepath.Join(root, "dest")
		os.MkdirAll(filepath.Join(dest, SnapshotsDir, "s1"), 0o755)
		os.WriteFile(filepath.Join(dest, SnapshotsDir, "s1", ManifestName), b, 0o644)
		os.WriteFile(filepath.Join(dest, SnapshotsDir, "s1", DBName), nil, 0o644)
		m, err := ReadManifest(dest, "s1")
		if err != nil {
			return
		}
		to := filepath.Join(root, "to")
		Restore(context.Background(), RestoreConfig{From: dest, DataDir: to, Snapshot: m.Snapshot, Logger: quiet})
		es, _ := os.ReadDir(root)
		for _, e := range es {
			if e.Name() != "dest" && e.Name() != "to" {
				t.Fatalf("restore wrote %s outside the data directory", e.Name())
			}
		}
	})
}
