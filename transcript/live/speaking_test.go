package live

import "context"
import "encoding/json"
import "errors"
import "fmt"
import "maps"
import "strings"
import "sync"
import "testing"
import "time"

import "github.com/gorilla/websocket"

// receive is one Receive bounded by a timeout (a test that waits for nothing fails, not hangs).
func receive(t *testing.T, s *Sub) Batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := s.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return b
}

// quiet asserts that Receive has nothing to hand out for a short while.
func quiet(t *testing.T, s *Sub) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if b, err := s.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Receive handed out %+v, %v; want nothing", b, err)
	}
}

// A burst of signals far beyond MaxQueue is one map with the latest state per seat: the
// subscriber is not dropped, nothing queues, the cursor stays where it was.
func TestSpeakingCoalescesWithoutMovingCursor(t *testing.T) {
	log := newMemLog()
	log.Append("h")
	hub := New(Config{MaxQueue: 5}, log, nil)
	defer hub.Close()
	s, _ := hub.Subscribe(context.Background(), "h", 0)
	defer s.Close()
	if b := receive(t, s); len(b.Events) != 1 || b.Speaking != nil || !s.CaughtUp() {
		t.Fatalf("catch-up batch %+v (caught up %v); want the one event and no speaking map", b, s.CaughtUp())
	}
	states := []string{SeatTentative, SeatSpeaking, SeatOff}
	for i := 0; i < 1000; i++ {
		if err := hub.Speaking("h", fmt.Sprintf("seat%d", i%7), states[i%3]); err != nil {
			t.Fatal(err)
		}
	}
	want := hub.SpeakingNow("h")
	if len(want) == 0 {
		t.Fatal("the burst left no seat on; the test would prove nothing")
	}
	b := receive(t, s)
	if len(b.Events) != 0 || !maps.Equal(b.Speaking, want) {
		t.Fatalf("after the burst: %+v, want only the speaking map %v", b, want)
	}
	quiet(t, s) // one map for the whole burst
	s.mu.Lock()
	queued := len(s.buffered)
	s.mu.Unlock()
	if s.Cursor() != 1 || queued != 0 || hub.Subscribers("h") != 1 {
		t.Fatalf("cursor %d, queued %d, subscribers %d; want 1, 0, 1", s.Cursor(), queued, hub.Subscribers("h"))
	}
	// Next, the events-only reader, is not woken into returning by a signal.
	hub.Speaking("h", "judge", SeatSpeaking)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if ms, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next returned %v, %v on a signal; want it to wait for events", ms, err)
	}
	// Every seat off is said as an empty map, so a browser clears its indicators.
	for seat := range hub.SpeakingNow("h") {
		hub.Speaking("h", seat, SeatOff)
	}
	if b := receive(t, s); b.Speaking == nil || len(b.Speaking) != 0 {
		t.Fatalf("all off: %+v, want an empty speaking map", b)
	}
	if n := len(log.events); n != 1 {
		t.Fatalf("the history has %d events; signals must not be stored", n)
	}
}

// hubWithHistory is a hub over a log that holds n events of hearing h, read in pages of page.
func hubWithHistory(h string, n, page int) (*memLog, *Hub) {
	log := newMemLog()
	for i := 0; i < n; i++ {
		log.Append(h)
	}
	return log, New(Config{PageSize: page}, log, nil)
}

// Signals interleaved with commits, from other goroutines, leave the committed events exactly
// once and in id order; the last map handed out is the hub's final state.
func TestSpeakingInterleavedWithCommits(t *testing.T) {
	log, hub := hubWithHistory("h", 30, 7)
	defer hub.Close()
	hub.Speaking("h", "judge", SeatTentative)
	s, _ := hub.Subscribe(context.Background(), "h", 0)
	defer s.Close()

	const commits = 400
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < commits; i++ {
			log.Append("h")
		}
	}()
	go func() {
		defer wg.Done()
		states := []string{SeatSpeaking, SeatOff, SeatTentative}
		for i := 0; i < 3000; i++ {
			hub.Speaking("h", []string{"judge", "defense", "witness"}[i%3], states[(i/3)%3])
		}
		hub.Speaking("h", "defense", SeatSpeaking)
		hub.Speaking("h", "witness", SeatOff)
	}()
	var got []int64
	var last map[string]string
	seenBeforeCaughtUp := false
	for len(got) < 30+commits {
		b := receive(t, s)
		if b.Speaking != nil && !s.CaughtUp() {
			seenBeforeCaughtUp = true
		}
		for _, m := range b.Events {
			got = append(got, m.ID)
		}
		if b.Speaking != nil {
			last = b.Speaking
		}
	}
	wg.Wait()
	// Drain what the last signals said.
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		b, err := s.Receive(ctx)
		cancel()
		if err != nil {
			break
		}
		if len(b.Events) > 0 {
			t.Fatalf("events after all were received: %v", b.Events)
		}
		last = b.Speaking
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("event %d has id %d: not exactly once in order (%v)", i, id, got)
		}
	}
	if seenBeforeCaughtUp {
		t.Fatal("a speaking map was handed out before the subscriber caught up")
	}
	if want := hub.SpeakingNow("h"); !maps.Equal(last, want) || want["defense"] != SeatSpeaking {
		t.Fatalf("last speaking map %v, hub has %v", last, want)
	}
	if s.Cursor() != 30+commits {
		t.Fatalf("cursor %d, want %d", s.Cursor(), 30+commits)
	}
}

