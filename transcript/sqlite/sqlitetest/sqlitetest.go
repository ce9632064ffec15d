// Package sqlitetest opens the record's SQLite store for other packages' tests.
package sqlitetest

import "context"
import "testing"

import "github.com/courtscribe/courtscribe/transcript/sqlite"

// Open opens (creating it if needed) the record in data with opts and closes it when the test
// ends; an error fails t. Closing earlier, e.g. before a command opens the same record, is
// fine: Close may be called twice.
func Open(t testing.TB, data string, opts sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.OpenData(context.Background(), data, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
