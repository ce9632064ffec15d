package sqlite

import "context"
import "fmt"
import "os"
import "sort"
import "strconv"
import "sync"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/internal/pgtest"
import "github.com/courtscribe/courtscribe/transcript"

// editLatencies runs editors goroutines, each editing its own segment of one hearing `edits`
// times (each edit based on the revision the previous one returned), on a fresh real SQLite
// file, and returns every edit's commit latency.
func editLatencies(t testing.TB, editors, edits, maxBatch int) []time.Duration {
	return editLatenciesOn(t, testDB{dir: t.TempDir()}, 1, editors, edits, maxBatch)
}

// editLatenciesOn is editLatencies on any database, through `stores` store instances (two
// or more on PostgreSQL: replicas), the editors spread over them.
func editLatenciesOn(t testing.TB, db testDB, stores, editors, edits, maxBatch int) []time.Duration {
	ctx := context.Background()
	var ss []*Store
	for range stores {
		opt := testOptions(db.dir)
		opt.Clock = time.Now
		opt.MaxBatch = maxBatch
		var s *Store
		var err error
		if db.url != "" {
			s, err = OpenPostgres(ctx, db.url, opt)
		} else {
			s, err = OpenData(ctx, db.dir, opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ss = append(ss, s)
	}
	s := ss[0]
	var err error
	if _, err := s.CreateHearing(ctx, "admin", zhHearing("bench")); err != nil {
		t.Fatal(err)
	}
	segs := make([]*transcript.Segment, editors)
	for i := range segs {
		if segs[i], err = s.AppendSegment(ctx, "diarizer", "bench", transcript.NewSegment{Seat: "judge", StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900}); err != nil {
			t.Fatal(err)
		}
	}
	lat := make([][]time.Duration, editors)
	var wg sync.WaitGroup
	errs := make(chan error, editors)
	start := make(chan struct{})
	for e := 0; e < editors; e++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := ss[e%len(ss)]
			g := segs[e]
			<-start
			for i := 0; i < edits; i++ {
				t0 := time.Now()
				ng, err := s.EditText(ctx, "clerk"+strconv.Itoa(e), g.ID, g.Revision, fmt.Sprintf("审判长：第%d次修改，编辑者%d。", i, e))
				lat[e] = append(lat[e], time.Since(t0))
				if err != nil {
					errs <- err
					return
				}
				g = ng
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// TestEditCommitLatency is the edit-commit benchmark of scripts/bench-transcript.sh. It runs
// only with COURTSCRIBE_BENCH_TRANSCRIPT=RUNS and prints one line per run and mode:
//
//	BENCH mode=group|serial run=N editors=20 edits=E p50_ms=… p99_ms=… max_ms=… edits_per_s=…
func TestEditCommitLatency(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("COURTSCRIBE_BENCH_TRANSCRIPT"))
	if runs <= 0 {
		t.Skip("benchmark: set COURTSCRIBE_BENCH_TRANSCRIPT=RUNS (scripts/bench-transcript.sh does)")
	}
	editors, edits := 20, 50
	if v, _ := strconv.Atoi(os.Getenv("COURTSCRIBE_BENCH_EDITS")); v > 0 {
		edits = v
	}
	for r := 1; r <= runs; r++ {
		for _, m := range []struct {
			name  string
			batch int
		}{{"serial", 1}, {"group", 0}} { // serial: one transaction per edit (the baseline)
			t0 := time.Now()
			l := editLatencies(t, editors, edits, m.batch)
			el := time.Since(t0)
			ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
			fmt.Printf("BENCH mode=%s run=%d editors=%d edits=%d p50_ms=%s p99_ms=%s max_ms=%s edits_per_s=%.0f\n",
				m.name, r, editors, len(l), ms(pct(l, 0.5)), ms(pct(l, 0.99)), ms(l[len(l)-1]), float64(len(l))/el.Seconds())
		}
	}
}

// BenchmarkEditCommit measures one edit commit with 20 concurrent editors (go test -bench).
func BenchmarkEditCommit(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	opt := testOptions(dir)
	opt.Clock = time.Now
	s, err := OpenData(ctx, dir, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.CreateHearing(ctx, "admin", zhHearing("bench"))
	b.SetParallelism(10) // × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		g, err := s.AppendSegment(ctx, "diarizer", "bench", transcript.NewSegment{Seat: "judge", StartMS: 0, EndMS: 900})
		if err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			if g, err = s.EditText(ctx, "clerk", g.ID, g.Revision, "编辑"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestEditCommitLatencyPostgres compares the edit commit latency of SQLite with PostgreSQL
// (fsync on) through one and two store instances (two replicas' writers on one database). It
// runs only with COURTSCRIBE_BENCH_PG=RUNS and prints one line per run and store:
//
//	BENCH store=sqlite|pg|pg-2 run=N editors=20 edits=E p50_ms=… p99_ms=… max_ms=… edits_per_s=…
func TestEditCommitLatencyPostgres(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("COURTSCRIBE_BENCH_PG"))
	if runs <= 0 {
		t.Skip("benchmark: set COURTSCRIBE_BENCH_PG=RUNS")
	}
	c := pgtest.StartWith(t, pgtest.Options{Durable: true})
	editors, edits := 20, 50
	if v, _ := strconv.Atoi(os.Getenv("COURTSCRIBE_BENCH_EDITS")); v > 0 {
		edits = v
	}
	n := 0
	for r := 1; r <= runs; r++ {
		for _, m := range []struct {
			name   string
			pg     bool
			stores int
		}{{"sqlite", false, 1}, {"pg", true, 1}, {"pg-2", true, 2}} {
			db := testDB{dir: t.TempDir()}
			if m.pg {
				n++
				db.url = c.CreateDB(t, fmt.Sprintf("bench_%d", n))
			}
			t0 := time.Now()
			l := editLatenciesOn(t, db, m.stores, editors, edits, 0)
			el := time.Since(t0)
			ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
			fmt.Printf("BENCH store=%s run=%d editors=%d edits=%d p50_ms=%s p99_ms=%s max_ms=%s edits_per_s=%.0f\n",
				m.name, r, editors, len(l), ms(pct(l, 0.5)), ms(pct(l, 0.99)), ms(l[len(l)-1]), float64(len(l))/el.Seconds())
		}
	}
}
