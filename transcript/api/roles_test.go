package api

import "encoding/json"
import "fmt"
import "testing"

// TestRoleTable calls every endpoint as every kind of user and without a session, on a fresh
// live hearing each time, and checks the answer is 401 without a session, 403 "forbidden"
// where the role may not, and anything but 401/403-forbidden where it may (a permitted call
// may still be refused for the hearing's state, e.g. signing a live hearing).
func TestRoleTable(t *testing.T) {
	r := newRig(t)
	type who struct{ label, user string }
	people := []who{{"admin", "admin"}, {"technician", "tech"}, {"clerk of the hearing", "zhaoliu"},
		{"other clerk", "qianqi"}, {"presiding judge", "zhangsan"}, {"judge on the bench", "wangwu"},
		{"judge elsewhere", "sunba"}, {"viewer", "viewer"}, {"no session", ""}}
	all := map[string]bool{"admin": true, "tech": true, "zhaoliu": true, "qianqi": true, "zhangsan": true, "wangwu": true, "sunba": true, "viewer": true}
	only := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	clerk, admin := only("zhaoliu"), only("admin")
	type ep struct {
		method, path string
		body         any
		allowed      map[string]bool
	}
	n := 0
	for _, p := range people {
		// One hearing per person keeps every call independent of the others' changes.
		n++
		hid := fmt.Sprintf("h-%d", n)
		_, segs := r.hearing(hid, 3)
		writeWAV(t, r.seatPath(hid, "judge"), 16000*3)
		s0, s1 := segs[0], segs[1]
		seg := fmt.Sprintf("/api/segments/%d", s0.ID)
		hp := "/api/hearings/" + hid
		eps := []ep{
			{"GET", "/api/session", nil, all},
			{"GET", "/api/users", nil, admin},
			{"POST", "/api/users", map[string]any{"name": "new" + hid, "role": "viewer", "password": testPassword}, admin},
			{"PATCH", "/api/users/viewer", map[string]any{"display_name": "旁听人"}, admin},
			{"GET", "/api/agents", nil, only("tech", "admin")},
			{"GET", "/api/hearings", nil, all},
			{"POST", "/api/hearings", map[string]any{"id": "new-" + hid, "clerk": "zhaoliu", "presiding": "zhangsan"}, admin},
			{"GET", hp, nil, all},
			{"PATCH", hp, map[string]any{"title": "改"}, admin},
			{"PATCH", hp, map[string]any{"not_public": true, "not_public_reason": "涉及个人隐私", "reporter": "赵六",
				"party_list": []map[string]any{{"role": "原告", "name": "张某", "present": true}}}, only("admin", "zhaoliu")},
			{"PATCH", hp, map[string]any{"reporter": "赵六", "judges": []string{}}, admin},
			{"GET", hp + "/segments", nil, all},
			{"GET", hp + "/live", nil, all},
			{"GET", hp + "/health", nil, all},
			{"POST", hp + "/alarms/ack", map[string]any{"code": "no_signal", "seat": "plaintiff", "since": "2026-01-01T00:00:00Z"}, only("zhaoliu", "tech", "admin")},
			{"GET", hp + "/summary", nil, all},
			{"GET", hp + "/versions", nil, all},
			{"GET", hp + "/export", nil, all},
			{"GET", hp + "/verify", nil, all},
			{"GET", hp + "/audio/judge?start=0&end=1", nil, all},
			{"GET", seg, nil, all},
			{"GET", seg + "/history", nil, all},
			{"POST", hp + "/notes", map[string]any{"at_ms": 100, "text": "注"}, clerk},
			{"POST", hp + "/notes/1/edit", map[string]any{"revision": 0, "text": "注", "reason": "改"}, clerk},
			{"POST", hp + "/notes/1/delete", map[string]any{"revision": 0, "reason": "误记"}, clerk},
			{"POST", hp + "/segments", map[string]any{"seat": "judge", "start_ms": 100, "end_ms": 900, "text": "补记", "reason": "漏记"}, clerk},
			{"GET", hp + "/corrections/1/file", nil, all},
			{"POST", seg + "/edit", map[string]any{"revision": s0.Revision, "text": "改了"}, clerk},
			{"POST", fmt.Sprintf("/api/segments/%d/relabel", s1.ID), map[string]any{"revision": s1.Revision, "seat": "judge"}, clerk},
			{"POST", fmt.Sprintf("/api/segments/%d/split", segs[2].ID), map[string]any{"revision": segs[2].Revision, "offset": 2}, clerk},
			{"POST", seg + "/merge", map[string]any{"revision": 99, "next_revision": 99}, clerk},
			{"POST", seg + "/delete", map[string]any{"revision": 99, "reason": "重复"}, clerk},
			{"POST", hp + "/recess", map[string]any{"at_ms": 9000, "reason": "休息"}, clerk},
			{"POST", hp + "/resume", map[string]any{"at_ms": 9500, "reason": "继续"}, clerk},
			{"POST", hp + "/start", map[string]any{}, clerk},
			{"POST", hp + "/close", map[string]any{}, clerk},
			{"POST", hp + "/finalize", map[string]any{}, clerk},
			{"POST", hp + "/sign", map[string]any{"password": testPassword}, only("zhangsan", "wangwu", "zhaoliu")},
			{"POST", hp + "/review", map[string]any{"party": "原告张某", "outcome": "confirmed"}, clerk},
			{"POST", hp + "/correct", map[string]any{"segment_id": s0.ID, "text": "x", "reason": "y"}, clerk},
			{"POST", "/api/logout", nil, all},
		}
		var c *client
		if p.user == "" {
			c = r.anon()
		} else {
			c = r.login(p.user)
		}
		for _, e := range eps {
			code, b := c.raw(e.method, e.path, e.body, nil)
			var ae apiError
			json.Unmarshal(b, &ae)
			name := fmt.Sprintf("%s %s as %s", e.method, e.path, p.label)
			switch {
			case p.user == "":
				if code != 401 {
					t.Errorf("%s: %d %s, want 401", name, code, b)
				}
			case e.allowed[p.user]:
				if code == 401 || (code == 403 && ae.Code != "bad_password") {
					t.Errorf("%s: %d %s, want permitted", name, code, b)
				}
			default:
				if code != 403 || ae.Code != "forbidden" {
					t.Errorf("%s: %d %s, want 403 forbidden", name, code, b)
				}
			}
		}
	}
}
