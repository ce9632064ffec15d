package sqlite

import "context"
import "crypto/ed25519"
import "crypto/rand"
import "database/sql"
import "encoding/json"
import "os"
import "path/filepath"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// signedHearing makes hearing h1 with two segments, finalized and signed by zhangsan.
func signedHearing(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	for i, text := range []string{"现在开庭。", "原告陈述诉讼请求。"} {
		g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2000}))
		must[*transcript.Segment](t)(s.SetEngineResult(ctx, "engine:base", g.ID, transcript.EngineResult{Text: text, Final: true}))
	}
	must[*transcript.Hearing](t)(s.CloseHearing(ctx, "zhaoliu", "h1", nil))
	must[*transcript.Version](t)(s.Finalize(ctx, "zhaoliu", "h1"))
	must[*transcript.Signature](t)(s.Sign(ctx, "zhangsan", "judge-password", "h1"))
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1")); !rep.OK() {
		t.Fatalf("audit of the genuine record: %v", rep.Problems)
	}
}

// rechain recomputes every event hash of a hearing's chain in place, the way an attacker
// with the database file would after changing an event.
func rechain(t *testing.T, db *sql.DB, hearing string) {
	t.Helper()
	ctx := context.Background()
	evs, err := queryEvents(ctx, db, `hearing_id=? ORDER BY seq`, hearing)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i := range evs {
		e := &evs[i]
		e.PrevHash = prev
		e.Hash = transcript.EventHash(e)
		if _, err := db.Exec(`UPDATE events SET prev_hash=?, hash=? WHERE id=?`, e.PrevHash, e.Hash, e.ID); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
}

// forgeSignedRecord is the issue 11 probe: a segment of the signed version is changed, the
// version re-hashed and re-signed with a new key under zhangsan's name, every event that
// names the old hash or signature rewritten and the chain recomputed.
func forgeSignedRecord(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var recJSON, oldHash, oldSig string
	if err := db.QueryRow(`SELECT record, hash, signature FROM versions WHERE hearing_id='h1' AND number=1`).Scan(&recJSON, &oldHash, &oldSig); err != nil {
		t.Fatal(err)
	}
	var r transcript.Record
	if err := json.Unmarshal([]byte(recJSON), &r); err != nil {
		t.Fatal(err)
	}
	var sig transcript.Signature
	if err := json.Unmarshal([]byte(oldSig), &sig); err != nil {
		t.Fatal(err)
	}
	segID := r.Segments[1].ID
	r.Segments[1].Text = "原告撤回起诉。"
	r.VersionHash = ""
	newHash, err := transcript.RecordHash(&r)
	if err != nil {
		t.Fatal(err)
	}
	r.VersionHash = newHash
	canon, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := transcript.NewSignature(priv, sig.Signer, sig.SignerName, "h1", 1, newHash, sig.SignedAt)
	if err != nil {
		t.Fatal(err)
	}
	forgedJSON := string(mustJSON(forged))
	if _, err := db.Exec(`UPDATE versions SET record=?, hash=?, signature=? WHERE hearing_id='h1' AND number=1`, string(canon), newHash, forgedJSON); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE segments SET text=? WHERE id=?`, "原告撤回起诉。", segID); err != nil {
		t.Fatal(err)
	}
	evs, err := queryEvents(ctx, db, `hearing_id='h1' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	lastSeg := map[int64]int64{}
	for _, e := range evs {
		if e.SegmentID != 0 {
			lastSeg[e.SegmentID] = e.ID
		}
		after := strings.ReplaceAll(string(e.After), oldSig, forgedJSON)
		after = strings.ReplaceAll(after, oldHash, newHash)
		if after != string(e.After) {
			if _, err := db.Exec(`UPDATE events SET after=? WHERE id=?`, after, e.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	g, err := querySegments(ctx, db, `id=?`, segID)
	if err != nil || len(g) != 1 {
		t.Fatal(g, err)
	}
	if _, err := db.Exec(`UPDATE events SET after=? WHERE id=?`, mustJSON(&g[0]), lastSeg[segID]); err != nil {
		t.Fatal(err)
	}
	rechain(t, db, "h1")
}

// Issue 11 item 3: a signed record changed, re-signed with a new key under the judge's name
// and re-chained passed the audit. The signature must be pinned to the keys registered for
// that judge in the users chain.
func TestAuditPinsSignatureToTheJudgesRegisteredKey(t *testing.T) {
	s, path := openTest(t)
	signedHearing(t, s)
	forgeSignedRecord(t, path)
	// Leave the published head log out of it: the key check alone must catch the forgery.
	os.RemoveAll(filepath.Join(filepath.Dir(path), HeadsDir))
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(context.Background(), "h1"))
	if rep.OK() {
		t.Fatal("audit says a record re-signed with a key zhangsan never registered is intact")
	}
	found := false
	for _, p := range rep.Problems {
		if strings.Contains(p.Message, "not a key registered for zhangsan") {
			found = true
		}
	}
	if !found {
		t.Fatalf("problems do not name the unregistered key: %v", rep.Problems)
	}
	// The store's own key history vouches only for the real key.
	keys := must[transcript.KeyHistory](t)(s.KeyHistory(context.Background()))
	if len(keys["zhangsan"]) != 1 {
		t.Fatalf("key history of zhangsan: %+v", keys["zhangsan"])
	}
}

// The same forgery with the users chain left alone is also caught by the head log the
// store publishes beside the database; and an unsigned hearing whose tail (last segment and
// its events) was deleted, which leaves rows and chain consistent, is caught the same way.
func TestHeadLogCatchesRewrittenChainAndDeletedTail(t *testing.T) {
	s, path := openTest(t)
	signedHearing(t, s)
	forgeSignedRecord(t, path)
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(context.Background(), "h1"))
	if !hasProblem(rep, "head log") {
		t.Fatalf("rewritten chain not caught by the head log: %v", rep.Problems)
	}

	ctx := context.Background()
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h2")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h2"))
	var last *transcript.Segment
	for i := range 3 {
		last = must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", "h2", transcript.NewSegment{Seat: "judge", StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2000}))
	}
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h2")); !rep.OK() {
		t.Fatalf("genuine h2: %v", rep.Problems)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DELETE FROM events WHERE segment_id=?`, `DELETE FROM segments WHERE id=?`} {
		if _, err := db.Exec(q, last.ID); err != nil {
			t.Fatal(err)
		}
	}
	rep = must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h2"))
	if !hasProblem(rep, "removed") {
		t.Fatalf("deleted tail of an unsigned hearing not caught: %+v", rep)
	}
}

func hasProblem(rep *transcript.AuditReport, text string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p.Message, text) {
			return true
		}
	}
	return false
}
