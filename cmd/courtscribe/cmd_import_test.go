package main

import "bytes"
import "context"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "log/slog"
import "os"
import "os/exec"
import "path/filepath"
import "slices"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func runImportJSON(t *testing.T, fl importFlags, args ...string) (server.ImportReport, error) {
	t.Helper()
	var out bytes.Buffer
	fl.json = true
	err := runImport(context.Background(), fl, args, &out, slog.New(slog.DiscardHandler))
	var rep server.ImportReport
	if err == nil {
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("%v: %s", jerr, out.String())
		}
	}
	return rep, err
}

func openRecord(t *testing.T, data string) *sqlite.Store {
	t.Helper()
	st := sqlitetest.Open(t, data, sqlite.Options{})
	return st
}

// A 16 kHz recording imported into a new hearing: the archive holds exactly its samples with
// the manifest's hashes, the record has the transcribed turns, the hearing is closed, its
// history names the original file and its SHA-256, and the hash chain audits clean.
func TestImportArchivesSampleExactAndTranscribes(t *testing.T) {
	path := twoSeatHearing(t)
	data := t.TempDir()
	srv := testrig.FakeWhisperServer(t)
	fl := importFlags{data: data, courtroom: "room-3", hearing: "2019-civil-17", seats: []string{"judge", "clerk"},
		engineFlags: engineFlags{asrKind: "remote", urls: []string{srv.URL}, language: "en", workers: 1}}
	rep, err := runImportJSON(t, fl, path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments < 2 || rep.Pending != 0 || rep.Seconds != 15 {
		t.Fatalf("report %+v: want ≥ 2 transcribed segments of a 15 s hearing", rep)
	}
	src, err := wavfile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := archive.ReadManifest(data, fl.hearing)
	if err != nil {
		t.Fatal(err)
	}
	if m.Courtroom != "room-3" || len(m.Files) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	for i, seat := range []string{"judge", "clerk"} {
		p := filepath.Join(archive.HearingDir(data, fl.hearing), archive.AudioDir, seat+".wav")
		a, err := wavfile.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if a.SampleRate != wire.SampleRate || !slices.Equal(a.Channels[0], src.Channels[i]) {
			t.Fatalf("%s: archived audio differs from channel %d of the original", seat, i+1)
		}
		if m.Files[i].Seat != seat || m.Files[i].SHA256 != sha256File(t, p) {
			t.Fatalf("manifest entry %+v does not hash %s", m.Files[i], p)
		}
	}
	st := openRecord(t, data)
	defer st.Close()
	ctx := context.Background()
	h, err := st.GetHearing(ctx, fl.hearing)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != transcript.StatusClosed || h.Courtroom != "room-3" || len(h.Seats) != 2 {
		t.Fatalf("hearing %+v", h)
	}
	segs, err := st.ListSegments(ctx, fl.hearing, false)
	if err != nil {
		t.Fatal(err)
	}
	seats := map[string]bool{}
	all, _ := st.ListSegments(ctx, fl.hearing, true)
	for _, s := range all {
		t.Logf("segment %s %d-%d deleted=%v %q by %s", s.Seat, s.StartMS, s.EndMS, s.Deleted, s.Text, s.UpdatedBy)
	}
	for _, s := range segs {
		if s.Status != transcript.SegmentFinal {
			t.Errorf("segment %+v is not final", s)
		}
		if strings.HasPrefix(s.Text, "utterance of") {
			seats[s.Seat] = true
		} else if s.EndMS-s.StartMS > 500 { // blips (< 0.5 s) are left empty by the policy
			t.Errorf("segment %+v has no text", s)
		}
	}
	if !seats["judge"] || !seats["clerk"] {
		t.Errorf("segments of %v, want the judge and the clerk", seats)
	}
	notes, err := st.ListNotes(ctx, fl.hearing)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256File(t, path)
	if len(notes) == 0 || !strings.Contains(notes[0].Text, "hearing.wav") || !strings.Contains(notes[0].Text, want) {
		t.Fatalf("history notes %+v do not name hearing.wav with SHA-256 %s", notes, want)
	}
	rec, err := st.Record(ctx, fl.hearing, 0)
	if err != nil || len(rec.Audio) != 2 {
		t.Fatalf("record: %v %+v", err, rec)
	}
	audit, err := st.AuditHearing(ctx, fl.hearing)
	if err != nil || !audit.OK() {
		t.Fatalf("audit: %v %+v", err, audit)
	}
	st.Close()
	// The hearing has its audio now: a second import is refused and changes nothing.
	if _, err := runImportJSON(t, fl, path); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("second import: %v", err)
	}
}

