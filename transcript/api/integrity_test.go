package api

import "context"
import "errors"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// TestDeleteHearingAdminOnly: DELETE /api/hearings/{id} is for admins, needs a reason, refuses
// a live hearing and a signed one without the confirmation, and lands on the administration
// chain, which still audits clean.
func TestDeleteHearingAdminOnly(t *testing.T) {
	var st *sqlite.Store
	r := newRig(t, func(c *Config) {
		c.DeleteHearing = func(ctx context.Context, actor, id, reason string, signed bool) (*transcript.HearingDeletion, error) {
			return st.DeleteHearing(ctx, actor, id, reason, sqlite.DeleteOptions{Signed: signed})
		}
		c.Integrity = func(id string) []Alarm {
			if id == "h1" {
				return []Alarm{{Code: "integrity", Message: "hearing h1, file hearings/h1/audio/judge.wav: SHA-256 differs"}}
			}
			return nil
		}
	})
	st = r.store
	ctx := context.Background()
	r.hearing("h1", 2)
	admin, clerk := r.login("admin"), r.login("zhaoliu")
	body := map[string]any{"reason": "entered twice by mistake"}
	if code := clerk.do("DELETE", "/api/hearings/h1", body, nil); code != 403 {
		t.Fatalf("clerk delete: %d, want 403", code)
	}
	if code := admin.do("DELETE", "/api/hearings/h1", map[string]any{}, nil); code != 400 {
		t.Fatalf("delete without a reason: %d, want 400", code)
	}
	if code := admin.do("DELETE", "/api/hearings/h1", body, nil); code != 409 {
		t.Fatalf("delete a live hearing: %d, want 409", code)
	}
	// The integrity alarm of the last scrub shows in the health panel.
	var hl Health
	clerk.do("GET", "/api/hearings/h1/health", nil, &hl)
	found := false
	for _, a := range hl.Alarms {
		found = found || a.Code == "integrity"
	}
	if !found {
		t.Fatalf("no integrity alarm: %+v", hl.Alarms)
	}
	if _, err := st.CloseHearing(ctx, "zhaoliu", "h1", []transcript.AudioFile{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Finalize(ctx, "zhaoliu", "h1"); err != nil {
		t.Fatal(err)
	}
	if code := admin.do("DELETE", "/api/hearings/h1", body, nil); code != 409 {
		t.Fatalf("delete a finalized record without confirmation: %d, want 409", code)
	}
	var d transcript.HearingDeletion
	if code := admin.do("DELETE", "/api/hearings/h1", map[string]any{"reason": "entered twice by mistake", "signed": true}, &d); code != 200 {
		t.Fatalf("confirmed delete: %d", code)
	}
	if d.Hearing != "h1" || d.Head == "" || d.Events == 0 {
		t.Fatalf("deletion %+v", d)
	}
	if _, err := st.GetHearing(ctx, "h1"); !errors.Is(err, transcript.ErrNotFound) {
		t.Fatalf("hearing still there: %v", err)
	}
	if code := admin.do("GET", "/api/hearings/h1", nil, nil); code != 404 {
		t.Fatalf("get a deleted hearing: %d", code)
	}
	rep, err := st.AuditHearing(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("administration chain: %+v %v", rep, err)
	}
	dels, _ := st.Deletions(ctx)
	if len(dels) != 1 || dels[0].Actor != "admin" || dels[0].Reason != "entered twice by mistake" {
		t.Fatalf("deletions %+v", dels)
	}
}
