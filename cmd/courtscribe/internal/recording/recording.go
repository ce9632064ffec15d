// Package recording opens the recordings of past hearings that the offline commands (import,
// transcribe, diarize) and the server's API import read: one multi-channel file or one mono
// file per seat, as 16 kHz seat channels, with a progress line for terminals.
package recording

import "errors"
import "fmt"
import "io"
import "os"
import "slices"
import "strings"
import "time"

import "golang.org/x/term"

import "github.com/courtscribe/courtscribe/capture/audiofile"
import "github.com/courtscribe/courtscribe/capture/wire"

// Block is how many 16 kHz frames the offline commands read at a time (1 s).
const Block = 16000

// Open opens the recording of a hearing for the offline commands: either one
// multi-channel file (args[0], channel i = seat i) or one mono file per seat (seatFiles,
// NAME=FILE). seats is --seats (may be empty for a multi-channel file when defaultSeats is
// set: seat1..seatN). It returns the 16 kHz reader and the seat names in channel order.
func Open(args, seats, seatFiles []string, defaultSeats bool) (*audiofile.Reader, []string, error) {
	for i, s := range seats {
		seats[i] = strings.TrimSpace(s)
	}
	if len(seatFiles) > 0 {
		if len(args) > 0 {
			return nil, nil, fmt.Errorf("give one multi-channel FILE or --seat-file NAME=FILE for every seat, not both (got %s and %d seat files)", args[0], len(seatFiles))
		}
		return openSeatFiles(seats, seatFiles)
	}
	if len(args) != 1 {
		return nil, nil, errors.New("give the recording: one multi-channel FILE, or --seat-file NAME=FILE for every seat")
	}
	return openMultichannel(args[0], seats, defaultSeats)
}

// openSeatFiles opens one mono file per seat; the seats are in --seats order when given,
// else in --seat-file order.
func openSeatFiles(seats, seatFiles []string) (*audiofile.Reader, []string, error) {
	names, paths, err := parseSeatFiles(seatFiles)
	if err != nil {
		return nil, nil, err
	}
	if len(seats) > 0 {
		if err := matchSeats(seats, names, paths); err != nil {
			return nil, nil, err
		}
		names = seats
	}
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = paths[n]
	}
	r, err := audiofile.OpenSeats(files)
	if err != nil {
		return nil, nil, err
	}
	return r, names, nil
}

// parseSeatFiles parses the NAME=FILE values: the names in order and each name's file.
func parseSeatFiles(seatFiles []string) ([]string, map[string]string, error) {
	names := make([]string, 0, len(seatFiles))
	paths := map[string]string{}
	for _, sf := range seatFiles {
		name, path, ok := strings.Cut(sf, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || path == "" {
			return nil, nil, fmt.Errorf("--seat-file %q: want NAME=FILE, e.g. --seat-file judge=judge.wav", sf)
		}
		if _, dup := paths[name]; dup {
			return nil, nil, fmt.Errorf("--seat-file: seat %q is given twice", name)
		}
		paths[name] = path
		names = append(names, name)
	}
	return names, paths, nil
}

// matchSeats checks that --seats and the seat files name the same seats.
func matchSeats(seats, names []string, paths map[string]string) error {
	for _, n := range names {
		if !slices.Contains(seats, n) {
			return fmt.Errorf("--seat-file %s=%s: no seat %q in --seats (%s)", n, paths[n], n, strings.Join(seats, ", "))
		}
	}
	if len(seats) != len(names) {
		return fmt.Errorf("--seats names %d seats but %d --seat-file were given", len(seats), len(names))
	}
	for _, s := range seats {
		if _, ok := paths[s]; !ok {
			return fmt.Errorf("--seats names %q but no --seat-file %s=FILE was given", s, s)
		}
	}
	return nil
}

// openMultichannel opens one multi-channel file, one seat a channel.
func openMultichannel(path string, seats []string, defaultSeats bool) (*audiofile.Reader, []string, error) {
	r, err := audiofile.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if len(seats) == 0 && defaultSeats {
		for i := range r.Channels() {
			seats = append(seats, fmt.Sprintf("seat%d", i+1))
		}
	}
	if len(seats) != r.Channels() {
		in := r.Inputs()[0]
		r.Close()
		return nil, nil, &audiofile.FileError{Path: path, What: fmt.Sprintf("%s, but --seats names %d seat%s", in.Format, len(seats), plural(len(seats))),
			Hint: "name one seat per channel in channel order, or give one mono file per seat with --seat-file NAME=FILE"}
	}
	return r, seats, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Progress prints a progress line on stderr while a long recording is read, when stderr is a
// terminal: "reading: 12:30 of 29:00 (43%)".
type Progress struct {
	w     io.Writer
	what  string
	total int64 // 16 kHz frames, -1 unknown
	last  time.Time
	shown bool
}

// NewProgress returns nil (no output) unless w is a terminal and the recording is longer than
// a minute (or of unknown length).
func NewProgress(w io.Writer, what string, total int64) *Progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || (total >= 0 && total < 60*wire.SampleRate) {
		return nil
	}
	return &Progress{w: w, what: what, total: total}
}

func (p *Progress) Update(pos int64) {
	if p == nil || time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.shown = true
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r%s: %s of %s (%d%%) ", p.what, mmss(pos), mmss(p.total), 100*pos/p.total)
		return
	}
	fmt.Fprintf(p.w, "\r%s: %s ", p.what, mmss(pos))
}

func (p *Progress) Done() {
	if p != nil && p.shown {
		fmt.Fprintln(p.w)
	}
}

func mmss(frames int64) string {
	s := frames / wire.SampleRate
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// ForEachBlock reads the whole recording in 1 s blocks and hands each to fn (the slices are
// reused by the next call).
func ForEachBlock(r *audiofile.Reader, prog *Progress, fn func(block [][]int16, first int64) error) error {
	buf := make([][]int16, r.Channels())
	for c := range buf {
		buf[c] = make([]int16, Block)
	}
	view := make([][]int16, len(buf))
	defer prog.Done()
	for {
		first := r.Pos()
		n, err := r.Read(buf)
		if n > 0 {
			for c := range buf {
				view[c] = buf[c][:n]
			}
			if ferr := fn(view, first); ferr != nil {
				return ferr
			}
			prog.Update(r.Pos())
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
