package sqlite

import "context"
import "database/sql"
import "errors"
import "os"
import "path/filepath"
import "regexp"
import "strings"
import "sync"
import "testing"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		crashChild()
		return
	}
	testrig.Main(m)
}

func TestSegmentEditsAndConflicts(t *testing.T) { testSegmentEditsAndConflicts(t, sqliteDB) }

func testSegmentEditsAndConflicts(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	if _, err := s.CreateHearing(ctx, "admin", zhHearing("h1")); !errors.Is(err, transcript.ErrExists) {
		t.Fatalf("duplicate hearing: %v", err)
	}
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 1000, EndMS: 4000}))
	if g.Status != transcript.SegmentPending || g.Revision != 1 {
		t.Fatalf("appended: %+v", g)
	}
	pend := must[[]transcript.Segment](t)(s.PendingSegments(ctx, "", 0))
	if len(pend) != 1 || pend[0].ID != g.ID {
		t.Fatalf("pending: %+v", pend)
	}
	g = must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: "现在开庭", Confidence: 0.5}))
	if g.Status != transcript.SegmentPartial || g.Text != "现在开庭" || g.Revision != 2 {
		t.Fatalf("partial: %+v", g)
	}
	// A clerk edit based on revision 2.
	g = must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", g.ID, 2, "现在开庭。"))
	// A stale edit (based on 2 again) conflicts, carries the current segment, changes nothing.
	_, err := s.EditText(ctx, "zhaoliu", g.ID, 2, "别的")
	var ce *transcript.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, transcript.ErrConflict) || ce.Current.Text != "现在开庭。" || ce.Current.Revision != 3 {
		t.Fatalf("stale edit: %v", err)
	}
	// The engine's final result keeps the clerk's text and records the engine's.
	g = must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: "现在开廷", Confidence: 0.9, Final: true}))
	if g.Text != "现在开庭。" || g.EngineText != "现在开廷" || g.Status != transcript.SegmentFinal {
		t.Fatalf("final after edit: %+v", g)
	}
	// A late partial after the final is ignored.
	g2 := must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: "x"}))
	if g2.Revision != g.Revision || g2.EngineText != "现在开廷" {
		t.Fatalf("late partial changed the segment: %+v", g2)
	}
	hist := must[[]transcript.Event](t)(s.SegmentHistory(ctx, g.ID))
	kinds := []string{}
	for _, e := range hist {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, ","); got != "segment.appended,segment.engine,segment.edited,segment.engine" {
		t.Fatalf("history: %s", got)
	}
	if !strings.Contains(string(hist[3].After), "现在开廷") || hist[2].Actor != "zhaoliu" {
		t.Fatalf("history content: %s", hist[3].After)
	}

	// Relabel: unknown seat refused, known seat works.
	if _, err := s.Relabel(ctx, "zhaoliu", g.ID, g.Revision, "nobody"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("relabel to unknown seat: %v", err)
	}
	g = must[*transcript.Segment](t)(s.Relabel(ctx, "zhaoliu", g.ID, g.Revision, "plaintiff"))
	// Split at a rune offset and a time.
	if _, _, err := s.Split(ctx, "zhaoliu", g.ID, g.Revision, 99, 2000); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("split past the text: %v", err)
	}
	a, b, err := s.Split(ctx, "zhaoliu", g.ID, g.Revision, 2, 2500)
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "现在" || b.Text != "开庭。" || a.EndMS != 2500 || b.StartMS != 2500 || b.EndMS != 4000 || a.ID != g.ID {
		t.Fatalf("split: %+v %+v", a, b)
	}
	// Merge back: needs both revisions.
	if _, err := s.Merge(ctx, "zhaoliu", a.ID, a.Revision, b.Revision+1); !errors.Is(err, transcript.ErrConflict) {
		t.Fatalf("merge with stale next: %v", err)
	}
	m := must[*transcript.Segment](t)(s.Merge(ctx, "zhaoliu", a.ID, a.Revision, b.Revision))
	if m.Text != "现在开庭。" || m.EndMS != 4000 {
		t.Fatalf("merge: %+v", m)
	}
	bb := must[*transcript.Segment](t)(s.GetSegment(ctx, b.ID))
	if !bb.Deleted {
		t.Fatal("merged segment not marked deleted")
	}
	// Delete as a revision; the row stays.
	d := must[*transcript.Segment](t)(s.Delete(ctx, "zhaoliu", m.ID, m.Revision, "重复"))
	if !d.Deleted {
		t.Fatal("not deleted")
	}
	live := must[[]transcript.Segment](t)(s.ListSegments(ctx, "h1", false))
	all := must[[]transcript.Segment](t)(s.ListSegments(ctx, "h1", true))
	if len(live) != 0 || len(all) != 2 {
		t.Fatalf("list: %d live, %d all", len(live), len(all))
	}
	// Bad input: clear errors.
	if _, err := s.EditText(ctx, "zhaoliu", 9999, 1, "x"); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("missing segment: %v", err)
	}
	if _, err := s.EditText(ctx, "zhaoliu", d.ID, d.Revision, "\xff"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("bad utf-8: %v", err)
	}
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	if !rep.OK() {
		t.Fatalf("audit: %+v", rep.Problems)
	}
}

