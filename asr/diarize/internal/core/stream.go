package core

import "errors"
import "fmt"

import "github.com/courtscribe/courtscribe/capture/wire"

// Run is a seat's run of speech frames that may confirm the start of a turn.
type Run struct {
	Start, Len int64
	Voiced     int // voiced frames in the run
	Misses     int // frames in a row that did not continue it
}

// Miss counts a frame that does not continue the run: the third in a row ends it.
func (r *Run) Miss() {
	if r.Len > 0 {
		r.Misses++
		if r.Misses > 2 {
			r.Len = 0
		}
	}
}

// TurnState is a seat's turn state as far as both diarizers keep it.
type TurnState struct {
	Run               Run
	Resume            int // speech frames since a pause in the open turn
	Active            bool
	Announced         bool // the Start of the current turn was emitted
	SegStart, LastOn  int64
	Overlap           bool
	EndStart, EndLast int64 // the last finished segment (on-frame indices)
	HasEnded          bool
	// RepStart is where the open turn's reported segment starts: SegStart, or, after a turn
	// told ended (Tell) went on, the frame after the end that was told.
	RepStart int64
	// Told: the open turn's End was reported already (Tell) while sound that has not
	// confirmed a resume still holds the turn open.
	Told bool
	// Tentative: a Tentative start was reported (Propose) and neither a Start nor a Withdrawn
	// has followed it yet; TentStart is its start frame.
	Tentative bool
	TentStart int64
}

// Stream frames the pushed audio of every seat into hops, keeps the hearing time and collects
// the events a diarizer decides. The diarizer binds it to its channels' windows and turns and
// to its per-hop step.
type Stream struct {
	Seats  []string
	Win    []*[WinLen]float64 // each channel's window: [0:WinLen-Hop] history, then the hop
	States []*TurnState
	Fill   int   // samples of the current hop received so far
	Origin int64 // hearing sample index of the first pushed sample (Resume)
	Frame  int64 // index of the next frame
	Closed bool
	Events []Event

	zeros [][]int16
	step  func() // analyses a complete hop
}

// NewStream checks cfg and the seat names (channel i of every Push is seats[i]).
func NewStream(cfg Config, seats []string) (Stream, error) {
	if err := cfg.Validate(); err != nil {
		return Stream{}, err
	}
	if len(seats) == 0 {
		return Stream{}, errors.New("diarize: no seats")
	}
	if len(seats) > 64 {
		return Stream{}, fmt.Errorf("diarize: %d seats (at most 64)", len(seats))
	}
	seen := map[string]bool{}
	for _, s := range seats {
		if s == "" {
			return Stream{}, errors.New("diarize: empty seat name")
		}
		if seen[s] {
			return Stream{}, fmt.Errorf("diarize: seat %q named twice", s)
		}
		seen[s] = true
	}
	n := len(seats)
	return Stream{Seats: append([]string(nil), seats...), Win: make([]*[WinLen]float64, n),
		States: make([]*TurnState, n)}, nil
}

// Bind sets the per-hop analysis.
func (s *Stream) Bind(step func()) { s.step = step }

// Now is the hearing time (seconds) of the samples consumed so far.
func (s *Stream) Now() float64 {
	return float64(s.Frame*Hop+int64(s.Fill)+s.Origin) / wire.SampleRate
}

// FrameTime is the hearing time of the start of frame t in seconds (with origin 0 the
// correctly rounded decimal t/100).
func (s *Stream) FrameTime(t int64) float64 { return float64(t*Hop+s.Origin) / wire.SampleRate }

// Resume sets the hearing sample index of the first sample that will be pushed.
func (s *Stream) Resume(first int64) error {
	if s.Frame != 0 || s.Fill != 0 || s.Closed {
		return errors.New("diarize: Resume after audio was pushed")
	}
	if first < 0 {
		return fmt.Errorf("diarize: negative first sample %d", first)
	}
	s.Origin = first
	return nil
}

// Gap consumes n samples of silence on every seat.
func (s *Stream) Gap(n int64) ([]Event, error) {
	if s.Closed {
		return nil, errors.New("diarize: Gap after Flush")
	}
	if n < 0 {
		return nil, fmt.Errorf("diarize: negative gap %d", n)
	}
	if s.zeros == nil {
		s.zeros = make([][]int16, len(s.Seats))
		z := make([]int16, wire.SampleRate)
		for i := range s.zeros {
			s.zeros[i] = z
		}
	}
	s.Events = s.Events[:0]
	for n > 0 {
		k := min(n, wire.SampleRate)
		for i := range s.zeros {
			s.zeros[i] = s.zeros[i][:k]
		}
		s.push(s.zeros)
		n -= k
	}
	return s.Events, nil
}

