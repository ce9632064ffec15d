package der

import "math"

import "github.com/courtscribe/courtscribe/asr/diarize"

// Event is a non-speech event of the reference: a sound (cough, paper, gavel, door, chair,
// phone, beep), a span of gallery murmur ("murmur") or the air conditioner switching
// ("ac_on"/"ac_off", Start..End its ramp).
type Event struct {
	Kind  string
	Start float64
	End   float64
}

// MinFalseSpeech is how much false speech makes a sound "reported as speech" (issue 10: no
// single sound reported as ≥ 0.3 s of speech).
const MinFalseSpeech = 0.3

// EventTail is how long after a sound ends its false speech is still counted: the sound's
// reverberation and a diarizer's hangover belong to it.
const EventTail = 0.5

// SwitchWindow is how long after an air conditioner's ramp ends a new turn is blamed on it.
const SwitchWindow = 3.0

// EventCount is, per kind, how many events there were and how many were reported as speech.
type EventCount struct {
	Total    int `json:"total"`
	Reported int `json:"reported"`
}

// FalseSpeechOnSounds counts, per kind, the sounds reported as speech: a sound is reported when
// some seat has at least MinFalseSpeech of hypothesis speech that the reference does not give
// that seat, within [Start, End+EventTail], in a hypothesis segment that overlaps the sound.
// Murmur and air-conditioner events are not sounds here (see FalseTurns).
func FalseSpeechOnSounds(ref, hyp []diarize.Turn, events []Event) map[string]*EventCount {
	const frame = 0.01
	out := map[string]*EventCount{}
	for _, e := range events {
		if e.Kind == "murmur" || e.Kind == "ac_on" || e.Kind == "ac_off" {
			continue
		}
		c := out[e.Kind]
		if c == nil {
			c = &EventCount{}
			out[e.Kind] = c
		}
		c.Total++
		false := map[string]int{}
		for _, h := range hyp {
			if h.End <= e.Start || h.Start >= e.End {
				continue
			}
			a, b := max(h.Start, e.Start), min(h.End, e.End+EventTail)
			for f := int(math.Ceil(a/frame - 0.5)); float64(f)*frame+frame/2 < b; f++ {
				t := float64(f)*frame + frame/2
				if !speaking(ref, h.Seat, t) {
					false[h.Seat]++
				}
			}
		}
		for _, n := range false {
			if float64(n)*frame >= MinFalseSpeech-1e-9 {
				c.Reported++
				break
			}
		}
	}
	return out
}

func speaking(ref []diarize.Turn, seat string, t float64) bool {
	for _, r := range ref {
		if r.Seat == seat && r.Start <= t && t < r.End {
			return true
		}
	}
	return false
}

// FalseTurns counts the hypothesis turns that gallery murmur and air-conditioner switching
// created: turns of which less than half is reference speech of their seat, starting inside a
// murmur span or within SwitchWindow after an air conditioner's ramp. It returns the two counts.
func FalseTurns(ref, hyp []diarize.Turn, events []Event) (murmur, ac int) {
	for _, h := range hyp {
		if h.End <= h.Start || ownFraction(ref, h) >= 0.5 {
			continue
		}
		for _, e := range events {
			switch e.Kind {
			case "murmur":
				if h.Start >= e.Start && h.Start < e.End {
					murmur++
					goto next
				}
			case "ac_on", "ac_off":
				if h.Start >= e.Start && h.Start < e.End+SwitchWindow {
					ac++
					goto next
				}
			}
		}
	next:
	}
	return murmur, ac
}

// ownFraction is the part of h that the reference gives h's seat.
func ownFraction(ref []diarize.Turn, h diarize.Turn) float64 {
	var own float64
	for _, r := range ref {
		if r.Seat == h.Seat {
			own += max(0, min(r.End, h.End)-max(r.Start, h.Start))
		}
	}
	return own / (h.End - h.Start)
}
