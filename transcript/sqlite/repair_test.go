package sqlite

import "context"
import "crypto/sha256"
import "encoding/hex"
import "errors"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// TestClerkRepairs: a person's text is verified (no longer waiting for the engine), a missed
// utterance is inserted with seat, time and reason, a blip is struck, notes are edited and
// struck — each an appended, chained revision with its reason — and the record leaves out what
// was struck. After finalizing, a 补正 carries the party's written request and its document.
func TestClerkRepairs(t *testing.T) { testClerkRepairs(t, sqliteDB) }

func testClerkRepairs(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))

	// Typed text is verified: the segment leaves the engine's queue.
	a := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 2000}))
	b := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "defendant", StartMS: 2500, EndMS: 2630}))
	if p := must[[]transcript.Segment](t)(s.PendingSegments(ctx, "h1", 0)); len(p) != 2 {
		t.Fatalf("pending before typing: %d", len(p))
	}
	a = must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", a.ID, a.Revision, "现在开庭。"))
	if p := must[[]transcript.Segment](t)(s.PendingSegments(ctx, "h1", 0)); len(p) != 1 || p[0].ID != b.ID {
		t.Fatalf("pending after the clerk typed segment %d: %+v", a.ID, p)
	}

	// Strike the 130 ms blip; a reason is kept in the history.
	b = must[*transcript.Segment](t)(s.Delete(ctx, "zhaoliu", b.ID, b.Revision, "噪声，非发言"))
	hist := must[[]transcript.Event](t)(s.SegmentHistory(ctx, b.ID))
	if last := hist[len(hist)-1]; last.Kind != transcript.EventSegmentDeleted || last.Reason != "噪声，非发言" {
		t.Fatalf("strike event %+v", last)
	}

	// Insert a missed utterance: seat, time, text and a reason are all required.
	bad := []transcript.InsertedSegment{
		{Seat: "plaintiff", StartMS: 3000, EndMS: 4000, Text: "x"},                  // no reason
		{Seat: "plaintiff", StartMS: 3000, EndMS: 4000, Reason: "漏记"},               // no text
		{Seat: "nobody", StartMS: 3000, EndMS: 4000, Text: "x", Reason: "漏记"},       // unknown seat
		{Seat: "plaintiff", StartMS: 4000, EndMS: 4000, Text: "x", Reason: "漏记"},    // empty time
		{Seat: "plaintiff", StartMS: -1, EndMS: 4000, Text: "x", Reason: "漏记"},      // before the start
		{Seat: "plaintiff", StartMS: 3000, EndMS: 4000, Text: "\xff", Reason: "漏记"}, // not UTF-8
	}
	for i, n := range bad {
		if _, err := s.InsertSegment(ctx, "zhaoliu", "h1", n); !errors.Is(err, transcript.ErrInvalid) {
			t.Fatalf("bad insert %d: %v", i, err)
		}
	}
	ins := must[*transcript.Segment](t)(s.InsertSegment(ctx, "zhaoliu", "h1", transcript.InsertedSegment{
		Seat: "plaintiff", StartMS: 3000, EndMS: 4500, Text: "原告代理人：同意调解。", Reason: "原告代理人未开麦克风，书记员补记"}))
	if !ins.Edited || ins.Status != transcript.SegmentFinal || ins.Revision != 1 {
		t.Fatalf("inserted %+v", ins)
	}
	hist = must[[]transcript.Event](t)(s.SegmentHistory(ctx, ins.ID))
	if len(hist) != 1 || hist[0].Kind != transcript.EventSegmentInserted || !strings.Contains(hist[0].Reason, "补记") {
		t.Fatalf("insert history %+v", hist)
	}

	// Notes: edit and strike, each with a reason and the revision it was based on.
	n := must[*transcript.Note](t)(s.AddNote(ctx, "zhaoliu", "h1", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 4600, Text: "原告提交证据两份"}))
	if _, err := s.EditNote(ctx, "zhaoliu", "h1", n.ID, 0, "原告提交证据三份", ""); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("note edit without a reason: %v", err)
	}
	n = must[*transcript.Note](t)(s.EditNote(ctx, "zhaoliu", "h1", n.ID, 0, "原告提交证据三份", "份数记错"))
	if n.Revision != 1 || n.Text != "原告提交证据三份" || n.UpdatedBy != "zhaoliu" {
		t.Fatalf("edited note %+v", n)
	}
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h2")))
	if _, err := s.EditNote(ctx, "zhaoliu", "h2", n.ID, n.Revision, "x", "y"); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("a note changed through another hearing: %v", err)
	}
	if _, err := s.EditNote(ctx, "zhaoliu", "h1", n.ID, 0, "别的", "旧版本"); !errors.Is(err, transcript.ErrConflict) {
		t.Fatalf("stale note edit: %v", err)
	}
	n2 := must[*transcript.Note](t)(s.AddNote(ctx, "zhaoliu", "h1", transcript.Note{Kind: transcript.NoteAnnotation, AtMS: 4700, Text: "记错的备注"}))
	n2 = must[*transcript.Note](t)(s.DeleteNote(ctx, "zhaoliu", "h1", n2.ID, 0, "误记"))
	if !n2.Deleted {
		t.Fatal("note not struck")
	}
	if _, err := s.EditNote(ctx, "zhaoliu", "h1", n2.ID, n2.Revision, "x", "y"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("editing a struck note: %v", err)
	}
	must[*transcript.Hearing](t)(s.Recess(ctx, "zhaoliu", "h1", 5000, "午休"))
	notes := must[[]transcript.Note](t)(s.ListNotes(ctx, "h1"))
	var recess transcript.Note
	for _, x := range notes {
		if x.Kind == transcript.NoteRecess {
			recess = x
		}
	}
	if _, err := s.DeleteNote(ctx, "zhaoliu", "h1", recess.ID, 0, "x"); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("striking a recess note: %v", err)
	}
	must[*transcript.Hearing](t)(s.Resume(ctx, "zhaoliu", "h1", 6000, "继续"))

	// The record leaves out the struck segment and note and keeps the rest.
	must[*transcript.Hearing](t)(s.CloseHearing(ctx, "zhaoliu", "h1", []transcript.AudioFile{}))
	if _, err := s.InsertSegment(ctx, "zhaoliu", "h1", transcript.InsertedSegment{Seat: "judge", StartMS: 1, EndMS: 2, Text: "x", Reason: "y"}); err != nil {
		t.Fatalf("a closed hearing is still the clerk's to repair: %v", err)
	}
	must[*transcript.Version](t)(s.Finalize(ctx, "zhaoliu", "h1"))
	if _, err := s.InsertSegment(ctx, "zhaoliu", "h1", transcript.InsertedSegment{Seat: "judge", StartMS: 1, EndMS: 2, Text: "x", Reason: "y"}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("insert after finalizing: %v", err)
	}
	if _, err := s.EditNote(ctx, "zhaoliu", "h1", n.ID, n.Revision, "x", "y"); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("note edit after finalizing: %v", err)
	}
	rec := must[*transcript.Record](t)(s.Record(ctx, "h1", 0))
	var texts []string
	for _, g := range rec.Segments {
		texts = append(texts, g.Text)
		if g.ID == b.ID {
			t.Fatal("the struck blip is in the record")
		}
	}
	if len(rec.Segments) != 3 || !strings.Contains(strings.Join(texts, "|"), "同意调解") {
		t.Fatalf("record segments %q", texts)
	}
	for _, x := range rec.Notes {
		if x.Text == "记错的备注" || x.Text == "原告提交证据两份" {
			t.Fatalf("record note %+v", x)
		}
	}

	// 补正 on a party's written request, with its document kept by hash.
	must[*transcript.Signature](t)(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	doc := []byte("%PDF-1.4 原告代理人李四申请补正")
	if _, _, err := s.CorrectOnRequest(ctx, "zhaoliu", "h1", ins.ID, "原告代理人：同意调解，但保留诉讼请求。", "当事人申请补正",
		&transcript.CorrectionRequest{Party: "原告代理人李四"}, nil); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("a request without its text: %v", err)
	}
	c, v := func() (*transcript.Correction, *transcript.Version) {
		c, v, err := s.CorrectOnRequest(ctx, "zhaoliu", "h1", ins.ID, "原告代理人：同意调解，但保留诉讼请求。", "当事人申请补正",
			&transcript.CorrectionRequest{Party: "原告代理人李四", Text: "笔录第3段漏记“但保留诉讼请求”", FileName: "申请书.pdf"}, doc)
		if err != nil {
			t.Fatal(err)
		}
		return c, v
	}()
	sum := sha256.Sum256(doc)
	if c.Request == nil || c.Request.FileSHA256 != hex.EncodeToString(sum[:]) || c.Request.FileBytes != int64(len(doc)) || v.Number != 2 {
		t.Fatalf("correction %+v version %+v", c, v)
	}
	rec = must[*transcript.Record](t)(s.Record(ctx, "h1", 2))
	if len(rec.Corrections) != 1 || rec.Corrections[0].Request == nil || rec.Corrections[0].Request.Party != "原告代理人李四" {
		t.Fatalf("record corrections %+v", rec.Corrections)
	}
	name, got, err := s.CorrectionFile(ctx, "h1", c.ID)
	if err != nil || name != "申请书.pdf" || string(got) != string(doc) {
		t.Fatalf("correction file %q %q %v", name, got, err)
	}
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1")); !rep.OK() {
		t.Fatalf("audit: %+v", rep.Problems)
	}
}