// Push consumes the next samples of every seat (pcm[i] is seat i's, all equally long) and
// returns the events decided by them; the slice is reused by the next call.
func (s *Stream) Push(pcm [][]int16) ([]Event, error) {
	if s.Closed {
		return nil, errors.New("diarize: Push after Flush")
	}
	if len(pcm) != len(s.Seats) {
		return nil, fmt.Errorf("diarize: %d channels pushed for %d seats", len(pcm), len(s.Seats))
	}
	m := len(pcm[0])
	for i := range pcm {
		if len(pcm[i]) != m {
			return nil, fmt.Errorf("diarize: channel %d has %d samples, channel 0 has %d", i, len(pcm[i]), m)
		}
	}
	s.Events = s.Events[:0]
	s.push(pcm)
	return s.Events, nil
}

// push consumes equally long channels, appending decided events to s.Events.
func (s *Stream) push(pcm [][]int16) {
	m := len(pcm[0])
	pos := 0
	for pos < m {
		k := min(Hop-s.Fill, m-pos)
		base := WinLen - Hop + s.Fill
		for c, win := range s.Win {
			w := win[base : base+k]
			for i, v := range pcm[c][pos : pos+k] {
				w[i] = float64(v)
			}
		}
		s.Fill += k
		pos += k
		if s.Fill == Hop {
			s.step()
		}
	}
}

// Advance ends a step: every window moves on by a hop.
func (s *Stream) Advance() {
	for _, win := range s.Win {
		copy(win[:WinLen-Hop], win[Hop:])
	}
	s.Fill = 0
	s.Frame++
}

// Flush ends the stream: a partial last frame is analysed (zero padded) and every open turn is
// closed.
func (s *Stream) Flush() []Event {
	if s.Closed {
		return nil
	}
	s.Events = s.Events[:0]
	if s.Fill > 0 {
		for _, win := range s.Win {
			clear(win[WinLen-Hop+s.Fill:])
		}
		s.step()
	}
	for c, tn := range s.States {
		switch {
		case tn.Active:
			s.End(c)
		case tn.Tentative:
			s.Withdraw(c)
		}
	}
	s.Closed = true
	return s.Events
}

// Begin opens seat c's turn from frame start, decided at frame t, and reports its Start;
// onset is where its talker began speaking (start, unless the turn joins the seat's last one
// across a short pause).
func (s *Stream) Begin(c int, start, onset, t int64) {
	tn := s.States[c]
	tn.Run.Len = 0
	tn.Active, tn.SegStart, tn.LastOn, tn.Overlap, tn.Announced = true, start, t, false, false
	tn.RepStart, tn.Told, tn.Tentative = start, false, false
	s.CheckOverlap(c, tn.SegStart, t)
	s.startEvent(c, start, onset, t)
}

// startEvent reports the Start of seat c's turn (or continuation) from frame start, its talker
// having begun at frame onset, decided at frame t.
func (s *Stream) startEvent(c int, start, onset, t int64) {
	tn := s.States[c]
	ev := Event{Kind: Start, Seat: s.Seats[c], SeatIdx: c,
		Start: s.FrameTime(start), Overlap: tn.Overlap, Decided: s.FrameTime(t + 1)}
	if onset > start {
		ev.Resumed = s.FrameTime(onset)
	}
	s.Events = append(s.Events, ev)
	tn.Announced = true
}

// Propose reports that seat c may have begun speaking at frame start, decided at frame t: a
// Tentative event, which Begin confirms (its Start) or Withdraw withdraws.
func (s *Stream) Propose(c int, start, t int64) {
	tn := s.States[c]
	if tn.Active || tn.Tentative {
		return
	}
	tn.Tentative, tn.TentStart = true, start
	s.Events = append(s.Events, Event{Kind: Tentative, Seat: s.Seats[c], SeatIdx: c,
		Start: s.FrameTime(start), Decided: s.FrameTime(t + 1)})
}

// Withdraw reports that seat c's Tentative start was not confirmed.
func (s *Stream) Withdraw(c int) {
	tn := s.States[c]
	if !tn.Tentative {
		return
	}
	tn.Tentative = false
	s.Events = append(s.Events, Event{Kind: Withdrawn, Seat: s.Seats[c], SeatIdx: c,
		Start: s.FrameTime(tn.TentStart), Decided: s.FrameTime(s.Frame + 1)})
}

// CheckOverlap marks seat c and every seat whose turn intersects frames [a, b] as overlapping.
func (s *Stream) CheckOverlap(c int, a, b int64) {
	for o, oc := range s.States {
		if o == c {
			continue
		}
		switch {
		case oc.Active && oc.SegStart <= b && a <= oc.LastOn:
			s.markOverlap(o)
			s.markOverlap(c)
		case !oc.Active && oc.HasEnded && oc.EndStart <= b && a <= oc.EndLast:
			s.markOverlap(c)
		}
	}
}

