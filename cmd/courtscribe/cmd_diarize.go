package main

import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "strings"
import "text/tabwriter"

import "github.com/spf13/cobra"

import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/baseline"
import "github.com/courtscribe/courtscribe/asr/diarize/der"
import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"

func init() { addCommand(newDiarizeCmd) }

func newDiarizeCmd() *cobra.Command {
	var (
		seats     []string
		seatFiles []string
		asJSON    bool
		method    string
		hangover  float64
		margin    float64
	)
	def := diarize.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "diarize FILE | --seat-file NAME=FILE...",
		Short: "Attribute speech in a multichannel hearing recording to seats (channel i = i-th seat)",
		Long: "Runs the seat diarizer offline over a recording with one channel per seat (or one mono file\n" +
			"per seat with --seat-file) and prints the seat turns: a table, or with --json exactly\n" +
			`{"segments":[{"seat":"a","start":1.23,"end":4.56,"overlap":false},...]}` + "\n" +
			"Times are seconds from the start of the file; overlap marks turns that intersect another\n" +
			"seat's turn (double talk). --method energy|loudest|snr|previous runs the benchmark's baselines.\n" +
			"Reads WAV/RF64 (8/16/24/32-bit PCM or float, plain or extensible) and FLAC at any rate from\n" +
			"8 to 192 kHz (resampled to 16 kHz), streaming: memory does not grow with the recording.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := diarize.DefaultConfig()
			cfg.HangoverSec = hangover
			cfg.BleedMarginDB = margin
			segs, err := diarizeFile(cmd, args, seats, seatFiles, method, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return writeSegmentsJSON(cmd.OutOrStdout(), segs)
			}
			return writeSegmentsTable(cmd.OutOrStdout(), segs)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&seats, "seats", nil, "seat names in channel order, e.g. judge,clerk,prosecutor,defense,witness (default seat1..seatN)")
	seatFileFlag(f, &seatFiles)
	f.BoolVar(&asJSON, "json", false, `print {"segments":[...]} instead of a table`)
	f.StringVar(&method, "method", "courtscribe", "courtscribe (the seat diarizer), or a baseline: energy (per-channel VAD), loudest (loudest channel wins), snr (highest SNR over its own floor wins), previous (the diarizer before issue 10)")
	f.Float64Var(&hangover, "hangover", def.HangoverSec, "seconds of silence that end a turn (shorter pauses are bridged)")
	f.Float64Var(&margin, "bleed-margin-db", def.BleedMarginDB, "own speech must exceed the bleed predicted from the other seats by this many dB")
	cmd.AddCommand(newDiarizeScoreCmd())
	return cmd
}

