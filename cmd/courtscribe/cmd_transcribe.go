package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/courtscribe/courtscribe/asr"
	"github.com/courtscribe/courtscribe/asr/diarize"
	"github.com/courtscribe/courtscribe/asr/pool"
	"github.com/courtscribe/courtscribe/asr/whisper"
	"github.com/courtscribe/courtscribe/capture/wavfile"
)

func init() { addCommand(newTranscribeCmd) }

type transcribeFlags struct {
	seats    []string
	asrKind  string
	model    string
	urls     []string
	language string
	workers  int
	threads  int
	json     bool
	gpu      gpuFlags
}

func newTranscribeCmd() *cobra.Command {
	var fl transcribeFlags
	cmd := &cobra.Command{
		Use:   "transcribe FILE.wav --seats a,b,...",
		Short: "Transcribe a recorded hearing offline: diarize by seat, then run the same pipeline as the server",
		Long: `transcribe reads a 16 kHz WAV with one channel per seat (in --seats order), finds each
seat's utterances with the seat diarizer, and transcribes them with the same utterance policy,
guards and worker pool as the server. Utterances the engine cannot take are listed as pending.

With --json it prints {"segments":[{"seat","start","end","text","confidence","status"}]}.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTranscribe(cmd.Context(), args[0], fl, cmd.OutOrStdout(), newLogger(os.Stderr))
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&fl.seats, "seats", nil, "seat names, one per WAV channel, in channel order (e.g. judge,clerk,plaintiff,defendant)")
	f.StringVar(&fl.asrKind, "asr", "whisper", "transcription engine: whisper, remote or none")
	f.StringVar(&fl.model, "model", "", "ggml Whisper model file for --asr whisper")
	f.StringSliceVar(&fl.urls, "asr-url", nil, "whisper-server or OpenAI-compatible URL(s) for --asr remote")
	f.StringVar(&fl.language, "language", "auto", "language: zh, en or auto")
	f.IntVar(&fl.workers, "workers", 1, "transcription workers (one decoding state each, all sharing one loaded model)")
	f.IntVar(&fl.threads, "threads", 0, "threads per whisper worker (0: CPUs / workers)")
	addGPUFlags(f, &fl.gpu)
	f.BoolVar(&fl.json, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("seats")
	return cmd
}

// transcribedSegment is one line of `courtscribe transcribe --json`.
type transcribedSegment struct {
	Seat       string   `json:"seat"`
	Start      float64  `json:"start"`
	End        float64  `json:"end"`
	Text       string   `json:"text"`
	Confidence float64  `json:"confidence"`
	Status     string   `json:"status"`
	Flags      []string `json:"flags,omitempty"`
}

// diarizeOffline is the one-line adapter to the seat diarizer.
func diarizeOffline(seats []string, pcm [][]int16, log *slog.Logger) ([]diarize.Segment, error) {
	return diarize.Offline(diarize.DefaultConfig(), seats, pcm, log)
}

func runTranscribe(ctx context.Context, path string, fl transcribeFlags, out io.Writer, log *slog.Logger) error {
	switch fl.language {
	case "zh", "en", "auto":
	default:
		return fmt.Errorf("--language %q: want zh, en or auto", fl.language)
	}
	if fl.asrKind == "whisper" && !whisper.Built {
		return whisper.ErrNotBuilt
	}
	if len(fl.seats) == 0 {
		return fmt.Errorf("--seats is required (one name per WAV channel)")
	}
	t0 := time.Now()
	a, err := wavfile.ReadFile(path)
	if err != nil {
		return err
	}
	tRead := time.Now()
	if a.SampleRate != asr.SampleRate {
		return fmt.Errorf("%s: %d Hz; courtscribe works at 16 kHz (convert with: sox IN -r 16000 OUT)", path, a.SampleRate)
	}
	if len(a.Channels) != len(fl.seats) {
		return fmt.Errorf("%s has %d channels but --seats names %d seats", path, len(a.Channels), len(fl.seats))
	}
	segs, err := diarizeOffline(fl.seats, a.Channels, log.With("part", "diarize"))
	if err != nil {
		return fmt.Errorf("diarizing: %w", err)
	}
	tDiarize := time.Now()
	eng, err := newEngine(ctx, engineFlags{kind: fl.asrKind, model: fl.model, urls: fl.urls, workers: fl.workers, language: fl.language, threads: fl.threads, gpu: fl.gpu}, log)
	if err != nil {
		return err
	}
	defer eng.Close()
	tLoad := time.Now()
	results, err := transcribeUtterances(ctx, eng, fl, segs, a.Channels, log)
	if err != nil {
		return err
	}
	tASR := time.Now()
	// where the time went (docs/asr.md compares it with whisper-cli)
	encodes := -1
	if e, ok := eng.(interface{ Encodes() int }); ok {
		encodes = e.Encodes()
	}
	log.Info("transcribe timings", "read_ms", ms(tRead.Sub(t0)), "diarize_ms", ms(tDiarize.Sub(tRead)),
		"engine_load_ms", ms(tLoad.Sub(tDiarize)), "transcribe_ms", ms(tASR.Sub(tLoad)), "utterances", len(segs), "encoder_passes", encodes,
		"audio_s", float64(len(a.Channels[0]))/asr.SampleRate)
	return printTranscript(out, results, fl.json)
}

// transcribeUtterances runs the diarizer's turns through the blip rule and the pool.
func transcribeUtterances(ctx context.Context, eng asr.Engine, fl transcribeFlags, segs []diarize.Segment, pcm [][]int16, log *slog.Logger) ([]asr.Result, error) {
	seatIdx := map[string]int{}
	for i, s := range fl.seats {
		seatIdx[s] = i
	}
	us := make([]asr.Utterance, 0, len(segs))
	for _, s := range segs {
		u := asr.Utterance{Hearing: "offline", Seat: s.Seat, Start: s.Start, End: s.End, Overlap: s.Overlap}
		u.ID = asr.UtteranceID(u.Seat, u.Start)
		us = append(us, u)
	}
	cfg := pool.DefaultConfig()
	cfg.Workers = max(fl.workers, 1)
	cfg.Language = fl.language
	cfg.PartialInterval = 0
	cfg.QueueSize = len(us) + 1
	cfg.DrainTimeout = 24 * time.Hour // offline: finish everything that was queued
	kept, skipped := cfg.Policy.MergeBlips(us)
	var mu sync.Mutex
	var results []asr.Result
	for _, u := range skipped {
		results = append(results, asr.Result{Utterance: u, Status: asr.StatusEmpty,
			Flags: []string{fmt.Sprintf("blip: %.2f s, not transcribed", u.Duration())}})
	}
	p, err := pool.New(eng, cfg, log.With("part", "asr"), func(r asr.Result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	for _, u := range kept {
		ch := pcm[seatIdx[u.Seat]]
		s0, s1 := asr.SampleIndex(u.Start), min(asr.SampleIndex(u.End), int64(len(ch)))
		if s0 >= s1 {
			continue
		}
		if err := p.Submit(u, ch[s0:s1]); err != nil {
			log.Warn("utterance skipped", "utterance", u.ID, "err", err)
		}
	}
	stop() // drains the queue, then returns
	if err := <-done; err != nil {
		return nil, err
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Utterance.Start != results[j].Utterance.Start {
			return results[i].Utterance.Start < results[j].Utterance.Start
		}
		return results[i].Utterance.Seat < results[j].Utterance.Seat
	})
	return results, nil
}

func printTranscript(out io.Writer, results []asr.Result, asJSON bool) error {
	segs := make([]transcribedSegment, 0, len(results))
	for _, r := range results {
		segs = append(segs, transcribedSegment{Seat: r.Utterance.Seat, Start: round3(r.Utterance.Start), End: round3(r.Utterance.End),
			Text: r.Text, Confidence: round3(r.Confidence), Status: string(r.Status), Flags: r.Flags})
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Segments []transcribedSegment `json:"segments"`
		}{segs})
	}
	for _, s := range segs {
		note := ""
		if s.Status != string(asr.StatusFinal) {
			note = " (" + s.Status
			if len(s.Flags) > 0 {
				note += ": " + strings.Join(s.Flags, "; ")
			}
			note += ")"
		}
		if _, err := fmt.Fprintf(out, "[%s → %s] %s: %s\n", hms(s.Start), hms(s.End), s.Seat, strings.TrimSpace(s.Text+note)); err != nil {
			return err
		}
	}
	return nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func hms(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	return fmt.Sprintf("%02d:%02d:%05.2f", int(d.Hours()), int(d.Minutes())%60, sec-float64(int(d.Minutes())*60))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
