package main

import "bytes"
import "context"
import "database/sql"
import "errors"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// runCLI runs the courtscribe command line in-process.
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func exitCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// signedRec is what signedRecord made.
type signedRec struct {
	pubFile string        // zhangsan's public key
	store   *sqlite.Store // open: the caller closes it
	hearing transcript.Hearing
	segment int64 // the ID of h1's one segment
}

// signedRecord exports zhangsan's signing key to a file, archives judge audio for hearing h1
// in data and takes h1 through its lifecycle to the judge's signature (password
// "judge-password").
func signedRecord(ctx context.Context, t *testing.T, data string) signedRec {
	t.Helper()
	pub, err := runCLI(t, "", "users", "pubkey", "--data", data, "--name", "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	pubFile := filepath.Join(t.TempDir(), "zhangsan.pub")
	adir := filepath.Join(archive.HearingDir(data, "h1"), archive.AudioDir)
	err = errors.Join(os.WriteFile(pubFile, []byte(pub), 0o644), os.MkdirAll(adir, 0o755))
	if err == nil {
		err = os.WriteFile(filepath.Join(adir, "judge.wav"), []byte("RIFF judge audio"), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := sqlitetest.Open(t, data, sqlite.Options{})
	h := transcript.Hearing{ID: "h1", CaseNumber: "（2026）京0105民初1号", Cause: "借款合同纠纷", Court: "北京市朝阳区人民法院", Courtroom: "第一法庭",
		Language: "zh", Presiding: "zhangsan", Clerk: "zhaoliu", Seats: []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}}}
	var steps []error
	step := func(_ any, err error) { steps = append(steps, err) }
	step(s.CreateHearing(ctx, "root", h))
	step(s.Start(ctx, "zhaoliu", "h1"))
	g, err := s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 1000})
	steps = append(steps, err)
	if err == nil {
		step(s.SetEngineResult(ctx, "engine:test", g.ID, transcript.EngineResult{Text: "现在开庭。", Final: true}))
	}
	step(s.CloseHearing(ctx, "zhaoliu", "h1", nil))
	step(s.Finalize(ctx, "zhaoliu", "h1"))
	step(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	if err := errors.Join(steps...); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return signedRec{pubFile: pubFile, store: s, hearing: h, segment: g.ID}
}

func TestTranscriptCLIAuditExportVerify(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if out, err := runCLI(t, "admin-password\n", "users", "add", "--data", data, "--name", "root", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runCLI(t, "judge-password\n", "users", "add", "--data", data, "--name", "zhangsan", "--role", "judge")
	if err != nil || !strings.Contains(out, "signing public key") {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := runCLI(t, "", "users", "add", "--data", data, "--name", "x", "--role", "viewer"); err == nil {
		t.Fatal("user without a password added")
	}
	out, _ = runCLI(t, "", "users", "list", "--data", data)
	if !strings.Contains(out, "zhangsan  judge") && !strings.Contains(out, "zhangsan") {
		t.Fatalf("list: %s", out)
	}

	// A hearing through its lifecycle, with its audio in DATA/hearings/h1/audio.
	rec := signedRecord(ctx, t, data)
	rec.store.Close()
	pubFile, adir := rec.pubFile, filepath.Join(archive.HearingDir(data, "h1"), archive.AudioDir)

	if out, err := runCLI(t, "", "transcript", "audit", "--data", data, "--hearing", "h1"); err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("audit: %v\n%s", err, out)
	}
	recFile := filepath.Join(t.TempDir(), "h1.json")
	if out, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "h1", "--format", "json", "--out", recFile); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", "transcript", "verify", recFile, "--pubkey", pubFile, "--audio", archive.HearingDir(data, "h1"))
	if err != nil || !strings.Contains(out, "verify: OK") || !strings.Contains(out, "1 files match") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "h1", "--format", "txt")
	if err != nil || !strings.Contains(out, "法庭审理笔录") || !strings.Contains(out, "审判员：现在开庭。") || strings.Contains(out, "审判长") /* a judge sitting alone is 审判员 */ {
		t.Fatalf("txt: %v\n%s", err, out)
	}

	// One changed byte in the export: verification fails with exit status 3.
	b, _ := os.ReadFile(recFile)
	bad := bytes.Replace(b, []byte("现在开庭"), []byte("现在休庭"), 1)
	badFile := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badFile, bad, 0o644)
	out, err = runCLI(t, "", "transcript", "verify", badFile)
	if exitCode(err) != 3 || !strings.Contains(out, "version hash") {
		t.Fatalf("tampered export: code %d\n%s", exitCode(err), out)
	}
	// Audio changed: fails.
	os.WriteFile(filepath.Join(adir, "judge.wav"), []byte("RIFF judge audiO"), 0o644)
	if _, err = runCLI(t, "", "transcript", "verify", recFile, "--audio", archive.HearingDir(data, "h1")); exitCode(err) != 3 {
		t.Fatalf("changed audio: code %d", exitCode(err))
	}

	// An edit made directly in the database file: audit names it and exits 3.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "courtscribe.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE segments SET text='现在休庭。' WHERE id=?`, rec.segment); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err = runCLI(t, "", "transcript", "audit", "--data", data, "--hearing", "h1")
	if exitCode(err) != 3 || !strings.Contains(out, "BROKEN: event id=") || !strings.Contains(out, "segment row differs") {
		t.Fatalf("tampered database: code %d\n%s", exitCode(err), out)
	}
	out, err = runCLI(t, "", "transcript", "audit", "--data", data, "--all")
	if exitCode(err) != 3 || !strings.Contains(out, `hearing "": 2 events`) {
		t.Fatalf("audit --all: code %d\n%s", exitCode(err), out)
	}
	if _, err := runCLI(t, "", "transcript", "audit", "--data", data); err == nil {
		t.Fatal("audit without --hearing or --all passed")
	}
	// A missing data directory is an error, not an empty intact record.
	if _, err := runCLI(t, "", "transcript", "audit", "--data", filepath.Join(data, "nope"), "--hearing", "h1"); err == nil {
		t.Fatal("audit of a missing database passed")
	}
}

