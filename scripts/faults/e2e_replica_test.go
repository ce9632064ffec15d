package faults

import "encoding/json"
import "fmt"
import "net/http"
import "net/url"
import "os"
import "strconv"
import "strings"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/internal/testrig"

// Issue 15 item 2 end to end: two `courtscribe server --db postgres://…` replicas. A clerk's
// edits made through replica A reach a live websocket opened on replica B (the session cookie
// A issued is valid on B), and are measured edit → websocket on both replicas; signing out on
// A ends the session on B; sign-in failures through A and B count together.
// COURTSCRIBE_FANOUT_EDITS sets how many edits are timed (default 100).
func TestReplicasLiveFanOutSessionsAndLoginLimit(t *testing.T) {
	bases, _ := pgReplicas(t)
	clerkA := apiLogin(t, bases[0], "clerk1", "pw-clerk1")
	ins := pgHearing(t, apiLogin(t, bases[0], "admin", "pw-admin"), clerkA, "9", "王某诉赵某", "原告：请求判令被告返还借款。")

	// The clerk's session, issued by A, on B: the API and the live websocket.
	onB := &apiClient{t: t, base: bases[1], session: &session{hc: clerkA.hc, csrf: clerkA.csrf}}
	if code := onB.do("GET", "/api/session", nil, nil); code != 200 {
		t.Fatalf("a session issued by replica A, on replica B: %d", code)
	}
	dial := func(base string) *websocket.Conn {
		h := http.Header{}
		h.Set("Origin", base)
		u, _ := url.Parse(base)
		for _, ck := range clerkA.hc.Jar.Cookies(u) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
		ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/hearings/case-2026-9/live", h)
		if err != nil {
			t.Fatalf("live websocket on %s: %v (%v)", base, err, resp)
		}
		t.Cleanup(func() { ws.Close() })
		return ws
	}
	type frame struct {
		Type   string `json:"type"`
		Events []struct {
			ID        int64           `json:"id"`
			SegmentID int64           `json:"segment_id"`
			After     json.RawMessage `json:"after"`
		} `json:"events"`
		Error string `json:"error"`
	}
	// Each websocket reader reports when it saw the text of edit k.
	type seen struct {
		k  int
		at time.Time
	}
	reader := func(ws *websocket.Conn) chan seen {
		ch := make(chan seen, 10000)
		go func() {
			defer close(ch)
			for {
				var f frame
				if err := ws.ReadJSON(&f); err != nil {
					return
				}
				now := time.Now()
				for _, e := range f.Events {
					s := string(e.After)
					if i := strings.Index(s, "第"); i >= 0 && e.SegmentID == ins.ID {
						if j := strings.Index(s[i:], "次修改"); j > 0 {
							if k, err := strconv.Atoi(s[i+len("第") : i+j]); err == nil {
								ch <- seen{k, now}
							}
						}
					}
				}
			}
		}()
		return ch
	}
	wsA, wsB := dial(bases[0]), dial(bases[1])
	seenA, seenB := reader(wsA), reader(wsB)
	n := 100
	if v, err := strconv.Atoi(os.Getenv("COURTSCRIBE_FANOUT_EDITS")); err == nil && v > 0 {
		n = v
	}
	time.Sleep(200 * time.Millisecond) // both feeds caught up
	rev := ins.Revision
	var local, remote []time.Duration
	wait := func(ch chan seen, k int) time.Time {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case s, ok := <-ch:
				if !ok {
					t.Fatalf("websocket ended before edit %d arrived", k)
				}
				if s.k == k {
					return s.at
				}
			case <-deadline:
				t.Fatalf("edit %d did not reach the websocket within 10 s", k)
			}
		}
	}
	for k := range n {
		var out struct {
			Segment segment `json:"segment"`
		}
		t0 := time.Now()
		if code := clerkA.do("POST", fmt.Sprintf("/api/segments/%d/edit", ins.ID), map[string]any{"revision": rev, "text": fmt.Sprintf("原告：第%d次修改。", k)}, &out); code != 200 {
			t.Fatalf("edit %d on replica A: %d", k, code)
		}
		rev = out.Segment.Revision
		local = append(local, wait(seenA, k).Sub(t0))
		remote = append(remote, wait(seenB, k).Sub(t0))
	}
	q := func(ds []time.Duration, p float64) string {
		return fmt.Sprintf("%.1f", testrig.Millis(testrig.Quantile(ds, p)))
	}
	t.Logf("%d edits through replica A, edit request → websocket frame: on A p50 %s ms p99 %s ms; on B (other replica) p50 %s ms p99 %s ms",
		n, q(local, .5), q(local, .99), q(remote, .5), q(remote, .99))

	// Signing out on A ends the session on B (B compares its sessions with the store every
	// second) and closes B's live feed.
	if code := clerkA.do("POST", "/api/logout", map[string]any{}, nil); code != 200 && code != 204 {
		t.Fatalf("logout on A: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for onB.do("GET", "/api/session", nil, nil) == 200 {
		if time.Now().After(deadline) {
			t.Fatal("a session signed out on replica A is still valid on replica B after 5 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	wsB.SetReadDeadline(time.Now().Add(5 * time.Second))
	t0 := time.Now()
	for range seenB { // the reader ends when B closes the websocket
	}
	if time.Since(t0) > 4*time.Second {
		t.Fatal("replica B kept the live feed of a session signed out on replica A")
	}

	// Sign-in failures count across replicas: the default allows 5 failures per (address, user).
	fails := 0
	for i := range 5 {
		jar := &apiClient{t: t, base: bases[i%2], session: &session{hc: &http.Client{Timeout: 30 * time.Second}}}
		code := jar.do("POST", "/api/login", map[string]string{"name": "clerk1", "password": "wrong"}, nil)
		if code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d on replica %d: %d", i, i%2, code)
		}
		fails++
	}
	for i, base := range bases {
		jar := &apiClient{t: t, base: base, session: &session{hc: &http.Client{Timeout: 30 * time.Second}}}
		if code := jar.do("POST", "/api/login", map[string]string{"name": "clerk1", "password": "pw-clerk1"}, nil); code != http.StatusTooManyRequests {
			t.Fatalf("after %d failures spread over two replicas, replica %d answers %d, want 429", fails, i, code)
		}
	}
}
