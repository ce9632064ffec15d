package faults

import "fmt"
import "net/http"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/internal/testrig"

// Issue 15 item 1 end to end: two `courtscribe server --db postgres://…` processes (each with
// its own data directory, as two replicas would have) serve one record: a hearing created
// through one is read, started and edited through the other, a stale revision conflicts
// across them, and `transcript audit --db` finds the chain intact.
func TestServerReplicasShareOnePostgresRecord(t *testing.T) {
	bases, url := pgReplicas(t)
	// Created through A, started and written through B.
	clerkB := apiLogin(t, bases[1], "clerk1", "pw-clerk1")
	ins := pgHearing(t, apiLogin(t, bases[0], "admin", "pw-admin"), clerkB, "7", "张某诉李某", "原告：请求判令被告支付货款。")
	clerkA := apiLogin(t, bases[0], "clerk1", "pw-clerk1")
	var page struct {
		Segments []segment `json:"segments"`
	}
	clerkA.do("GET", "/api/hearings/case-2026-7/segments", nil, &page)
	if len(page.Segments) != 1 || page.Segments[0].ID != ins.ID || page.Segments[0].Text != "原告：请求判令被告支付货款。" {
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

// pgReplicas starts a private PostgreSQL with one database, adds an admin (admin/pw-admin) and
// a clerk (clerk1/pw-clerk1), and starts two `courtscribe server --db` replicas on it, each
// with its own data directory; it returns their base URLs and the database URL. It skips t in
// -short runs.
func pgReplicas(t *testing.T) (bases []string, dbURL string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end with real binaries")
	}
	c := pgtest.Start(t)
	dbURL = c.CreateDB(t, "court")
	for _, u := range [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}} {
		igAddUser(t, u[0], u[1], "pw-"+u[0], "--db", dbURL, "--data", t.TempDir())
	}
	for range 2 {
		addr := testrig.FreeAddr(t)
		srv := igStartServer(t, t.TempDir(), addr, "--asr", "none", "--db", dbURL)
		if !strings.Contains(srv.Out.String(), "postgres://") {
			t.Fatalf("the server does not say it uses PostgreSQL:\n%s", srv.Out.String())
		}
		bases = append(bases, "http://"+addr)
	}
	return bases, dbURL
}

// pgHearing creates hearing case-2026-N (judge and plaintiff seats, clerk clerk1) through
// admin, starts it through clerk and inserts one plaintiff segment of text through clerk; it
// returns the segment.
func pgHearing(t *testing.T, admin, clerk *apiClient, n, title, text string) segment {
	t.Helper()
	id := "case-2026-" + n
	admin.createHearing(map[string]any{"id": id, "case_number": "(2026)京0105民初" + n + "号", "courtroom": "room-" + n, "language": "zh",
		"title": title, "presiding": "admin", "clerk": "clerk1",
		"seats": []map[string]any{{"seat": "judge", "role": "审判长"}, {"seat": "plaintiff", "role": "原告"}}})
	if code := clerk.do("POST", "/api/hearings/"+id+"/start", map[string]any{}, nil); code != 200 {
		t.Fatalf("start %s on %s: %d", id, clerk.base, code)
	}
	var ins struct {
		Segment segment `json:"segment"`
	}
	if code := clerk.do("POST", "/api/hearings/"+id+"/segments", map[string]any{"seat": "plaintiff", "start_ms": 1000, "end_ms": 3000,
		"text": text, "reason": "录音缺失"}, &ins); code != 201 {
		t.Fatalf("insert into %s on %s: %d", id, clerk.base, code)
	}
	return ins.Segment
}