// One file per seat, in the formats other tools write, imports like a multi-channel file; the
// history names every original with its seat.
func TestImportSeatFiles(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox is not installed (apt-get install sox): it writes the test files")
	}
	path := twoSeatHearing(t)
	dir := t.TempDir()
	judge, clerk := filepath.Join(dir, "judge-mic.flac"), filepath.Join(dir, "clerk-mic.wav")
	for _, c := range [][]string{{path, "-r", "48000", "-b", "24", judge, "remix", "1"}, {path, "-r", "44100", "-e", "floating-point", clerk, "remix", "2"}} {
		if out, err := exec.Command("sox", c...).CombinedOutput(); err != nil {
			t.Fatalf("sox %v: %v\n%s", c, err, out)
		}
	}
	data := t.TempDir()
	rep, err := runImportJSON(t, importFlags{data: data, courtroom: "room-3", hearing: "h1", engineFlags: engineFlags{asrKind: "none", language: "en"}, seatFiles: []string{"judge=" + judge, "clerk=" + clerk}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Segments < 2 || rep.Pending != rep.Segments || len(rep.Files) != 2 || rep.Files[0].Seat != "judge" {
		t.Fatalf("report %+v", rep)
	}
	st := openRecord(t, data)
	defer st.Close()
	notes, _ := st.ListNotes(context.Background(), "h1")
	if len(notes) == 0 || !strings.Contains(notes[0].Text, "judge=judge-mic.flac (FLAC 48000 Hz 24-bit") ||
		!strings.Contains(notes[0].Text, "clerk=clerk-mic.wav") || !strings.Contains(notes[0].Text, sha256File(t, clerk)) {
		t.Fatalf("notes %+v", notes)
	}
}

// Imports that must not happen change nothing: a hearing of another courtroom, one that is
// live (it has audio), different seats, a damaged file (checked before anything is archived).
func TestImportRefusals(t *testing.T) {
	path := twoSeatHearing(t)
	data := t.TempDir()
	ctx := context.Background()
	st := openRecord(t, data)
	for _, h := range []transcript.Hearing{
		{ID: "other-room", Courtroom: "room-9", Language: "en", Title: "t"},
		{ID: "live", Courtroom: "room-3", Language: "en", Title: "t"},
		{ID: "seats", Courtroom: "room-3", Language: "en", Title: "t", Seats: []transcript.Seat{{Seat: "a", Role: "A"}, {Seat: "b", Role: "B"}}},
	} {
		if _, err := st.CreateHearing(ctx, "admin", h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Start(ctx, "admin", "live"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cut := filepath.Join(t.TempDir(), "cut.wav")
	b, _ := os.ReadFile(path)
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	for _, tc := range []struct {
		hearing, file, want string
	}{
		{"other-room", path, "belongs to courtroom room-9"},
		{"live", path, "is live"},
		{"seats", path, "has seats a,b"},
		{"fresh", cut, "cut.wav: "},
	} {
		_, err := runImportJSON(t, importFlags{data: data, courtroom: "room-3", hearing: tc.hearing, seats: []string{"judge", "clerk"}, engineFlags: engineFlags{asrKind: "none", language: "en"}}, tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.hearing, err, tc.want)
		}
		if _, err := os.Stat(archive.HearingDir(data, tc.hearing)); err == nil {
			t.Errorf("%s: a refused import left audio in the archive", tc.hearing)
		}
	}
	if _, err := runImportJSON(t, importFlags{data: data, courtroom: "room-3", hearing: "fresh", seats: []string{"judge"}, engineFlags: engineFlags{asrKind: "none", language: "en"}}, path); err == nil || !strings.Contains(err.Error(), "hearing.wav: ") {
		t.Errorf("one seat for two channels: %v", err)
	}
}
