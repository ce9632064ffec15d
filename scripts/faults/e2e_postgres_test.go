package faults

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/courtscribe/courtscribe/internal/pgtest"
	"github.com/courtscribe/courtscribe/internal/testrig"
)

// Issue 15 item 1 end to end: two `courtscribe server --db postgres://…` processes (each with
// its own data directory, as two replicas would have) serve one record: a hearing created
// through one is read, started and edited through the other, a stale revision conflicts
// across them, and `transcript audit --db` finds the chain intact.
func TestServerReplicasShareOnePostgresRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	c := pgtest.Start(t)
	url := c.CreateDB(t, "court")
	for _, u := range [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}} {
		igAddUser(t, u[0], u[1], "pw-"+u[0], "--db", url, "--data", t.TempDir())
	}
	var bases []string
	for range 2 {
		addr := testrig.FreeAddr(t)
		srv := igStartServer(t, t.TempDir(), addr, "--asr", "none", "--db", url)
		if !strings.Contains(srv.Out.String(), "postgres://") {
			t.Fatalf("the server does not say it uses PostgreSQL:\n%s", srv.Out.String())
		}
		bases = append(bases, "http://"+addr)
	}
	adminA := apiLogin(t, bases[0], "admin", "pw-admin")
	hearing := map[string]any{"id": "case-2026-7", "case_number": "(2026)京0105民初7号", "courtroom": "room-7", "language": "zh",
		"title": "张某诉李某", "presiding": "admin", "clerk": "clerk1",
		"seats": []map[string]any{{"seat": "judge", "role": "审判长"}, {"seat": "plaintiff", "role": "原告"}}}
	if code := adminA.do("POST", "/api/hearings", hearing, nil); code != 200 && code != 201 {
		t.Fatalf("create hearing on replica A: %d", code)
	}
	clerkB := apiLogin(t, bases[1], "clerk1", "pw-clerk1")
	if code := clerkB.do("POST", "/api/hearings/case-2026-7/start", map[string]any{}, nil); code != 200 {
		t.Fatalf("start on replica B: %d", code)
	}
	var ins struct {
		Segment segment `json:"segment"`
	}
	if code := clerkB.do("POST", "/api/hearings/case-2026-7/segments", map[string]any{"seat": "plaintiff", "start_ms": 1000, "end_ms": 3000,
		"text": "原告：请求判令被告支付货款。", "reason": "录音缺失"}, &ins); code != 201 {
		t.Fatalf("insert on replica B: %d", code)
	}
	clerkA := apiLogin(t, bases[0], "clerk1", "pw-clerk1")
	var page struct {
		Segments []segment `json:"segments"`
	}
	clerkA.do("GET", "/api/hearings/case-2026-7/segments", nil, &page)
	if len(page.Segments) != 1 || page.Segments[0].ID != ins.Segment.ID || page.Segments[0].Text != "原告：请求判令被告支付货款。" {
		t.Fatalf("replica A sees %+v", page.Segments)
	}
	sg := page.Segments[0]
	if code := clerkA.do("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID), map[string]any{"revision": sg.Revision, "text": "原告：请求判令被告支付货款十万元。"}, nil); code != 200 {
		t.Fatalf("edit on replica A: %d", code)
	}
	if code := clerkB.do("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID), map[string]any{"revision": sg.Revision, "text": "stale"}, nil); code != http.StatusConflict {
		t.Fatalf("stale edit on replica B: %d, want 409", code)
	}
	out, err := testrig.RunCLI(t, "", "transcript", "audit", "--db", url, "--data", t.TempDir(), "--all")
	if err != nil || strings.Count(out, "audit: OK") != 2 {
		t.Fatalf("audit: %v\n%s", err, out)
	}
}
