package faults

import "encoding/json"
import "fmt"
import "net/http"
import "net/url"
import "strconv"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestScaleServers is issue 15's scale benchmark through real server processes (make
// bench-scale): 100 hearings, 20 clerks editing through the HTTP API (each edit waits for its
// answer), 200 viewers on live websockets (two per hearing, spread over the replicas), on one
// SQLite server and on PostgreSQL behind 1, 2 and 3 `courtscribe server` replicas. It reports
// edit commit p50/p99 (request → answer) and live fan-out p50/p99 (edit request → the frame on
// a viewer's websocket, whichever replica the viewer is on), and fails if any edit does not
// reach both viewers of its hearing. COURTSCRIBE_BENCH_SCALE_SERVERS=EDITS (edits per clerk).
func TestScaleServers(t *testing.T) {
	edits := testrig.EnvInt("COURTSCRIBE_BENCH_SCALE_SERVERS", 0)
	if edits == 0 {
		t.Skip("set COURTSCRIBE_BENCH_SCALE_SERVERS=EDITS (edits per clerk, e.g. 20) to run the multi-process scale benchmark")
	}
	c := pgtest.Start(t)
	for _, cfg := range []struct {
		slug     string
		replicas int
	}{{"sqlite", 1}, {"pg1", 1}, {"pg2", 2}, {"pg3", 3}} {
		db := ""
		if cfg.slug != "sqlite" {
			db = c.CreateDB(t, "scale_"+cfg.slug)
		}
		commit, fan := scaleServersRun(t, db, cfg.replicas, edits)
		t.Logf("%-7s edit commit p50 %6.1f ms p99 %6.1f ms | live fan-out p50 %6.1f ms p99 %6.1f ms (%d edits, %d deliveries)",
			cfg.slug, testrig.Millis(testrig.Quantile(commit, .5)), testrig.Millis(testrig.Quantile(commit, .99)), testrig.Millis(testrig.Quantile(fan, .5)), testrig.Millis(testrig.Quantile(fan, .99)), len(commit), len(fan))
		fmt.Printf("BENCHSRV config=%s commit_p50=%.1f commit_p99=%.1f fan_p50=%.1f fan_p99=%.1f edits=%d deliveries=%d\n", cfg.slug,
			testrig.Millis(testrig.Quantile(commit, .5)), testrig.Millis(testrig.Quantile(commit, .99)), testrig.Millis(testrig.Quantile(fan, .5)), testrig.Millis(testrig.Quantile(fan, .99)), len(commit), len(fan))
	}
}

// scaleClient is a signed-in browser session that may be used from several goroutines and
// against any replica; its calls return errors instead of failing the test (they run off the
// test goroutine).
type scaleClient struct{ *session }

func (c *scaleClient) call(base, method, path string, body, out any) (int, error) {
	return c.callAt(base, method, path, body, out)
}

func scaleLogin(t *testing.T, base, name, password string) *scaleClient {
	t.Helper()
	c := &scaleClient{newSession(60 * time.Second)}
	if _, err := c.signIn(base, name, password); err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return c
}

