package api

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "net/http"
import "net/url"
import "os"
import "strings"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/capture/wavfile"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"
import "github.com/courtscribe/courtscribe/transcript/live"

func TestConcurrentEditsConflict(t *testing.T) {
	r := newRig(t)
	_, segs := r.hearing("h1", 2)
	a, b := r.login("zhaoliu"), r.login("zhaoliu") // the clerk in two windows
	sg := segs[0]
	var ok segmentChange
	if code := a.do("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID), map[string]any{"revision": sg.Revision, "text": "第一个窗口"}, &ok); code != 200 {
		t.Fatalf("first edit: %d", code)
	}
	if ok.Segment.Revision != sg.Revision+1 || ok.Segment.Text != "第一个窗口" {
		t.Fatalf("first edit gave %+v", ok.Segment)
	}
	var conflict apiError
	code := b.do("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID), map[string]any{"revision": sg.Revision, "text": "第二个窗口"}, &conflict)
	if code != http.StatusConflict || conflict.Code != "conflict" || conflict.Current == nil {
		t.Fatalf("stale edit: %d %+v", code, conflict)
	}
	if conflict.Current.Text != "第一个窗口" || conflict.Current.Revision != ok.Segment.Revision {
		t.Fatalf("conflict carries %+v, want the first window's text", conflict.Current)
	}
	got, _ := r.store.GetSegment(context.Background(), sg.ID)
	if got.Text != "第一个窗口" {
		t.Fatalf("stale edit overwrote the text: %q", got.Text)
	}
	// Resolving: the second window rebases on the current revision.
	if code := b.do("POST", fmt.Sprintf("/api/segments/%d/edit", sg.ID), map[string]any{"revision": conflict.Current.Revision, "text": "合并后的文字"}, nil); code != 200 {
		t.Fatalf("rebased edit: %d", code)
	}
	// Stale relabel, split, merge and delete are conflicts as well.
	for _, op := range []string{"relabel", "split", "delete"} {
		body := map[string]any{"revision": sg.Revision, "seat": "plaintiff", "offset": 1, "reason": "x"}
		if code := a.do("POST", fmt.Sprintf("/api/segments/%d/%s", sg.ID, op), body, &conflict); code != 409 || conflict.Code != "conflict" {
			t.Errorf("stale %s: %d %+v", op, code, conflict)
		}
	}
	if code := a.do("POST", fmt.Sprintf("/api/segments/%d/merge", sg.ID), map[string]any{"revision": sg.Revision + 2, "next_revision": 99}, &conflict); code != 409 {
		t.Errorf("merge with a stale next revision: %d %+v", code, conflict)
	}
}

func TestSecurityEdges(t *testing.T) {
	r := newRig(t)
	_, segs := r.hearing("h1", 1)
	c := r.login("zhaoliu")
	edit := fmt.Sprintf("/api/segments/%d/edit", segs[0].ID)
	body := fmt.Sprintf(`{"revision":%d,"text":"x"}`, segs[0].Revision)
	cases := []struct {
		name string
		body string
		hdr  map[string]string
		code int
		err  string
	}{
		{"no CSRF header", body, map[string]string{auth.CSRFHeader: ""}, 403, "csrf"},
		{"wrong CSRF header", body, map[string]string{auth.CSRFHeader: "nope"}, 403, "csrf"},
		{"foreign origin", body, map[string]string{"Origin": "http://evil.example"}, 403, "origin"},
		{"form content type", body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "content_type"},
		{"unknown field", fmt.Sprintf(`{"revision":%d,"text":"x","admin":true}`, segs[0].Revision), nil, 400, "bad_json"},
		{"trailing data", body + `{}`, nil, 400, "bad_json"},
		{"not JSON", `revision=1`, nil, 400, "bad_json"},
		{"too large", `{"revision":1,"text":"` + strings.Repeat("字", 600000) + `"}`, nil, 413, "too_large"},
		{"no revision", `{"text":"x"}`, nil, 400, "invalid"},
		{"bad segment id", ``, nil, 400, "invalid"},
	}
	for _, tc := range cases {
		path := edit
		if tc.name == "bad segment id" {
			path = "/api/segments/abc/edit"
			tc.body = body
		}
		code, b := c.raw("POST", path, tc.body, tc.hdr)
		var ae apiError
		json.Unmarshal(b, &ae)
		if code != tc.code || ae.Code != tc.err {
			t.Errorf("%s: %d %s, want %d %s", tc.name, code, b, tc.code, tc.err)
		}
	}
	got, _ := r.store.GetSegment(context.Background(), segs[0].ID)
	if got.Revision != segs[0].Revision {
		t.Fatal("a refused request changed the segment")
	}
	if code, _ := c.raw("GET", "/api/hearings/..%2f..%2fetc", nil, nil); code != 400 && code != 404 {
		t.Errorf("traversal-looking hearing id: %d", code)
	}
	if code, _ := c.raw("GET", "/api/nothing", nil, nil); code != 404 {
		t.Errorf("unknown endpoint: %d", code)
	}
}

func TestLoginRateLimitAndSessionCookie(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Sessions = auth.Config{LoginBurst: 3, LoginEvery: time.Minute} })
	c := r.anon()
	for i := 0; i < 3; i++ {
		if code := c.do("POST", "/api/login", loginReq{Name: "zhaoliu", Password: "wrong-password"}, nil); code != 401 {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	code, _ := c.raw("POST", "/api/login", loginReq{Name: "zhaoliu", Password: testPassword}, nil)
	if code != http.StatusTooManyRequests {
		t.Fatalf("4th attempt within the burst: %d, want 429", code)
	}
	r.now.Add(time.Minute)
	req, _ := http.NewRequest("POST", r.srv.URL+"/api/login", strings.NewReader(`{"name":"zhaoliu","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login after the wait: %d", resp.StatusCode)
	}
	ck := resp.Cookies()
	if len(ck) == 0 || ck[len(ck)-1].Name != auth.CookieName || !ck[len(ck)-1].HttpOnly || ck[len(ck)-1].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie: %+v", ck)
	}
	// A disabled user's session stops working at once.
	r.now.Add(time.Minute) // the loopback address's bucket refills
	u := r.login("viewer")
	if code := u.do("GET", "/api/hearings", nil, nil); code != 200 {
		t.Fatal(code)
	}
	r.store.SetDisabled(context.Background(), "system", "viewer", true)
	if code := u.do("GET", "/api/hearings", nil, nil); code != 401 {
		t.Fatalf("disabled user: %d", code)
	}
}

func TestAudioRange(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 1)
	writeWAV(t, r.seatPath("h1", "judge"), 16000*10)
	c := r.login("viewer")
	code, b := c.raw("GET", "/api/hearings/h1/audio/judge?start=2&end=2.5", nil, nil)
	if code != 200 || len(b) != 44+8000*2 {
		t.Fatalf("range: %d, %d bytes", code, len(b))
	}
	a, err := wavfile.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("served range is not a valid WAV: %v", err)
	}
	if a.SampleRate != wire.SampleRate || a.Frames() != 8000 || len(a.Channels) != 1 {
		t.Fatalf("served %d Hz, %d channels, %d frames", a.SampleRate, len(a.Channels), a.Frames())
	}
	if first := a.Channels[0][0]; first != 32000%30000 {
		t.Fatalf("first sample %d, want %d (sample 32000)", first, 32000%30000)
	}
	// Past the end: clipped to the recording; wholly past it: 416.
	if code, b := c.raw("GET", "/api/hearings/h1/audio/judge?start=9.5&end=12", nil, nil); code != 200 || len(b) != 44+8000*2 {
		t.Fatalf("range past the end: %d %d", code, len(b))
	}
	bad := []struct {
		q    string
		code int
	}{
		{"start=11&end=12", 416},
		{"start=0&end=100000", 416},
		{"start=-1&end=2", 400},
		{"start=2&end=1", 400},
		{"start=NaN&end=1", 400},
		{"start=x&end=1", 400},
		{"", 400},
	}
	for _, tc := range bad {
		if code, body := c.raw("GET", "/api/hearings/h1/audio/judge?"+tc.q, nil, nil); code != tc.code {
			t.Errorf("%q: %d %s, want %d", tc.q, code, body, tc.code)
		}
	}
	for _, seat := range []string{"..%2f..%2fcourtscribe.db", "witness", "JUDGE", "%2e%2e"} {
		if code, _ := c.raw("GET", "/api/hearings/h1/audio/"+seat+"?start=0&end=1", nil, nil); code != 400 && code != 404 {
			t.Errorf("seat %q: %d", seat, code)
		}
	}
	// A seat of the map without a file is 404, not a crash.
	if code, _ := c.raw("GET", "/api/hearings/h1/audio/plaintiff?start=0&end=1", nil, nil); code != 404 {
		t.Errorf("missing file: %d", code)
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(append(wavfile.PCMHeader(wire.SampleRate, 1, 4), 1, 2, 3, 4))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	// The archive's RF64 form (ds64 sizes, 32-bit sizes 0xFFFFFFFF), 16-bit mono, 2 samples.
	f.Add([]byte("RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00\x4c\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"fmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\xff\xff\xff\xff\x01\x00\x02\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseWAV(strings.NewReader(string(b)), int64(len(b)))
		if err == nil && (l.dataOff < 12 || l.dataOff+l.dataSize > int64(len(b)) || l.dataSize < 0) {
			t.Fatalf("layout %+v outside a %d-byte file", l, len(b))
		}
	})
}

func TestHealthAlarms(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 0)
	r.appendSegment("h1", "judge", 0, 1000, "") // one utterance waits for the engine
	c := r.login("zhaoliu")
	var hl Health
	c.do("GET", "/api/hearings/h1/health", nil, &hl)
	if len(hl.Alarms) != 1 || hl.Alarms[0].Code != "agent_disconnected" || hl.Backlog != 1 {
		t.Fatalf("no agent: %+v", hl)
	}
	// The ingest side reports, per seat, since when it has levels and when the seat last spoke.
	start := r.now.Now()
	var judgeSpoke, plaintiffSpoke time.Time
	levels := func(judge, plaintiff float64, clipped int) AgentHealth {
		now := r.now.Now()
		if judge > -45 {
			judgeSpoke = now
		}
		if plaintiff > -45 {
			plaintiffSpoke = now
		}
		return AgentHealth{Hearing: "h1", Connected: true, LevelsAt: now, Engine: "whisper:base", EngineSystem: "WHISPER : COREML = 0 | CUDA : ARCHS = 900",
			Levels:   []SeatLevel{{Seat: "judge", RMSdBFS: judge, PeakdBFS: judge + 10}, {Seat: "plaintiff", RMSdBFS: plaintiff, PeakdBFS: 0, Clipped: clipped}},
			Activity: []SeatActivity{{Seat: "judge", Since: start, LastSpeechAt: judgeSpoke, LastSignalAt: now}, {Seat: "plaintiff", Since: start, LastSpeechAt: plaintiffSpoke, LastSignalAt: now}}}
	}
	codes := func() map[string]string { return c.alarmSeats("h1") }
	r.status.set(levels(-20, -20, 0))
	var eh Health
	c.do("GET", "/api/hearings/h1/health", nil, &eh)
	if eh.Engine != "whisper:base" || eh.EngineSystem != "WHISPER : COREML = 0 | CUDA : ARCHS = 900" {
		t.Errorf("engine %q, system %q: the panel does not show how the engine runs", eh.Engine, eh.EngineSystem)
	}
	// The judge speaks for four minutes; the plaintiff's microphone stays silent. Nobody looks
	// at the screen until the end: the alarm does not depend on anyone watching.
	for i := 0; i < 240; i++ {
		r.status.set(levels(-20, -80, 0))
		if i == 150 && codes()["dead_mic"] != "" {
			t.Fatal("dead mic raised after 2.5 minutes")
		}
		r.now.Add(time.Second)
	}
	r.status.set(levels(-20, -80, 0))
	if m := codes(); m["dead_mic"] != "plaintiff" {
		t.Fatalf("dead mic not raised for plaintiff: %v", m)
	}
	// The plaintiff speaks, clipping: the dead-mic alarm goes, a clipping alarm comes.
	r.status.set(levels(-20, -10, 3))
	if m := codes(); m["dead_mic"] != "" || m["clipping"] != "plaintiff" {
		t.Fatalf("after speaking loudly: %v", m)
	}
	// Everyone silent for five minutes (a recess): no dead-mic alarm, nobody else spoke.
	r.now.Add(5 * time.Minute)
	r.status.set(levels(-80, -80, 0))
	if m := codes(); m["dead_mic"] != "" {
		t.Fatalf("dead mic in general silence: %v", m)
	}
	a := levels(-20, -20, 0)
	a.SpoolBytes, a.SpoolLimit, a.Gaps = 900, 1000, 1
	r.status.set(a)
	if m := codes(); m["spool_high"] != "" || len(m) != 2 {
		if _, ok := m["spool_high"]; !ok {
			t.Fatalf("spool alarm missing: %v", m)
		}
		if _, ok := m["audio_gap"]; !ok {
			t.Fatalf("gap alarm missing: %v", m)
		}
	}
	a.Connected = false
	r.status.set(a)
	if _, ok := codes()["agent_disconnected"]; !ok {
		t.Fatal("disconnect alarm missing")
	}
}

// TestLiveOverAPI follows a hearing through the API's websocket while the pipeline appends
// segments and a clerk edits, reconnecting halfway with ?after=, and checks the client saw
// every event once, in order.
func TestLiveOverAPI(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 0)
	c := r.login("viewer")
	var snap segmentsResp
	if code := c.do("GET", "/api/hearings/h1/segments", nil, &snap); code != 200 {
		t.Fatal(code)
	}
	dial := func(after int64) *websocket.Conn {
		h := http.Header{}
		h.Set("Origin", r.srv.URL)
		for _, ck := range c.hc.Jar.Cookies(mustURL(r.srv.URL)) {
			h.Add("Cookie", ck.Name+"="+ck.Value)
		}
		ws, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+fmt.Sprintf("/api/hearings/h1/live?after=%d", after), h)
		if err != nil {
			t.Fatalf("dial: %v (%v)", err, resp)
		}
		return ws
	}
	// A foreign origin is refused.
	h := http.Header{}
	h.Set("Origin", "http://evil.example")
	for _, ck := range c.hc.Jar.Cookies(mustURL(r.srv.URL)) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+"/api/hearings/h1/live", h); err == nil || resp.StatusCode != 403 {
		t.Fatalf("foreign origin websocket: %v %v", err, resp)
	}

	seen := map[int64]bool{}
	var cursor = snap.Head
	read := func(ws *websocket.Conn, want int) {
		for n := 0; n < want; {
			ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			var f live.Frame
			if err := ws.ReadJSON(&f); err != nil {
				t.Fatalf("read: %v", err)
			}
			for _, m := range f.Events {
				if seen[m.ID] || m.ID <= cursor {
					t.Fatalf("duplicate event %d", m.ID)
				}
				seen[m.ID] = true
				cursor = m.ID
				n++
			}
		}
	}
	ws := dial(cursor)
	var lat []time.Duration
	for i := 0; i < 10; i++ {
		t0 := time.Now()
		r.appendSegment("h1", "judge", int64(i)*1000, int64(i)*1000+900, "") // one event
		read(ws, 1)
		lat = append(lat, time.Since(t0))
	}
	ws.Close()
	// Commits while nobody listens, then resume.
	for i := 10; i < 20; i++ {
		r.appendSegment("h1", "plaintiff", int64(i)*1000, int64(i)*1000+900, "") // one event each
	}
	ws = dial(cursor)
	defer ws.Close()
	read(ws, 10)
	evs, _ := r.store.EventsSince(context.Background(), "h1", snap.Head, 0)
	if len(evs) != len(seen) {
		t.Fatalf("saw %d events, the store has %d after the snapshot head", len(seen), len(evs))
	}
	// Delivery is what this test checks (each read has a deadline); the 100 ms target is a
	// benchmark's job (BenchmarkLiveFanout, make bench-live), not a timed assertion here.
	t.Logf("commit → subscriber: %v", lat)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestExportFormats(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 3)
	c := r.login("viewer")
	for _, f := range []string{"json", "txt", "srt", "vtt"} {
		code, b := c.raw("GET", "/api/hearings/h1/export?format="+f, nil, nil)
		if code != 200 || !strings.Contains(string(b), "现在开庭") {
			t.Errorf("format %s: %d %.200s", f, code, b)
		}
	}
	if code, _ := c.raw("GET", "/api/hearings/h1/export?format=docx", nil, nil); code != 400 {
		t.Errorf("unknown format: %d", code)
	}
	if code, _ := c.raw("GET", "/api/hearings/h1/export?version=x", nil, nil); code != 400 {
		t.Errorf("bad version: %d", code)
	}
	// Not finalized, not signed: the offline verifier refuses it.
	_, b := c.raw("GET", "/api/hearings/h1/export", nil, nil)
	if _, err := VerifyExport(b); err == nil {
		t.Errorf("unsigned export verifies: %v", err)
	}
}

// The archive's own writer, mid-recording: the header still says 0 samples (not yet synced)
// while the file already holds audio. The range is served from what the file holds.
func TestAudioRangeFromLiveArchiveFile(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 1)
	path := r.seatPath("h1", "plaintiff")
	w, err := wavfile.Create(path, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pcm := make([]int16, 16000*3)
	for i := range pcm {
		pcm[i] = int16(i % 1000)
	}
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil { // on disk, header not rewritten yet
		t.Fatal(err)
	}
	c := r.login("zhaoliu")
	code, b := c.raw("GET", "/api/hearings/h1/audio/plaintiff?start=1&end=2", nil, nil)
	if code != 200 || len(b) != 44+32000 {
		t.Fatalf("live file range: %d, %d bytes", code, len(b))
	}
	a, err := wavfile.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("served range is not a valid WAV: %v", err)
	}
	if a.SampleRate != wire.SampleRate || a.Frames() != 16000 || a.Channels[0][0] != int16(16000%1000) {
		t.Fatalf("served %d Hz, %d frames, first sample %d", a.SampleRate, a.Frames(), a.Channels[0][0])
	}
}

// TestAudioRangeAt30And40Hours (issue 11, low: "the API refuses audio past 2.7 h"): a 40 h
// seat file, RF64 past 4 GiB as the archive writes it (the gaps are holes), is served through
// the real HTTP API sample-exact at 30 h and at its very end; a range past the end is 416.
func TestAudioRangeAt30And40Hours(t *testing.T) {
	r := newRig(t)
	r.hearing("h1", 1)
	path := r.seatPath("h1", "plaintiff")
	const at30, at40 = 30 * 3600 * 16000, 40 * 3600 * 16000
	mark := func(n int, base int16) []int16 {
		p := make([]int16, n)
		for i := range p {
			p[i] = base + int16(i)
		}
		return p
	}
	w, err := wavfile.Create(path, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return w.Write(mark(16000, 1)) },
		func() error { return w.WriteSilence(at30 - 16000) },
		func() error { return w.Write(mark(16000, -20000)) }, // 30:00:00 – 30:00:01
		func() error { return w.WriteSilence(at40 - 16000 - w.Samples()) },
		func() error { return w.Write(mark(16000, 5000)) }, // the last second: 39:59:59 – 40:00:00
		w.Close,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Skipf("no sparse 4.6 GB file here: %v", err)
		}
	}
	var hdr [4]byte
	if f, err := os.Open(path); err == nil {
		f.ReadAt(hdr[:], 0)
		f.Close()
	}
	if string(hdr[:]) != "RF64" {
		t.Fatalf("the 40 h archive file is %q, want RF64", hdr)
	}
	c := r.login("zhaoliu")
	get := func(start, end string) (int, []int16) {
		t.Helper()
		code, b := c.raw("GET", "/api/hearings/h1/audio/plaintiff?start="+start+"&end="+end, nil, nil)
		if code != 200 {
			return code, nil
		}
		a, err := wavfile.Read(bytes.NewReader(b))
		if err != nil || a.SampleRate != wire.SampleRate {
			t.Fatalf("served range %s–%s is not a 16 kHz WAV: %v", start, end, err)
		}
		return code, a.Channels[0]
	}
	check := func(start, end string, want []int16) {
		t.Helper()
		code, got := get(start, end)
		if code != 200 || len(got) != len(want) {
			t.Fatalf("%s–%s s: %d, %d samples, want %d", start, end, code, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s–%s s: sample %d = %d, want %d", start, end, i, got[i], want[i])
			}
		}
	}
	check("0", "0.5", mark(8000, 1))
	check("108000", "108001", mark(16000, -20000))                                     // 30 h
	check("107999.5", "108000.25", append(make([]int16, 8000), mark(4000, -20000)...)) // across the hole's end
	check("143999", "144000", mark(16000, 5000))                                       // the last second of 40 h
	check("143999.5", "144010", mark(16000, 5000)[8000:])                              // clipped at the end
	if code, _ := get("144000", "144001"); code != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("a range after the end of a 40 h file: %d, want 416", code)
	}
}

// The RF64 seed of FuzzParseWAV is what the archive writes: parseWAV finds its 2 samples.
func TestParseWAVRF64Seed(t *testing.T) {
	b := []byte("RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00\x4c\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"fmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\xff\xff\xff\xff\x01\x00\x02\x00")
	l, err := parseWAV(strings.NewReader(string(b)), int64(len(b)))
	if err != nil || l.rate != 16000 || l.dataOff != 80 || l.dataSize != 4 {
		t.Fatalf("layout %+v, %v", l, err)
	}
}

// TestExportLinesPerPage: lines_per_page sets the US transcript's numbered lines per page
// (25 by default, 32 in some states); a value the layout cannot take is a 400 that says the
// range, not a silent default.
func TestExportLinesPerPage(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.store.CreateHearing(ctx, "admin", transcript.Hearing{ID: "us1", CaseNumber: "1:26-cr-7", Title: "United States v. Doe",
		Language: "en", Presiding: "zhangsan", Clerk: "zhaoliu", ScheduledAt: time.Now(),
		Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT"}, {Seat: "plaintiff", Role: "Ms. Park"}, {Seat: "defendant", Role: "Mr. Smith"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.Start(ctx, "zhaoliu", "us1"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		r.appendSegment("us1", []string{"judge", "plaintiff", "defendant"}[i%3], int64(i)*3000, int64(i)*3000+2500, "Counsel, please state your appearances for the record.")
	}
	c := r.login("viewer")
	maxLine := func(q string) (int, int) { // the highest line number on any page, and the page count
		code, b := c.raw("GET", "/api/hearings/us1/export?format=txt"+q, nil, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", q, code, b)
		}
		pages := strings.Split(string(b), "\f\n")
		most := 0
		for _, p := range pages {
			lines := strings.Split(strings.TrimRight(p, "\n"), "\n")
			most = max(most, len(lines)-1) // the first line is the page number
		}
		return most, len(pages)
	}
	def, defPages := maxLine("")
	l32, pages32 := maxLine("&lines_per_page=32")
	if def != 25 || l32 != 32 || pages32 >= defPages {
		t.Fatalf("lines per page: default %d (%d pages), 32 → %d (%d pages)", def, defPages, l32, pages32)
	}
	for _, bad := range []string{"9", "61", "0", "-3", "x", "25.5"} {
		code, b := c.raw("GET", "/api/hearings/us1/export?format=txt&lines_per_page="+bad, nil, nil)
		if code != 400 || !strings.Contains(string(b), "lines_per_page") || !strings.Contains(string(b), "10 to 60") {
			t.Errorf("lines_per_page=%s: %d %s", bad, code, b)
		}
	}
}
