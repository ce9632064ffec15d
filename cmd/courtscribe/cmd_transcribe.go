package main

import "context"
import "encoding/json"
import "fmt"
import "io"
import "log/slog"
import "os"
import "slices"
import "sort"
import "strings"
import "sync"
import "time"

import "github.com/spf13/cobra"
import "github.com/spf13/pflag"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/policy"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/server"

func init() { addCommand(newTranscribeCmd) }

type transcribeFlags struct {
	seats     []string
	seatFiles []string
	json      bool
	engineFlags
}

func newTranscribeCmd() *cobra.Command {
	var fl transcribeFlags
	cmd := &cobra.Command{
		Use:   "transcribe FILE --seats a,b,... | --seat-file NAME=FILE...",
		Short: "Transcribe a recorded hearing offline: diarize by seat, then run the same pipeline as the server",
		Long: `transcribe reads a recording with one channel per seat (in --seats order), or one mono file
per seat (--seat-file NAME=FILE), finds each seat's utterances with the seat diarizer, and
transcribes them with the same utterance policy, guards and worker pool as the server.
Utterances the engine cannot take are listed as pending. It reads WAV/RF64 (8/16/24/32-bit PCM
or float) and FLAC at any rate from 8 to 192 kHz, streaming: the file is read twice (diarize,
then cut the utterances), and memory does not grow with the recording.

With --json it prints {"segments":[{"seat","start","end","text","confidence","status"}]}.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			return runTranscribe(cmd.Context(), path, fl, cmd.OutOrStdout(), newLogger(os.Stderr))
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&fl.seats, "seats", nil, "seat names, one per channel, in channel order (e.g. judge,clerk,plaintiff,defendant)")
	seatFileFlag(f, &fl.seatFiles)
	fl.add(f, engineFlagDefaults{asr: "whisper", asrHelp: "transcription engine: whisper, remote or none",
		language: "auto", languageHelp: "language: zh, en or auto",
		workersHelp: "transcription workers (one decoding state each, all sharing one loaded model)", gpu: true})
	f.BoolVar(&fl.json, "json", false, "print JSON")
	return cmd
}

// batchFlag is --batch-seconds of the commands that transcribe past audio (transcribe, import,
// backfill): consecutive utterances go to the engine in batches of about that much audio, and
// an engine that can pack them (whisper) decodes a batch in one window (docs/asr.md, "Packing
// utterances").
func batchFlag(f *pflag.FlagSet, v *float64) {
	f.Float64Var(v, "batch-seconds", asr.PackWindowSeconds, "pack consecutive utterances into one decoding window of up to this many seconds (whisper; 0: one utterance at a time)")
}

// batchWindow maps --batch-seconds onto backfill.Backfiller.BatchSeconds (0 there means the default).
func batchWindow(sec float64) float64 {
	if sec <= 0 {
		return -1
	}
	return sec
}

// transcribedUtterance is one line of `courtscribe transcribe --json`.
type transcribedUtterance struct {
	Seat       string   `json:"seat"`
	Start      float64  `json:"start"`
	End        float64  `json:"end"`
	Text       string   `json:"text"`
	Confidence float64  `json:"confidence"`
	Status     string   `json:"status"`
	Flags      []string `json:"flags,omitempty"`
}

// openTranscribeAudio opens the recording named by path or --seat-file.
func openTranscribeAudio(path string, fl transcribeFlags) (*audiofile.Reader, []string, error) {
	var args []string
	if path != "" {
		args = []string{path}
	}
	return recording.Open(args, slices.Clone(fl.seats), fl.seatFiles, false)
}

func runTranscribe(ctx context.Context, path string, fl transcribeFlags, out io.Writer, log *slog.Logger) error {
	if err := fl.check(); err != nil {
		return err
	}
	if len(fl.seats) == 0 && len(fl.seatFiles) == 0 {
		return fmt.Errorf("--seats is required (one name per channel), or give --seat-file NAME=FILE per seat")
	}
	t0 := time.Now()
	r, seats, err := openTranscribeAudio(path, fl)
	if err != nil {
		return err
	}
	segs, err := diarizeStream(r, seats, diarize.DefaultConfig(), recording.NewProgress(os.Stderr, "diarizing", r.Frames()), log.With("part", "diarize"))
	r.Close()
	if err != nil {
		return fmt.Errorf("diarizing: %w", err)
	}
	fl.seats = seats
	tDiarize := time.Now()
	eng, err := server.NewEngine(ctx, fl.engineConfig(), log)
	if err != nil {
		return err
	}
	defer eng.Close()
	tLoad := time.Now()
	// Second pass: cut the utterances out of the recording as it streams by.
	r, _, err = openTranscribeAudio(path, fl)
	if err != nil {
		return err
	}
	defer r.Close()
	results, err := transcribeUtterances(ctx, eng, fl, segs, r, log)
	if err != nil {
		return err
	}
	tASR := time.Now()
	// where the time went (docs/asr.md compares it with whisper-cli)
	encodes := -1
	if e, ok := eng.(interface{ Encodes() int }); ok {
		encodes = e.Encodes()
	}
	log.Info("transcribe timings", "read_and_diarize_ms", ms(tDiarize.Sub(t0)),
		"engine_load_ms", ms(tLoad.Sub(tDiarize)), "transcribe_ms", ms(tASR.Sub(tLoad)), "utterances", len(segs), "encoder_passes", encodes,
		"audio_s", float64(r.Frames())/wire.SampleRate)
	return printTranscript(out, results, fl.json)
}

// transcribeQueue bounds the utterances (and their audio) waiting for a worker: the reader
// waits for room instead of holding the recording's speech in memory.
const transcribeQueue = 16

// transcribeUtterances runs the diarizer's turns through the blip rule and the pool, cutting
// each utterance's audio out of r as the recording streams by.
func transcribeUtterances(ctx context.Context, eng asr.Engine, fl transcribeFlags, segs []diarize.Turn, r *audiofile.Reader, log *slog.Logger) ([]asr.Result, error) {
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
	cfg.QueueSize = transcribeQueue
	cfg.DrainTimeout = 24 * time.Hour // offline: finish everything that was queued
	kept, skipped := cfg.Policy.MergeBlips(us)
	res := &offlineResults{}
	for _, u := range skipped {
		res.results = append(res.results, asr.Result{Utterance: u, Status: asr.StatusEmpty,
			Flags: []string{fmt.Sprintf("blip: %.2f s, not transcribed", u.Duration())}})
	}
	// The pool's queue is not used: its workers' job is done by the batch workers below,
	// through TranscribeMany (same policy, prompt, guards and timeouts).
	p, err := pool.New(eng, cfg, log.With("part", "asr"), res.add)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	// Finished utterances are gathered, in time order, into batches of up to --batch-seconds of
	// audio; each worker hands a batch to TranscribeMany, which packs it into one decoding
	// window when the engine can (docs/asr.md, "Packing utterances") and otherwise transcribes
	// it one utterance at a time. The channel bounds what waits for a worker: the reader waits
	// for room instead of holding the recording's speech in memory.
	window := fl.batch
	if !isPacker(eng) {
		window = 0 // nothing to pack: one utterance a batch keeps every worker busy
	}
	batches := make(chan []*utteranceCut, max(transcribeQueue/4, cfg.Workers))
	wctx, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	var wg sync.WaitGroup
	for i := 0; i < cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			transcribeBatches(wctx, p, cfg.Policy, window, batches, res.add)
		}()
	}
	bt := &cutBatcher{window: window, out: batches}
	err = newUtteranceCutter(kept, fl.seats).cut(ctx, r, bt)
	if err != nil {
		cancelWork()
	}
	close(batches)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	log.Info("transcribe batches", "batches", bt.sent, "utterances", len(kept), "batch_seconds", window, "packing", isPacker(eng))
	results := res.results
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].Utterance.Start != results[j].Utterance.Start {
			return results[i].Utterance.Start < results[j].Utterance.Start
		}
		return results[i].Utterance.Seat < results[j].Utterance.Seat
	})
	return results, nil
}

// offlineResults gathers the results of the batch workers.
type offlineResults struct {
	mu      sync.Mutex
	results []asr.Result
}

func (o *offlineResults) add(r asr.Result) {
	o.mu.Lock()
	o.results = append(o.results, r)
	o.mu.Unlock()
}

// transcribeBatches is one batch worker: blips are reported, the rest split by the policy
// and transcribed together through TranscribeMany.
func transcribeBatches(ctx context.Context, p *pool.Pipeline, pol policy.Config, window float64, batches <-chan []*utteranceCut, add func(asr.Result)) {
	for b := range batches {
		var pcs []policy.Piece
		for _, c := range b {
			if pol.IsBlip(c.u) {
				add(asr.Result{Utterance: c.u, Status: asr.StatusEmpty,
					Flags: []string{fmt.Sprintf("blip: %.2f s shorter than %.2f s, not transcribed", c.u.Duration(), pol.MinUtterance.Seconds())}})
				continue
			}
			pcs = append(pcs, pol.Split(c.u, c.pcm)...)
		}
		for _, r := range p.TranscribeMany(ctx, pcs, window) {
			add(r)
		}
	}
}

// utteranceCut is one utterance's audio, [s0, s1) of channel ch, as it is cut out.
type utteranceCut struct {
	u      asr.Utterance
	ch     int
	s0, s1 int64
	pcm    []int16
}

// cutBatcher gathers finished utterances into batches of up to window seconds of audio
// (packed with asr.PackGapSeconds between them) and hands them to the workers.
type cutBatcher struct {
	window float64
	out    chan<- []*utteranceCut
	batch  []*utteranceCut
	used   float64
	sent   int
}

func (bt *cutBatcher) submit(ctx context.Context, c *utteranceCut) error {
	if len(c.pcm) == 0 {
		return nil
	}
	need := c.u.Duration()
	if len(bt.batch) > 0 {
		need += asr.PackGapSeconds
	}
	if len(bt.batch) > 0 && bt.used+need > bt.window {
		if err := bt.flush(ctx); err != nil {
			return err
		}
		need = c.u.Duration()
	}
	bt.batch = append(bt.batch, c)
	bt.used += need
	return nil
}

func (bt *cutBatcher) flush(ctx context.Context) error {
	if len(bt.batch) == 0 {
		return nil
	}
	select {
	case bt.out <- bt.batch:
	case <-ctx.Done():
		return ctx.Err()
	}
	bt.batch, bt.used = nil, 0
	bt.sent++
	return nil
}

// utteranceCutter cuts the utterances (in start order) out of the recording as it streams by.
type utteranceCutter struct {
	kept    []asr.Utterance
	seatIdx map[string]int
	next    int             // the first utterance not yet begun
	open    []*utteranceCut // begun, not yet complete
}

func newUtteranceCutter(kept []asr.Utterance, seats []string) *utteranceCutter {
	seatIdx := map[string]int{}
	for i, s := range seats {
		seatIdx[s] = i
	}
	return &utteranceCutter{kept: kept, seatIdx: seatIdx}
}

// cut reads r through and submits each utterance to bt once its audio is complete; turns
// that run past the end of the audio go with what there is.
func (uc *utteranceCutter) cut(ctx context.Context, r *audiofile.Reader, bt *cutBatcher) error {
	err := recording.ForEachBlock(r, recording.NewProgress(os.Stderr, "transcribing", r.Frames()), func(b [][]int16, b0 int64) error {
		return uc.block(ctx, b, b0, bt)
	})
	for _, c := range uc.open {
		if err == nil {
			err = bt.submit(ctx, c)
		}
	}
	if err == nil {
		err = bt.flush(ctx)
	}
	return err
}

// block takes one block of the recording starting at sample b0.
func (uc *utteranceCutter) block(ctx context.Context, b [][]int16, b0 int64, bt *cutBatcher) error {
	b1 := b0 + int64(len(b[0]))
	for uc.next < len(uc.kept) && asr.SampleIndex(uc.kept[uc.next].Start) < b1 {
		u := uc.kept[uc.next]
		uc.next++
		s0, s1 := asr.SampleIndex(u.Start), asr.SampleIndex(u.End)
		if s0 >= s1 {
			continue
		}
		uc.open = append(uc.open, &utteranceCut{u: u, ch: uc.seatIdx[u.Seat], s0: s0, s1: s1, pcm: make([]int16, 0, s1-s0)})
	}
	keep := uc.open[:0]
	for _, c := range uc.open {
		lo, hi := max(c.s0, b0), min(c.s1, b1)
		if lo < hi {
			c.pcm = append(c.pcm, b[c.ch][lo-b0:hi-b0]...)
		}
		if c.s1 <= b1 {
			if err := bt.submit(ctx, c); err != nil {
				return err
			}
			continue
		}
		keep = append(keep, c)
	}
	uc.open = keep
	return nil
}

func isPacker(eng asr.Engine) bool { _, ok := eng.(asr.Packer); return ok }

func printTranscript(out io.Writer, results []asr.Result, asJSON bool) error {
	segs := make([]transcribedUtterance, 0, len(results))
	for _, r := range results {
		segs = append(segs, transcribedUtterance{Seat: r.Utterance.Seat, Start: round3(r.Utterance.Start), End: round3(r.Utterance.End),
			Text: r.Text, Confidence: round3(r.Confidence), Status: string(r.Status), Flags: r.Flags})
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Segments []transcribedUtterance `json:"segments"`
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
