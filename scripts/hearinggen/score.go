package main

import "errors"
import "fmt"
import "io"
import "math"
import "os"
import "path/filepath"
import "strings"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// scoreOptions are the flags of `hearinggen score`.
type scoreOptions struct {
	seats  string  // seat names in channel order, comma-separated
	truth  string  // the reference; "" means X.truth.json beside each X.wav
	target float64 // DER target in % for the verdict, 0: none
	md     string  // write the table as Markdown here
	runs   int     // timing runs per method
}

// scoreFiles scores hearings rendered elsewhere (scripts/altroom): each WAV, one 16 kHz channel
// per seat in the order of -seats, against its truth JSON (segments, events and lines, the
// format gen writes), with every method bench runs, printing bench's table per hearing.
func scoreFiles(o scoreOptions, wavs []string, out io.Writer) error {
	seats, err := parseSeats(o.seats)
	if err != nil {
		return err
	}
	if len(wavs) == 0 {
		return errors.New("score: no WAV files (usage: hearinggen score -seats a,b,c [-truth X.truth.json] [-target PCT] [-md FILE] X.wav...)")
	}
	if o.truth != "" && len(wavs) > 1 {
		return errors.New("score: -truth names the reference of one WAV; with several, each X.wav is scored against X.truth.json")
	}
	if o.target < 0 || math.IsNaN(o.target) {
		return fmt.Errorf("score: -target %g: want a DER in %% (0 for none)", o.target)
	}
	var rows []row
	for _, wav := range wavs {
		truth := o.truth
		if truth == "" {
			truth = strings.TrimSuffix(wav, filepath.Ext(wav)) + ".truth.json"
		}
		rw, err := scoreHearing(wav, truth, seats, o.target, max(o.runs, 1))
		if err != nil {
			return err
		}
		printRow(out, rw)
		rows = append(rows, rw)
	}
	if o.md != "" {
		return writeScoreMarkdown(o.md, rows)
	}
	return nil
}

func parseSeats(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, errors.New("score: -seats is required (seat names in channel order, comma-separated)")
	}
	var seats []string
	seen := map[string]bool{}
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			return nil, fmt.Errorf("score: -seats %q: every seat needs a name of its own", list)
		}
		seen[s] = true
		seats = append(seats, s)
	}
	return seats, nil
}

// scoreHearing reads one hearing and its reference, checks that they fit the seats, and
// measures every method on it.
func scoreHearing(wav, truth string, seats []string, target float64, runs int) (row, error) {
	tf, err := readTruth(truth)
	if err != nil {
		return row{}, err
	}
	if len(tf.Segments) == 0 {
		return row{}, fmt.Errorf("%s: no reference segments", truth)
	}
	known := map[string]bool{}
	for _, s := range seats {
		known[s] = true
	}
	for _, s := range tf.Segments {
		if !known[s.Seat] {
			return row{}, fmt.Errorf("%s: segment of seat %q, which is not among -seats %s", truth, s.Seat, strings.Join(seats, ","))
		}
		if s.Start < 0 || s.End <= s.Start {
			return row{}, fmt.Errorf("%s: segment of %s from %g s to %g s", truth, s.Seat, s.Start, s.End)
		}
	}
	for _, e := range tf.Events {
		if e.Start < 0 || e.End < e.Start {
			return row{}, fmt.Errorf("%s: event %s from %g s to %g s", truth, e.Kind, e.Start, e.End)
		}
	}
	a, err := wavfile.ReadFile(wav)
	if err != nil {
		return row{}, err
	}
	name := strings.TrimSuffix(filepath.Base(wav), filepath.Ext(wav))
	rw, _, err := measure(name, wav, seats, a, tf, runs)
	if err != nil {
		return row{}, err
	}
	rw.room = "reference " + truth
	rw.target, rw.targetWhy = target, "given with -target"
	if target == 0 {
		rw.targetWhy = "none given (-target)"
	}
	return rw, nil
}

// writeScoreMarkdown writes one table row per hearing (courtscribe's figures, then every other
// method's DER) and, for several hearings, their mean.
func writeScoreMarkdown(path string, rows []row) error {
	var b strings.Builder
	b.WriteString("| hearing | seats, length | target | " + methods[0].name + " DER (miss/FA/conf %) | no collar | verdict | sounds reported as speech | murmur / AC turns | ×RT/ch |")
	for _, m := range methods[1:] {
		b.WriteString(" " + m.name + " |")
	}
	b.WriteString("\n" + strings.Repeat("|---", 9+len(methods)-1) + "|\n")
	tgt := func(r row) string {
		if r.target == 0 {
			return "—"
		}
		return fmt.Sprintf("≤ %g %%", r.target)
	}
	for _, r := range rows {
		x := r.res[0]
		fmt.Fprintf(&b, "| %s | %d, %.0f s | %s | %s | %s | %s | %s | %d / %d | %.0f |", r.name, r.seats, r.dur, tgt(r),
			pct(x.der), pct(x.noCollar), r.derVerdict(0), soundsText(x), x.murmur, x.ac, x.speed)
		for _, y := range r.res[1:] {
			fmt.Fprintf(&b, " %.2f%% |", 100*y.der.DER)
		}
		b.WriteString("\n")
	}
	if len(rows) > 1 {
		n := float64(len(rows))
		mean := make([]float64, len(methods))
		noCollar, met, targets, reported, total, murmur, ac := 0.0, 0, 0, 0, 0, 0, 0
		slowest := math.Inf(1)
		for _, r := range rows {
			for k, y := range r.res {
				mean[k] += 100 * y.der.DER / n
			}
			x := r.res[0]
			noCollar += 100 * x.noCollar.DER / n
			if r.target > 0 {
				targets++
				if 100*x.der.DER <= r.target {
					met++
				}
			}
			reported, total = reported+x.soundsReported, total+x.soundsTotal
			murmur, ac = murmur+x.murmur, ac+x.ac
			slowest = math.Min(slowest, x.speed)
		}
		v := "—"
		if targets > 0 {
			v = fmt.Sprintf("%d of %d met", met, targets)
		}
		fmt.Fprintf(&b, "| **mean of %d** |  |  | **%.2f%%** | %.2f%% | %s | %d of %d | %d / %d | %.0f (slowest) |",
			len(rows), mean[0], noCollar, v, reported, total, murmur, ac, slowest)
		for _, m := range mean[1:] {
			fmt.Fprintf(&b, " %.2f%% |", m)
		}
		b.WriteString("\n")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
