package api

import "bytes"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "log/slog"
import "net/http"
import "net/http/cookiejar"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// The test rig runs the API on the real SQLite store in a temporary directory, over real HTTP
// on loopback. Only the capture side (StatusSource) is a hand-written fake: it is the
// outermost boundary of this package.

const testPassword = "correct-horse-1"

// Users of the rig. zhaoliu is the clerk and zhangsan the presiding judge of rig hearings.
var rigUsers = []struct {
	name string
	role transcript.Role
}{
	{"admin", transcript.RoleAdmin}, {"tech", transcript.RoleTechnician},
	{"zhaoliu", transcript.RoleClerk}, {"qianqi", transcript.RoleClerk},
	{"zhangsan", transcript.RoleJudge}, {"wangwu", transcript.RoleJudge}, {"sunba", transcript.RoleJudge},
	{"viewer", transcript.RoleViewer},
}

type fakeStatus struct {
	mu sync.Mutex
	h  map[string]AgentHealth
}

func (f *fakeStatus) HearingHealth(id string) (AgentHealth, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.h[id]
	return a, ok
}

func (f *fakeStatus) Agents() []AgentHealth {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []AgentHealth
	for _, a := range f.h {
		out = append(out, a)
	}
	return out
}

func (f *fakeStatus) set(a AgentHealth) {
	f.mu.Lock()
	f.h[a.Hearing] = a
	f.mu.Unlock()
}

