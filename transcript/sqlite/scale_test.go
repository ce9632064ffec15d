package sqlite

import "context"
import "encoding/json"
import "fmt"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/live"

// TestScaleReplicas is the store-level part of the scale benchmark (issue 15, item 6): 100
// hearings, 20 clerks editing (each its own five hearings, every edit waiting for its commit)
// and 200 viewers following the hearings through live hubs, on SQLite (one store) and on
// PostgreSQL with 1, 2 and 3 stores (replicas; clerks and viewers spread over them). It
// reports edit commit p50/p99 and live fan-out p50/p99 (edit call → a viewer's hub hands out
// the event, on whatever replica the viewer is). COURTSCRIBE_BENCH_SCALE=EDITS (edits per
// clerk) runs it; fsync is on in PostgreSQL as SQLite's synchronous=FULL.
func TestScaleReplicas(t *testing.T) {
	edits := testrig.EnvInt("COURTSCRIBE_BENCH_SCALE", 0)
	if edits == 0 {
		t.Skip("set COURTSCRIBE_BENCH_SCALE=EDITS (edits per clerk, e.g. 30) to run the scale benchmark")
	}
	c := pgtest.StartWith(t, pgtest.Options{Durable: true})
	for i, cfg := range []struct {
		name, slug string
		pg         bool
		stores     int
	}{{"SQLite, one server", "sqlite", false, 1}, {"PostgreSQL, 1 replica", "pg1", true, 1}, {"PostgreSQL, 2 replicas", "pg2", true, 2}, {"PostgreSQL, 3 replicas", "pg3", true, 3}} {
		d := testDB{dir: t.TempDir()}
		if cfg.pg {
			d.url = c.CreateDB(t, fmt.Sprintf("scale_%d", i))
		}
		commit, fan := scaleRun(t, d, cfg.stores, edits)
		t.Logf("%-24s edit commit p50 %6.1f ms p99 %6.1f ms | live fan-out p50 %6.1f ms p99 %6.1f ms (%d edits, %d deliveries)",
			cfg.name, testrig.Millis(testrig.Quantile(commit, .5)), testrig.Millis(testrig.Quantile(commit, .99)), testrig.Millis(testrig.Quantile(fan, .5)), testrig.Millis(testrig.Quantile(fan, .99)), len(commit), len(fan))
		fmt.Printf("BENCH config=%s commit_p50=%.1f commit_p99=%.1f fan_p50=%.1f fan_p99=%.1f edits=%d deliveries=%d\n", cfg.slug,
			testrig.Millis(testrig.Quantile(commit, .5)), testrig.Millis(testrig.Quantile(commit, .99)), testrig.Millis(testrig.Quantile(fan, .5)), testrig.Millis(testrig.Quantile(fan, .99)), len(commit), len(fan))
	}
}

func scaleRun(t *testing.T, d testDB, stores, edits int) (commit, fan []time.Duration) {
	const hearings, clerks, viewers = 100, 20, 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ss []*Store
	for k := range stores {
		opt := testOptions(t.TempDir())
		opt.Clock = time.Now
		var s *Store
		var err error
		if d.url != "" {
			s, err = OpenPostgres(ctx, d.url, opt)
		} else if k == 0 {
			s, err = OpenData(ctx, d.dir, opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ss = append(ss, s)
	}
	segs := make([]*transcript.Segment, hearings)
	for h := range hearings {
		id := fmt.Sprintf("h%03d", h)
		must[*transcript.Hearing](t)(ss[0].CreateHearing(ctx, "admin", zhHearing(id)))
		must[*transcript.Hearing](t)(ss[0].Start(ctx, "zhaoliu", id))
		segs[h] = must[*transcript.Segment](t)(ss[0].AppendSegment(ctx, "diarizer", id, transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 900}))
	}
	var hubs []*live.Hub
	for _, s := range ss {
		hb := live.New(live.Config{}, s, nil)
		t.Cleanup(hb.Close)
		hubs = append(hubs, hb)
	}
	var starts sync.Map // segment id, revision → when the edit call began
	key := func(seg, rev int64) int64 { return seg*1_000_000 + rev }
	var mu sync.Mutex
	var vwg sync.WaitGroup
	for v := range viewers {
		h := v % hearings
		hb := hubs[v%len(hubs)]
		head := must[int64](t)(hb.Head(ctx, fmt.Sprintf("h%03d", h)))
		sub, err := hb.Subscribe(ctx, fmt.Sprintf("h%03d", h), head)
		if err != nil {
			t.Fatal(err)
		}
		vwg.Add(1)
		go func() {
			defer vwg.Done()
			defer sub.Close()
			for {
				ms, err := sub.Next(ctx)
				if err != nil {
					return
				}
				now := time.Now()
				for _, m := range ms {
					var g struct {
						Revision int64 `json:"revision"`
					}
					if m.Kind != transcript.EventSegmentEdited || json.Unmarshal(m.After, &g) != nil {
						continue
					}
					if t0, ok := starts.Load(key(m.SegmentID, g.Revision)); ok {
						mu.Lock()
						fan = append(fan, now.Sub(t0.(time.Time)))
						mu.Unlock()
					}
				}
			}
		}()
	}
	var cwg sync.WaitGroup
	lat := make([][]time.Duration, clerks)
	for c := range clerks {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			s := ss[c%len(ss)]
			own := make([]*transcript.Segment, 5)
			for i := range own {
				own[i] = segs[c*5+i]
			}
			for k := range edits {
				g := own[k%5]
				t0 := time.Now()
				starts.Store(key(g.ID, g.Revision+1), t0)
				ng, err := s.EditText(ctx, "zhaoliu", g.ID, g.Revision, fmt.Sprintf("clerk %d edit %d", c, k))
				if err != nil {
					t.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
				own[k%5] = ng
			}
		}()
	}
	cwg.Wait()
	time.Sleep(time.Second) // the last deliveries
	cancel()
	vwg.Wait()
	for _, l := range lat {
		commit = append(commit, l...)
	}
	if want := clerks * edits * viewers / hearings; len(fan) != want {
		t.Errorf("%d deliveries to viewers, want %d (every edit to the two viewers of its hearing)", len(fan), want)
	}
	return commit, fan
}
