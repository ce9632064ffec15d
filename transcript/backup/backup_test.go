package backup

import "bytes"
import "context"
import "crypto/sha256"
import "database/sql"
import "encoding/hex"
import "encoding/json"
import "errors"
import "io"
import "log/slog"
import "math/rand/v2"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// The rig: a real SQLite record in a data directory with three hearings —
//
//	signed: closed, finalized and signed, audio with its manifest;
//	closed: closed only, audio with its manifest;
//	live:   being recorded (audio, no manifest).

type rig struct {
	data  string
	store *sqlite.Store
	clock *testrig.TickClock
	pcm   map[string][]int16 // "hearing/seat" → samples
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{data: t.TempDir(), clock: testrig.NewTickClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), time.Millisecond), pcm: map[string][]int16{}}
	r.store = sqlitetest.Open(t, r.data, sqlite.Options{Logger: quiet, Clock: r.clock.Now, Argon2: &transcript.TestArgon2})
	for _, u := range []struct {
		name string
		role transcript.Role
	}{{"clerk1", transcript.RoleClerk}, {"judge1", transcript.RoleJudge}} {
		if _, err := r.store.CreateUser(ctx, "admin", u.name, u.role, "pw-"+u.name); err != nil {
			t.Fatal(err)
		}
	}
	r.hearing(t, "signed", "Court A", true, true)
	r.hearing(t, "closed", "Court A", true, false)
	r.hearing(t, "live", "Court B", false, false)
	return r
}

