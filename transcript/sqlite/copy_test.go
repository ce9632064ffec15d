package sqlite

import "context"
import "encoding/json"
import "errors"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"

// richRecord fills a store with what a court's record holds: a signed hearing with a
// correction on a party's request (its document kept), a cosigning clerk's key, notes, an
// alarm acknowledgement, a live hearing being edited, and a web session.
func richRecord(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	signedHearing(t, s)
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhaoliu", transcript.RoleClerk, "clerk-password"))
	segs := must[[]transcript.Segment](t)(s.ListSegments(ctx, "h1", false))
	must[*transcript.Signature](t)(s.Sign(ctx, "zhaoliu", "clerk-password", "h1"))
	_, _ = must[*transcript.Correction](t)(func() (*transcript.Correction, error) {
		c, _, err := s.CorrectOnRequest(ctx, "zhaoliu", "h1", segs[1].ID, "原告陈述诉讼请求并提交证据。", "当事人申请补正",
			&transcript.CorrectionRequest{Party: "原告代理人李四", Text: "漏记提交证据", FileName: "申请书.pdf"}, []byte("%PDF-1.4 \x00\xff binary"))
		return c, err
	}()), 0
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h2")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h2"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "plaintiff", StartMS: 0, EndMS: 1500}))
	g = must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", g.ID, g.Revision, "原告：请求判令被告支付货款。"))
	must[*transcript.Segment](t)(s.Delete(ctx, "zhaoliu", g.ID, g.Revision, "重复"))
	must[*transcript.Note](t)(s.AddNote(ctx, "zhaoliu", "h2", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 100, Text: "原告出示证据一"}))
	must[*transcript.AlarmAck](t)(s.AckAlarm(ctx, "zhaoliu", transcript.AlarmAck{HearingID: "h2", Code: "clipping", Seat: "plaintiff", Since: time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC)}))
	if err := s.SaveSession(ctx, auth.StoredSession{TokenHash: auth.TokenHash("token"), CSRF: "c", UserID: "zhaoliu", Name: "赵六", Role: "clerk",
		Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Seen: time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
}

// sameRecord compares what two stores say about the record, chain by chain.
func sameRecord(t *testing.T, a, b *Store) {
	t.Helper()
	ctx := context.Background()
	js := func(v any, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(v)
		return string(j)
	}
	for _, id := range []string{"", "h1", "h2"} {
		ra, rb := must[*transcript.AuditReport](t)(a.AuditHearing(ctx, id)), must[*transcript.AuditReport](t)(b.AuditHearing(ctx, id))
		if !ra.OK() || !rb.OK() || ra.Head != rb.Head || ra.Events != rb.Events || ra.Versions != rb.Versions {
			t.Fatalf("chain %q: source %d events head %s %v; copy %d events head %s %v", id, ra.Events, ra.Head, ra.Problems, rb.Events, rb.Head, rb.Problems)
		}
		if ea, eb := js(a.EventsSince(ctx, id, 0, 10000)), js(b.EventsSince(ctx, id, 0, 10000)); ea != eb {
			t.Fatalf("chain %q: events differ", id)
		}
		if id == "" {
			continue
		}
		if x, y := js(a.Versions(ctx, id)), js(b.Versions(ctx, id)); x != y {
			t.Fatalf("%s versions differ:\n%s\n%s", id, x, y)
		}
		if x, y := js(a.ListSegments(ctx, id, true)), js(b.ListSegments(ctx, id, true)); x != y {
			t.Fatalf("%s segments differ", id)
		}
		if x, y := js(a.ListNotes(ctx, id)), js(b.ListNotes(ctx, id)); x != y {
			t.Fatalf("%s notes differ", id)
		}
		if x, y := js(a.Record(ctx, id, 0)), js(b.Record(ctx, id, 0)); x != y {
			t.Fatalf("%s records differ", id)
		}
	}
	if x, y := js(a.ListUsers(ctx)), js(b.ListUsers(ctx)); x != y {
		t.Fatalf("users differ")
	}
	if x, y := js(a.LoadSessions(ctx)), js(b.LoadSessions(ctx)); x != y {
		t.Fatalf("sessions differ")
	}
	na, fa, err := a.CorrectionFile(ctx, "h1", 1)
	nb, fb, err2 := b.CorrectionFile(ctx, "h1", 1)
	if err != nil || err2 != nil || na != nb || string(fa) != string(fb) {
		t.Fatalf("correction file: %q %q %v / %q %q %v", na, fa, err, nb, fb, err2)
	}
}

// testCopyRecord: a record copied to another database (SQLite → newDB's dialect → SQLite)
// audits clean with the same heads and says the same; the copy goes on working (new ids follow
// the copied ones); an occupied destination is refused.
func testCopyRecord(t *testing.T, newDB backend) {
	ctx := context.Background()
	src := sqliteDB(t).open(t)
	richRecord(t, src)
	dst := newDB(t).open(t)
	rep, err := CopyRecord(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows["events"] == 0 || rep.Rows["versions"] != 2 || rep.Rows["sessions"] != 1 || len(rep.Heads) != 3 {
		t.Fatalf("copy report %+v", rep)
	}
	sameRecord(t, src, dst)
	back := sqliteDB(t).open(t)
	if _, err := CopyRecord(ctx, dst, back); err != nil {
		t.Fatal(err)
	}
	sameRecord(t, src, back)
	if _, err := CopyRecord(ctx, src, dst); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("copy into an occupied database: %v", err)
	}
	// The copy goes on: a new segment gets a new id, the chain grows and audits clean.
	max := int64(0)
	for _, g := range must[[]transcript.Segment](t)(dst.ListSegments(ctx, "h2", true)) {
		max = g.ID
	}
	for _, g := range must[[]transcript.Segment](t)(dst.ListSegments(ctx, "h1", true)) {
		if g.ID > max {
			max = g.ID
		}
	}
	g := must[*transcript.Segment](t)(dst.AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "judge", StartMS: 2000, EndMS: 3000}))
	if g.ID <= max {
		t.Fatalf("new segment id %d, copied ids go up to %d", g.ID, max)
	}
	must[*transcript.Note](t)(dst.AddNote(ctx, "zhaoliu", "h2", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 2500, Text: "新备注"}))
	if r := must[*transcript.AuditReport](t)(dst.AuditHearing(ctx, "h2")); !r.OK() {
		t.Fatalf("audit after new writes: %v", r.Problems)
	}
}

func TestCopyRecord(t *testing.T) { testCopyRecord(t, sqliteDB) }