func TestEventsSinceAndSubscribe(t *testing.T) { testEventsSinceAndSubscribe(t, sqliteDB) }

func testEventsSinceAndSubscribe(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	var mu sync.Mutex
	var got []transcript.Event
	cancel := s.Subscribe(func(e transcript.Event) { mu.Lock(); got = append(got, e); mu.Unlock() })
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h2")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 100}))
	must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", g.ID, 1, "a"))
	cancel()
	cancel()
	must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", g.ID, 2, "b"))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 5 {
		t.Fatalf("listener got %d events, want 5", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Fatal("events not in id order")
		}
	}
	evs := must[[]transcript.Event](t)(s.EventsSince(ctx, "h1", got[1].ID, 0))
	if len(evs) != 4 || evs[0].Kind != transcript.EventHearingStatus || evs[3].Kind != transcript.EventSegmentEdited {
		t.Fatalf("since: %d events", len(evs))
	}
	if evs[0].PrevHash != got[0].Hash {
		t.Fatal("chain of h1 does not link to its creation event")
	}
}

func TestConcurrentEditors(t *testing.T) { testConcurrentEditors(t, sqliteDB) }

func testConcurrentEditors(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 100}))
	// 20 editors race on one segment, each retrying on conflict: every edit lands exactly once.
	const editors, each = 20, 2
	eachEditor(t, []*Store{s}, editors, func(_, _ int, s *Store) error {
		for i := 0; i < each; i++ {
			for {
				cur, err := s.GetSegment(ctx, g.ID)
				if err != nil {
					return err
				}
				_, err = s.EditText(ctx, "zhaoliu", g.ID, cur.Revision, "x")
				if err == nil {
					break
				}
				if !errors.Is(err, transcript.ErrConflict) {
					return err
				}
			}
		}
		return nil
	})
	cur := must[*transcript.Segment](t)(s.GetSegment(ctx, g.ID))
	if cur.Revision != 1+editors*each {
		t.Fatalf("revision %d, want %d", cur.Revision, 1+editors*each)
	}
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	if !rep.OK() || rep.Events != 2+editors*each {
		t.Fatalf("audit: %d events %+v", rep.Events, rep.Problems)
	}
}

// tamper opens the database directly, like the sqlite3 CLI (or psql) would, and runs q.
func tamper(t *testing.T, path, q string, args ...any) {
	t.Helper()
	driver, dsn := "sqlite", "file:"+path+"?_pragma=busy_timeout(5000)"
	if IsPostgresURL(path) { // psql, then
		// PostgreSQL's replace works on text, the event columns are BYTEA.
		q = regexp.MustCompile(`replace\(after,('[^']*'),('[^']*')\)`).ReplaceAllString(q, `convert_to(replace(convert_from(after,'UTF8'),$1,$2),'UTF8')`)
		driver, dsn, q = "pgx", path, rebind(q)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("tamper %q changed nothing", q)
	}
}

func TestAuditDetectsDirectEdits(t *testing.T) { testAuditDetectsDirectEdits(t, sqliteDB) }

