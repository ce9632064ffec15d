package main

import "context"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/export"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// TestExportPrintsCourtTimeAndNames: users carry display names (users add --display-name,
// set-display-name), a hearing keeps the court's zone from the store (the server's --timezone),
// and `transcript export` prints the court's local time and names, never logins.
func TestExportPrintsCourtTimeAndNames(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if out, err := runCLI(t, "judge-password\n", "users", "add", "--data", data, "--name", "jsmith", "--role", "judge", "--display-name", "Hon. Jane Smyth", "--password-stdin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := runCLI(t, "", "users", "set-display-name", "--data", data, "--name", "jsmith", "--display-name", "Hon. Jane Smith"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := runCLI(t, "clerk-password\n", "users", "add", "--data", data, "--name", "mjones", "--role", "clerk", "--display-name", "Mary Jones", "--password-stdin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, _ := runCLI(t, "", "users", "list", "--data", data); !strings.Contains(out, "Hon. Jane Smith") {
		t.Fatalf("users list:\n%s", out)
	}
	s := sqlitetest.Open(t, data, sqlite.Options{TimeZone: "America/Chicago"})
	h, err := s.CreateHearing(ctx, "root", transcript.Hearing{ID: "cr1", CaseNumber: "1:26-cr-7", Language: "en", Presiding: "jsmith", Clerk: "mjones",
		ScheduledAt: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}}})
	if err != nil || h.TimeZone != "America/Chicago" {
		t.Fatalf("hearing zone %q: %v", h.TimeZone, err)
	}
	s.Close()
	out, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "cr1", "--format", "txt")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"9:00 a.m. CST", "(time zone America/Chicago)", "BEFORE THE HONORABLE JANE SMITH", "Mary Jones", "DRAFT - NOT CERTIFIED"} {
		if !strings.Contains(out, want) {
			t.Fatalf("export lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "jsmith") || strings.Contains(out, "mjones") {
		t.Fatalf("export prints logins:\n%s", out)
	}
	if out, _ := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "cr1", "--format", "txt", "--timezone", "America/New_York"); !strings.Contains(out, "10:00 a.m. EST") {
		t.Fatalf("--timezone override:\n%s", out)
	}
	if _, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "cr1", "--format", "txt", "--timezone", "Mars/Olympus"); err == nil {
		t.Fatal("an unknown zone was accepted")
	}
}

// TestExportLinesPerPage: `transcript export --lines-per-page N` sets the US transcript's
// numbered lines per page; out of range is an error that names the flag and the range.
func TestExportLinesPerPage(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	s := sqlitetest.Open(t, data, sqlite.Options{})
	if _, err := s.CreateHearing(ctx, "root", transcript.Hearing{ID: "cr1", CaseNumber: "1:26-cr-7", Language: "en", Presiding: "jsmith", Clerk: "mjones",
		ScheduledAt: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	numbered := func(out string) int { // numbered lines on the first page
		first := strings.Split(out, "\f\n")[0]
		return len(strings.Split(strings.TrimRight(first, "\n"), "\n")) - 1
	}
	for _, c := range []struct {
		args []string
		want int
	}{{nil, 25}, {[]string{"--lines-per-page", "32"}, 32}, {[]string{"--lines-per-page", "10"}, 10}} {
		out, err := runCLI(t, "", append([]string{"transcript", "export", "--data", data, "--hearing", "cr1", "--format", "txt"}, c.args...)...)
		if err != nil || numbered(out) != c.want {
			t.Fatalf("%v: %v, %d numbered lines, want %d:\n%s", c.args, err, numbered(out), c.want, out)
		}
	}
	// A PDF export says which CJK font it embedded (the serif UMing, or the sans fallback).
	if f, _, err := export.PDFFonts(export.Options{}); err == nil {
		out, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "cr1", "--format", "pdf", "--lines-per-page", "32", "--out", filepath.Join(data, "t.pdf"))
		if err != nil || !strings.Contains(out, "pdf: CJK font "+f.Name) {
			t.Fatalf("pdf export: %v\n%s", err, out)
		}
	}
	for _, bad := range []string{"9", "61", "0"} {
		_, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "cr1", "--format", "txt", "--lines-per-page", bad)
		if err == nil || !strings.Contains(err.Error(), "--lines-per-page") || !strings.Contains(err.Error(), "between 10 and 60") {
			t.Fatalf("--lines-per-page %s: %v", bad, err)
		}
	}
}
