package live

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "net/http"
import "net/http/httptest"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/gorilla/websocket"

import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"

func TestMain(m *testing.M) { testrig.Main(m) }

// memLog is an in-memory event log with the store's contract: ids grow in commit order and
// listeners run after the commit, in commit order. The hub tests use it to control the
// interleaving of commits and catch-up reads; the API tests run the hub on the SQLite store.
type memLog struct {
	mu        sync.Mutex
	commit    sync.Mutex // serializes commit+notify like a single-writer database
	events    []transcript.Event
	listeners map[int]func(transcript.Event)
	next      int
	readHook  func() // called inside EventsSince after the read, before returning
}

func newMemLog() *memLog { return &memLog{listeners: map[int]func(transcript.Event){}} }

func (l *memLog) Append(hearing string) transcript.Event {
	l.commit.Lock()
	defer l.commit.Unlock()
	l.mu.Lock()
	id := int64(len(l.events) + 1)
	e := transcript.Event{ID: id, HearingID: hearing, Kind: transcript.EventSegmentAppended,
		After: []byte(fmt.Sprintf(`{"id":%d}`, id)), At: time.Now()}
	l.events = append(l.events, e)
	ls := make([]func(transcript.Event), 0, len(l.listeners))
	for _, f := range l.listeners {
		ls = append(ls, f)
	}
	l.mu.Unlock()
	for _, f := range ls {
		f(e)
	}
	return e
}

func (l *memLog) EventsSince(ctx context.Context, hearing string, after int64, limit int) ([]transcript.Event, error) {
	l.mu.Lock()
	var out []transcript.Event
	for _, e := range l.events {
		if e.HearingID == hearing && e.ID > after {
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
	}
	hook := l.readHook
	l.mu.Unlock()
	if hook != nil {
		hook()
	}
	return out, nil
}

func (l *memLog) Subscribe(f func(transcript.Event)) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.next
	l.next++
	l.listeners[k] = f
	return func() { l.mu.Lock(); delete(l.listeners, k); l.mu.Unlock() }
}

func collect(t *testing.T, s *Sub, n int) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ids []int64
	for len(ids) < n {
		ms, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("Next after %d events: %v", len(ids), err)
		}
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// Commits that land while a subscriber is reading the history must show up exactly once.
func TestCatchUpRacesCommits(t *testing.T) {
	log := newMemLog()
	for i := 0; i < 25; i++ {
		log.Append("h1")
		log.Append("other")
	}
	hub := New(Config{PageSize: 10}, log, nil)
	defer hub.Close()
	reads := 0
	log.readHook = func() { // a commit between every history read and its delivery
		reads++
		if reads < 6 {
			log.Append("h1")
		}
	}
	s, err := hub.Subscribe(context.Background(), "h1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := collect(t, s, 25+2)
	for !s.CaughtUp() {
		ids = append(ids, collect(t, s, 1)...)
	}
	want := []int64{}
	for _, e := range log.events {
		if e.HearingID == "h1" {
			want = append(want, e.ID)
		}
	}
	if len(ids) < len(want) {
		ids = append(ids, collect(t, s, len(want)-len(ids))...)
	}
	if reads < 3 {
		t.Fatalf("only %d history reads; the race was not exercised", reads)
	}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", ids, want)
	}
	if !s.CaughtUp() {
		t.Fatal("not caught up after the history")
	}
	// Live from here on.
	e := log.Append("h1")
	got := collect(t, s, 1)
	if got[0] != e.ID {
		t.Fatalf("live event %d, want %d", got[0], e.ID)
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	log := newMemLog()
	hub := New(Config{MaxQueue: 5}, log, nil)
	defer hub.Close()
	s, _ := hub.Subscribe(context.Background(), "h", 0)
	if ms, err := s.Next(context.Background()); err != nil || len(ms) != 0 {
		t.Fatalf("first Next on an empty history: %v %v", ms, err)
	}
	for i := 0; i < 7; i++ {
		log.Append("h")
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrSlow) {
		t.Fatalf("slow subscriber: %v, want ErrSlow", err)
	}
	if hub.Subscribers("h") != 0 {
		t.Fatal("slow subscriber still registered")
	}
}

// serveHub serves hub's feed of hearing h1 on a loopback HTTP server, from the event id the
// client asks for (?after=), to anyone.
func serveHub(hub *Hub) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var after int64
		fmt.Sscan(r.URL.Query().Get("after"), &after)
		hub.Serve(w, r, "h1", after, func(*http.Request) bool { return true })
	}))
}