// markOverlap flags seat c's current turn as overlapping; a turn whose Start was already
// reported gets an Update event, so a live view can mark the double talk at once.
func (s *Stream) markOverlap(c int) {
	tn := s.States[c]
	if tn.Overlap {
		return
	}
	tn.Overlap = true
	if tn.Active && tn.Announced {
		s.Events = append(s.Events, Event{Kind: Update, Seat: s.Seats[c], SeatIdx: c,
			Start: s.FrameTime(tn.RepStart), Overlap: true, Decided: s.FrameTime(s.Frame + 1)})
	}
}

// End closes seat c's turn and reports it (unless Tell reported it already); a run towards the
// next turn starts afresh.
func (s *Stream) End(c int) {
	tn := s.States[c]
	tn.Active = false
	tn.EndStart, tn.EndLast, tn.HasEnded = tn.SegStart, tn.LastOn, true
	if !tn.Told {
		s.endEvent(c, tn.LastOn)
	}
	tn.Told = false
	tn.Run.Len = 0
}

// EndAt closes seat c's turn with its last speech frame at last (no earlier than the turn's
// start) and reports it: a turn found, after it was started, to be a sound (stage 32).
func (s *Stream) EndAt(c int, last int64) {
	tn := s.States[c]
	tn.LastOn = max(tn.SegStart, last)
	s.End(c)
}

// endEvent reports the End of seat c's turn with its last speech frame at last.
func (s *Stream) endEvent(c int, last int64) {
	tn := s.States[c]
	s.Events = append(s.Events, Event{Kind: End, Seat: s.Seats[c], SeatIdx: c,
		Start: s.FrameTime(tn.RepStart), End: s.FrameTime(last + 1), Overlap: tn.Overlap,
		Decided: s.FrameTime(s.Frame + 1)})
}

// Tell reports the End of seat c's open turn, at its last speech frame, while the turn itself
// stays open: its talker has been quiet for the hangover, and what still holds it open is
// sound that has not (yet) confirmed a resume. Nothing the diarizer decides changes; only the
// report comes sooner. Should the sound confirm the resume, the turn goes on and a Start
// reports its continuation from the frame after the end told (see Hold); should it not, the
// turn closes without a second End.
func (s *Stream) Tell(c int) { s.TellAt(c, s.States[c].LastOn) }

// TellAt is Tell with the End reported at last speech frame last (between the turn's start and
// its last speech frame): the turn's last frames were found not to be its talker's (stage 33),
// while the turn itself, and its LastOn, hold as before.
func (s *Stream) TellAt(c int, last int64) {
	tn := s.States[c]
	if !tn.Active || tn.Told {
		return
	}
	s.endEvent(c, min(max(tn.SegStart, last), tn.LastOn))
	tn.Told, tn.Announced = true, false
}

// goOn reports the continuation of seat c's turn, told ended at frame told, that its talker
// resumed at frame onset and that was confirmed at frame t: a Start from told+1, with the
// overlap of the continuation alone.
func (s *Stream) goOn(c int, told, onset, t int64) {
	tn := s.States[c]
	tn.Told, tn.Overlap, tn.RepStart = false, false, told+1
	s.CheckOverlap(c, told+1, t)
	s.startEvent(c, told+1, onset, t)
}

// Pusher is a streaming diarizer.
type Pusher interface {
	Push(pcm [][]int16) ([]Event, error)
	Flush() []Event
}

// Offline pushes a whole recording through d, flushes it and returns the turns sorted by start.
func Offline(d Pusher, pcm [][]int16) ([]Turn, error) {
	evs, err := d.Push(pcm)
	if err != nil {
		return nil, err
	}
	var segs []Turn
	segs = appendEnds(segs, evs)
	segs = appendEnds(segs, d.Flush())
	SortTurns(segs)
	return segs, nil
}

func appendEnds(segs []Turn, evs []Event) []Turn {
	for _, e := range evs {
		if e.Kind == End {
			segs = append(segs, e.Turn())
		}
	}
	return segs
}

// EvidenceFrames: a turn starts only if, summed over the last 80 ms, the channel's level also
// exceeds the predicted bleed by the margin. Frame by frame the level of a delayed bleed copy
// swings several dB around its mean (a 30 ms burst falls differently into the 16 ms windows of
// two microphones); over 80 ms it settles at the coupling.
const EvidenceFrames = 8

// Evidence is a channel's level and predicted bleed summed over the last EvidenceFrames frames.
type Evidence struct {
	zHist, bHist [EvidenceFrames]float64
	ZSum, BSum   float64
}

