package testrig

import "io/fs"
import "path/filepath"
import "testing"

// CheckPrivate fails the test for anything below root (root itself, often the test's own
// temporary directory, is not checked) that group or others may reach: every directory must be
// 0700 and every file 0600 (the court's audio and records, issue 11, item 8). It returns the
// paths it checked.
func CheckPrivate(t testing.TB, root string) []string {
	t.Helper()
	var checked []string
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
		checked = append(checked, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return checked
}
