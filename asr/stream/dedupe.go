package stream

import "context"
import "errors"
import "fmt"
import "math"
import "slices"
import "unicode"

import "github.com/courtscribe/courtscribe/transcript"

// A second line of defence against bleed (issue 10): when the diarizer reports a seat's
// neighbour as speaking during the seat's turn, the engine transcribes the same words twice,
// once on each seat. When a final result arrives, the stream compares it with the other seats'
// final segments that overlap it in time; near-duplicate texts are one utterance heard on two
// mics. The record keeps the segment of the seat whose microphone heard the words clearest over
// its own noise floor (the talker's own mic has the direct sound; a neighbour's has bleed, which
// is weaker and reverberant, whatever the preamp gains) and deletes the other as a revision
// whose reason says why, so the decision and the deleted text stay in the segment's history.

const (
	// DuplicateSimilarity is the share of the shorter text (in letters/characters, punctuation
	// and case ignored) that must appear, in order, in the longer one.
	DuplicateSimilarity = 0.8
	// MinDuplicateRunes: shorter texts ("yes", "对") are not compared; two people may well
	// say them at once.
	MinDuplicateRunes = 6
	// MinDuplicateOverlap is the share of the shorter segment that must overlap the other.
	MinDuplicateOverlap = 0.5
)

// normText keeps letters and digits, lower-cased.
func normText(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// TextSimilarity is how nearly the shorter normalised text is a stretch of the longer one: 1
// minus the fewest letters inserted, deleted or changed to make it one, over its length (1: the
// shorter text is in the longer word for word; bleed transcribed from a fragment of an
// utterance gives such a text, with the engine's few mistakes). The stretch must be
// contiguous: a short interjection ("Objection, Your Honor!") over a long answer shares most
// of its letters, in order, with any long enough text, which a longest common subsequence
// counted as a duplicate. Texts are cut to 2000 characters.
func TextSimilarity(a, b string) float64 {
	x, y := normText(a), normText(b)
	switch {
	case len(x) > len(y):
		x, y = y, x
	case len(x) == len(y): // either could be the stretch: the same answer in either order
		return max(stretchShare(x, y), stretchShare(y, x))
	}
	return stretchShare(x, y)
}

// containedShare is how nearly drop's normalised text is a stretch of keep's (see
// TextSimilarity), whichever is longer.
func containedShare(drop, keep string) float64 {
	return stretchShare(normText(drop), normText(keep))
}

// stretchShare is 1 minus the edit distance from x to the nearest stretch of y (Sellers 1980:
// the alignment may start and end anywhere in y for free), over the length of x.
func stretchShare(x, y []rune) float64 {
	x, y = x[:min(len(x), 2000)], y[:min(len(y), 2000)]
	if len(x) == 0 {
		return 0
	}
	// prev[j]: the fewest edits turning x[:i-1] into a stretch of y ending at y[j-1].
	prev, cur := make([]int, len(y)+1), make([]int, len(y)+1)
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			d := prev[j-1]
			if x[i-1] != y[j-1] {
				d++
			}
			cur[j] = min(d, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(slices.Min(prev))/float64(len(x))
}

// NearDuplicate reports whether two engine texts are the same words (see TextSimilarity).
func NearDuplicate(a, b string) bool {
	if min(len(normText(a)), len(normText(b))) < MinDuplicateRunes {
		return false
	}
	return TextSimilarity(a, b) >= DuplicateSimilarity
}

// overlapShare is the part of the shorter segment that the two have in common.
func overlapShare(a, b transcript.Segment) float64 {
	common := min(a.EndMS, b.EndMS) - max(a.StartMS, b.StartMS)
	shorter := min(a.EndMS-a.StartMS, b.EndMS-b.StartMS)
	if common <= 0 || shorter <= 0 {
		return 0
	}
	return float64(common) / float64(shorter)
}

// clarity returns a seat's level over the span [a, b] seconds above its own noise floor in
// dB: the mean power of 10 ms frames in the span over the 10th percentile of the frames in the
// span and the 3 s before it.
func clarity(pcm []int16, lead int) float64 {
	const hop = 160
	var en []float64
	for i := 0; i+hop <= len(pcm); i += hop {
		var e float64
		for _, v := range pcm[i : i+hop] {
			e += float64(v) * float64(v)
		}
		en = append(en, e/hop+1)
	}
	if len(en) == 0 {
		return 0
	}
	sorted := slices.Clone(en)
	slices.Sort(sorted)
	floor := sorted[len(sorted)/10]
	var sum float64
	n := 0
	for i := min(lead/hop, len(en)-1); i < len(en); i++ {
		sum += en[i]
		n++
	}
	return 10 * math.Log10(sum/float64(n)/floor)
}

// A fragment of a line is bleed of it. When the diarizer lets a neighbour's mic through for a
// moment during a talker's line, the neighbour gets a short segment inside the talker's, with a
// piece of its words; and it got it because, for that moment, the neighbour's mic stood out
// over its own floor — so "heard clearest over its own floor" keeps the fragment, and since its
// text is the shorter, deletes nothing: the pair stays. Measured (2026-12-07, the 64 rooms of
// `hearinggen random`, engine model): of 33 near-duplicate pairs, 11 had one segment within the
// other's span and at most a third of its length; in 10 of them the long one was the talker's
// (the reference line covers it), in one the short one was (an interjection heard on a hot
// mic that the diarizer had given a long false segment). So such a fragment is dropped and the
// containing segment kept, before clarity is looked at.
const (
	DuplicateFragmentShare = 1.0 / 3 // a fragment lasts at most this share of the other segment
	DuplicateFragmentSlack = 200     // ms it may stick out of the other's span
)

// fragment says whether segment a lies within b's span and is a fragment of its length.
func fragment(a, b transcript.Segment) bool {
	return a.StartMS >= b.StartMS-DuplicateFragmentSlack && a.EndMS <= b.EndMS+DuplicateFragmentSlack &&
		float64(a.EndMS-a.StartMS) <= DuplicateFragmentShare*float64(b.EndMS-b.StartMS)
}

// keeper decides which of two duplicate segments is the talker's: the containing one where the
// other is a fragment of it, else the seat that heard the common span clearest over its own
// floor, or, without the audio, the longer segment.
func (s *Stream) keeper(ctx context.Context, a, b transcript.Segment) (keep, drop transcript.Segment, why string) {
	if fragment(b, a) {
		a, b = b, a
	}
	if fragment(a, b) {
		return b, a, fmt.Sprintf("seat %s's %.1f s segment lies within seat %s's %.1f s one: a piece of that line, let through on a neighbour's mic",
			a.Seat, msToSeconds(a.EndMS-a.StartMS), b.Seat, msToSeconds(b.EndMS-b.StartMS))
	}
	from := msToSeconds(max(a.StartMS, b.StartMS))
	to := msToSeconds(min(a.EndMS, b.EndMS))
	ctxStart := max(from-3, 0)
	lead := secondsToSamples(from - ctxStart)
	if s.cfg.Audio != nil {
		pa, errA := s.cfg.Audio.Audio(ctx, a.HearingID, a.Seat, ctxStart, to)
		pb, errB := s.cfg.Audio.Audio(ctx, b.HearingID, b.Seat, ctxStart, to)
		if errA == nil && errB == nil && len(pa) > lead && len(pb) > lead {
			ca, cb := clarity(pa, lead), clarity(pb, lead)
			if cb > ca {
				a, b, ca, cb = b, a, cb, ca
			}
			return a, b, fmt.Sprintf("seat %s heard the common %.1f s %.1f dB clearer over its noise floor than seat %s",
				a.Seat, to-from, ca-cb, b.Seat)
		}
	}
	if b.EndMS-b.StartMS > a.EndMS-a.StartMS {
		a, b = b, a
	}
	return a, b, fmt.Sprintf("no audio to compare; the longer segment (seat %s) is kept", a.Seat)
}

// dedupe compares a segment that just became final with the other seats' final segments
// overlapping it and deletes the bleed copy of a near-duplicate pair (see the top of this
// file), only when the copy's words are all (≥ 80 %) in the kept segment, so no words are lost.
// A clerk's edit is never overridden: edited segments are not compared.
func (s *Stream) dedupe(ctx context.Context, seg *transcript.Segment) {
	if s.cfg.KeepDuplicates || seg == nil || seg.Deleted || seg.Edited || seg.Status != transcript.SegmentFinal {
		return
	}
	all, err := s.cfg.Record.ListSegments(ctx, seg.HearingID, false)
	if err != nil {
		s.log.Warn("duplicate check", "segment", seg.ID, "err", err)
		return
	}
	for _, o := range all {
		if o.ID == seg.ID || o.Seat == seg.Seat || o.Deleted || o.Edited || o.Status != transcript.SegmentFinal ||
			overlapShare(*seg, o) < MinDuplicateOverlap || !NearDuplicate(seg.Text, o.Text) {
			continue
		}
		keep, drop, why := s.keeper(ctx, *seg, o)
		if containedShare(drop.Text, keep.Text) < DuplicateSimilarity {
			// The clearer seat's text is the shorter one: deleting the other would lose the
			// words it has beyond the common span. Both stay (the clerk decides).
			continue
		}
		reason := fmt.Sprintf("bleed: the same words as segment %d (seat %s, %.0f%% alike) at the same time; %s",
			keep.ID, keep.Seat, 100*TextSimilarity(keep.Text, drop.Text), why)
		if _, err := s.cfg.Record.Delete(ctx, ActorDiarizer, drop.ID, drop.Revision, reason); err != nil {
			if !errors.Is(err, transcript.ErrConflict) { // changed meanwhile (a clerk, or the other copy's check)
				s.log.Warn("duplicate delete", "segment", drop.ID, "err", err)
			}
			return
		}
		s.count(func(st *Stats) { st.Duplicates++ })
		s.log.Info("bleed duplicate deleted", "segment", drop.ID, "seat", drop.Seat, "kept", keep.ID, "reason", reason)
		if drop.ID == seg.ID {
			return
		}
	}
}
