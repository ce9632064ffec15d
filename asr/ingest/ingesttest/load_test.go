package ingesttest

import "context"
import "encoding/json"
import "fmt"
import "math/rand/v2"
import "net"
import "net/http"
import "os"
import "os/signal"
import "sync"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestLoad is the load generator of scripts/bench-ingest.sh. It runs only when
// COURTSCRIBE_LOAD_URL is set: COURTSCRIBE_LOAD_AGENTS agents with COURTSCRIBE_LOAD_SEATS seats
// each stream 100 ms frames at real-time pace for COURTSCRIBE_LOAD_SECONDS into the server,
// and it prints one JSON line with the ack latency percentiles measured at the agents.
func TestLoad(t *testing.T) {
	url := os.Getenv("COURTSCRIBE_LOAD_URL")
	if url == "" {
		t.Skip("load generator: set COURTSCRIBE_LOAD_URL (scripts/bench-ingest.sh does)")
	}
	atoi := testrig.EnvInt
	agents := atoi("COURTSCRIBE_LOAD_AGENTS", 50)
	seats := atoi("COURTSCRIBE_LOAD_SEATS", 4)
	seconds := atoi("COURTSCRIBE_LOAD_SECONDS", 20)
	token := os.Getenv("COURTSCRIBE_LOAD_TOKEN")
	run := os.Getenv("COURTSCRIBE_LOAD_RUN")

	rng := rand.New(rand.NewPCG(1, 2))
	pcm := make([][]int16, seats)
	seatMap := make([]wire.Seat, seats)
	for c := range pcm {
		pcm[c] = make([]int16, seconds*wire.SampleRate)
		for i := range pcm[c] {
			pcm[c][i] = int16(rng.IntN(20000) - 10000)
		}
		seatMap[c] = wire.Seat{Name: fmt.Sprintf("seat%d", c+1), Channel: c + 1}
	}
	var mu sync.Mutex
	var lat, steady []time.Duration
	warm := time.Now().Add(3 * time.Second) // connections and hearing creation settle
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second+2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, agents)
	start := time.Now()
	for i := 0; i < agents; i++ {
		a := &Agent{URL: url, Token: token, Courtroom: "bench", Session: fmt.Sprintf("bench-%s-%03d", run, i),
			Seats: seatMap, PCM: pcm, FrameSamples: 1600, Pace: 1, Window: 1000,
			Latency: func(d time.Duration) {
				mu.Lock()
				lat = append(lat, d)
				if time.Now().After(warm) {
					steady = append(steady, d)
				}
				mu.Unlock()
			}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread the agents over one frame so their frames do not arrive in lockstep.
			time.Sleep(time.Duration(i) * 100 * time.Millisecond / time.Duration(agents))
			if _, err := a.Run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wall := time.Since(start)
	pctOf := func(l []time.Duration, p float64) float64 { return testrig.Millis(testrig.Quantile(l, p)) }
	pct := func(p float64) float64 { return pctOf(lat, p) }
	out, _ := json.Marshal(map[string]any{"agents": agents, "seats": seats, "channels": agents * seats,
		"frames": len(lat), "wall_s": wall.Seconds(), "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1),
		"steady_p50_ms": pctOf(steady, 0.5), "steady_p99_ms": pctOf(steady, 0.99), "steady_max_ms": pctOf(steady, 1)})
	fmt.Println("LOAD " + string(out))
}

// TestLoadServe runs an ingest-only server for scripts/bench-ingest.sh (so the benchmark
// measures ingest and archive without the later stages the full server mounts). It runs only
// when COURTSCRIBE_LOAD_SERVE (listen address) and COURTSCRIBE_LOAD_DATA are set, prints
// "LISTEN <addr>" and serves until SIGTERM/SIGINT.
func TestLoadServe(t *testing.T) {
	addr, data := os.Getenv("COURTSCRIBE_LOAD_SERVE"), os.Getenv("COURTSCRIBE_LOAD_DATA")
	if addr == "" || data == "" {
		t.Skip("ingest-only server for the benchmark: set COURTSCRIBE_LOAD_SERVE and COURTSCRIBE_LOAD_DATA")
	}
	srv, err := ingest.New(ingest.DefaultConfig(data))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	fmt.Println("LISTEN " + ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	hs.Close()
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
