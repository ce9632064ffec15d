package api

import "context"
import "crypto/ed25519"
import "crypto/rand"
import "database/sql"
import "encoding/json"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// Issue 11 item 3: the UI's verified badge showed for a record re-signed with a new key
// under the judge's name. Here the signature of version 1 is replaced by one made with a key
// zhangsan never registered (same version hash), the sign event rewritten and the chain
// recomputed, and the head log removed: /verify must not say verified.
func TestVerifyBadgeNeedsTheJudgesRegisteredKey(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.hearing("h1", 2)
	if _, err := r.store.CloseHearing(ctx, "zhaoliu", "h1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.Finalize(ctx, "zhaoliu", "h1"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"zhangsan", "wangwu", "zhaoliu"} { // the bench and the clerk sign (issue 13)
		if _, err := r.store.Sign(ctx, u, testPassword, "h1"); err != nil {
			t.Fatal(err)
		}
	}
	judge := r.login("zhangsan")
	var v Verification
	if c := judge.do("GET", "/api/hearings/h1/verify", nil, &v); c != 200 || !v.Verified {
		t.Fatalf("genuine record: %d %+v", c, v)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.dir, "courtscribe.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var oldSig string
	if err := db.QueryRow(`SELECT signature FROM versions WHERE hearing_id='h1' AND number=1`).Scan(&oldSig); err != nil {
		t.Fatal(err)
	}
	var sig transcript.Signature
	json.Unmarshal([]byte(oldSig), &sig)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := transcript.NewSignature(priv, sig.Signer, sig.SignerName, "h1", 1, sig.VersionHash, sig.SignedAt)
	if err != nil {
		t.Fatal(err)
	}
	fj, _ := transcript.CanonicalJSON(forged)
	db.Exec(`UPDATE versions SET signature=? WHERE hearing_id='h1' AND number=1`, string(fj))
	db.Exec(`UPDATE events SET after=? WHERE hearing_id='h1' AND kind=?`, string(fj), string(transcript.EventSigned))
	rows, err := db.Query(`SELECT id, seq, hearing_id, kind, segment_id, note_id, actor, at, reason, before, after FROM events WHERE hearing_id='h1' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	type upd struct {
		id         int64
		prev, hash string
	}
	var ups []upd
	prev := ""
	for rows.Next() {
		var e transcript.Event
		var id int64
		var at string
		var before, after []byte
		if err := rows.Scan(&id, &e.Seq, &e.HearingID, &e.Kind, &e.SegmentID, &e.NoteID, &e.Actor, &at, &e.Reason, &before, &after); err != nil {
			t.Fatal(err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		e.Before, e.After, e.PrevHash = before, after, prev
		e.Hash = transcript.EventHash(&e)
		ups = append(ups, upd{id, prev, e.Hash})
		prev = e.Hash
	}
	rows.Close()
	for _, u := range ups {
		db.Exec(`UPDATE events SET prev_hash=?, hash=? WHERE id=?`, u.prev, u.hash, u.id)
	}
	os.RemoveAll(filepath.Join(r.dir, "heads"))

	v = Verification{}
	if c := judge.do("GET", "/api/hearings/h1/verify", nil, &v); c != 200 {
		t.Fatalf("verify: %d", c)
	}
	if v.Verified {
		t.Fatalf("the verified badge shows for a signature with an unregistered key: %+v", v)
	}
	last := v.Versions[len(v.Versions)-1]
	if last.SignatureOK || !strings.Contains(last.Problem, "not a key registered for zhangsan") {
		t.Fatalf("version check: %+v", last)
	}
}