func testAuditDetectsDirectEdits(t *testing.T, newDB backend) {
	ctx := context.Background()
	cases := []struct {
		name, q string
		want    string
	}{
		{"segment text", `UPDATE segments SET text='被篡改' WHERE id=1`, "segment row differs"},
		{"event content", `UPDATE events SET actor='mallory' WHERE hearing_id='h1' AND seq=3`, "seq=3: hash does not match"},
		{"event and row consistently", `UPDATE events SET after=replace(after,'现在开庭','现在休庭') WHERE hearing_id='h1' AND seq=4`, "seq=4: hash does not match"},
		{"event removed", `DELETE FROM events WHERE hearing_id='h1' AND seq=2`, "seq=3: sequence gap"},
		{"hash recomputed locally", `UPDATE events SET hash='00' WHERE hearing_id='h1' AND seq=5`, "seq=5: hash does not match"},
		{"segment removed", `DELETE FROM segments WHERE id=2`, "missing from the segments table"},
		{"note text", `UPDATE notes SET text='x' WHERE kind='annotation'`, "note row differs"},
		{"hearing row", `UPDATE hearings SET doc=replace(doc,'买卖合同纠纷','借款合同纠纷')`, "hearing row differs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, path := openOn(t, newDB)
			must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
			must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
			g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 100}))
			must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: "现在开庭", Final: true}))
			must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "plaintiff", StartMS: 200, EndMS: 300}))
			must[*transcript.Note](t)(s.AddNote(ctx, "zhaoliu", "h1", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 150, Text: "原告出示证据一"}))
			rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
			if !rep.OK() {
				t.Fatalf("clean audit: %+v", rep.Problems)
			}
			tamper(t, path, c.q)
			rep = must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			if !strings.Contains(rep.Problems[0].String(), c.want) {
				t.Fatalf("first problem %q, want %q", rep.Problems[0].String(), c.want)
			}
		})
	}
}

func TestLifecycleSignCorrect(t *testing.T) { testLifecycleSignCorrect(t, sqliteDB) }

