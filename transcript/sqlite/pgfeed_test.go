package sqlite

import "context"
import "database/sql"
import "errors"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"

// recorder is a store listener that keeps what it got, per hearing, with arrival times.
type recorder struct {
	mu   sync.Mutex
	evs  map[string][]transcript.Event
	at   map[int64]time.Time // event id → when the listener got it
	wake chan struct{}
}

func newRecorder() *recorder {
	return &recorder{evs: map[string][]transcript.Event{}, at: map[int64]time.Time{}, wake: make(chan struct{}, 1)}
}

func (r *recorder) listen(e transcript.Event) {
	now := time.Now()
	r.mu.Lock()
	r.evs[e.HearingID] = append(r.evs[e.HearingID], e)
	r.at[e.ID] = now
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// waitSeq waits until the recorder holds hearing h's event seq.
func (r *recorder) waitSeq(t testing.TB, h string, seq int64, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		evs := r.evs[h]
		got := len(evs) > 0 && evs[len(evs)-1].Seq >= seq
		r.mu.Unlock()
		if got {
			return
		}
		select {
		case <-r.wake:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("listener did not get hearing %s seq %d within %v (has %d events)", h, seq, within, len(evs))
		}
	}
}

// check: every hearing's events, as the listener got them, are its chain from seq 1, gap-free,
// each once, ids increasing, and equal to the rows.
func (r *recorder) check(t testing.TB, name string, s *Store, hearings ...string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range hearings {
		rows := must[[]transcript.Event](t)(s.EventsSince(context.Background(), h, 0, 100000))
		got := r.evs[h]
		if len(got) != len(rows) {
			t.Fatalf("%s: listener got %d events of %s, the record has %d", name, len(got), h, len(rows))
		}
		for i, e := range got {
			if e.Seq != int64(i+1) || e.ID != rows[i].ID || e.Hash != rows[i].Hash {
				t.Fatalf("%s: hearing %s event %d: got seq %d id %d, record seq %d id %d", name, h, i, e.Seq, e.ID, rows[i].Seq, rows[i].ID)
			}
		}
	}
}

// testPostgresFanOut: two stores (replicas) on one database, each with a listener (as the live
// hub is), editors on both editing two hearings concurrently; midway the listening connection
// of the second store is terminated. Each listener gets every event of both hearings, whoever
// committed it, exactly once and in chain order.
func testPostgresFanOut(t *testing.T, newDB backend) {
	ctx := context.Background()
	d, a, b, ra, rb := listeningReplicas(t, newDB)
	hearings := []string{"h1", "h2"}
	var segs []int64
	for i, h := range hearings {
		s := []*Store{a, b}[i]
		must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing(h)))
		must[*transcript.Hearing](t)(s.Start(ctx, "zhaoliu", h))
		for k := range 3 {
			g := must[*transcript.Segment](t)(s.AppendSegment(ctx, "diarizer", h, transcript.NewSegment{Seat: "judge", StartMS: int64(k) * 1000, EndMS: int64(k)*1000 + 900}))
			segs = append(segs, g.ID)
		}
	}
	admin, err := sql.Open("pgx", d.url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const editors, each = 3, 30
	eachEditor(t, []*Store{a, b}, editors, func(r, e int, s *Store) error {
		for k := range each {
			if r == 1 && e == 0 && k == each/2 {
				var n int
				if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname=current_database() AND query LIKE 'LISTEN%'`).Scan(&n); err != nil || n == 0 {
					return fmt.Errorf("terminating the listening connections: %d %w", n, err)
				}
			}
			id := segs[(r*5+e*2+k)%len(segs)]
			for {
				g, err := s.GetSegment(ctx, id)
				if err != nil {
					return err
				}
				_, err = s.EditText(ctx, "zhaoliu", id, g.Revision, fmt.Sprintf("replica %d editor %d edit %d", r, e, k))
				var ce *transcript.ConflictError
				if errors.As(err, &ce) {
					continue
				}
				if err != nil {
					return err
				}
				break
			}
		}
		return nil
	})
	for _, h := range hearings {
		evs := must[[]transcript.Event](t)(a.EventsSince(ctx, h, 0, 100000))
		last := evs[len(evs)-1].Seq
		ra.waitSeq(t, h, last, 10*time.Second)
		rb.waitSeq(t, h, last, 10*time.Second)
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive now
	ra.check(t, "store A", a, hearings...)
	rb.check(t, "store B", b, hearings...)
}

// testPostgresFanOutLatency measures how long an edit committed through store A takes to reach
// a listener of store B (the live hub of another replica), against A's own listener; with
// COURTSCRIBE_BENCH_PG set it logs the figures for docs/deployment.md.
func testPostgresFanOutLatency(t *testing.T, newDB backend) {
	ctx := context.Background()
	_, a, b, ra, rb := listeningReplicas(t, newDB)
	must[*transcript.Hearing](t)(a.CreateHearing(ctx, "admin", zhHearing("h1")))
	must[*transcript.Hearing](t)(a.Start(ctx, "zhaoliu", "h1"))
	g := must[*transcript.Segment](t)(a.AppendSegment(ctx, "diarizer", "h1", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 900}))
	const n = 300
	var local, remote, commit []time.Duration
	for k := range n {
		t0 := time.Now()
		ng, err := a.EditText(ctx, "zhaoliu", g.ID, g.Revision, fmt.Sprintf("edit %d", k))
		if err != nil {
			t.Fatal(err)
		}
		commit = append(commit, time.Since(t0))
		g = ng
		evs := must[[]transcript.Event](t)(a.EventsSince(ctx, "h1", 0, 100000))
		e := evs[len(evs)-1]
		ra.waitSeq(t, "h1", e.Seq, 10*time.Second)
		rb.waitSeq(t, "h1", e.Seq, 10*time.Second)
		ra.mu.Lock()
		local = append(local, ra.at[e.ID].Sub(t0))
		ra.mu.Unlock()
		rb.mu.Lock()
		remote = append(remote, rb.at[e.ID].Sub(t0))
		rb.mu.Unlock()
	}
	ra.check(t, "store A", a, "h1")
	rb.check(t, "store B", b, "h1")
	q := testrig.Quantile[time.Duration]
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", testrig.Millis(d)) }
	t.Logf("%d sequential edits through store A: commit p50 %s ms p99 %s ms; A's listener p50 %s p99 %s ms; B's listener (other replica) p50 %s p99 %s ms (from the edit call)",
		n, ms(q(commit, .5)), ms(q(commit, .99)), ms(q(local, .5)), ms(q(local, .99)), ms(q(remote, .5)), ms(q(remote, .99)))
}

// listeningReplicas opens two stores (replicas, each with its own disk) on one database, each
// with a recorder listening as the live hub does until the test ends.
func listeningReplicas(t *testing.T, newDB backend) (d testDB, a, b *Store, ra, rb *recorder) {
	d = newDB(t)
	a = d.open(t)
	b = testDB{dir: t.TempDir(), url: d.url}.open(t)
	ra, rb = newRecorder(), newRecorder()
	t.Cleanup(a.Subscribe(ra.listen))
	t.Cleanup(b.Subscribe(rb.listen))
	return d, a, b, ra, rb
}