func (r *rig) hearing(t *testing.T, id, court string, closed, signed bool) {
	t.Helper()
	ctx := context.Background()
	h := transcript.Hearing{ID: id, CaseNumber: "case " + id, Court: court, Courtroom: "room 1", Language: "en",
		Presiding: "judge1", Clerk: "clerk1", Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "witness", Role: "THE WITNESS"}}}
	if _, err := r.store.CreateHearing(ctx, "admin", h); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.Start(ctx, "clerk1", id); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s, err := r.store.AppendSegment(ctx, "diarizer", id, transcript.NewSegment{Seat: "judge", StartMS: int64(i * 1000), EndMS: int64(i*1000 + 800)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.store.SetEngineResult(ctx, "engine:test", s.ID, transcript.EngineResult{Text: "words " + id, Final: true, Engine: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	dir := archive.HearingDir(r.data, id)
	if err := os.MkdirAll(filepath.Join(dir, archive.AudioDir), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, archive.HearingFile), []byte(`{"hearing":"`+id+`"}`+"\n"), 0o644)
	man := archive.Manifest{Hearing: id, Courtroom: "room 1", SampleRate: wire.SampleRate, Gaps: []archive.GapRecord{}}
	rng := rand.New(rand.NewPCG(uint64(len(id)), 7))
	for _, seat := range []string{"judge", "witness"} {
		pcm := make([]int16, 48000)
		for i := range pcm {
			pcm[i] = int16(rng.IntN(20000) - 10000)
		}
		r.pcm[id+"/"+seat] = pcm
		p := filepath.Join(dir, archive.AudioDir, seat+".wav")
		testrig.WriteWAV(t, p, wire.SampleRate, pcm)
		sum, n := fileSum(t, p)
		man.Files = append(man.Files, archive.ManifestFileEntry{Seat: seat, Path: "audio/" + seat + ".wav", SHA256: sum, Bytes: n, Samples: 48000, DurationSeconds: 3})
	}
	if !closed {
		return
	}
	b, _ := json.MarshalIndent(man, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, archive.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.CloseHearing(ctx, "clerk1", id, nil); err != nil {
		t.Fatal(err)
	}
	if !signed {
		return
	}
	if _, err := r.store.Finalize(ctx, "clerk1", id); err != nil {
		t.Fatal(err)
	}
	// the whole bench and the clerk sign (issue 13)
	for _, u := range []string{"judge1", "clerk1"} {
		if _, err := r.store.Sign(ctx, u, "pw-"+u, id); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSum(t *testing.T, p string) (string, int64) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), int64(len(b))
}

func (r *rig) backup(t *testing.T, dest string) *Manifest {
	t.Helper()
	m, err := Backup(context.Background(), Config{DataDir: r.data, Dest: dest, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func restoreAndVerify(t *testing.T, dest string) (string, *Manifest) {
	t.Helper()
	ctx := context.Background()
	to := filepath.Join(t.TempDir(), "restored")
	m, err := Restore(ctx, RestoreConfig{From: dest, DataDir: to, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s := sqlitetest.Open(t, to, sqlite.Options{Logger: quiet})
	bad, err := Verify(ctx, s, to, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("restored copy does not verify: %v", bad)
	}
	return to, m
}

func countObjects(t *testing.T, dest string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dest, ObjectsDir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestBackupRestoreRoundTripAndIncremental(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "backup")
	m := r.backup(t, dest)
	if len(m.Problems) != 0 {
		t.Fatalf("problems: %v", m.Problems)
	}
	// The manifest holds every hearing's chain head as the record has it.
	for _, id := range []string{"signed", "closed", "live"} {
		a, err := r.store.AuditHearing(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := m.HearingByID(id)
		if !ok || h.Head != a.Head || h.Events != int64(a.Events) || h.Closed != (id != "live") {
			t.Fatalf("hearing %s in the manifest: %+v; record head %s, %d events", id, h, a.Head, a.Events)
		}
	}
	if a, _ := r.store.AuditHearing(ctx, ""); m.Admin.Head != a.Head {
		t.Fatalf("admin chain head %s, record %s", m.Admin.Head, a.Head)
	}
	to, _ := restoreAndVerify(t, dest)
	// Every sample of every seat, including the live hearing's (copied as a valid WAV).
	for key, want := range r.pcm {
		id, seat, _ := strings.Cut(key, "/")
		a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(to, id), archive.AudioDir, seat+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Channels[0], want) {
			t.Fatalf("%s: restored samples differ", key)
		}
	}
	if _, err := os.Stat(filepath.Join(archive.HearingDir(to, "signed"), archive.HearingFile)); err != nil {
		t.Fatal(err)
	}

	// Incremental: nothing changed → no audio copied again, only the record.
	objs := countObjects(t, dest)
	m2 := r.backup(t, dest)
	if got := countObjects(t, dest); got != objs {
		t.Fatalf("objects %d → %d, want none new", objs, got)
	}
	if m2.NewBytes != m2.Database.Bytes {
		t.Fatalf("incremental backup wrote %d bytes; the record alone is %d", m2.NewBytes, m2.Database.Bytes)
	}
	// Live audio that grew is copied again (its durable prefix), closed audio never.
	w, err := wavfile.Open(filepath.Join(archive.HearingDir(r.data, "live"), archive.AudioDir, "judge.wav"), 16000)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]int16, 1600))
	w.Close()
	m3 := r.backup(t, dest)
	if got := countObjects(t, dest); got != objs+1 || m3.NewBytes != m3.Database.Bytes+48000*2+3200+wavfile.HeaderSize {
		t.Fatalf("after live audio grew: objects %d → %d, wrote %d (record %d)", objs, got, m3.NewBytes, m3.Database.Bytes)
	}
	snaps, _ := Snapshots(dest)
	if len(snaps) != 3 || snaps[1] != m2.Snapshot {
		t.Fatalf("snapshots %v", snaps)
	}
	// Restore refuses a directory that is not empty.
	if _, err := Restore(ctx, RestoreConfig{From: dest, DataDir: r.data, Logger: quiet}); err == nil {
		t.Fatal("restore over a data directory in use was accepted")
	}
}

func TestBackupRefusesDestinationInsideData(t *testing.T) {
	r := newRig(t)
	for _, dest := range []string{r.data, filepath.Join(r.data, "backup"), filepath.Join(r.data, "hearings", "x", "..", "..", "b")} {
		_, err := Backup(context.Background(), Config{DataDir: r.data, Dest: dest, Logger: quiet})
		if err == nil || !strings.Contains(err.Error(), "inside the data directory") {
			t.Fatalf("dest %s: %v", dest, err)
		}
	}
	// Through a symbolic link too.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(r.data, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(context.Background(), Config{DataDir: r.data, Dest: filepath.Join(link, "b"), Logger: quiet}); err == nil {
		t.Fatal("a destination inside the data directory through a symlink was accepted")
	}
	if _, err := os.Stat(filepath.Join(r.data, "backup")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the refused destination was created")
	}
}

func TestBackupChecksFreeSpaceFirst(t *testing.T) {
	r := newRig(t)
	dest := filepath.Join(t.TempDir(), "backup")
	var plan Plan
	_, err := Backup(context.Background(), Config{DataDir: r.data, Dest: dest, Logger: quiet,
		FreeSpace: func(string) (uint64, error) { return 100 << 10, nil },
		OnPlan:    func(p Plan) error { plan = p; return nil }})
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "needs") {
		t.Fatalf("err %v, want ErrNoSpace with the figures", err)
	}
	if plan.CopyBytes < 6*96044 || plan.Need <= plan.CopyBytes+plan.DBBytes {
		t.Fatalf("plan %+v", plan)
	}
	if snaps, _ := Snapshots(dest); len(snaps) != 0 {
		t.Fatalf("snapshots written without space: %v", snaps)
	}
	if countObjects(t, dest) != 0 {
		t.Fatal("objects written without space")
	}
}

func TestInterruptedBackupLeavesPreviousUsable(t *testing.T) {
	r := newRig(t)
	dest := filepath.Join(t.TempDir(), "backup")
	first := r.backup(t, dest)
	// A new hearing, then a backup that stops after its first object.
	r.hearing(t, "later", "Court A", true, false)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Backup(ctx, Config{DataDir: r.data, Dest: dest, Logger: quiet, afterObject: func(string) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted backup: %v", err)
	}
	latest, err := LatestManifest(dest)
	if err != nil || latest.Snapshot != first.Snapshot {
		t.Fatalf("latest after the interruption: %v %v", latest, err)
	}
	_, m := restoreAndVerify(t, dest)
	if _, ok := m.HearingByID("later"); ok {
		t.Fatal("the interrupted snapshot was published")
	}
	// The next backup cleans up and completes.
	third := r.backup(t, dest)
	es, _ := os.ReadDir(filepath.Join(dest, SnapshotsDir))
	for _, e := range es {
		if strings.HasPrefix(e.Name(), partialPref) {
			t.Fatalf("leftover %s", e.Name())
		}
	}
	if _, ok := third.HearingByID("later"); !ok {
		t.Fatal("the hearing is missing from the completed backup")
	}
}

func TestScrubFindsDamageAndRestoreHearingRepairs(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "backup")
	r.backup(t, dest)
	scrub := func() *Report {
		t.Helper()
		rep, err := Scrub(ctx, ScrubConfig{DataDir: r.data, Record: r.store, Backup: dest, IdleIO: true, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := scrub(); !rep.OK() || rep.Files != 4 || rep.Hearings != 3 {
		t.Fatalf("clean data: %+v", rep)
	}
	// One flipped byte in a signed hearing's WAV; one segment row removed behind the store's
	// back; the last event of another hearing removed (only the backup can tell).
	wav := filepath.Join(archive.HearingDir(r.data, "signed"), archive.AudioDir, "witness.wav")
	f, err := os.OpenFile(wav, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0x5a}, 5000)
	f.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.data, DBName)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM segments WHERE id = (SELECT MIN(id) FROM segments WHERE hearing_id='closed')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM events WHERE id = (SELECT MAX(id) FROM events WHERE hearing_id='live')`); err != nil {
		t.Fatal(err)
	}
	rep := scrub()
	var audio, record, truncated bool
	for _, f := range rep.Findings {
		switch {
		case f.Kind == FindingAudio && f.Hearing == "signed" && f.File == "hearings/signed/audio/witness.wav":
			audio = true
		case f.Kind == FindingRecord && f.Hearing == "closed" && strings.Contains(f.Message, "missing from the segments table"):
			record = true
		case f.Kind == FindingBackup && f.Hearing == "live":
			truncated = true
		case f.Kind == FindingRecord && f.Hearing == "live": // the removed event was the segment's last revision
		default:
			t.Errorf("unexpected finding %s", f)
		}
	}
	if !audio || !record || !truncated {
		t.Fatalf("findings %v: audio %v record %v truncated chain %v", rep.Findings, audio, record, truncated)
	}
	if err := WriteReport(r.data, rep); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadReport(r.data); err != nil || len(got.Findings) != len(rep.Findings) {
		t.Fatalf("report round trip: %v %v", got, err)
	}

	// restore --hearing puts the original back; the live hearing is refused.
	reps, _, err := RestoreHearing(ctx, RestoreConfig{From: dest, DataDir: r.data, Logger: quiet}, "signed")
	if err != nil {
		t.Fatal(err)
	}
	restored := 0
	for _, x := range reps {
		if x.Action == "restored" {
			restored++
			if x.Path != "hearings/signed/audio/witness.wav" {
				t.Errorf("restored %s", x.Path)
			}
		}
	}
	if restored != 1 {
		t.Fatalf("repairs %+v", reps)
	}
	if _, _, err := RestoreHearing(ctx, RestoreConfig{From: dest, DataDir: r.data, Logger: quiet}, "live"); err == nil {
		t.Fatal("repairing a hearing being recorded was accepted")
	}
	if _, _, err := RestoreHearing(ctx, RestoreConfig{From: dest, DataDir: r.data, Logger: quiet}, "../x"); err == nil {
		t.Fatal("a hearing id with a path was accepted")
	}
	for _, f := range scrub().Findings {
		if f.Kind == FindingAudio {
			t.Fatalf("audio still damaged after the repair: %s", f)
		}
	}
}

func TestRestoreRefusesDamagedBackup(t *testing.T) {
	r := newRig(t)
	dest := filepath.Join(t.TempDir(), "backup")
	m := r.backup(t, dest)
	var obj string
	for _, f := range m.Files {
		if strings.HasSuffix(f.Path, "judge.wav") {
			obj = ObjectPath(dest, f.SHA256)
			break
		}
	}
	os.Chmod(obj, 0o644)
	b, _ := os.ReadFile(obj)
	b[len(b)-1] ^= 1
	os.WriteFile(obj, b, 0o644)
	_, err := Restore(context.Background(), RestoreConfig{From: dest, DataDir: filepath.Join(t.TempDir(), "r"), Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore from a damaged backup: %v", err)
	}
}

func TestRetentionNeverDeletesSigned(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	p, err := transcript.ParseRetention([]string{"*=30d", "Court B=forever"})
	if err != nil {
		t.Fatal(err)
	}
	now := r.clock.Now().Add(400 * 24 * time.Hour)
	dry, err := ApplyRetention(ctx, r.store, r.data, p, now, "retention:test", false, quiet)
	if err != nil || len(dry.Due) != 1 || dry.Due[0].ID != "closed" || len(dry.Deleted) != 0 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if _, err := os.Stat(filepath.Join(r.data, archive.HearingsDir, "closed")); err != nil {
		t.Fatal("the dry run removed files")
	}
	res, err := ApplyRetention(ctx, r.store, r.data, p, now, "retention:test", true, quiet)
	if err != nil || len(res.Deleted) != 1 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if _, err := r.store.GetHearing(ctx, "closed"); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("closed hearing still in the record: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.data, archive.HearingsDir, "closed")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("closed hearing's archive still there")
	}
	// The signed record is kept whatever its age; the admin chain records the deletion and
	// still audits clean.
	if _, err := r.store.GetHearing(ctx, "signed"); err != nil {
		t.Fatal(err)
	}
	a, err := r.store.AuditHearing(ctx, "")
	if err != nil || !a.OK() {
		t.Fatalf("admin chain after the deletion: %+v %v", a, err)
	}
	dels, err := r.store.Deletions(ctx)
	if err != nil || len(dels) != 1 || dels[0].Actor != "retention:test" || !bytes.Contains(dels[0].After, []byte(`"hearing":"closed"`)) {
		t.Fatalf("deletions %+v %v", dels, err)
	}
	// An admin may delete a signed record only with the explicit confirmation, never a live one.
	if _, err := DeleteHearing(ctx, r.store, r.data, "admin", "signed", "duplicate", sqlite.DeleteOptions{}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("deleting a signed record without confirmation: %v", err)
	}
	if _, err := DeleteHearing(ctx, r.store, r.data, "admin", "live", "test", sqlite.DeleteOptions{Signed: true}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("deleting a live hearing: %v", err)
	}
	if _, err := DeleteHearing(ctx, r.store, r.data, "admin", "signed", "", sqlite.DeleteOptions{Signed: true}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("deleting without a reason: %v", err)
	}
	d, err := DeleteHearing(ctx, r.store, r.data, "admin", "signed", "entered twice by mistake", sqlite.DeleteOptions{Signed: true})
	if err != nil || d.Status != transcript.StatusSigned || d.Head == "" {
		t.Fatalf("admin deletion of a signed record: %+v %v", d, err)
	}
	// A scrub against a backup taken before knows the deletions are recorded.
}

func TestParseRetention(t *testing.T) {
	p, err := transcript.ParseRetention([]string{"Court A=10y", "*=3650d", "Court=B=720h", "X=1d,Y=2y"})
	if err != nil {
		t.Fatal(err)
	}
	if p.KeepFor("Court A") != 10*365*24*time.Hour || p.KeepFor("other") != 3650*24*time.Hour || p.KeepFor("Court=B") != 720*time.Hour || p.KeepFor("Y") != 2*365*24*time.Hour {
		t.Fatalf("%+v", p)
	}
	for _, bad := range []string{"nocourt", "A=", "A=-1d", "A=xy", "A=1d\x00", "A=1000y", "A=201y", "A=73001d"} {
		if _, err := transcript.ParseRetention([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestBackupKeepsGoodCopies: audio damaged on the server after a backup does not displace the
// good copy (the next snapshot still restores the original), and audio already damaged at its
// first backup is stored but reported, by name.
func TestBackupKeepsGoodCopies(t *testing.T) {
	r := newRig(t)
	dest := filepath.Join(t.TempDir(), "backup")
	r.backup(t, dest)
	wav := filepath.Join(archive.HearingDir(r.data, "closed"), archive.AudioDir, "judge.wav")
	if err := os.Truncate(wav, 50000); err != nil {
		t.Fatal(err)
	}
	m := r.backup(t, dest)
	if len(m.Problems) != 0 {
		t.Fatalf("problems %v", m.Problems)
	}
	to, _ := restoreAndVerify(t, dest)
	a, err := wavfile.ReadFile(filepath.Join(archive.HearingDir(to, "closed"), archive.AudioDir, "judge.wav"))
	if err != nil || !slices.Equal(a.Channels[0], r.pcm["closed/judge"]) {
		t.Fatalf("restored judge.wav is not the original: %v", err)
	}

	r2 := newRig(t)
	f, _ := os.OpenFile(filepath.Join(archive.HearingDir(r2.data, "signed"), archive.AudioDir, "judge.wav"), os.O_RDWR, 0)
	f.WriteAt([]byte{1, 2, 3}, 1000)
	f.Close()
	m2, err := Backup(context.Background(), Config{DataDir: r2.data, Dest: filepath.Join(t.TempDir(), "b2"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Problems) != 1 || !strings.Contains(m2.Problems[0], "hearings/signed/audio/judge.wav") {
		t.Fatalf("problems %v", m2.Problems)
	}
}