// A subscriber that catches up while a seat is on gets the current map once, with the batch
// that finishes the catch-up; signals of other hearings and states that ended before it came
// never reach it.
func TestSpeakingCurrentStateOnCatchUp(t *testing.T) {
	_, hub := hubWithHistory("h", 25, 10)
	defer hub.Close()
	hub.Speaking("h", "witness", SeatSpeaking)
	hub.Speaking("h", "witness", SeatOff) // over before anyone followed: never replayed
	hub.Speaking("h", "judge", SeatSpeaking)
	hub.Speaking("other", "clerk", SeatTentative)

	s, _ := hub.Subscribe(context.Background(), "h", 0)
	defer s.Close()
	hub.Speaking("h", "defense", SeatTentative) // while it reads the history
	var n int
	for {
		b := receive(t, s)
		n += len(b.Events)
		if !s.CaughtUp() {
			if b.Speaking != nil {
				t.Fatalf("speaking map %v before the catch-up finished", b.Speaking)
			}
			continue
		}
		want := map[string]string{"judge": SeatSpeaking, "defense": SeatTentative}
		if !maps.Equal(b.Speaking, want) {
			t.Fatalf("catch-up batch's speaking map %v, want %v", b.Speaking, want)
		}
		break
	}
	if n != 25 || s.Cursor() != 25 {
		t.Fatalf("%d events, cursor %d; want 25 and 25", n, s.Cursor())
	}
	quiet(t, s) // once, not again

	// Nobody on: the catch-up says nothing about speaking.
	hub.Speaking("h", "judge", SeatOff)
	hub.Speaking("h", "defense", SeatOff)
	s2, _ := hub.Subscribe(context.Background(), "h", 25)
	defer s2.Close()
	if b := receive(t, s2); b.Speaking != nil || len(b.Events) != 0 || !s2.CaughtUp() {
		t.Fatalf("catch-up with no seat on: %+v", b)
	}
	quiet(t, s2)
}

