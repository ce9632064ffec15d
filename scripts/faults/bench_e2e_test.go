package faults

import "bufio"
import "context"
import "encoding/json"
import "fmt"
import "io"
import "math"
import "net/http"
import "net/http/httptest"
import "os"
import "os/exec"
import "path/filepath"
import "slices"
import "strings"
import "sync/atomic"
import "testing"
import "time"

import "github.com/chromedp/chromedp"
import "github.com/courtscribe/courtscribe/internal/testrig"

// TestBenchEndToEndLatency measures what the clerk experiences: the time from the end of
// speech at a seat's microphone to the final text of that utterance on the clerk's screen.
// Everything between is real: the agent replays a generated multi-seat hearing at real time
// from its WAV (as a microphone would deliver it), the server archives, diarizes, transcribes
// and commits, and headless Chromium shows the live hearing page, where a MutationObserver
// notes the moment each segment is drawn with its final text.
//
// It is a benchmark, not a test: it runs only with COURTSCRIBE_BENCH_E2E=1 (scripts/bench-e2e.sh
// sets it) and prints one "BENCH e2e ..." line. Inputs, from the environment:
//
//	COURTSCRIBE_BENCH_E2E_SCENE   hearinggen's WAV; its reference is the .truth.json beside it
//	COURTSCRIBE_BENCH_E2E_ENGINE  "instant" (an engine that answers at once: the pipeline alone)
//	                              or "whisper:MODEL" (needs a binary built with -tags whisper:
//	                              COURTSCRIBE_E2E_TAGS=whisper)
//	COURTSCRIBE_BENCH_E2E_LANG    the hearing's language (default zh)
//
// End of speech in wall-clock time is the agent's capture start (logged as "agent: capturing";
// the replay's first block is read right after) plus the reference end in hearing time.
func TestBenchEndToEndLatency(t *testing.T) {
	if os.Getenv("COURTSCRIBE_BENCH_E2E") == "" {
		t.Skip("benchmark: run by scripts/bench-e2e.sh (make bench-e2e)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("SKIP: %s is missing (apt-get install chromium)", chromiumPath)
	}
	scenePath := os.Getenv("COURTSCRIBE_BENCH_E2E_SCENE")
	truth := readTruth(t, strings.TrimSuffix(scenePath, ".wav")+".truth.json")
	seats := sceneSeats(t, scenePath)
	lang := cmp(os.Getenv("COURTSCRIBE_BENCH_E2E_LANG"), "zh")
	engine := cmp(os.Getenv("COURTSCRIBE_BENCH_E2E_ENGINE"), "instant")

	bin := testrig.Binary(t)
	data := t.TempDir()
	igAddUsers(t, [][2]string{{"admin", "admin"}, {"clerk1", "clerk"}}, "--data", data)
	addr := testrig.FreeAddr(t)
	args := []string{"--language", lang}
	switch {
	case engine == "instant":
		var calls atomic.Int64
		eng := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, _, err := r.FormFile("file"); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"text": fmt.Sprintf("utterance %d", calls.Add(1))})
		}))
		defer eng.Close()
		args = append(args, "--asr", "remote", "--asr-url", eng.URL)
	case strings.HasPrefix(engine, "whisper:"):
		args = append(args, "--asr", "whisper", "--model", strings.TrimPrefix(engine, "whisper:"))
	default:
		t.Fatalf("COURTSCRIBE_BENCH_E2E_ENGINE=%q: want instant or whisper:MODEL", engine)
	}
	srv := igStartServer(t, data, addr, args...)
	base := "http://" + addr

	admin := apiLogin(t, base, "admin", "pw-admin")
	var seatMap []map[string]any
	for _, s := range seats {
		seatMap = append(seatMap, map[string]any{"seat": s, "role": s})
	}
	const hid = "bench-e2e"
	admin.createHearing(map[string]any{"id": hid, "case_number": "BENCH-1", "courtroom": "room-1",
		"language": lang, "title": "end-to-end latency", "clerk": "clerk1", "seats": seatMap})

	// The clerk's screen.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	login := `fetch("/api/login",{method:"POST",headers:{"Content-Type":"application/json"},body:JSON.stringify({name:"clerk1",password:"pw-clerk1"})}).then(r=>r.ok)`
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("browser: %v", err)
	}
	if ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](login, chromedp.EvalAwaitPromise)); err != nil || !ok {
		t.Fatalf("browser login: %v %v", ok, err)
	}
	// Date.now() in the page and time.Now() here read the same machine's clock.
	observer := `(() => {
	  window.__final = {}; window.__first = {};
	  const look = () => {
	    for (const el of document.querySelectorAll("article.seg")) {
	      const id = el.dataset.id, tx = el.querySelector(".tx"), st = el.querySelector(".st");
	      const text = tx ? tx.textContent.replace(st ? st.textContent : "", "").trim() : "";
	      if (text && !(id in window.__first)) window.__first[id] = Date.now();
	      if (el.classList.contains("final") && !(id in window.__final)) window.__final[id] = Date.now();
	    }
	  };
	  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
	  look(); return true; })()`
	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/#/hearing/"+hid), chromedp.WaitVisible("#head h1")); err != nil {
		t.Fatalf("open the live hearing: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](observer)); err != nil {
		t.Fatalf("observer: %v", err)
	}

	// The courtroom: the agent replays the hearing at real time.
	var seatArg []string
	for i, s := range seats {
		seatArg = append(seatArg, fmt.Sprintf("%s=%d", s, i+1))
	}
	token := testrig.Token(t, data, "room-1")
	agent := exec.Command(bin, "agent", "--server", "ws://"+addr, "--token", token, "--courtroom", "room-1", "--hearing", hid,
		"--seats", strings.Join(seatArg, ","), "--source", scenePath, "--spool", t.TempDir())
	agentErr, _ := agent.StderrPipe()
	agent.Stdout = io.Discard
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t0c := make(chan time.Time, 1)
	go func() {
		sc := bufio.NewScanner(agentErr)
		for sc.Scan() { // time=2026-11-26T01:02:03.456Z level=INFO msg="agent: capturing" ...
			line := sc.Text()
			if !strings.Contains(line, `msg="agent: capturing"`) {
				continue
			}
			f := strings.Fields(line)
			if len(f) > 0 {
				if at, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time=")); err == nil {
					t0c <- at
				}
			}
		}
	}()
	var t0 time.Time
	select {
	case t0 = <-t0c:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not start capturing")
	}
	if err := agent.Wait(); err != nil {
		t.Fatalf("agent: %v", err)
	}

	// Wait until every segment the server made is final on screen (or a minute after the audio).
	clerk := apiLogin(t, base, "clerk1", "pw-clerk1")
	var segs []segment
	var final map[string]int64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var page struct {
			Segments []segment `json:"segments"`
		}
		clerk.do("GET", "/api/hearings/"+hid+"/segments", nil, &page)
		segs = page.Segments
		var err error
		if final, err = chromedp.Run(bctx, chromedp.Evaluate[map[string]int64](`window.__final`)); err != nil {
			t.Fatal(err)
		}
		done := len(segs) > 0
		for _, s := range segs {
			if _, ok := final[fmt.Sprint(s.ID)]; !ok {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	first, _ := chromedp.Run(bctx, chromedp.Evaluate[map[string]int64](`window.__first`))

	// Each segment's end of speech is the latest reference end on its seat that the segment covers.
	var finals, firsts []float64
	covered := make([]bool, len(truth))
	unfinished := 0
	for _, s := range segs {
		end := -1.0
		for i, r := range truth {
			if r.Seat == s.Seat && r.Start*1000 < float64(s.EndMS) && r.End*1000 > float64(s.StartMS) {
				covered[i] = true
				end = math.Max(end, r.End)
			}
		}
		if end < 0 {
			continue // no reference speech under it (a false alarm): no end of speech to time from
		}
		spoken := t0.Add(time.Duration(end * float64(time.Second)))
		f, ok := final[fmt.Sprint(s.ID)]
		if !ok {
			unfinished++
			continue
		}
		finals = append(finals, float64(time.UnixMilli(f).Sub(spoken).Milliseconds()))
		if v, ok := first[fmt.Sprint(s.ID)]; ok {
			firsts = append(firsts, float64(time.UnixMilli(v).Sub(spoken).Milliseconds()))
		}
	}
	missed := 0
	for _, c := range covered {
		if !c {
			missed++
		}
	}
	if len(finals) == 0 {
		t.Fatalf("no segment reached the screen; server log:\n%s", srv.Out.String())
	}
	// What the engine did: finals, partials (offered while a worker was idle), empty results.
	if resp, err := http.Get(base + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "courtscribe_asr_results_total") || strings.HasPrefix(l, "courtscribe_asr_submitted_total") {
				t.Log(l)
			}
		}
	}
	fmt.Printf("BENCH e2e engine=%s scene=%s reference=%d segments=%d timed=%d unfinished=%d missed_reference=%d final_p50_ms=%.0f final_p95_ms=%.0f final_max_ms=%.0f first_text_p50_ms=%.0f first_text_p95_ms=%.0f\n",
		engine, filepath.Base(scenePath), len(truth), len(segs), len(finals), unfinished, missed,
		pct(finals, 50), pct(finals, 95), pct(finals, 100), pct(firsts, 50), pct(firsts, 95))
}