// TestWholePanelSigns: the parties' reviews are recorded before signing (a refusal with its
// reason), every judge of the panel and the clerk sign (a clerk without a key gets one at the
// first signature), the hearing is signed only when all have, and the export verifies offline
// with every signature covering the reviews.
func TestWholePanelSigns(t *testing.T) { testWholePanelSigns(t, sqliteDB) }

func testWholePanelSigns(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, path := openOn(t, newDB)
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "wangwu", transcript.RoleJudge, "judge2-password"))
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhaoliu", transcript.RoleClerk, "clerk-password"))
	tamper(t, path, `UPDATE users SET sealed_key='', public_key=NULL WHERE name='zhaoliu'`) // a clerk made before clerks had keys
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 2000}))
	must[*transcript.Segment](t)(s.EditText(ctx, "zhaoliu", g.ID, g.Revision, "现在开庭。"))
	must[*transcript.Hearing](t)(s.CloseHearing(ctx, "zhaoliu", "h1", []transcript.AudioFile{}))
	if _, err := s.RecordReview(ctx, "zhaoliu", "h1", transcript.PartyReview{Party: "原告张某", Outcome: "confirmed"}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("review before finalizing: %v", err)
	}
	must[*transcript.Version](t)(s.Finalize(ctx, "zhaoliu", "h1"))
	if _, err := s.RecordReview(ctx, "zhaoliu", "h1", transcript.PartyReview{Party: "被告李某", Outcome: "refused"}); !errors.Is(err, transcript.ErrInvalid) {
		t.Fatalf("refusal without a reason: %v", err)
	}
	must[*transcript.PartyReview](t)(s.RecordReview(ctx, "zhaoliu", "h1", transcript.PartyReview{Party: "原告张某", Outcome: "confirmed"}))
	must[*transcript.PartyReview](t)(s.RecordReview(ctx, "zhaoliu", "h1", transcript.PartyReview{Party: "被告李某", Outcome: "refused", Reason: "认为第二段记录不全"}))

	sig := must[*transcript.Signature](t)(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	if sig.Role != "presiding" || sig.KeyFingerprint == "" || sig.ReviewsHash == "" {
		t.Fatalf("presiding judge's signature %+v", sig)
	}
	if h := must[*transcript.Hearing](t)(s.GetHearing(ctx, "h1")); h.Status != transcript.StatusFinalized {
		t.Fatalf("signed by one of three: %s", h.Status)
	}
	if _, err := s.RecordReview(ctx, "zhaoliu", "h1", transcript.PartyReview{Party: "第三人", Outcome: "confirmed"}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("review after a signature: %v", err)
	}
	if _, err := s.Sign(ctx, "zhangsan", "judge-password", "h1"); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("signing twice: %v", err)
	}
	must[*transcript.Signature](t)(s.Sign(ctx, "wangwu", "judge2-password", "h1"))
	if _, err := s.Sign(ctx, "zhaoliu", "wrong-password", "h1"); !errors.Is(err, transcript.ErrAuth) {
		t.Fatalf("clerk with a wrong password: %v", err)
	}
	cs := must[*transcript.Signature](t)(s.Sign(ctx, "zhaoliu", "clerk-password", "h1"))
	clerk := must[*transcript.User](t)(s.GetUser(ctx, "zhaoliu"))
	if cs.Role != "clerk" || len(clerk.PublicKey) != 32 || cs.KeyFingerprint != transcript.KeyFingerprint(clerk.PublicKey) {
		t.Fatalf("clerk's signature %+v, key %x", cs, clerk.PublicKey)
	}
	if h := must[*transcript.Hearing](t)(s.GetHearing(ctx, "h1")); h.Status != transcript.StatusSigned {
		t.Fatalf("signed by all three: %s", h.Status)
	}
	rec := must[*transcript.Record](t)(s.Record(ctx, "h1", 0))
	b, _ := rec.Canonical()
	res, err := transcript.VerifyRecord(append(b, '\n'), nil, "")
	if err != nil || strings.Join(res.Signers, ",") != "zhangsan,wangwu,zhaoliu" || len(res.Missing) != 0 || len(rec.Reviews) != 2 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	// A review altered after signing, or a co-signature removed, is found.
	bad := strings.Replace(string(b), "认为第二段记录不全", "无异议", 1)
	if _, err := transcript.VerifyRecord([]byte(bad), nil, ""); err == nil {
		t.Fatal("an altered party review verifies")
	}
	r2 := *rec
	r2.Cosignatures = r2.Cosignatures[:1]
	b2, _ := r2.Canonical()
	if res, err := transcript.VerifyRecord(b2, nil, ""); err != nil || len(res.Missing) != 1 || res.Missing[0] != "zhaoliu" {
		t.Fatalf("a record missing the clerk's signature: %+v %v", res, err)
	}
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1")); !rep.OK() {
		t.Fatalf("audit: %+v", rep.Problems)
	}
}
