package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/courtscribe/courtscribe/asr/diarize"
	"github.com/courtscribe/courtscribe/asr/diarize/baseline"
	"github.com/courtscribe/courtscribe/asr/diarize/der"
	"github.com/courtscribe/courtscribe/capture/wavfile"
)

func init() { addCommand(newDiarizeCmd) }

func newDiarizeCmd() *cobra.Command {
	var (
		seats    []string
		asJSON   bool
		method   string
		hangover float64
		margin   float64
	)
	def := diarize.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "diarize FILE.wav",
		Short: "Attribute speech in a multichannel hearing recording to seats (channel i = i-th seat)",
		Long: "Runs the seat diarizer offline over a 16 kHz, 16-bit WAV with one channel per seat and\n" +
			"prints the seat turns: a table, or with --json exactly\n" +
			`{"segments":[{"seat":"a","start":1.23,"end":4.56,"overlap":false},...]}` + "\n" +
			"Times are seconds from the start of the file; overlap marks turns that intersect another\n" +
			"seat's turn (double talk). --method energy|loudest|snr|previous runs the benchmark's baselines.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := diarize.DefaultConfig()
			cfg.HangoverSec = hangover
			cfg.BleedMarginDB = margin
			segs, err := diarizeFile(cmd, args[0], seats, method, cfg)
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
	f.BoolVar(&asJSON, "json", false, `print {"segments":[...]} instead of a table`)
	f.StringVar(&method, "method", "courtscribe", "courtscribe (the seat diarizer), or a baseline: energy (per-channel VAD), loudest (loudest channel wins), snr (highest SNR over its own floor wins), previous (the diarizer before issue 10)")
	f.Float64Var(&hangover, "hangover", def.HangoverSec, "seconds of silence that end a turn (shorter pauses are bridged)")
	f.Float64Var(&margin, "bleed-margin-db", def.BleedMarginDB, "own speech must exceed the bleed predicted from the other seats by this many dB")
	cmd.AddCommand(newDiarizeScoreCmd())
	return cmd
}

// diarizeFile reads a WAV and runs the chosen method over it.
func diarizeFile(cmd *cobra.Command, path string, seats []string, method string, cfg diarize.Config) ([]diarize.Segment, error) {
	a, err := wavfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if a.SampleRate != diarize.SampleRate {
		return nil, fmt.Errorf("%s: sample rate %d Hz; the diarizer needs %d Hz (convert with: sox %s -r 16000 out.wav)",
			path, a.SampleRate, diarize.SampleRate, path)
	}
	if len(seats) == 0 {
		for i := range a.Channels {
			seats = append(seats, fmt.Sprintf("seat%d", i+1))
		}
	}
	if len(seats) != len(a.Channels) {
		return nil, fmt.Errorf("%s has %d channels but %d seats were named (--seats gives one name per channel, in order)",
			path, len(a.Channels), len(seats))
	}
	for i, s := range seats {
		seats[i] = strings.TrimSpace(s)
	}
	switch method {
	case "courtscribe", "":
		return diarize.Offline(cfg, seats, a.Channels, newLogger(cmd.ErrOrStderr()))
	case "energy":
		return baseline.Energy(seats, a.Channels), nil
	case "loudest":
		return baseline.Loudest(seats, a.Channels), nil
	case "snr":
		return baseline.SNR(seats, a.Channels), nil
	case "previous":
		return baseline.Previous(seats, a.Channels)
	}
	return nil, fmt.Errorf("unknown --method %q (courtscribe, energy, loudest, snr, previous)", method)
}

type segmentsDoc struct {
	Segments []diarize.Segment `json:"segments"`
}

func writeSegmentsJSON(w io.Writer, segs []diarize.Segment) error {
	if segs == nil {
		segs = []diarize.Segment{}
	}
	b, err := json.Marshal(segmentsDoc{segs})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func writeSegmentsTable(w io.Writer, segs []diarize.Segment) error {
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

func readSegmentsFile(path string) ([]diarize.Segment, error) {
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
