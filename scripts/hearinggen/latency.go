package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/courtscribe/courtscribe/asr/diarize"
	v1 "github.com/courtscribe/courtscribe/asr/diarize/baseline/v1"
	"github.com/courtscribe/courtscribe/capture/wavfile"
)

// pushBlock is what the server pushes at a time: 20 ms.
const pushBlock = 320

// latency streams every scene through the diarizer and the previous one (v1) in 20 ms pushes,
// as the server does, and prints the live latency of their events: a start's decision time
// minus the turn's (back-dated) start, an end's decision time minus the turn's end.
func latency(ctx context.Context, files []string, outDir string, out io.Writer) error {
	fmt.Fprintf(out, "live latency, 20 ms pushes (seconds; start = decided - start of the turn, end = decided - its end)\n")
	fmt.Fprintf(out, "%-18s | %-34s | %-34s\n", "scene", "courtscribe start med/p90/max, end med/max", "previous (v1) start med/p90/max, end med/max")
	for _, f := range files {
		r, err := generate(ctx, f, outDir, false, out)
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		a, err := wavfile.ReadFile(r.wav)
		if err != nil {
			return err
		}
		seats := r.scene.SeatNames()
		d, err := diarize.New(diarize.DefaultConfig(), seats, nil)
		if err != nil {
			return err
		}
		p, err := v1.New(v1.DefaultConfig(), seats, nil)
		if err != nil {
			return err
		}
		var s2, e2, s1, e1 []float64
		blk := make([][]int16, len(seats))
		for off := 0; off+pushBlock <= a.Frames(); off += pushBlock {
			for i := range blk {
				blk[i] = a.Channels[i][off : off+pushBlock]
			}
			evs, err := d.Push(blk)
			if err != nil {
				return err
			}
			for _, e := range evs {
				switch e.Kind {
				case diarize.Start:
					s2 = append(s2, e.Decided-e.Start)
				case diarize.End:
					e2 = append(e2, e.Decided-e.End)
				}
			}
			pevs, err := p.Push(blk)
			if err != nil {
				return err
			}
			for _, e := range pevs {
				switch e.Kind {
				case v1.Start:
					s1 = append(s1, e.Decided-e.Start)
				case v1.End:
					e1 = append(e1, e.Decided-e.End)
				}
			}
		}
		fmt.Fprintf(out, "%-18s | %s | %s\n", r.scene.Name, latText(s2, e2), latText(s1, e1))
	}
	return nil
}

func latText(starts, ends []float64) string {
	return fmt.Sprintf("%.2f/%.2f/%.2f (%d), %.2f/%.2f", quantile(starts, 0.5), quantile(starts, 0.9),
		quantile(starts, 1), len(starts), quantile(ends, 0.5), quantile(ends, 1))
}

// quantile is the nearest-rank quantile q of x (0 for none).
func quantile(x []float64, q float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}
