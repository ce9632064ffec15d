//go:build whisper

package whisper

import "context"
import "encoding/json"
import "fmt"
import "math"
import "os"
import "path/filepath"
import "sort"
import "strconv"
import "strings"
import "sync"
import "sync/atomic"
import "syscall"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/testrig"
import "github.com/courtscribe/courtscribe/models"

// BenchmarkTranscribeJFK is one whisper_full of jfk.wav with the tiny test model (model loaded
// once, outside the timing).
func BenchmarkTranscribeJFK(b *testing.B) {
	pcm := jfk(b)
	e := engine(b, "for-tests-ggml-tiny.bin", 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchASR is driven by scripts/bench-asr.sh (skipped otherwise). It prints one
// "BENCH {json}" line per measurement.
//
//	COURTSCRIBE_BENCH_ASR=engine: load the model, read the WAV, transcribe it once, the way
//	  whisper-cli does (its "total time" covers the same steps); reports total_ms.
//	COURTSCRIBE_BENCH_ASR=pool: replay a generated hearing in real time through the pool with
//	  COURTSCRIBE_BENCH_WORKERS workers; reports the real-time factor and the time from each
//	  utterance's end to its final text.
//	COURTSCRIBE_BENCH_ASR=workers: load COURTSCRIBE_BENCH_WORKERS workers (one model shared, or
//	  one per worker with COURTSCRIBE_BENCH_LAYOUT=per-worker), decode two utterances per
//	  worker at once; reports RSS after loading and the peak, and utterances per minute.
//	COURTSCRIBE_BENCH_ASR=courtrooms: COURTSCRIBE_BENCH_COURTROOMS generated hearings replayed
//	  at once in real time through one pool, with COURTSCRIBE_BENCH_AUDIO_CTX=full or fit;
//	  reports the real-time factor, latency p50/p95 and encoder passes.
//
// COURTSCRIBE_BENCH_MODEL=header-only:NAME writes a header-only model of that published size
// (models.WriteTestModel) to a temporary directory and uses it.
func TestBenchASR(t *testing.T) {
	mode := os.Getenv("COURTSCRIBE_BENCH_ASR")
	if mode == "" {
		t.Skip("benchmark helper for scripts/bench-asr.sh (set COURTSCRIBE_BENCH_ASR)")
	}
	model := os.Getenv("COURTSCRIBE_BENCH_MODEL")
	if name, ok := strings.CutPrefix(model, "header-only:"); ok {
		model = headerOnlyModel(t, name)
	}
	wavPath := os.Getenv("COURTSCRIBE_BENCH_WAV")
	threads := testrig.EnvInt("COURTSCRIBE_BENCH_THREADS", 2)
	switch mode {
	case "engine":
		t0 := time.Now()
		cfg := DefaultConfig()
		cfg.Model, cfg.Threads, cfg.Language, cfg.TokenTimestamps = model, threads, "en", false
		e, err := NewEngine(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := wavfile.ReadFile(wavPath)
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if _, err := e.Transcribe(context.Background(), asr.Request{PCM: a.Channels[0], Language: "en"}); err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		full := e.all[0].lastFull
		e.Close()
		// courtscribe's own work around whisper.cpp, timed apart: model validation, WAV
		// decoding, and everything in Transcribe except whisper_full
		v0 := time.Now()
		if _, err := models.Validate(model); err != nil {
			t.Fatal(err)
		}
		v1 := time.Now()
		if _, err := wavfile.ReadFile(wavPath); err != nil {
			t.Fatal(err)
		}
		v2 := time.Now()
		overhead := v1.Sub(v0) + v2.Sub(v1) + (t2.Sub(t1) - full)
		out, _ := json.Marshal(map[string]any{"mode": "engine", "total_ms": ms(t2.Sub(t0)), "load_ms": ms(t1.Sub(t0)),
			"process_ms": ms(t2.Sub(t1)), "whisper_full_ms": ms(full), "overhead_ms": ms(overhead)})
		fmt.Printf("BENCH %s\n", out)
	case "backfill":
		benchBackfill(t, model, wavPath, threads)
	case "pool":
		benchPool(t, model, wavPath, threads)
	case "workers":
		benchWorkers(t, model, wavPath, threads)
	case "courtrooms":
		benchCourtrooms(t, model, wavPath, threads)
	default:
		t.Fatalf("unknown mode %q", mode)
	}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// benchPool replays a generated hearing: utterances of 2..8 s cut from the speech file,
// rotating over three seats, separated by 1 s pauses, each submitted when it ends (real time).
func benchPool(t *testing.T, model, wavPath string, threads int) {
	workers := testrig.EnvInt("COURTSCRIBE_BENCH_WORKERS", 1)
	hearingSec := float64(testrig.EnvInt("COURTSCRIBE_BENCH_HEARING_SEC", 60))
	e, speech := benchEngine(t, model, wavPath, workers, threads, "")
	defer e.Close()
	us := benchSchedule("bench", speech, 1.0, 0, hearingSec)
	var busySec float64
	lt := newLatencies(func(u asr.Utterance) string { return u.ID })
	pcfg := pool.DefaultConfig()
	pcfg.Workers, pcfg.Language, pcfg.PartialInterval = workers, "en", 0
	p, err := pool.New(e, pcfg, nil, func(r asr.Result) { lt.result(r.Utterance) })
	if err != nil {
		t.Fatal(err)
	}
	audioSec, wall := lt.replay(t, p, us)
	// throughput: the same utterances all at once (the backlog case)
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for _, x := range us {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := e.Transcribe(context.Background(), asr.Request{PCM: x.pcm, Language: "en"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	busySec = time.Since(t0).Seconds()
	q := lt.quantiles()
	out, _ := json.Marshal(map[string]any{"mode": "pool", "workers": workers, "threads": threads, "utterances": len(us),
		"audio_s": math.Round(audioSec*10) / 10, "replay_wall_s": math.Round(wall*10) / 10,
		"backlog_s": math.Round(busySec*100) / 100, "rtf": math.Round(busySec/audioSec*1000) / 1000,
		"utt_per_min": math.Round(float64(len(us))/busySec*60*10) / 10,
		"lat_p50_s":   q(0.5), "lat_p95_s": q(0.95)})
	fmt.Printf("BENCH %s\n", out)
}

// headerOnlyModel writes a header-only model with the hyper-parameters of a published one.
func headerOnlyModel(t testing.TB, name string) string {
	hp, ok := models.KnownHParams(name)
	if !ok {
		t.Fatalf("no published model %q", name)
	}
	p := filepath.Join(t.TempDir(), "header-only-"+name+".bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.WriteTestModel(f, hp, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// rssMB reads the process's resident set (VmRSS) and its peak (VmHWM) in MB.
func rssMB(t testing.TB) (rss, peak float64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = v / 1024
		case "VmHWM:":
			peak = v / 1024
		}
	}
	return math.Round(rss*10) / 10, math.Round(peak*10) / 10
}

// benchWorkers: memory and throughput of N workers, sharing one model or one model each.
func benchWorkers(t *testing.T, model, wavPath string, threads int) {
	workers := testrig.EnvInt("COURTSCRIBE_BENCH_WORKERS", 1)
	a, err := wavfile.ReadFile(wavPath)
	if err != nil {
		t.Fatal(err)
	}
	rss0, _ := rssMB(t)
	cpu0 := cpuSeconds()
	cfg := DefaultConfig()
	cfg.Model, cfg.Workers, cfg.Threads, cfg.Language = model, workers, threads, "en"
	cfg.ModelPerWorker = os.Getenv("COURTSCRIBE_BENCH_LAYOUT") == "per-worker"
	t0 := time.Now()
	e, err := NewEngine(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(t0)
	defer e.Close()
	rssLoaded, _ := rssMB(t)
	speech := a.Channels[0]
	n := 2 * workers
	t1 := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcm := speech[(i*wire.SampleRate)%(len(speech)-5*wire.SampleRate):][:5*wire.SampleRate]
			if _, err := e.Transcribe(context.Background(), asr.Request{PCM: pcm, Language: "en"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	busy := time.Since(t1)
	rss, peak := rssMB(t)
	layout := "shared"
	if cfg.ModelPerWorker {
		layout = "per-worker"
	}
	out, _ := json.Marshal(map[string]any{"mode": "workers", "layout": layout, "workers": workers, "threads": threads,
		"models_loaded": e.contexts, "load_ms": ms(load), "rss_start_mb": rss0, "rss_loaded_mb": rssLoaded, "rss_after_mb": rss,
		"rss_peak_mb": peak, "utterances": n, "cpu_s": math.Round((cpuSeconds()-cpu0)*100) / 100, "busy_s": math.Round(busy.Seconds()*100) / 100,
		"utt_per_min": math.Round(float64(n)/busy.Seconds()*60*10) / 10, "encodes": e.Encodes()})
	fmt.Printf("BENCH %s\n", out)
}

// benchCourtrooms replays C generated hearings at once in real time through one pool (the
// server's layout): utterances of 2..8 s from the speech file over three seats with 1 s pauses,
// each courtroom's schedule shifted a little so they do not end in lockstep.
func benchCourtrooms(t *testing.T, model, wavPath string, threads int) {
	rooms := testrig.EnvInt("COURTSCRIBE_BENCH_COURTROOMS", 1)
	workers := testrig.EnvInt("COURTSCRIBE_BENCH_WORKERS", 1)
	hearingSec := float64(testrig.EnvInt("COURTSCRIBE_BENCH_HEARING_SEC", 60))
	e, speech := benchEngine(t, model, wavPath, workers, threads, os.Getenv("COURTSCRIBE_BENCH_AUDIO_CTX"))
	defer e.Close()
	var us []utt
	for r := 0; r < rooms; r++ {
		us = append(us, benchSchedule(fmt.Sprintf("room%d", r), speech, 1.0+0.41*float64(r), r, hearingSec)...)
	}
	sort.Slice(us, func(i, j int) bool { return us[i].u.End < us[j].u.End })
	if os.Getenv("COURTSCRIBE_BENCH_PACK") == "1" {
		benchPacked(t, e, rooms, workers, threads, hearingSec, len(us), func(yield func(asr.Utterance, []int16)) {
			for _, x := range us {
				yield(x.u, x.pcm)
			}
		})
		return
	}
	pcfg := pool.DefaultConfig()
	pcfg.Workers, pcfg.Language, pcfg.PartialInterval, pcfg.QueueSize = workers, "en", 0, len(us)+1
	pcfg.Timeout = time.Hour
	var pending atomic.Int64
	lt := newLatencies(func(u asr.Utterance) string { return u.Hearing + "/" + u.ID })
	p, err := pool.New(e, pcfg, nil, func(r asr.Result) {
		if r.Status == asr.StatusPending {
			pending.Add(1)
		}
		lt.result(r.Utterance)
	})
	if err != nil {
		t.Fatal(err)
	}
	cpu0 := cpuSeconds()
	audioSec, wall := lt.replay(t, p, us)
	q := lt.quantiles()
	cpu := cpuSeconds() - cpu0
	out, _ := json.Marshal(map[string]any{"mode": "courtrooms", "audio_ctx": e.cfg.AudioCtx, "courtrooms": rooms, "workers": workers,
		"threads": threads, "utterances": len(us), "audio_s": math.Round(audioSec*10) / 10, "replay_wall_s": math.Round(wall*10) / 10,
		"hearing_s": hearingSec, "drain_s": math.Round((wall-us[len(us)-1].u.End)*100) / 100,
		"cpu_s": math.Round(cpu*100) / 100, "rtf_cpu": math.Round(cpu/audioSec*1000) / 1000,
		"lat_p50_s": q(0.5), "lat_p95_s": q(0.95), "lat_max_s": q(1), "pending": pending.Load(),
		"encodes_per_utt": math.Round(float64(e.Encodes())/float64(len(us))*100) / 100})
	fmt.Printf("BENCH %s\n", out)
}

// benchEngine loads the engine a benchmark measures and the speech its utterances are cut from.
func benchEngine(t *testing.T, model, wavPath string, workers, threads int, audioCtx string) (*Engine, []int16) {
	t.Helper()
	a, err := wavfile.ReadFile(wavPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Model, cfg.Workers, cfg.Threads, cfg.Language = model, workers, threads, "en"
	cfg.AudioCtx = audioCtx
	e, err := NewEngine(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, a.Channels[0]
}

// benchSchedule is a generated hearing from pos on: utterances of 2..8 s cut from speech,
// rotating over three seats (k picks the first), separated by 1 s pauses, up to hearingSec.
func benchSchedule(hearing string, speech []int16, pos float64, k int, hearingSec float64) []utt {
	var us []utt
	for {
		dur := 2 + float64((k*37)%7) // 2..8 s
		if pos+dur > hearingSec {
			return us
		}
		n := int(dur * wire.SampleRate)
		off := (k * 24000) % (len(speech) - n)
		seat := []string{"judge", "plaintiff", "defendant"}[k%3]
		us = append(us, utt{asr.Utterance{Hearing: hearing, Seat: seat, Start: pos, End: pos + dur}, speech[off : off+n]})
		pos += dur + 1
		k++
	}
}

// utt is an utterance of a benchmark's schedule with its audio.
type utt struct {
	u   asr.Utterance
	pcm []int16
}

// latencies measures each utterance's latency from its submission to its result.
type latencies struct {
	key       func(asr.Utterance) string // names an utterance in submitted
	mu        sync.Mutex
	submitted map[string]time.Time
	lat       []float64
}

func newLatencies(key func(asr.Utterance) string) *latencies {
	return &latencies{key: key, submitted: map[string]time.Time{}}
}

// result records the latency of a result's utterance (the pool's emit calls it).
func (l *latencies) result(u asr.Utterance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.submitted[l.key(u)]; ok {
		l.lat = append(l.lat, time.Since(s).Seconds())
	}
}

// replay runs p and submits each utterance when it ends (real time, as a live hearing would),
// waits for every result and stops p; it returns the seconds of audio and of wall time.
func (l *latencies) replay(t *testing.T, p *pool.Pipeline, us []utt) (audioSec, wall float64) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	start := time.Now()
	for _, x := range us {
		time.Sleep(time.Until(start.Add(time.Duration(x.u.End * float64(time.Second)))))
		x.u.ID = asr.UtteranceID(x.u.Seat, x.u.Start)
		l.mu.Lock()
		l.submitted[l.key(x.u)] = time.Now()
		l.mu.Unlock()
		audioSec += x.u.Duration()
		if err := p.Submit(x.u, x.pcm); err != nil {
			t.Fatal(err)
		}
	}
	for {
		l.mu.Lock()
		n := len(l.lat)
		l.mu.Unlock()
		if n >= len(us) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	wall = time.Since(start).Seconds()
	cancel()
	<-done
	return audioSec, wall
}

// quantiles sorts the latencies and returns their p-quantile function (seconds, to the ms).
func (l *latencies) quantiles() func(p float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	lat := l.lat
	sort.Float64s(lat)
	return func(p float64) float64 { return math.Round(lat[int(math.Ceil(p*float64(len(lat))))-1]*1000) / 1000 }
}

// cpuSeconds is the process's user+system CPU time: on a machine shared with other work it is
// a steadier measure of the engine's work than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// benchPacked replays the same schedule with packing: each worker takes everything queued for
// one hearing (the oldest waiting first) and decodes it with TranscribePacked.
func benchPacked(t *testing.T, e *Engine, rooms, workers, threads int, hearingSec float64, total int, each func(func(asr.Utterance, []int16))) {
	type job struct {
		req asr.Request
		sub time.Time
		end float64
	}
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		queue    = map[string][]job{}
		order    []string // hearings in the order their oldest job arrived
		lat      []float64
		audioSec float64
		windows  int
		finished bool
		lastEnd  float64
	)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(order) == 0 && !finished {
					cond.Wait()
				}
				if len(order) == 0 {
					mu.Unlock()
					return
				}
				h := order[0]
				order = order[1:]
				jobs := queue[h]
				delete(queue, h)
				mu.Unlock()
				reqs := make([]asr.Request, len(jobs))
				for i, j := range jobs {
					reqs[i] = j.req
				}
				if _, st, err := e.TranscribePacked(context.Background(), reqs); err != nil {
					t.Error(err)
				} else {
					mu.Lock()
					windows += st.Windows
					for _, j := range jobs {
						lat = append(lat, time.Since(j.sub).Seconds())
					}
					mu.Unlock()
				}
			}
		}()
	}
	cpu0 := cpuSeconds()
	start := time.Now()
	each(func(u asr.Utterance, pcm []int16) {
		time.Sleep(time.Until(start.Add(time.Duration(u.End * float64(time.Second)))))
		mu.Lock()
		if _, ok := queue[u.Hearing]; !ok {
			order = append(order, u.Hearing)
		}
		queue[u.Hearing] = append(queue[u.Hearing], job{asr.Request{PCM: pcm, Language: "en"}, time.Now(), u.End})
		audioSec += u.Duration()
		lastEnd = u.End
		cond.Signal()
		mu.Unlock()
	})
	mu.Lock()
	finished = true
	cond.Broadcast()
	mu.Unlock()
	wg.Wait()
	wall := time.Since(start).Seconds()
	if len(lat) != total {
		t.Fatalf("%d results for %d utterances", len(lat), total)
	}
	sort.Float64s(lat)
	q := func(p float64) float64 { return math.Round(lat[int(math.Ceil(p*float64(len(lat))))-1]*1000) / 1000 }
	cpu := cpuSeconds() - cpu0
	out, _ := json.Marshal(map[string]any{"mode": "courtrooms", "audio_ctx": "pack+" + e.cfg.AudioCtx, "courtrooms": rooms, "workers": workers,
		"threads": threads, "utterances": total, "audio_s": math.Round(audioSec*10) / 10, "replay_wall_s": math.Round(wall*10) / 10,
		"hearing_s": hearingSec, "drain_s": math.Round((wall-lastEnd)*100) / 100,
		"cpu_s": math.Round(cpu*100) / 100, "rtf_cpu": math.Round(cpu/audioSec*1000) / 1000,
		"lat_p50_s": q(0.5), "lat_p95_s": q(0.95), "lat_max_s": q(1), "windows": windows,
		"encodes_per_utt": math.Round(float64(e.Encodes())/float64(total)*100) / 100})
	fmt.Printf("BENCH %s\n", out)
}

// benchBackfill decodes one pending 60 s hearing (13 utterances of 2..8 s from the speech
// file, as backfill finds them) four ways on one worker: one by one with the full window,
// one by one with audio_ctx fitted, packed by the engine call (full window per packed decode),
// and packed through the wired path backfill takes (pool.Pipeline.TranscribeMany: padding,
// batches, guards and prompts around the same engine call).
func benchBackfill(t *testing.T, model, wavPath string, threads int) {
	a, err := wavfile.ReadFile(wavPath)
	if err != nil {
		t.Fatal(err)
	}
	speech := a.Channels[0]
	var reqs []asr.Request
	audio := 0.0
	for k := 0; k < 13; k++ {
		n := (2 + (k*37)%7) * wire.SampleRate
		off := (k * 24000) % (len(speech) - n)
		reqs = append(reqs, asr.Request{PCM: speech[off : off+n], Language: "en"})
		audio += float64(n) / wire.SampleRate
	}
	var pcs []policy.Piece
	at := 1.0
	for k, r := range reqs {
		u := asr.Utterance{Hearing: "bench", Seat: []string{"judge", "prosecutor", "witness"}[k%3], Start: at}
		u.End = at + float64(len(r.PCM))/wire.SampleRate
		u.ID = asr.UtteranceID(u.Seat, u.Start)
		pcs = append(pcs, policy.Piece{Utterance: u, PCM: r.PCM, Index: 1, Count: 1})
		at = u.End + 1
	}
	for _, mode := range []string{"full", "fit", "pack", "many"} {
		cfg := DefaultConfig()
		cfg.Model, cfg.Workers, cfg.Threads, cfg.Language = model, 1, threads, "en"
		cfg.AudioCtx = AudioCtxFull
		if mode == "fit" {
			cfg.AudioCtx = AudioCtxFit
		}
		e, err := NewEngine(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		cpu0, t0 := cpuSeconds(), time.Now()
		var st PackStats
		switch mode {
		case "pack":
			if _, st, err = e.TranscribePacked(context.Background(), reqs); err != nil {
				t.Fatal(err)
			}
		case "many":
			pcfg := pool.DefaultConfig()
			pcfg.Language = "en"
			p, err := pool.New(e, pcfg, nil, func(asr.Result) {})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.TranscribeMany(context.Background(), pcs, asr.PackWindowSeconds) {
				if r.Status == asr.StatusPending {
					t.Fatalf("%s left pending: %s", r.Utterance.ID, r.Error)
				}
			}
			st.Windows = len(pool.Batches(pcs, asr.PackWindowSeconds))
			st.Fallbacks = -1 // TranscribeMany does not report them
		default:
			for _, r := range reqs {
				if _, err := e.Transcribe(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
		}
		wall, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
		out, _ := json.Marshal(map[string]any{"mode": "backfill", "decode": mode, "threads": threads, "utterances": len(reqs),
			"audio_s": audio, "wall_s": math.Round(wall*100) / 100, "cpu_s": math.Round(cpu*100) / 100,
			"rtf_cpu": math.Round(cpu/audio*1000) / 1000, "encodes": e.Encodes(), "windows": st.Windows, "fallbacks": st.Fallbacks})
		fmt.Printf("BENCH %s\n", out)
		e.Close()
	}
}