// Issue 11 item 3, on the command line: verify without a trusted key says the signer is
// unverified (with the key's fingerprint); --keys from `transcript keys` vouches; a head
// published with `transcript head` catches a deleted tail of an unsigned hearing even when
// the attacker also removed the head log beside the database.
func TestTranscriptHeadKeysAndUnverifiedSigner(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if out, err := runCLI(t, "judge-password\n", "users", "add", "--data", data, "--name", "zhangsan", "--role", "judge"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := sqlitetest.Open(t, data, sqlite.Options{})
	var steps []error
	add := func(_ any, err error) { steps = append(steps, err) }
	h := transcript.Hearing{ID: "h1", Courtroom: "第一法庭", Language: "zh", Presiding: "zhangsan", Clerk: "zhaoliu",
		Seats: []transcript.Seat{{Seat: "judge", Role: "审判长"}}}
	add(s.CreateHearing(ctx, "root", h))
	add(s.Start(ctx, "zhaoliu", "h1"))
	add(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 1000}))
	add(s.CloseHearing(ctx, "zhaoliu", "h1", nil))
	add(s.Finalize(ctx, "zhaoliu", "h1"))
	add(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	h.ID = "h2"
	add(s.CreateHearing(ctx, "root", h))
	add(s.Start(ctx, "zhaoliu", "h2"))
	var segs []*transcript.Segment
	for i := range 3 {
		g, err := s.AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "judge", StartMS: int64(i) * 2000, EndMS: int64(i)*2000 + 1000})
		add(g, err)
		segs = append(segs, g)
	}
	s.Close()
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}

	recFile := filepath.Join(t.TempDir(), "h1.json")
	if out, err := runCLI(t, "", "transcript", "export", "--data", data, "--hearing", "h1", "--out", recFile); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, err := runCLI(t, "", "transcript", "verify", recFile)
	if err != nil || strings.Contains(out, "verify: OK") || !strings.Contains(out, "SIGNER UNVERIFIED") || !strings.Contains(out, "SHA256:") {
		t.Fatalf("verify without a trusted key: %v\n%s", err, out)
	}
	keys, err := runCLI(t, "", "transcript", "keys", "--data", data)
	if err != nil || !strings.Contains(keys, "\nzhangsan ") {
		t.Fatalf("keys: %v\n%s", err, keys)
	}
	keyFile := filepath.Join(t.TempDir(), "keys.txt")
	os.WriteFile(keyFile, []byte(keys), 0o644)
	if out, err := runCLI(t, "", "transcript", "verify", recFile, "--keys", keyFile); err != nil || !strings.Contains(out, "verify: OK") {
		t.Fatalf("verify --keys: %v\n%s", err, out)
	}
	// A key file that does not list zhangsan's key: refused.
	other := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(other, []byte("zhangsan AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o644)
	if out, err := runCLI(t, "", "transcript", "verify", recFile, "--keys", other); exitCode(err) != 3 || !strings.Contains(out, "not a key registered for zhangsan") {
		t.Fatalf("verify with a key file without the signer's key: %d\n%s", exitCode(err), out)
	}

	// Publish h2's head, then delete its tail (last segment and its events) and the head log.
	out, err = runCLI(t, "", "transcript", "head", "--data", data, "--hearing", "h2")
	if err != nil || !strings.Contains(out, "head ") {
		t.Fatalf("head: %v\n%s", err, out)
	}
	head := strings.TrimSpace(out[strings.LastIndex(out, " ")+1:])
	if out, err := runCLI(t, "", "transcript", "audit", "--data", data, "--hearing", "h2", "--expect-head", head); err != nil || !strings.Contains(out, "is in the chain") {
		t.Fatalf("audit --expect-head on the genuine chain: %v\n%s", err, out)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "courtscribe.db"))
	if err != nil {
		t.Fatal(err)
	}
	last := segs[len(segs)-1].ID
	db.Exec(`DELETE FROM events WHERE segment_id=?`, last)
	db.Exec(`DELETE FROM segments WHERE id=?`, last)
	db.Close()
	os.RemoveAll(filepath.Join(data, sqlite.HeadsDir))
	if out, err := runCLI(t, "", "transcript", "audit", "--data", data, "--hearing", "h2"); err != nil {
		t.Fatalf("this test expects the database alone to look intact after the tail and head log went: %v\n%s", err, out)
	}
	out, err = runCLI(t, "", "transcript", "audit", "--data", data, "--hearing", "h2", "--expect-head", head)
	if exitCode(err) != 3 || !strings.Contains(out, "not in the chain") {
		t.Fatalf("deleted tail with the published head: code %d\n%s", exitCode(err), out)
	}
}
