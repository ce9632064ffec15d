// Command hearinggen synthesizes multi-microphone courtroom hearings from scene files
// (scripts/scenes/*.json) and benchmarks the seat diarizer on them, or on hearings rendered
// elsewhere (score).
//
//	go run ./scripts/hearinggen gen   [-scenes DIR] [-out DIR] [-force] [scene.json...]
//	go run ./scripts/hearinggen bench [-scenes DIR] [-out DIR] [-md FILE] [-runs N]
//	go run ./scripts/hearinggen latency [-scenes DIR] [-out DIR] [scene.json...]
//	go run ./scripts/hearinggen random [-scenes DIR] [-dir DIR] [-n N] [-seed S] [-minutes M] [-lang zh|en]
//	go run ./scripts/hearinggen score -seats a,b,c [-truth X.truth.json] [-target PCT] [-md FILE] [-runs N] X.wav...
//
// gen writes, per scene, OUT/<name>.wav (one channel per seat, 16 kHz) and
// OUT/<name>.truth.json (reference segments, the `courtscribe diarize --json` schema); a scene
// whose file and generator version are unchanged is not rendered again. bench generates what is
// missing, runs courtscribe's diarizer and the two baselines (per-channel energy VAD, loudest
// channel wins) on the same audio, scores them with DER (0.25 s collar) and prints a table; with
// -md it also writes the table as Markdown. A scene that needs ../shared/testdata is skipped
// with a message when that folder is absent. random draws N courtrooms nobody tuned on (random.go)
// into DIR as scene files, for gen, bench and latency. score runs what bench runs on WAVs that
// another renderer wrote (scripts/altroom): each X.wav, one channel per seat in the order of
// -seats, against X.truth.json (or -truth, for one WAV) in the format gen writes; it prints
// bench's table per hearing (no target unless -target gives one) and with -md writes one row
// per hearing and their mean.
package main

