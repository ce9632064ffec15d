package api

import "context"
import "fmt"
import "net/http"
import "sort"
import "strings"
import "sync"
import "sync/atomic"
import "testing"
import "time"

import "github.com/gorilla/websocket"

// BenchmarkLiveFanout measures commit → received by every subscriber: N browsers follow one
// hearing over real loopback websockets through the API; each iteration is one clerk edit
// committed to the SQLite store (group commit, fsync), and the iteration ends when the last
// subscriber has the event. Reported: p50/p99/max of call→last subscriber, and the store
// call's own duration, in ms. scripts/bench-live.sh runs it with 1 (baseline) and 200
// subscribers and writes docs/bench-live.md.
func BenchmarkLiveFanout(b *testing.B) {
	for _, n := range []int{1, 200} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, subs int) {
	r := newRig(b)
	_, segs := r.hearing("bench", 1)
	c := r.login("zhaoliu")
	hdr := http.Header{}
	hdr.Set("Origin", r.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(mustURL(r.srv.URL)) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	var snap segmentsResp
	c.do("GET", "/api/hearings/bench/segments", nil, &snap)

	var mu sync.Mutex
	last := map[int64]time.Time{} // event id → time the latest subscriber received it
	count := map[int64]int{}
	done := make(chan int64, 1024)
	var wg sync.WaitGroup
	var conns []*websocket.Conn
	var ready atomic.Int32
	for i := 0; i < subs; i++ {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.srv.URL, "http")+fmt.Sprintf("/api/hearings/bench/live?after=%d", snap.Head), hdr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, ws)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// Browsers decode on their own machines; here the clients share the cores with the
				// server, so they decode only what the measurement needs.
				var f struct {
					Type   string
					Events []struct{ ID int64 }
				}
				if err := ws.ReadJSON(&f); err != nil {
					return
				}
				if f.Type == "caught_up" {
					ready.Add(1)
				}
				now := time.Now()
				for _, m := range f.Events {
					mu.Lock()
					count[m.ID]++
					if now.After(last[m.ID]) {
						last[m.ID] = now
					}
					if count[m.ID] == subs {
						done <- m.ID
					}
					mu.Unlock()
				}
			}
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); int(ready.Load()) < subs; {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d subscribers caught up", ready.Load(), subs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx := context.Background()
	sg := segs[0]
	rev := sg.Revision
	var lat, commit []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := r.store.EditText(ctx, "zhaoliu", sg.ID, rev, fmt.Sprintf("第%d次修改：本院依法公开开庭审理。", i))
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		rev = out.Revision
		select {
		case id := <-done:
			mu.Lock()
			lat = append(lat, float64(last[id].Sub(t0))/1e6)
			mu.Unlock()
		case <-time.After(10 * time.Second):
			b.Fatalf("event %d not received by all %d subscribers", i, subs)
		}
		commit = append(commit, float64(t1.Sub(t0))/1e6)
	}
	b.StopTimer()
	for _, ws := range conns {
		ws.Close()
	}
	wg.Wait()
	b.ReportMetric(pct(lat, 50), "p50-ms")
	b.ReportMetric(pct(lat, 99), "p99-ms")
	b.ReportMetric(pct(lat, 100), "max-ms")
	b.ReportMetric(pct(commit, 50), "commit-p50-ms")
}

func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}
