// Package policy holds the utterance policy between the seat diarizer and the engines: how long
// utterances are split, what is done with very short blips, how the initial prompt is built,
// and the guards against Whisper's known failures (text on silence, repeated n-grams, high
// no-speech probability, stock hallucination phrases). docs/asr.md states the rules.
package policy

import "fmt"
import "math"
import "time"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wire"

// Config is the utterance policy.
type Config struct {
	// MaxUtterance is the longest piece sent to an engine (Whisper's window is 30 s).
	MaxUtterance time.Duration
	// SplitWindow is how far before MaxUtterance the split point is searched: the quietest
	// 20 ms frame in [MaxUtterance-SplitWindow, MaxUtterance] from the piece start.
	SplitWindow time.Duration
	// MinUtterance: shorter utterances are blips. In a sorted list (MergeBlips) a blip within
	// MergeGap of an utterance of the same seat is merged into it; otherwise it is skipped
	// (recorded with StatusEmpty and flag "blip"), never sent to an engine.
	MinUtterance time.Duration
	// MergeGap is the largest silence bridged when a blip is merged into its neighbour.
	MergeGap time.Duration
	// PadTo: pieces shorter than this are padded with silence at the end before they reach an
	// engine (whisper.cpp does not decode inputs under 1 s).
	PadTo time.Duration
}

// DefaultConfig is the policy courtscribe ships with.
func DefaultConfig() Config {
	return Config{
		MaxUtterance: 30 * time.Second,
		SplitWindow:  5 * time.Second,
		MinUtterance: 250 * time.Millisecond,
		MergeGap:     600 * time.Millisecond,
		PadTo:        1100 * time.Millisecond,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.MaxUtterance < 2*time.Second || c.MaxUtterance > 30*time.Second:
		return fmt.Errorf("policy: max utterance %v outside 2s..30s", c.MaxUtterance)
	case c.SplitWindow <= 0 || c.SplitWindow >= c.MaxUtterance:
		return fmt.Errorf("policy: split window %v must be in (0, max utterance)", c.SplitWindow)
	case c.MinUtterance < 0 || c.MergeGap < 0 || c.PadTo < 0:
		return fmt.Errorf("policy: negative duration")
	}
	return nil
}

// Piece is an utterance (or part of one) with its audio.
type Piece struct {
	Utterance asr.Utterance
	PCM       []int16
	// Index and Count number the pieces of a split utterance (1-based); Count is 1 when the
	// utterance was not split.
	Index, Count int
}

func samples(d time.Duration) int { return int(d.Seconds() * wire.SampleRate) }

// Split cuts an utterance longer than MaxUtterance into pieces, each cut at the quietest 20 ms
// frame in the SplitWindow before the limit. pcm covers u.Start..u.End. The first piece keeps
// u.ID; later pieces get the canonical ID of their start.
func (c Config) Split(u asr.Utterance, pcm []int16) []Piece {
	maxN := samples(c.MaxUtterance)
	if len(pcm) <= maxN {
		return []Piece{{Utterance: u, PCM: pcm, Index: 1, Count: 1}}
	}
	win := samples(c.SplitWindow)
	const frame = wire.SampleRate / 50 // 20 ms
	var cuts []int
	pos := 0
	for len(pcm)-pos > maxN {
		lo, hi := pos+maxN-win, pos+maxN
		best, bestE := hi, math.Inf(1)
		for s := lo; s+frame <= hi; s += frame / 2 {
			if e := energy(pcm[s : s+frame]); e < bestE {
				best, bestE = s+frame/2, e
			}
		}
		cuts = append(cuts, best)
		pos = best
	}
	cuts = append(cuts, len(pcm))
	pieces := make([]Piece, 0, len(cuts))
	prev := 0
	for i, cut := range cuts {
		p := u
		p.Start = u.Start + float64(prev)/wire.SampleRate
		if i == len(cuts)-1 {
			p.End = u.End
		} else {
			p.End = u.Start + float64(cut)/wire.SampleRate
		}
		if i > 0 {
			p.ID = asr.UtteranceID(u.Seat, p.Start)
		}
		pieces = append(pieces, Piece{Utterance: p, PCM: pcm[prev:cut], Index: i + 1, Count: len(cuts)})
		prev = cut
	}
	return pieces
}

// Pad returns pcm padded with trailing silence to PadTo (a copy when padded).
func (c Config) Pad(pcm []int16) []int16 {
	n := samples(c.PadTo)
	if len(pcm) >= n {
		return pcm
	}
	out := make([]int16, n)
	copy(out, pcm)
	return out
}

// IsBlip reports whether u is shorter than MinUtterance.
func (c Config) IsBlip(u asr.Utterance) bool {
	return u.Duration() < c.MinUtterance.Seconds()
}

// MergeBlips applies the blip rule to utterances sorted by start: a blip is merged into the
// nearest utterance of the same seat within MergeGap (previous first, else next) when the merged
// length stays within MaxUtterance; the blips left are returned apart as skipped. Utterances
// are not modified in place.
func (c Config) MergeBlips(us []asr.Utterance) (kept, skipped []asr.Utterance) {
	out := make([]asr.Utterance, 0, len(us))
	merged := make([]bool, len(us))
	for i, u := range us {
		if merged[i] {
			continue
		}
		if !c.IsBlip(u) {
			out = append(out, u)
			continue
		}
		// previous kept utterance of the same seat
		done := false
		for j := len(out) - 1; j >= 0; j-- {
			p := &out[j]
			if p.Seat != u.Seat {
				continue
			}
			if u.Start-p.End <= c.MergeGap.Seconds() && u.End-p.Start <= c.MaxUtterance.Seconds() && !c.IsBlip(*p) {
				p.End = math.Max(p.End, u.End)
				done = true
			}
			break
		}
		if done {
			continue
		}
		for j := i + 1; j < len(us); j++ {
			n := us[j]
			if n.Seat != u.Seat {
				continue
			}
			if n.Start-u.End <= c.MergeGap.Seconds() && n.End-u.Start <= c.MaxUtterance.Seconds() && !c.IsBlip(n) {
				n.Start = u.Start
				n.ID = u.ID
				out = append(out, n)
				merged[j] = true
				done = true
			}
			break
		}
		if !done {
			skipped = append(skipped, u)
		}
	}
	return out, skipped
}

// energy is the mean square of a frame.
func energy(pcm []int16) float64 {
	var s float64
	for _, v := range pcm {
		f := float64(v)
		s += f * f
	}
	if len(pcm) == 0 {
		return 0
	}
	return s / float64(len(pcm))
}

// PeakDBFS is the level of the loudest 100 ms window of pcm in dBFS (-120 for silence).
func PeakDBFS(pcm []int16) float64 {
	const win = wire.SampleRate / 10
	best := 0.0
	for s := 0; s < len(pcm); s += win / 2 {
		e := energy(pcm[s:min(s+win, len(pcm))])
		best = math.Max(best, e)
	}
	if best <= 0 {
		return -120
	}
	return math.Max(-120, 10*math.Log10(best/(32768.0*32768.0)))
}
