package main

import "context"
import "fmt"
import "math"
import "os"
import "sort"
import "strings"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/asr/diarize"
import "github.com/courtscribe/courtscribe/asr/diarize/scene"
import "github.com/courtscribe/courtscribe/asr/stream"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// dupResult counts bleed transcribed twice in the record (issue 10, point 5): pairs of segments
// of different seats overlapping in time (≥ half the shorter) whose texts are near-duplicates,
// before the record's duplicate check (every segment as the diarizer found it) and after it (the
// real asr/stream check, on a real SQLite record, with the hearing's audio), the segments it
// deleted and how many of those were the true talker's (the wrong copy kept).
type dupResult struct {
	before, after, deleted, wrong int
}

// engineText is the engine model at the outer boundary, for a segment of seat over [a, b]:
// when the seat's own talker speaks in that time, the engine hears the own voice (the closest,
// loudest one on that mic) and writes its words; when the segment is bleed only, it writes the
// words of whoever spoke then, since bleed carries the talker's words onto every mic the
// diarizer calls speech. Each line contributes the share of its words that falls in [a, b];
// lines covered less than 15 % are not heard.
func engineText(lines []scene.Spoken, seat string, a, b float64) string {
	heard := func(own bool) []string {
		var parts []string
		for _, l := range lines {
			d := l.End - l.Start
			common := math.Min(l.End, b) - math.Max(l.Start, a)
			if (l.Seat == seat) != own || d <= 0 || common/d < 0.15 {
				continue
			}
			words := strings.Fields(l.Text)
			from := int(math.Round((math.Max(l.Start, a) - l.Start) / d * float64(len(words))))
			to := int(math.Round((math.Min(l.End, b) - l.Start) / d * float64(len(words))))
			if to > from {
				parts = append(parts, strings.Join(words[from:min(to, len(words))], " "))
			}
		}
		return parts
	}
	if own := heard(true); len(own) > 0 {
		return strings.Join(own, " ")
	}
	return strings.Join(heard(false), " ")
}

// memAudio serves the rendered channels as the archive would.
type memAudio struct {
	seats map[string]int
	pcm   [][]int16
}

func (m memAudio) Audio(_ context.Context, _, seat string, start, end float64) ([]int16, error) {
	c, ok := m.seats[seat]
	if !ok {
		return nil, fmt.Errorf("no seat %s", seat)
	}
	a := min(max(int(start*wire.SampleRate), 0), len(m.pcm[c]))
	b := min(max(int(end*wire.SampleRate), a), len(m.pcm[c]))
	return m.pcm[c][a:b], nil
}

type textSeg struct {
	seg  diarize.Turn
	text string
}

func dupPairs(segs []textSeg) int {
	n := 0
	for i := range segs {
		for j := i + 1; j < len(segs); j++ {
			a, b := segs[i].seg, segs[j].seg
			common := math.Min(a.End, b.End) - math.Max(a.Start, b.Start)
			shorter := math.Min(a.End-a.Start, b.End-b.Start)
			if a.Seat != b.Seat && shorter > 0 && common/shorter >= stream.MinDuplicateOverlap && stream.NearDuplicate(segs[i].text, segs[j].text) {
				n++
			}
		}
	}
	return n
}

// talker is the seat of the reference line that overlaps [a, b] most.
func talker(lines []scene.Spoken, a, b float64) string {
	best, seat := 0.0, ""
	for _, l := range lines {
		if c := math.Min(l.End, b) - math.Max(l.Start, a); c > best {
			best, seat = c, l.Seat
		}
	}
	return seat
}

// duplicates runs the hypothesis through the record: every segment appended as the live
// diarizer would, its engine text (engineText) delivered as a final result in the order the
// segments end, through asr/stream's Result, which runs the duplicate check.
func duplicates(ctx context.Context, seats []string, pcm [][]int16, hyp []diarize.Turn, lines []scene.Spoken) (dupResult, error) {
	var r dupResult
	var segs []textSeg
	for _, h := range hyp {
		if t := engineText(lines, h.Seat, h.Start, h.End); t != "" && h.End > h.Start {
			segs = append(segs, textSeg{h, t})
		}
	}
	r.before = dupPairs(segs)
	dir, err := os.MkdirTemp("", "hearinggen-dupes-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.OpenData(ctx, dir, sqlite.Options{})
	if err != nil {
		return r, err
	}
	defer store.Close()
	h := transcript.Hearing{ID: "bench", Language: "en"}
	idx := map[string]int{}
	for i, s := range seats {
		h.Seats = append(h.Seats, transcript.Seat{Seat: s, Role: s})
		idx[s] = i
	}
	if _, err := store.CreateHearing(ctx, "system", h); err != nil {
		return r, err
	}
	if _, err := store.Start(ctx, "system", "bench"); err != nil {
		return r, err
	}
	st, err := stream.New(stream.Config{Record: store, Audio: memAudio{idx, pcm}})
	if err != nil {
		return r, err
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].seg.End < segs[j].seg.End })
	for _, s := range segs {
		g, err := store.AppendSegment(ctx, stream.ActorDiarizer, "bench", transcript.NewSegment{Seat: s.seg.Seat,
			StartMS: int64(s.seg.Start*1000 + 0.5), EndMS: int64(s.seg.End*1000 + 0.5), Overlap: s.seg.Overlap})
		if err != nil {
			return r, err
		}
		st.Result(asr.Result{Utterance: asr.Utterance{ID: stream.SegmentUtteranceID(g.ID), Hearing: "bench", Seat: s.seg.Seat},
			Status: asr.StatusFinal, Text: s.text, Engine: "bench"})
	}
	all, err := store.ListSegments(ctx, "bench", true)
	if err != nil {
		return r, err
	}
	var kept []textSeg
	for _, g := range all {
		s := textSeg{diarize.Turn{Seat: g.Seat, Start: float64(g.StartMS) / 1000, End: float64(g.EndMS) / 1000}, g.Text}
		if !g.Deleted {
			kept = append(kept, s)
			continue
		}
		r.deleted++
		if talker(lines, s.seg.Start, s.seg.End) == g.Seat {
			r.wrong++
		}
	}
	r.after = dupPairs(kept)
	return r, nil
}