// Add enters frame t's level z and predicted bleed b.
func (e *Evidence) Add(t int64, z, b float64) {
	k := int(t % EvidenceFrames)
	e.ZSum += z - e.zHist[k]
	e.BSum += b - e.bHist[k]
	e.zHist[k], e.bHist[k] = z, b
}

// ResumeGap: within a turn, speech frames at most this many frames apart are continuous.
const ResumeGap = 5

// Hold advances seat c's open turn at frame t. Speech (speech: own-speech score above the off
// threshold) within ResumeGap frames of the last continues it; speech after a pause continues
// it once resumes(c) says so (counting Resume); silence ends it after hang frames.
func (s *Stream) Hold(c int, t int64, speech bool, hang int, resumes func(c int) bool) {
	tn := s.States[c]
	switch {
	case speech && t-tn.LastOn <= ResumeGap:
		tn.LastOn, tn.Resume = t, 0
	case speech:
		if resumes(c) {
			prev, onset := tn.LastOn, t-int64(tn.Resume)+1
			tn.LastOn, tn.Resume = t, 0
			if tn.Told {
				s.goOn(c, prev, onset, t)
			} else {
				s.CheckOverlap(c, prev+1, t)
			}
		}
	default:
		tn.Resume = 0
		if t-tn.LastOn >= int64(hang) {
			s.End(c)
		}
	}
}

// Decide runs turn on every seat at the current frame, then moves on by a hop. It reports
// whether some seat is in a turn.
func (s *Stream) Decide(turn func(c int, t int64)) bool {
	t := s.Frame
	anyActive := false
	for c, tn := range s.States {
		turn(c, t)
		anyActive = anyActive || tn.Active
	}
	s.Advance()
	return anyActive
}

// Channel is the per-seat state both diarizers keep alike.
type Channel struct {
	Win  [WinLen]float64  // [0:WinLen-Hop] history, [WinLen-Hop:] current hop
	Hist [HistLen]float64 // the last 32 ms, for the time-lead check
	Pow  [NBins]float64   // power spectrum of the current frame
	Boxcar
	NF   NoiseFloor
	Flat float64  // spectral flatness of the current frame
	Q1   float64  // own level as a bleed source at the previous frame
	Ev   Evidence // level and predicted bleed over the last 80 ms
	TurnState
}

// Attach readies seat c's channel ch and binds its window, spectrum and turn to the stream
// and the spectrum.
func Attach(st *Stream, spec *Spectrum, c int, ch *Channel) {
	ch.NF.Init()
	ch.LastOn = -1
	st.Win[c], st.States[c] = &ch.Win, &ch.TurnState
	spec.Win[c], spec.Pow[c] = &ch.Win, &ch.Pow
}

// Shift keeps the current hop in the channel's history.
func (ch *Channel) Shift() {
	copy(ch.Hist[:HistLen-Hop], ch.Hist[Hop:])
	copy(ch.Hist[HistLen-Hop:], ch.Win[WinLen-Hop:])
}

// Measure takes frame t's band power from the spectrum, smooths it and measures its flatness;
// it returns the band power and the 40 ms source level.
func (ch *Channel) Measure(t int64) (band, src float64) {
	band = Band(&ch.Pow)
	src = ch.Next(band, t)
	ch.Flat = Flatness(ch.Pow[BinLo : BinHi+1])
	return band, src
}

// API is the streaming API of a diarizer over its Stream and bleed model (the frozen v1
// baseline embeds it; the current diarizer documents each method itself).
type API struct {
	st *Stream
	bm *Bleed
}

// NewAPI serves the API from st and bm.
func NewAPI(st *Stream, bm *Bleed) API { return API{st: st, bm: bm} }

// Seats returns the seat names in channel order.
func (a API) Seats() []string { return append([]string(nil), a.st.Seats...) }

// Now is the hearing time (seconds) of the samples consumed so far.
func (a API) Now() float64 { return a.st.Now() }

// Resume sets the hearing sample index of the first sample that will be pushed.
func (a API) Resume(first int64) error { return a.st.Resume(first) }

// Gap consumes n samples of silence on every seat (a capture gap).
func (a API) Gap(n int64) ([]Event, error) { return a.st.Gap(n) }

// BleedDB returns the learned coupling matrix in dB.
func (a API) BleedDB() [][]float64 { return a.bm.Copy() }

// Push consumes the next samples of every seat and returns the events decided by them.
func (a API) Push(pcm [][]int16) ([]Event, error) { return a.st.Push(pcm) }

// Flush ends the stream and closes every open turn.
func (a API) Flush() []Event { return a.st.Flush() }