// diarizeFile reads a recording and runs the chosen method over it. The seat diarizer gets the
// audio one block at a time; the naive baselines (benchmark references) take it whole.
func diarizeFile(cmd *cobra.Command, args, seats, seatFiles []string, method string, cfg diarize.Config) ([]diarize.Turn, error) {
	switch method {
	case "courtscribe", "", "energy", "loudest", "snr", "previous":
	default:
		return nil, fmt.Errorf("unknown --method %q (courtscribe, energy, loudest, snr, previous)", method)
	}
	r, seats, err := recording.Open(args, seats, seatFiles, true)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	prog := recording.NewProgress(cmd.ErrOrStderr(), "diarizing", r.Frames())
	if method != "courtscribe" && method != "" {
		pcm := make([][]int16, r.Channels())
		err := recording.ForEachBlock(r, prog, func(b [][]int16, _ int64) error {
			for c := range b {
				pcm[c] = append(pcm[c], b[c]...)
			}
			if len(pcm[0]) > wavfile.MaxReadSamples {
				return fmt.Errorf("the %s baseline holds the recording in memory: at most %d hours", method, wavfile.MaxReadSamples/wire.SampleRate/3600)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		switch method {
		case "energy":
			return baseline.Energy(seats, pcm), nil
		case "snr":
			return baseline.SNR(seats, pcm), nil
		case "previous":
			return baseline.Previous(seats, pcm)
		}
		return baseline.Loudest(seats, pcm), nil
	}
	return diarizeStream(r, seats, cfg, prog, newLogger(cmd.ErrOrStderr()))
}

// diarizeStream runs the seat diarizer over a recording block by block and returns its turns
// sorted by start: the same segments as diarize.Offline over the whole recording.
func diarizeStream(r *audiofile.Reader, seats []string, cfg diarize.Config, prog *recording.Progress, log *slog.Logger) ([]diarize.Turn, error) {
	d, err := diarize.New(cfg, seats, log)
	if err != nil {
		return nil, err
	}
	var segs []diarize.Turn
	collect := func(evs []diarize.Event) {
		for _, e := range evs {
			if e.Kind == diarize.End {
				segs = append(segs, e.Turn())
			}
		}
	}
	err = recording.ForEachBlock(r, prog, func(b [][]int16, _ int64) error {
		evs, err := d.Push(b)
		collect(evs)
		return err
	})
	if err != nil {
		return nil, err
	}
	collect(d.Flush())
	diarize.SortTurns(segs)
	return segs, nil
}

type segmentsDoc struct {
	Segments []diarize.Turn `json:"segments"`
}

func writeSegmentsJSON(w io.Writer, segs []diarize.Turn) error {
	if segs == nil {
		segs = []diarize.Turn{}
	}
	b, err := json.Marshal(segmentsDoc{segs})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func writeSegmentsTable(w io.Writer, segs []diarize.Turn) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEAT\tSTART\tEND\tSECONDS\tOVERLAP")
	total := map[string]float64{}
	var order []string
	for _, s := range segs {
		ov := ""
		if s.Overlap {
			ov = "overlap"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", s.Seat, clock(s.Start), clock(s.End), s.End-s.Start, ov)
		if _, ok := total[s.Seat]; !ok {
			order = append(order, s.Seat)
		}
		total[s.Seat] += s.End - s.Start
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d turns", len(segs))
	for _, s := range order {
		fmt.Fprintf(w, "; %s %.1f s", s, total[s])
	}
	_, err := fmt.Fprintln(w)
	return err
}

// clock formats seconds as m:ss.cc.
func clock(s float64) string {
	cs := int64(s*100 + 0.5)
	return fmt.Sprintf("%d:%02d.%02d", cs/6000, cs/100%60, cs%100)
}

func newDiarizeScoreCmd() *cobra.Command {
	var (
		ref, hyp string
		collar   float64
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "score --ref REF.json --hyp HYP.json",
		Short: "Score diarization output against a reference: DER with a fixed seat mapping and a collar",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ref == "" || hyp == "" {
				return errors.New("score needs --ref and --hyp (files in the diarize --json format)")
			}
			r, err := readSegmentsFile(ref)
			if err != nil {
				return err
			}
			h, err := readSegmentsFile(hyp)
			if err != nil {
				return err
			}
			res := der.Score(r, h, der.Options{Frame: 0.01, Collar: collar})
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				return enc.Encode(res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "DER %.2f%%  (missed %.2f s, false alarm %.2f s, confusion %.2f s of %.2f s scored speech; collar %.2f s)\n",
				100*res.DER, res.Missed, res.FalseAlarm, res.Confusion, res.Reference, collar)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ref, "ref", "", "reference segments (JSON)")
	f.StringVar(&hyp, "hyp", "", "hypothesis segments (JSON, e.g. from diarize --json)")
	f.Float64Var(&collar, "collar", 0.25, "seconds around each reference boundary that are not scored (negative: none)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func readSegmentsFile(path string) ([]diarize.Turn, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc segmentsDoc
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, s := range doc.Segments {
		if s.Seat == "" || s.End < s.Start || s.Start < 0 {
			return nil, fmt.Errorf("%s: segment %d (%q %.2f–%.2f) is not a valid turn", path, i, s.Seat, s.Start, s.End)
		}
	}
	return doc.Segments, nil
}