func wsURL(srv *httptest.Server, after int64) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + fmt.Sprintf("/live?after=%d", after)
}

// Over a real loopback websocket: events arrive while the client disconnects and resumes from
// its last id; the ids it ends up with are every event exactly once, in order.
func TestWebsocketResumeNoGapNoDuplicate(t *testing.T) {
	log := newMemLog()
	hub := New(DefaultConfig(), log, nil)
	defer hub.Close()
	srv := serveHub(hub)
	defer srv.Close()

	const total = 600
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < total; i++ {
			log.Append("h1")
			if i%3 == 0 {
				log.Append("h2")
			}
			if i%50 == 0 {
				time.Sleep(2 * time.Millisecond)
			}
		}
		close(stop)
	}()

	var got []int64
	var cursor int64
	for round := 0; len(got) < total; round++ {
		if round > 50 {
			t.Fatalf("too many reconnects; have %d events", len(got))
		}
		c, _, err := websocket.DefaultDialer.Dial(wsURL(srv, cursor), nil)
		if err != nil {
			t.Fatal(err)
		}
		// Each connection takes a bite and then drops, as a flaky courtroom network does.
		for n := 0; n < 150 && len(got) < total; {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			var f Frame
			if err := c.ReadJSON(&f); err != nil {
				t.Fatalf("read: %v", err)
			}
			if f.Type != "events" {
				continue
			}
			for _, m := range f.Events {
				if m.HearingID != "h1" {
					t.Fatalf("event of hearing %s on h1's feed", m.HearingID)
				}
				var snap struct{ ID int64 }
				if err := json.Unmarshal(m.After, &snap); err != nil || snap.ID != m.ID {
					t.Fatalf("bad snapshot %s", m.After)
				}
				got = append(got, m.ID)
				cursor = m.ID
				n++
			}
		}
		c.Close()
	}
	wg.Wait()
	var want []int64
	for _, e := range log.events {
		if e.HearingID == "h1" {
			want = append(want, e.ID)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %d events, want %d; first difference in\n%v\n%v", len(got), len(want), got, want)
	}
	waitFor(t, func() bool { return hub.Subscribers("h1") == 0 })
}

func TestWebsocketCaughtUpAndLive(t *testing.T) {
	log := newMemLog()
	hub := New(DefaultConfig(), log, nil)
	defer hub.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.Serve(w, r, "h1", 0, func(*http.Request) bool { return true })
	}))
	defer srv.Close()
	c, _, err := websocket.DefaultDialer.Dial(wsURL(srv, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var f Frame
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.ReadJSON(&f); err != nil || f.Type != "caught_up" {
		t.Fatalf("first frame %+v, %v", f, err)
	}
	// Each commit arrives, in order (the read deadline bounds the wait); how fast is measured
	// by BenchmarkLiveFanout (make bench-live), not asserted here.
	for i := 0; i < 20; i++ {
		e := log.Append("h1")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := c.ReadJSON(&f); err != nil || f.Type != "events" || f.Events[0].ID != e.ID {
			t.Fatalf("frame %+v, %v", f, err)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHeadFollowsCommits(t *testing.T) {
	log := newMemLog()
	for i := 0; i < 2500; i++ {
		log.Append("h1")
	}
	log.Append("h2")
	hub := New(Config{PageSize: 1000}, log, nil)
	defer hub.Close()
	if h, err := hub.Head(context.Background(), "h1"); err != nil || h != 2500 {
		t.Fatalf("Head(h1) = %d, %v; want 2500", h, err)
	}
	if h, _ := hub.Head(context.Background(), "none"); h != 0 {
		t.Fatalf("Head of an empty hearing = %d", h)
	}
	e := log.Append("h1")
	if h, _ := hub.Head(context.Background(), "h1"); h != e.ID {
		t.Fatalf("Head after a commit = %d, want %d", h, e.ID)
	}
}
