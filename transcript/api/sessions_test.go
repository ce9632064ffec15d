package api

import "fmt"
import "testing"

// A server restart (a crash, an upgrade in a recess) does not sign the clerk out: the session
// and its CSRF token are kept by the store. A user who signed out stays out.
func TestSignedInThroughARestart(t *testing.T) {
	r := newRig(t)
	_, segs := r.hearing("h1", 2)
	clerk := r.login("zhaoliu")
	gone := r.login("qianqi")
	if code := gone.do("POST", "/api/logout", nil, nil); code != 200 && code != 204 {
		t.Fatalf("logout: %d", code)
	}
	r.restart()

	var out struct {
		Segment struct {
			Text string `json:"text"`
		} `json:"segment"`
	}
	if code := clerk.do("POST", fmt.Sprintf("/api/segments/%d/edit", segs[0].ID),
		map[string]any{"text": "重启之后继续记录。", "revision": segs[0].Revision}, &out); code != 200 || out.Segment.Text != "重启之后继续记录。" {
		t.Fatalf("the clerk's edit after the restart: %d %+v", code, out)
	}
	if code := gone.do("GET", "/api/session", nil, nil); code != 401 {
		t.Fatalf("a signed-out session after the restart: %d", code)
	}
	// A stolen cookie without the CSRF token still cannot write.
	thief := r.anon()
	thief.hc.Jar = clerk.hc.Jar
	if code := thief.do("POST", fmt.Sprintf("/api/segments/%d/edit", segs[1].ID),
		map[string]any{"text": "x", "revision": segs[1].Revision}, nil); code != 403 {
		t.Fatalf("edit without the CSRF token after the restart: %d", code)
	}
}