func testLifecycleSignCorrect(t *testing.T, newDB backend) {
	ctx := context.Background()
	d := newDB(t)
	dir := d.dir
	s, err := d.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Audio written by the ingest server (no manifest: the store hashes the files).
	adir := filepath.Join(archive.HearingDir(dir, "h1"), archive.AudioDir)
	os.MkdirAll(adir, 0o755)
	os.WriteFile(filepath.Join(adir, "judge.wav"), []byte("RIFF-judge"), 0o644)
	os.WriteFile(filepath.Join(adir, "plaintiff.wav"), []byte("RIFF-plaintiff"), 0o644)
	os.WriteFile(filepath.Join(archive.HearingDir(dir, "h1"), archive.GapsFile), []byte(`{"first_sample":16000,"samples":8000,"reason":"overflow"}`+"\n"), 0o644)

	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "qianqi", transcript.RoleJudge, "other-judge-pw"))
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	if _, err := s.Recess(ctx, "zhaoliu", "h1", 0, "午休"); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("recess before start: %v", err)
	}
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 2000}))
	must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: "现在开庭。", Final: true}))
	if _, err := s.Recess(ctx, "zhaoliu", "h1", 2500, "  "); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("recess without reason: %v", err)
	}
	must[*transcript.Hearing](t)(s.Recess(ctx, "zhaoliu", "h1", 2500, "合议庭评议"))
	must[*transcript.Hearing](t)(s.Resume(ctx, "zhaoliu", "h1", 3000, "评议结束"))
	if _, err := s.Finalize(ctx, "zhaoliu", "h1"); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("finalize a live hearing: %v", err)
	}
	h := must[*transcript.Hearing](t)(s.CloseHearing(ctx, "zhaoliu", "h1", nil))
	if h.Status != transcript.StatusClosed || h.ClosedAt.IsZero() {
		t.Fatalf("closed: %+v", h)
	}
	v := must[*transcript.Version](t)(s.Finalize(ctx, "zhaoliu", "h1"))
	if v.Number != 1 || len(v.Hash) != 64 {
		t.Fatalf("version: %+v", v)
	}
	// Frozen: no edits, no engine results.
	if _, err := s.EditText(ctx, "zhaoliu", g.ID, 2, "x"); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("edit after finalize: %v", err)
	}
	// Only a judge on the bench signs, with the right password.
	if _, err := s.Sign(ctx, "zhangsan", "wrong-password", "h1"); !errors.Is(err, transcript.ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Sign(ctx, "qianqi", "other-judge-pw", "h1"); !errors.Is(err, transcript.ErrDenied) {
		t.Fatalf("judge off the bench: %v", err)
	}
	sig := must[*transcript.Signature](t)(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	rec := must[*transcript.Record](t)(s.Record(ctx, "h1", 1))
	gap := rec.Notes[0]
	if gap.Kind != transcript.NoteGap || gap.AtMS != 1000 || gap.EndMS != 1500 || gap.Text != "audio missing: overflow" {
		t.Fatalf("gap note from gaps.jsonl: %+v", rec.Notes)
	}
	if len(rec.Audio) != 2 || rec.Audio[0].Name != "audio/judge.wav" || len(rec.Notes) != 3 || len(rec.Segments) != 1 {
		t.Fatalf("record: %+v", rec)
	}
	if err := transcript.VerifySignature(rec.Signature, rec.VersionHash, nil); err != nil {
		t.Fatal(err)
	}
	if h, _ := transcript.RecordHash(rec); h != sig.VersionHash {
		t.Fatal("record hash differs from the signed hash")
	}
	// A correction (补正) after signing: a new version, awaiting its own signature.
	c, v2, err := s.Correct(ctx, "zhaoliu", "h1", g.ID, "现在开庭！", "标点错误")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || v2.Number != 2 || v2.Hash == v.Hash {
		t.Fatalf("correction: %+v %+v", c, v2)
	}
	h = must[*transcript.Hearing](t)(s.GetHearing(ctx, "h1"))
	if h.Status != transcript.StatusFinalized || h.Version != 2 {
		t.Fatalf("after correction: %s v%d", h.Status, h.Version)
	}
	must[*transcript.Signature](t)(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	vs := must[[]transcript.Version](t)(s.Versions(ctx, "h1"))
	if len(vs) != 2 || vs[0].Signature == nil || vs[1].Signature == nil {
		t.Fatalf("versions: %+v", vs)
	}
	rec1 := must[*transcript.Record](t)(s.Record(ctx, "h1", 1))
	rec2 := must[*transcript.Record](t)(s.Record(ctx, "h1", 2))
	if rec1.Segments[0].Text != "现在开庭。" || rec2.Segments[0].Text != "现在开庭！" || len(rec2.Corrections) != 1 {
		t.Fatal("versions do not keep their own text")
	}
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	if !rep.OK() || rep.Versions != 2 {
		t.Fatalf("audit: %+v", rep)
	}
	// Tampering with a stored version or its signature is found.
	tamperFound(t, s, d.path(), "h1", `UPDATE versions SET record=replace(record,'现在开庭。','现在休庭。') WHERE number=1`, "version 1")
}

func TestUsers(t *testing.T) { testUsers(t, sqliteDB) }

func testUsers(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, path := openOn(t, newDB)
	if _, err := s.CreateUser(ctx, "root", "a b", transcript.RoleAdmin, "long-enough"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	if _, err := s.CreateUser(ctx, "root", "ann", "king", "long-enough"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("bad role: %v", err)
	}
	if _, err := s.CreateUser(ctx, "root", "ann", transcript.RoleAdmin, "short"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("short password: %v", err)
	}
	must[*transcript.User](t)(s.CreateUser(ctx, "root", "ann", transcript.RoleAdmin, "long-enough"))
	if _, err := s.CreateUser(ctx, "root", "ann", transcript.RoleAdmin, "long-enough"); !errors.Is(err, transcript.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	j := must[*transcript.User](t)(s.CreateUser(ctx, "ann", "zhangsan", transcript.RoleJudge, "judge-password"))
	if len(j.PublicKey) != 32 {
		t.Fatal("judge without a key")
	}
	u := must[*transcript.User](t)(s.Authenticate(ctx, "ann", "long-enough"))
	if u.Role != transcript.RoleAdmin {
		t.Fatal(u.Role)
	}
	for _, c := range [][2]string{{"ann", "wrong-password"}, {"nobody", "long-enough"}} {
		if _, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, transcript.ErrAuth) {
			t.Fatalf("%v: %v", c, err)
		}
	}
	// A judge's new password needs the old one (the key is re-encrypted).
	if err := s.SetPassword(ctx, "ann", "zhangsan", "bad-old-pw", "new-judge-pw"); !errors.Is(err, transcript.ErrAuth) {
		t.Fatalf("judge password without the old one: %v", err)
	}
	if err := s.SetPassword(ctx, "zhangsan", "zhangsan", "judge-password", "new-judge-pw"); err != nil {
		t.Fatal(err)
	}
	must[*transcript.User](t)(s.Authenticate(ctx, "zhangsan", "new-judge-pw"))
	if err := s.SetDisabled(ctx, "ann", "zhangsan", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "zhangsan", "new-judge-pw"); !errors.Is(err, transcript.ErrAuth) {
		t.Fatalf("disabled user: %v", err)
	}
	us := must[[]transcript.User](t)(s.ListUsers(ctx))
	if len(us) != 2 || !us[1].Disabled {
		t.Fatalf("list: %+v", us)
	}
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, ""))
	if !rep.OK() || rep.Events != 4 {
		t.Fatalf("users chain: %+v", rep)
	}
	tamperFound(t, s, path, "", `UPDATE users SET role='admin' WHERE name='zhangsan'`, "user zhangsan differs")
}

func TestHearingsUpdateAndList(t *testing.T) { testHearingsUpdateAndList(t, sqliteDB) }

func testHearingsUpdateAndList(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	if _, err := s.CreateHearing(ctx, "admin", transcript.Hearing{ID: "bad id", Language: "zh"}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := s.CreateHearing(ctx, "admin", transcript.Hearing{ID: "h0", Language: "fr"}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("bad language: %v", err)
	}
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	h2 := zhHearing("h2")
	h2.Clerk, h2.Presiding, h2.Judges = "other", "judge9", nil
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", h2))
	title := "新标题"
	seats := []transcript.Seat{{Seat: "judge", Role: "审判长"}, {Seat: "judge", Role: "x"}}
	if _, err := s.UpdateHearing(ctx, "admin", "h1", transcript.HearingUpdate{Seats: &seats}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("duplicate seat: %v", err)
	}
	h := must[*transcript.Hearing](t)(s.UpdateHearing(ctx, "admin", "h1", transcript.HearingUpdate{Title: &title}))
	if h.Title != title || h.Cause != "买卖合同纠纷" {
		t.Fatalf("update: %+v", h)
	}
	if _, err := s.UpdateHearing(ctx, "admin", "nope", transcript.HearingUpdate{Title: &title}); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	all := must[[]transcript.Hearing](t)(s.ListHearings(ctx, transcript.ListHearingsOptions{}))
	mine := must[[]transcript.Hearing](t)(s.ListHearings(ctx, transcript.ListHearingsOptions{User: "wangwu"}))
	live := must[[]transcript.Hearing](t)(s.ListHearings(ctx, transcript.ListHearingsOptions{Status: transcript.StatusLive}))
	if len(all) != 2 || len(mine) != 1 || mine[0].ID != "h1" || len(live) != 0 {
		t.Fatalf("list: %d all, %d mine, %d live", len(all), len(mine), len(live))
	}
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	if !rep.OK() || rep.Events != 2 {
		t.Fatalf("audit: %+v", rep)
	}
}

func TestCloseRacesWithWrites(t *testing.T) { testCloseRacesWithWrites(t, sqliteDB) }

func testCloseRacesWithWrites(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if _, err := s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 1}); err != nil {
					if !errors.Is(err, errClosed) {
						t.Errorf("write during close: %v", err)
					}
					return
				}
			}
		}()
	}
	s.Close()
	wg.Wait() // every writer returns: nothing hangs on a closed store
	if _, err := s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge"}); !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestMigrationsAndPermissions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	createH1(t, dir)
	path := filepath.Join(dir, "courtscribe.db")
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode %v, want 0600 (%v)", st.Mode().Perm(), err)
	}
	// Reopening applies nothing twice and keeps the data.
	s, err := OpenData(ctx, dir, testOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	must[*transcript.Hearing](t)(s.GetHearing(ctx, "h1"))
	s.Close()
	db, _ := sql.Open("sqlite", "file:"+path)
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != len(migrations) {
		t.Fatalf("%d migrations recorded, want %d", n, len(migrations))
	}
	// A database from a newer courtscribe is refused, not half-understood.
	db.Exec(`INSERT INTO schema_migrations(version,name,applied_at) VALUES(999,'future','')`)
	db.Close()
	if _, err := OpenData(ctx, dir, testOptions(dir)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema: %v", err)
	}
}
