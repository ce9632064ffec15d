package sqlite

import "context"
import "errors"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// The record's administration on every dialect: a display name on the users chain, a session
// touched, the key history, a published head found, and a hearing deleted with its deletion
// kept on the chain of administration (which still audits).
func TestAdministration(t *testing.T) { testAdministration(t, sqliteDB) }

func testAdministration(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhangsan", transcript.RoleJudge, "judge-password"))
	if err := s.SetDisplayName(ctx, "admin", "zhangsan", "张三"); err != nil {
		t.Fatal(err)
	}
	if u := must[*transcript.User](t)(s.GetUser(ctx, "zhangsan")); u.DisplayName != "张三" {
		t.Fatalf("display name: %+v", u)
	}
	kh := must[transcript.KeyHistory](t)(s.KeyHistory(ctx))
	if len(kh["zhangsan"]) != 1 {
		t.Fatalf("key history: %+v", kh)
	}
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", "h1"))
	rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	head := transcript.ChainHead{Seq: int64(rep.Events), Hash: rep.Head}
	found, cur, err := s.FindHead(ctx, "h1", head)
	if err != nil || !found || cur != head {
		t.Fatalf("find head %s: %v %s %v", head, found, cur, err)
	}
	if found, _, _ := s.FindHead(ctx, "h1", transcript.ChainHead{Seq: 1, Hash: rep.Head}); found {
		t.Fatal("a head found at the wrong seq")
	}
	if _, err := s.DeleteHearing(ctx, "admin", "h1", "录入错误", DeleteOptions{}); !errors.Is(err, transcript.ErrState) {
		t.Fatalf("deleting a live hearing: %v", err)
	}
	must[*transcript.Hearing](t)(s.CloseHearing(ctx, "zhaoliu", "h1", []transcript.AudioFile{}))
	rep = must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "h1"))
	d := must[*transcript.HearingDeletion](t)(s.DeleteHearing(ctx, "admin", "h1", "录入错误", DeleteOptions{}))
	if d.Head != rep.Head || d.Events != int64(rep.Events) {
		t.Fatalf("deletion %+v, chain was %d events to %s", d, rep.Events, rep.Head)
	}
	if _, err := s.GetHearing(ctx, "h1"); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("deleted hearing: %v", err)
	}
	if evs := must[[]transcript.Event](t)(s.Deletions(ctx)); len(evs) != 1 || evs[0].Reason != "录入错误" {
		t.Fatalf("deletions: %+v", evs)
	}
	if rep := must[*transcript.AuditReport](t)(s.AuditHearing(ctx, "")); !rep.OK() {
		t.Fatalf("chain of administration: %v", rep.Problems)
	}
	seen := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := s.TouchSession(ctx, "0000000000000000000000000000000000000000000000000000000000000000", seen); err != nil {
		t.Fatalf("touching an unknown session: %v", err)
	}
}