import "context"
import "crypto/sha256"
import "encoding/hex"
import "encoding/json"
import "errors"
import "flag"
import "fmt"
import "io"
import "os"
import "os/signal"
import "path/filepath"
import "slices"
import "sort"
import "strings"
import "syscall"
import "time"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// genVersion changes whenever rendering changes, so cached hearings are rebuilt.
const genVersion = "hearinggen-7"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hearinggen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: hearinggen gen|bench|latency|info|random|score [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	scenes := fs.String("scenes", "scripts/scenes", "folder of scene JSON files")
	outDir := fs.String("out", "var/hearings", "folder for rendered hearings (cache)")
	force := fs.Bool("force", false, "render even when the cache is current")
	md := fs.String("md", "", "bench, score: also write the table as Markdown to this file")
	summary := fs.String("summary", "", "bench: write the summary rows (measure|result|target|baseline|verdict) to this file")
	runs := fs.Int("runs", 5, "bench, score: timing runs per method (the median is reported)")
	var so scoreOptions
	fs.StringVar(&so.seats, "seats", "", "score: seat names in channel order, comma-separated")
	fs.StringVar(&so.truth, "truth", "", "score: the reference of the one WAV (default: X.truth.json beside X.wav)")
	fs.Float64Var(&so.target, "target", 0, "score: DER target in % for the verdict (0: none)")
	var ro randomOptions
	randomDir := fs.String("dir", "var/random-scenes", "random: folder for the drawn scene files")
	fs.IntVar(&ro.N, "n", 6, "random: how many courtrooms")
	fs.Uint64Var(&ro.Seed, "seed", 1, "random: seed of the first courtroom (the next ones count up)")
	fs.Float64Var(&ro.Minutes, "minutes", 3, "random: length of each hearing, roughly")
	fs.StringVar(&ro.Lang, "lang", "", "random: zh or en (default: alternate)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "random" {
		if ro.N < 1 || ro.Minutes <= 0 || (ro.Lang != "" && ro.Lang != "zh" && ro.Lang != "en") {
			return errors.New("random: -n ≥ 1, -minutes > 0, -lang zh, en or empty")
		}
		return writeRandom(ro, *scenes, *randomDir, out)
	}
	if args[0] == "score" {
		so.md, so.runs = *md, *runs
		return scoreFiles(so, fs.Args(), out)
	}
	files := fs.Args()
	if len(files) == 0 {
		m, err := filepath.Glob(filepath.Join(*scenes, "*.json"))
		if err != nil {
			return err
		}
		files = m
	}
	if len(files) == 0 {
		return fmt.Errorf("no scene files in %s", *scenes)
	}
	sort.Strings(files)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	switch args[0] {
	case "gen":
		for _, f := range files {
			if _, err := generate(ctx, f, *outDir, *force, out); err != nil {
				return err
			}
		}
		return nil
	case "bench":
		return bench(ctx, files, *outDir, *md, *summary, max(*runs, 1), out)
	case "latency":
		return latency(ctx, files, *outDir, out)
	case "info":
		for _, f := range files {
			if err := info(f, out); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown subcommand %q (gen, bench, latency, info, random, score)", args[0])
}

type rendered struct {
	scene *scene.Scene
	wav   string
	truth string
}

// generate renders one scene unless the cache is current; nil result means skipped.
func generate(ctx context.Context, file, outDir string, force bool, log io.Writer) (*rendered, error) {
	sc, err := scene.Load(file)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(genVersion+"\n"), b...))
	stamp := hex.EncodeToString(sum[:])
	r := &rendered{scene: sc,
		wav:   filepath.Join(outDir, sc.Name+".wav"),
		truth: filepath.Join(outDir, sc.Name+".truth.json")}
	stampPath := filepath.Join(outDir, sc.Name+".stamp")
	if old, err := os.ReadFile(stampPath); err == nil && !force && strings.TrimSpace(string(old)) == stamp {
		if _, err := os.Stat(r.wav); err == nil {
			return r, nil
		}
	}
	td := scene.FindTestdata(filepath.Dir(file))
	if sc.UsesTestdata() && td == "" {
		fmt.Fprintf(log, "hearinggen: skipping scene %s: it needs ../shared/testdata (jfk.wav), which is absent\n", sc.Name)
		return nil, nil
	}
	t0 := time.Now()
	h, err := scene.Render(ctx, sc, scene.Options{Dir: filepath.Dir(file), Testdata: td})
	if errors.Is(err, scene.ErrNoTestdata) {
		fmt.Fprintf(log, "hearinggen: skipping scene %s: %v\n", sc.Name, err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := wavfile.WriteMulti(r.wav, wire.SampleRate, h.Channels); err != nil {
		return nil, err
	}
	tj, err := json.MarshalIndent(truthFile{h.Truth, h.Events, h.Lines}, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(r.truth, append(tj, '\n'), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(stampPath, []byte(stamp+"\n"), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "hearinggen: rendered %s: %d seats, %.1f s, %d reference segments (%.1fs)\n",
		sc.Name, len(h.Seats), h.Duration(), len(h.Truth), time.Since(t0).Seconds())
	return r, nil
}

// truthFile is the reference of a rendered hearing: the speech segments (the
// `courtscribe diarize --json` schema) and the non-speech events of a room scene.
type truthFile struct {
	Segments []diarize.Turn    `json:"segments"`
	Events   []scene.NonSpeech `json:"events,omitempty"`
	Lines    []scene.Spoken    `json:"lines,omitempty"`
}

func readTruth(path string) (truthFile, error) {
	var v truthFile
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// info prints a room scene's acoustics: critical distance, the measured RT60 and
// direct-to-reverberant ratio of every seat's own impulse response, and the crosstalk matrix.
func info(file string, out io.Writer) error {
	sc, err := scene.Load(file)
	if err != nil {
		return err
	}
	if sc.Room == nil {
		fmt.Fprintf(out, "%s: no room (bleed %v dB, delays %v ms)\n", sc.Name, sc.Bleed, sc.DelayMS)
		return nil
	}
	fmt.Fprintf(out, "%s: room %v m, RT60 %.2f s, critical distance %.2f m\n", sc.Name, sc.Room.Size, sc.Room.RT60, sc.Room.CriticalDistance())
	irs := sc.IRs()
	for i, st := range sc.Seats {
		far := (i + len(sc.Seats)/2) % len(sc.Seats)
		fmt.Fprintf(out, "  %-12s DRR on own mic %+5.1f dB; on %s's mic %+5.1f dB, RT60 measured there (Schroeder T20) %.2f s\n",
			st.Name, scene.DRR(irs[i][i]), sc.Seats[far].Name, scene.DRR(irs[i][far]), scene.SchroederRT60(irs[i][far]))
	}
	x := sc.CrosstalkDB()
	fmt.Fprintf(out, "  crosstalk dB (row: talker, column: mic; gains included)\n  %-12s", "")
	for _, st := range sc.Seats {
		fmt.Fprintf(out, " %9.9s", st.Name)
	}
	fmt.Fprintln(out)
	for i, st := range sc.Seats {
		fmt.Fprintf(out, "  %-12s", st.Name)
		for j := range sc.Seats {
			fmt.Fprintf(out, " %9.1f", x[i][j])
		}
		fmt.Fprintln(out)
	}
	return nil
}

// median runs f runs times and returns the median of the CPU time (user+system) it took: the
// development machine is shared, and CPU time is far less disturbed by other people's work than
// wall time (one goroutine does the work, so uncontended the two agree).
func median(runs int, f func()) time.Duration {
	ts := make([]time.Duration, runs)
	for i := range ts {
		c0 := cpuTime()
		f()
		ts[i] = cpuTime() - c0
	}
	slices.Sort(ts)
	return ts[runs/2]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rt is the speed in multiples of real time per channel: channel-seconds of audio per second.
func rt(dur float64, ch int, d time.Duration) float64 {
	return dur * float64(ch) / max(d.Seconds(), 1e-9)
}