// scaleServersRun starts the servers (db "" = one SQLite server), sets up the court and runs the
// edits; it returns every edit's commit time and every delivery's fan-out time.
func scaleServersRun(t *testing.T, db string, replicas, edits int) (commit, fan []time.Duration) {
	const hearings, clerks, viewersPer = 100, 20, 2
	data := t.TempDir()
	where := []string{"--data", data}
	if db != "" {
		where = []string{"--db", db, "--data", data}
	}
	users := []string{"admin", "viewer"}
	for i := range clerks {
		users = append(users, fmt.Sprintf("clerk%02d", i+1))
	}
	for _, u := range users {
		role := "clerk"
		if u == "admin" || u == "viewer" {
			role = u
		}
		igAddUser(t, u, role, "pw-"+u+"-scale", where...)
	}
	var bases []string
	var srvs []*server
	for range replicas {
		addr := testrig.FreeAddr(t)
		extra := []string{"--asr", "none", "--max-conns-per-source", "-1", "--log-level", "warn"}
		if db != "" {
			extra = append(extra, "--db", db)
		}
		srvs = append(srvs, igStartServer(t, data, addr, extra...))
		bases = append(bases, "http://"+addr)
	}
	defer func() {
		for _, s := range srvs {
			s.Stop(t)
		}
	}()
	admin := scaleLogin(t, bases[0], "admin", "pw-admin-scale")
	clerk := make([]*scaleClient, clerks)
	for i := range clerks {
		clerk[i] = scaleLogin(t, bases[i%replicas], fmt.Sprintf("clerk%02d", i+1), fmt.Sprintf("pw-clerk%02d-scale", i+1))
	}
	viewer := scaleLogin(t, bases[0], "viewer", "pw-viewer-scale")

	// 100 hearings, hearing h kept by clerk h%20, started, with one segment to edit.
	type hearingState struct {
		id  string
		seg int64
		rev int64
	}
	hs := make([]*hearingState, hearings)
	for h := range hearings {
		id := fmt.Sprintf("scale-%03d", h)
		body := map[string]any{"id": id, "case_number": fmt.Sprintf("（2026）京0105民初%d号", h+1), "courtroom": fmt.Sprintf("room-%d", h%12),
			"language": "zh", "title": id, "presiding": "admin", "clerk": fmt.Sprintf("clerk%02d", h%clerks+1),
			"seats": []map[string]any{{"seat": "judge", "role": "审判员"}, {"seat": "plaintiff", "role": "原告"}}}
		if _, err := admin.call(bases[0], "POST", "/api/hearings", body, nil); err != nil {
			t.Fatal(err)
		}
		c, base := clerk[h%clerks], bases[(h%clerks)%replicas]
		if _, err := c.call(base, "POST", "/api/hearings/"+id+"/start", map[string]any{}, nil); err != nil {
			t.Fatal(err)
		}
		var ins struct {
			Segment segment `json:"segment"`
		}
		if _, err := c.call(base, "POST", "/api/hearings/"+id+"/segments", map[string]any{"seat": "plaintiff", "start_ms": 1000, "end_ms": 3000,
			"text": "原告：请求判令被告返还借款。", "reason": "录音缺失"}, &ins); err != nil {
			t.Fatal(err)
		}
		hs[h] = &hearingState{id: id, seg: ins.Segment.ID, rev: ins.Segment.Revision}
	}

	// 200 viewers: two per hearing, on different replicas where there are several.
	type delivery struct {
		hearing, k int
		at         time.Time
	}
	got := make(chan delivery, hearings*viewersPer*edits+100)
	var readers sync.WaitGroup
	var conns []*websocket.Conn
	for h := range hearings {
		for v := range viewersPer {
			base := bases[(h*viewersPer+v)%replicas]
			hdr := http.Header{}
			hdr.Set("Origin", base)
			u, _ := url.Parse(base)
			for _, ck := range viewer.hc.Jar.Cookies(u) {
				hdr.Add("Cookie", ck.Name+"="+ck.Value)
			}
			ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/hearings/"+hs[h].id+"/live", hdr)
			if err != nil {
				t.Fatalf("viewer websocket %d of %s on %s: %v (%v)", v, hs[h].id, base, err, resp)
			}
			conns = append(conns, ws)
			readers.Add(1)
			go func(h int) {
				defer readers.Done()
				for {
					var f struct {
						Events []struct {
							SegmentID int64           `json:"segment_id"`
							After     json.RawMessage `json:"after"`
						} `json:"events"`
					}
					if err := ws.ReadJSON(&f); err != nil {
						return
					}
					now := time.Now()
					for _, e := range f.Events {
						s := string(e.After)
						i := strings.Index(s, "第")
						if e.SegmentID != hs[h].seg || i < 0 {
							continue
						}
						if j := strings.Index(s[i:], "次修改"); j > 0 {
							if k, err := strconv.Atoi(s[i+len("第") : i+j]); err == nil {
								got <- delivery{h, k, now}
							}
						}
					}
				}
			}(h)
		}
	}
	time.Sleep(500 * time.Millisecond) // every feed caught up

	// 20 clerks edit their own hearings round robin, each edit waiting for its answer.
	var mu sync.Mutex
	sent := map[[2]int]time.Time{}
	errs := make(chan error, clerks)
	var wg sync.WaitGroup
	for ci := range clerks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := bases[ci%replicas]
			var mine []int
			for h := ci; h < hearings; h += clerks {
				mine = append(mine, h)
			}
			for k := range edits {
				h := mine[k%len(mine)]
				var out struct {
					Segment segment `json:"segment"`
				}
				t0 := time.Now()
				mu.Lock()
				sent[[2]int{h, k}] = t0
				mu.Unlock()
				_, err := clerk[ci].call(base, "POST", fmt.Sprintf("/api/segments/%d/edit", hs[h].seg),
					map[string]any{"revision": hs[h].rev, "text": fmt.Sprintf("原告：第%d次修改。", k)}, &out)
				if err != nil {
					errs <- fmt.Errorf("clerk%02d edit %d: %w", ci+1, k, err)
					return
				}
				d := time.Since(t0)
				hs[h].rev = out.Segment.Revision
				mu.Lock()
				commit = append(commit, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := len(commit) * viewersPer
	seen := map[[2]int]int{}
	deadline := time.After(30 * time.Second)
	for len(fan) < want {
		select {
		case d := <-got:
			key := [2]int{d.hearing, d.k}
			seen[key]++
			if seen[key] > viewersPer {
				continue // a feed may repeat an event after catching up; count each viewer once
			}
			mu.Lock()
			t0 := sent[key]
			mu.Unlock()
			fan = append(fan, d.at.Sub(t0))
		case <-deadline:
			t.Fatalf("%d of %d deliveries reached the viewers within 30 s of the last edit", len(fan), want)
		}
	}
	for _, ws := range conns {
		ws.Close()
	}
	readers.Wait()
	return commit, fan
}