type rig struct {
	t      testing.TB
	dir    string
	store  *sqlite.Store
	api    *Server
	srv    *httptest.Server
	status *fakeStatus
	now    *testClock
	cfg    Config
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRig(t testing.TB, mutate ...func(*Config)) *rig {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st := sqlitetest.Open(t, dir, sqlite.Options{Logger: quietLog(), DataDir: dir, Argon2: &transcript.TestArgon2})
	for _, u := range rigUsers {
		if _, err := st.CreateUser(ctx, "system", u.name, u.role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	clk := &testClock{t: time.Now()}
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.Clock = clk.Now
	cfg.Sessions = auth.Config{LoginBurst: 10000, LoginEvery: time.Millisecond}
	for _, m := range mutate {
		m(&cfg)
	}
	fs := &fakeStatus{h: map[string]AgentHealth{}}
	a := New(cfg, st, fs, quietLog())
	srv := httptest.NewServer(a)
	r := &rig{t: t, dir: dir, store: st, api: a, srv: srv, status: fs, now: clk, cfg: cfg}
	t.Cleanup(func() {
		srv.Close()
		a.Close()
		st.Close()
	})
	return r
}

// restart stops the API and closes the store, then opens both again on the same data
// directory, as a server restart does; clients keep their cookie jars (cookies ignore ports).
func (r *rig) restart() {
	r.t.Helper()
	r.srv.Close()
	r.api.Close()
	r.store.Close()
	st := sqlitetest.Open(r.t, r.dir, sqlite.Options{Logger: quietLog(), DataDir: r.dir, Argon2: &transcript.TestArgon2})
	a := New(r.cfg, st, r.status, quietLog())
	srv := httptest.NewServer(a)
	r.store, r.api, r.srv = st, a, srv
	r.t.Cleanup(func() {
		srv.Close()
		a.Close()
		st.Close()
	})
}

// hearing creates a live hearing with the rig's clerk and bench, and n segments with text.
func (r *rig) hearing(id string, n int) (*transcript.Hearing, []transcript.Segment) {
	r.t.Helper()
	ctx := context.Background()
	h := transcript.Hearing{ID: id, CaseNumber: "（2026）京0105民初1234号", Cause: "买卖合同纠纷", Courtroom: "第三法庭",
		Title: "张某诉李某买卖合同纠纷案", Language: "zh", Presiding: "zhangsan", Judges: []string{"wangwu"}, Clerk: "zhaoliu",
		ScheduledAt: time.Now(),
		Seats: []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}, {Seat: "plaintiff", Role: "原告", Person: "李四"},
			{Seat: "defendant", Role: "被告", Person: "李某"}}}
	if _, err := r.store.CreateHearing(ctx, "admin", h); err != nil {
		r.t.Fatal(err)
	}
	hh, err := r.store.Start(ctx, "zhaoliu", id)
	if err != nil {
		r.t.Fatal(err)
	}
	var segs []transcript.Segment
	seats := []string{"judge", "plaintiff", "defendant"}
	for i := 0; i < n; i++ {
		sg := r.appendSegment(id, seats[i%3], int64(i)*3000, int64(i)*3000+2500, fmt.Sprintf("第%d句话。现在开庭。", i))
		segs = append(segs, *sg)
	}
	return hh, segs
}

// appendSegment does what the server pipeline does: the diarizer appends, the engine fills in.
func (r *rig) appendSegment(hearing, seat string, start, end int64, text string) *transcript.Segment {
	r.t.Helper()
	ctx := context.Background()
	sg, err := r.store.AppendSegment(ctx, "diarizer", hearing, transcript.NewSegment{Seat: seat, StartMS: start, EndMS: end})
	if err != nil {
		r.t.Fatal(err)
	}
	if text == "" {
		return sg
	}
	sg, err = r.store.SetEngineResult(ctx, "engine:test", sg.ID, transcript.EngineResult{Text: text, Confidence: 0.9, Final: true, Engine: "test"})
	if err != nil {
		r.t.Fatal(err)
	}
	return sg
}

// client is one browser: a cookie jar and the CSRF token of its session.
type client struct {
	r    *rig
	hc   *http.Client
	csrf string
	name string
}

func (r *rig) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{r: r, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (r *rig) login(name string) *client {
	r.t.Helper()
	c := r.anon()
	var s sessionResp
	if code := c.do("POST", "/api/login", loginReq{Name: name, Password: testPassword}, &s); code != 200 {
		r.t.Fatalf("login %s: %d", name, code)
	}
	c.csrf, c.name = s.CSRF, name
	return c
}

// do sends a request (body marshaled as JSON unless it is a string) and decodes the answer
// into out when given. It returns the status code.
// alarmSeats reads a hearing's health panel and returns its open alarms: code → seat.
func (c *client) alarmSeats(hearing string) map[string]string {
	var hl Health
	c.do("GET", "/api/hearings/"+hearing+"/health", nil, &hl)
	m := map[string]string{}
	for _, a := range hl.Alarms {
		m[a.Code] = a.Seat
	}
	return m
}

func (c *client) do(method, path string, body any, out any) int {
	c.r.t.Helper()
	code, b := c.raw(method, path, body, nil)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.r.t.Fatalf("%s %s: %d %s: %v", method, path, code, b, err)
		}
	}
	return code
}

func (c *client) raw(method, path string, body any, hdr map[string]string) (int, []byte) {
	c.r.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.r.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.r.srv.URL+path, rd)
	if err != nil {
		c.r.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	req.Header.Set("Origin", c.r.srv.URL)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// writeWAV writes a canonical 16 kHz mono WAV whose sample i has value i%30000.
// seatPath is where the archive keeps a seat's audio of a hearing in the rig's data directory
// (archive.SeatPath), its directory made.
func (r *rig) seatPath(hearing, seat string) string {
	r.t.Helper()
	path, err := archive.SeatPath(r.dir, hearing, seat)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.t.Fatal(err)
	}
	return path
}

func writeWAV(t testing.TB, path string, samples int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	pcm := make([]byte, 2*samples)
	for i := 0; i < samples; i++ {
		v := int16(i % 30000)
		pcm[2*i], pcm[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	if err := os.WriteFile(path, append(wavfile.PCMHeader(wire.SampleRate, 1, int64(len(pcm))), pcm...), 0o644); err != nil {
		t.Fatal(err)
	}
}
