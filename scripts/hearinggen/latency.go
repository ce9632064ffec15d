package main

import "context"
import "fmt"
import "io"
import "slices"

import "github.com/courtscribe/courtscribe/asr/diarize"
import v1 "github.com/courtscribe/courtscribe/asr/diarize/baseline/v1"
import "github.com/courtscribe/courtscribe/capture/wavfile"

// pushBlock is what the server pushes at a time: 20 ms.
const pushBlock = 320

// latency streams every scene through the diarizer and the previous one (v1) in 20 ms pushes,
// as the server does, and prints the live latency of their events: a start's decision time
// minus the turn's (back-dated) start, an end's decision time minus the turn's end.
func latency(ctx context.Context, files []string, outDir string, out io.Writer) error {
	fmt.Fprintf(out, "live latency, 20 ms pushes (seconds; start = decided - start of the turn, or - when its talker resumed for a turn joined across a short pause or going on after its end was told; first = the same for the first report of the turn, its Tentative start where one came before the Start; end = decided - its end; withdrawn = Tentative starts not confirmed)\n")
	fmt.Fprintf(out, "%-18s | %-34s | %-34s | %s\n", "scene", "courtscribe start med/p90/max, end med/max", "previous (v1) start med/p90/max, end med/max", "courtscribe first med/p90/max, withdrawn")
	return eachScene(ctx, files, outDir, out, func(r *rendered, a *wavfile.Audio) error {
		seats := r.scene.SeatNames()
		d, err := diarize.New(diarize.DefaultConfig(), seats, nil)
		if err != nil {
			return err
		}
		p, err := v1.New(v1.DefaultConfig(), seats, nil)
		if err != nil {
			return err
		}
		cur, err := liveLatency(d, a, len(seats))
		if err != nil {
			return err
		}
		prev, err := liveLatency(p, a, len(seats))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-18s | %s | %s | %s\n", r.scene.Name, cur.text(), prev.text(), cur.firstText())
		return nil
	})
}

// eachScene renders (or reuses) every scene file and calls fn with it and its audio; scenes
// generate skips are passed over.
func eachScene(ctx context.Context, files []string, outDir string, out io.Writer, fn func(*rendered, *wavfile.Audio) error) error {
	for _, f := range files {
		r, a, err := load(ctx, f, outDir, out)
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		if err := fn(r, a); err != nil {
			return err
		}
	}
	return nil
}

// load renders (or reuses) a scene and reads its audio; nil, nil, nil when generate skips it.
func load(ctx context.Context, file, outDir string, out io.Writer) (*rendered, *wavfile.Audio, error) {
	r, err := generate(ctx, file, outDir, false, out)
	if err != nil || r == nil {
		return nil, nil, err
	}
	a, err := wavfile.ReadFile(r.wav)
	if err != nil {
		return nil, nil, err
	}
	return r, a, nil
}

// pusher is a streaming diarizer (the current one and v1 share the event type).
type pusher interface {
	Push(pcm [][]int16) ([]diarize.Event, error)
}

// latencies are the live latencies of a diarizer's starts and ends; first are its starts'
// first reports (the Tentative start that a Start confirmed, else the Start), withdrawn counts
// the Tentative starts no Start confirmed.
type latencies struct {
	starts, ends, first []float64
	withdrawn           int
}

// liveLatency pushes a's first n channels through d in pushBlock samples and collects the
// latencies.
func liveLatency(d pusher, a *wavfile.Audio, n int) (latencies, error) {
	var l latencies
	tent := map[string]float64{} // decision time of each seat's open Tentative start
	blk := make([][]int16, n)
	for off := 0; off+pushBlock <= a.Frames(); off += pushBlock {
		for i := range blk {
			blk[i] = a.Channels[i][off : off+pushBlock]
		}
		evs, err := d.Push(blk)
		if err != nil {
			return l, err
		}
		for _, e := range evs {
			switch e.Kind {
			case diarize.Start:
				// A turn joined to the seat's last one across a short pause (stage 15), or
				// going on after its End was told (stage 18), is stamped from that turn's
				// end; its talker resumed at Resumed.
				from := e.Start
				if e.Resumed > 0 {
					from = e.Resumed
				}
				l.starts = append(l.starts, e.Decided-from)
				first := e.Decided
				if at, ok := tent[e.Seat]; ok {
					first = at
					delete(tent, e.Seat)
				}
				l.first = append(l.first, first-from)
			case diarize.Tentative:
				tent[e.Seat] = e.Decided
			case diarize.Withdrawn:
				delete(tent, e.Seat)
				l.withdrawn++
			case diarize.End:
				l.ends = append(l.ends, e.Decided-e.End)
			default: // an Update marks overlap: no latency of its own
			}
		}
	}
	return l, nil
}

func (l latencies) text() string { return latText(l.starts, l.ends) }

func (l latencies) firstText() string {
	return fmt.Sprintf("%.2f/%.2f/%.2f, %d", quantile(l.first, 0.5), quantile(l.first, 0.9), quantile(l.first, 1), l.withdrawn)
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
