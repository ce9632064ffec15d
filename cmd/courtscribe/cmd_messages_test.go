package main

import "context"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// TestVerifySaysWhatTheFileIs: verify handed a TXT or PDF export, or the JSON export of an
// unsigned draft, says what the file is and what verify needs (it printed a JSON decoder's
// error, and "the record states  (the content was altered)" for a draft).
func TestVerifySaysWhatTheFileIs(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	s := sqlitetest.Open(t, data, sqlite.Options{})
	h := transcript.Hearing{ID: "h1", CaseNumber: "（2026）京0105民初2号", Court: "北京市朝阳区人民法院", Courtroom: "第一法庭",
		Language: "zh", Presiding: "judge1", Clerk: "clerk1", Seats: []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}}}
	if _, err := s.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(ctx, "clerk1", "h1"); err != nil {
		t.Fatal(err)
	}
	g, err := s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEngineResult(ctx, "engine:test", g.ID, transcript.EngineResult{Text: "现在开庭。", Final: true}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	dir := t.TempDir()
	for _, c := range []struct{ format, want string }{
		{"json", "unsigned draft of hearing h1"},
		{"txt", "text export"},
		{"pdf", "PDF export"},
		{"srt", "SRT subtitle export"},
		{"vtt", "WebVTT subtitle export"},
	} {
		f := filepath.Join(dir, "h1."+c.format)
		if out, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "h1", "--format", c.format, "--out", f); err != nil {
			t.Fatalf("export %s: %v\n%s", c.format, err, out)
		}
		out, err := runCLI(t, "", "transcript", "verify", f)
		if exitCode(err) != 3 || !strings.Contains(out, c.want) {
			t.Errorf("verify %s export: code %d, output lacks %q:\n%s", c.format, exitCode(err), c.want, out)
		}
		if strings.Contains(out, "invalid character") || strings.Contains(out, "the record states  (") {
			t.Errorf("verify %s export: a decoder's message instead of what the file is:\n%s", c.format, out)
		}
		if c.format != "json" && !strings.Contains(out, "--format json") {
			t.Errorf("verify %s export does not say what verify needs:\n%s", c.format, out)
		}
	}
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, nil, 0o600)
	if out, err := runCLI(t, "", "transcript", "verify", empty); exitCode(err) != 3 || !strings.Contains(out, "empty file") {
		t.Errorf("empty file: %d\n%s", exitCode(err), out)
	}
}

// TestCLIMessagesWithoutPackagePrefix: `users add` errors read as sentences, without the
// record package's "transcript:" prefix.
func TestCLIMessagesWithoutPackagePrefix(t *testing.T) {
	data := t.TempDir()
	if out, err := runCLI(t, "a-good-long-password\n", "users", "add", "--data", data, "--name", "judge1", "--role", "judge", "--password-stdin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"--name", "judge1", "--role", "judge"}, "a-good-long-password\n", "already exists"},
		{[]string{"--name", "bad name", "--role", "judge"}, "a-good-long-password\n", "letters, digits"},
		{[]string{"--name", "x1", "--role", "judge"}, "short\n", "password"},
	} {
		_, err := runCLI(t, c.stdin, append([]string{"users", "add", "--data", data, "--password-stdin"}, c.args...)...)
		if err == nil {
			t.Fatalf("users add %v: no error", c.args)
		}
		msg := cliMessage(err)
		if strings.Contains(msg, "transcript:") || !strings.Contains(msg, c.want) {
			t.Errorf("users add %v: %q", c.args, msg)
		}
	}
}