// The state is bounded: seats per hearing, hearings, name length; bad states are refused.
func TestSpeakingBounds(t *testing.T) {
	hub := New(DefaultConfig(), newMemLog(), nil)
	defer hub.Close()
	for i := 0; i < MaxSpeakingSeats; i++ {
		if err := hub.Speaking("h", fmt.Sprintf("s%d", i), SeatTentative); err != nil {
			t.Fatalf("seat %d: %v", i, err)
		}
	}
	if err := hub.Speaking("h", "one-too-many", SeatSpeaking); !errors.Is(err, ErrTooManySeats) {
		t.Fatalf("seat %d: %v, want ErrTooManySeats", MaxSpeakingSeats+1, err)
	}
	if err := hub.Speaking("h", "s3", SeatSpeaking); err != nil {
		t.Fatalf("a seat already on changes state at the cap: %v", err)
	}
	hub.Speaking("h", "s0", SeatOff)
	if err := hub.Speaking("h", "one-too-many", SeatSpeaking); err != nil {
		t.Fatalf("a seat freed room: %v", err)
	}
	if now := hub.SpeakingNow("h"); len(now) != MaxSpeakingSeats || now["s3"] != SeatSpeaking || now["s0"] != "" {
		t.Fatalf("state %d seats, s3 %q, s0 %q", len(now), now["s3"], now["s0"])
	}
	for _, c := range []struct{ hearing, seat, state string }{
		{"h", "judge", "talking"}, {"h", "", SeatSpeaking}, {"h", strings.Repeat("x", MaxSeatName+1), SeatSpeaking},
		{"h", "\xff", SeatSpeaking}, {"", "judge", SeatSpeaking}, {strings.Repeat("h", 300), "judge", SeatSpeaking},
	} {
		if err := hub.Speaking(c.hearing, c.seat, c.state); err == nil || errors.Is(err, ErrTooManySeats) {
			t.Fatalf("Speaking(%.20q, %.20q, %q) = %v, want a bad-input error", c.hearing, c.seat, c.state, err)
		}
	}
	if err := hub.Speaking("h", strings.Repeat("x", MaxSeatName), SeatOff); err != nil {
		t.Fatalf("the longest name: %v", err)
	}
	for i := 1; i < MaxSpeakingHearings; i++ {
		if err := hub.Speaking(fmt.Sprintf("h%d", i), "judge", SeatSpeaking); err != nil {
			t.Fatalf("hearing %d: %v", i, err)
		}
	}
	if err := hub.Speaking("h-last", "judge", SeatSpeaking); !errors.Is(err, ErrTooManySeats) {
		t.Fatalf("hearing %d: %v, want ErrTooManySeats", MaxSpeakingHearings+1, err)
	}
	hub.Speaking("h1", "judge", SeatOff) // a hearing with no seat on takes no room
	if err := hub.Speaking("h-last", "judge", SeatSpeaking); err != nil {
		t.Fatal(err)
	}
	hub.Close()
	if err := hub.Speaking("h", "judge", SeatSpeaking); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// Over a real websocket: speaking frames come after caught_up, carry the whole map ({} when
// none is on), sit between events frames without touching their order, and a browser that
// connects mid-utterance is told who is speaking right after caught_up.
func TestWebsocketSpeakingFrames(t *testing.T) {
	log := newMemLog()
	log.Append("h1")
	hub := New(DefaultConfig(), log, nil)
	defer hub.Close()
	srv := serveHub(hub)
	defer srv.Close()
	dial := func(after int64) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial(wsURL(srv, after), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	read := func(c *websocket.Conn) (Frame, string) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, raw, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var f Frame
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("frame %s: %v", raw, err)
		}
		return f, strings.TrimSpace(string(raw))
	}
	speaking := func(c *websocket.Conn, want string) {
		t.Helper()
		if f, raw := read(c); f.Type != "speaking" || raw != want {
			t.Fatalf("frame %s, want %s", raw, want)
		}
	}

	c := dial(0)
	defer c.Close()
	if f, raw := read(c); f.Type != "events" || len(f.Events) != 1 {
		t.Fatalf("first frame %s", raw)
	}
	if f, raw := read(c); f.Type != "caught_up" || f.Cursor != 1 {
		t.Fatalf("second frame %s", raw)
	}
	hub.Speaking("h1", "judge", SeatTentative)
	speaking(c, `{"type":"speaking","seats":{"judge":"tentative"}}`)
	hub.Speaking("h1", "judge", SeatSpeaking)
	speaking(c, `{"type":"speaking","seats":{"judge":"speaking"}}`)
	e := log.Append("h1")
	if f, raw := read(c); f.Type != "events" || f.Events[0].ID != e.ID {
		t.Fatalf("frame %s, want event %d", raw, e.ID)
	}
	hub.Speaking("h1", "defense", SeatTentative)
	speaking(c, `{"type":"speaking","seats":{"defense":"tentative","judge":"speaking"}}`)

	// Mid-utterance: caught_up, then at once the seats on.
	c2 := dial(e.ID)
	defer c2.Close()
	if f, raw := read(c2); f.Type != "caught_up" || f.Cursor != e.ID {
		t.Fatalf("late client's first frame %s", raw)
	}
	speaking(c2, `{"type":"speaking","seats":{"defense":"tentative","judge":"speaking"}}`)

	hub.Speaking("h1", "defense", SeatOff)
	hub.Speaking("h1", "judge", SeatOff)
	for _, cc := range []*websocket.Conn{c, c2} {
		// The two signals may come as one frame or two; the last one says nobody is on.
		for {
			_, raw := read(cc)
			if raw == `{"type":"speaking","seats":{}}` {
				break
			}
			if raw != `{"type":"speaking","seats":{"judge":"speaking"}}` {
				t.Fatalf("frame %s while the seats went off", raw)
			}
		}
	}

	// A burst of signals between commits: every event exactly once, in order.
	const commits = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < commits; i++ {
			log.Append("h1")
			hub.Speaking("h1", "witness", []string{SeatTentative, SeatSpeaking, SeatOff}[i%3])
			hub.Speaking("h1", "judge", []string{SeatSpeaking, SeatOff}[i%2])
		}
	}()
	var ids []int64
	for len(ids) < commits {
		f, raw := read(c)
		switch f.Type {
		case "events":
			for _, m := range f.Events {
				ids = append(ids, m.ID)
			}
		case "speaking":
		default:
			t.Fatalf("frame %s", raw)
		}
	}
	<-done
	for i, id := range ids {
		if id != e.ID+1+int64(i) {
			t.Fatalf("event %d has id %d (want %d): %v", i, id, e.ID+1+int64(i), ids)
		}
	}
}
