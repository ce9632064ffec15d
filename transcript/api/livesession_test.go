package api

import "context"
import "fmt"
import "net/http"
import "strings"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"
import "github.com/courtscribe/courtscribe/transcript/live"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// dialLive opens the hearing's live websocket with c's cookies.
func (c *client) dialLive(hearing string) *websocket.Conn {
	c.r.t.Helper()
	h := http.Header{}
	h.Set("Origin", c.r.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(mustURL(c.r.srv.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(c.r.srv.URL, "http")+"/api/hearings/"+hearing+"/live", h)
	if err != nil {
		c.r.t.Fatalf("dial: %v (%v)", err, resp)
	}
	c.r.t.Cleanup(func() { ws.Close() })
	return ws
}

// waitLiveEnd reads until the server ends the websocket; it fails if that takes longer than
// limit. It returns the last error frame's text.
func waitLiveEnd(t *testing.T, ws *websocket.Conn, limit time.Duration) string {
	t.Helper()
	t0 := time.Now()
	ws.SetReadDeadline(t0.Add(limit))
	last := ""
	for {
		var f live.Frame
		if err := ws.ReadJSON(&f); err != nil {
			if time.Since(t0) >= limit {
				t.Fatalf("the live websocket still open %v later: %v", limit, err)
			}
			return last
		}
		if f.Type == "error" {
			last = f.Error
		}
	}
}

// TestLiveFeedEndsWithTheSession: an open live websocket kept streaming after logout, account
// disable and session expiry, and a password change kept old sessions (issue 11, item 6).
func TestLiveFeedEndsWithTheSession(t *testing.T) {
	const limit = 3 * time.Second
	t.Run("logout", func(t *testing.T) {
		r := newRig(t)
		r.hearing("h1", 1)
		c := r.login("viewer")
		ws := c.dialLive("h1")
		other := r.login("viewer").dialLive("h1") // the same user on another machine stays
		if code := c.do("POST", "/api/logout", nil, nil); code != 200 {
			t.Fatalf("logout: %d", code)
		}
		if msg := waitLiveEnd(t, ws, limit); !strings.Contains(msg, "session") {
			t.Errorf("end frame %q does not say why", msg)
		}
		r.appendSegment("h1", "judge", 90000, 91000, "") // the other socket still streams
		other.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			var f live.Frame
			if err := other.ReadJSON(&f); err != nil {
				t.Fatalf("the other session's socket: %v", err)
			}
			if len(f.Events) > 0 {
				break
			}
		}
	})
	t.Run("disable", func(t *testing.T) {
		r := newRig(t)
		r.hearing("h1", 1)
		ws := r.login("viewer").dialLive("h1")
		if err := r.store.SetDisabled(context.Background(), "admin", "viewer", true); err != nil {
			t.Fatal(err)
		}
		waitLiveEnd(t, ws, limit)
	})
	t.Run("expiry", func(t *testing.T) {
		r := newRig(t, func(c *Config) { c.Sessions.MaxAge = time.Hour })
		r.hearing("h1", 1)
		ws := r.login("viewer").dialLive("h1")
		r.now.Add(61 * time.Minute)
		waitLiveEnd(t, ws, limit)
	})
	t.Run("password changed by another process", func(t *testing.T) {
		r := newRig(t)
		r.hearing("h1", 1)
		c := r.login("viewer")
		ws := c.dialLive("h1")
		// courtscribe users passwd runs in another process: its own store on the same files.
		cli := sqlitetest.Open(t, r.dir, sqlite.Options{Logger: quietLog(), DataDir: r.dir, Argon2: &transcript.TestArgon2})
		if err := cli.SetPassword(context.Background(), "cli", "viewer", testPassword, "another-horse-2"); err != nil {
			t.Fatal(err)
		}
		waitLiveEnd(t, ws, limit)
		if code := c.do("GET", "/api/session", nil, nil); code != 401 {
			t.Fatalf("the old session after the password change: %d", code)
		}
		r.restart() // and it stays gone
		if code := c.do("GET", "/api/session", nil, nil); code != 401 {
			t.Fatalf("the old session after a restart: %d", code)
		}
	})
	_ = auth.CookieName
	_ = fmt.Sprint
}
