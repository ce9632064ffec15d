package api

import "encoding/json"
import "fmt"
import "net/http"
import "testing"

// FuzzAPIJSON sends arbitrary bodies to every API route that reads JSON, as the role that may
// use it, over real HTTP to the real SQLite store. Whatever the body, the answer is a JSON
// error or success below 500 (a 500 would mean hostile input reached the store unchecked),
// and the record stays readable and its audit chain intact.
func FuzzAPIJSON(f *testing.F) {
	type route struct {
		method, path, as string
	}
	r := newRig(f)
	_, segs := r.hearing("h1", 6)
	sid := func(i int) string { return fmt.Sprint(segs[i].ID) }
	routes := []route{
		{"POST", "/api/login", ""},
		{"POST", "/api/users", "admin"},
		{"POST", "/api/hearings", "admin"},
		{"PATCH", "/api/hearings/h1", "admin"},
		{"POST", "/api/hearings/h1/notes", "zhaoliu"},
		{"POST", "/api/hearings/h1/recess", "zhaoliu"},
		{"POST", "/api/hearings/h1/finalize", "zhaoliu"},
		{"POST", "/api/hearings/h1/sign", "zhangsan"},
		{"POST", "/api/hearings/h1/correct", "zhaoliu"},
		{"POST", "/api/segments/" + sid(0) + "/edit", "zhaoliu"},
		{"POST", "/api/segments/" + sid(1) + "/relabel", "zhaoliu"},
		{"POST", "/api/segments/" + sid(2) + "/split", "zhaoliu"},
		{"POST", "/api/segments/" + sid(3) + "/merge", "zhaoliu"},
		{"POST", "/api/segments/" + sid(4) + "/delete", "zhaoliu"},
		{"POST", "/api/segments/999999/edit", "zhaoliu"},
	}
	clients := map[string]*client{"": r.anon()}
	for _, rt := range routes {
		if _, ok := clients[rt.as]; !ok {
			clients[rt.as] = r.login(rt.as)
		}
	}
	// One valid body per route (in the routes' order), then hostile ones.
	valid := []string{
		`{"name":"zhaoliu","password":"correct-horse-1"}`,
		`{"name":"clerk2","role":"clerk","password":"long-enough-password"}`,
		`{"id":"h2","case_number":"（2026）京0105民初1号","language":"zh","seats":[{"seat":"judge","role":"审判长"}]}`,
		`{"title":"改名后的案件"}`,
		`{"text":"原告出示证据一","at_ms":1000}`,
		`{"reason":"休庭十分钟","at_ms":2000}`,
		`{}`,
		`{"password":"correct-horse-1"}`,
		`{"segment_id":1,"text":"更正后的话。","reason":"笔误"}`,
		`{"text":"更正后的话。","revision":2}`,
		`{"seat":"defendant","revision":2}`,
		`{"offset":2,"revision":2}`,
		`{"next_revision":2,"revision":2}`,
		`{"reason":"重复","revision":2}`,
		`{"text":"x","revision":2}`,
	}
	for i, s := range valid {
		f.Add(uint8(i), []byte(s))
	}
	for i, s := range []string{
		`{"text":"\u0000\ud800","revision":-1}`, `{"offset":-5,"revision":2}`, `{"offset":99999999999,"revision":2}`,
		`{"text":1e999}`, `[[[[[[[[[[[[[[[[[[[[`, `{"text":"a"}{"text":"b"}`, `null`, `{"at_ms":-9223372036854775808}`,
	} {
		f.Add(uint8(i+9), []byte(s))
	}
	execs := 0
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r.t = t // the rig's helpers report through the current input's T, not the F
		rt := routes[int(which)%len(routes)]
		code, b := clients[rt.as].raw(rt.method, rt.path, string(body), nil)
		if code >= 500 || code < 200 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, code, b)
		}
		var anything map[string]any
		if err := json.Unmarshal(b, &anything); err != nil && code != http.StatusNoContent {
			t.Fatalf("%s %s %q: %d, not JSON: %q", rt.method, rt.path, body, code, b)
		}
		if code >= 400 {
			if s, _ := anything["error"].(string); s == "" {
				t.Fatalf("%s %s %q: %d without an error message: %s", rt.method, rt.path, body, code, b)
			}
		}
		execs++
		if execs%32 == 1 { // the audit walk grows with the record; check it now and then
			var v Verification
			if c := clients["zhaoliu"].do("GET", "/api/hearings/h1/verify", nil, &v); c != 200 || !v.AuditOK {
				t.Fatalf("after %s %s %q: verify answered %d %+v", rt.method, rt.path, body, c, v)
			}
		}
	})
}