const chromiumPath = "/usr/bin/chromium"

type truthSeg struct {
	Seat       string  `json:"seat"`
	Start, End float64 `json:"-"`
}

func readTruth(t *testing.T, path string) []truthSeg {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reference: %v (generate the scene with hearinggen)", err)
	}
	var doc struct {
		Segments []struct {
			Seat  string  `json:"seat"`
			Start float64 `json:"start"`
			End   float64 `json:"end"`
		} `json:"segments"`
		Seats []string `json:"seats"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("reference %s: %v", path, err)
	}
	var out []truthSeg
	for _, s := range doc.Segments {
		out = append(out, truthSeg{Seat: s.Seat, Start: s.Start, End: s.End})
	}
	return out
}

// sceneSeats returns the seats in channel order from the scene file the WAV was rendered from
// (scripts/scenes/<name>.json): hearinggen writes channel i for the scene's i-th seat.
func sceneSeats(t *testing.T, wav string) []string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	name := strings.TrimSuffix(filepath.Base(wav), ".wav")
	b, err := os.ReadFile(filepath.Join(root, "scripts", "scenes", name+".json"))
	if err != nil {
		t.Fatalf("scene of %s: %v", wav, err)
	}
	var sc struct {
		Seats []struct {
			Name string `json:"name"`
		} `json:"seats"`
	}
	if err := json.Unmarshal(b, &sc); err != nil {
		t.Fatalf("scene %s: %v", name, err)
	}
	var out []string
	for _, s := range sc.Seats {
		out = append(out, s.Name)
	}
	return out
}

func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
