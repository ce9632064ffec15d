package stream

import "strings"

// utter is an utterance whose segment waits for the engine's text.
type utter struct {
	seg        int64
	start, end float64
	pieces     map[int]string // text of each piece of a split utterance, by 1-based piece
}

// joiner joins engine results back to the segments they transcribe: it holds the utterances
// waiting for text by hearing and seat, finds the one a result belongs to by its start, and
// joins the pieces of a split utterance into one text. The live stream and the backlog both
// use it; it is not safe for concurrent use (each holds its own lock around it).
type joiner struct {
	open map[string][]*utter // hearing \x00 seat → utterances waiting for text
}

func joinKey(hearing, seat string) string { return hearing + "\x00" + seat }

// add puts an utterance of the seat on the waiting list.
func (j *joiner) add(hearing, seat string, u *utter) {
	if j.open == nil {
		j.open = map[string][]*utter{}
	}
	k := joinKey(hearing, seat)
	j.open[k] = append(j.open[k], u)
}

// at is the waiting utterance of the seat whose span holds t (pieces of a split utterance
// carry their own start), or nil.
func (j *joiner) at(hearing, seat string, t float64) *utter {
	for _, u := range j.open[joinKey(hearing, seat)] {
		if t >= u.start-0.001 && t <= u.end+0.001 {
			return u
		}
	}
	return nil
}

// bySeg is the waiting utterance of the seat that belongs to segment seg, or nil.
func (j *joiner) bySeg(hearing, seat string, seg int64) *utter {
	for _, u := range j.open[joinKey(hearing, seat)] {
		if u.seg == seg {
			return u
		}
	}
	return nil
}

// remove takes u off the seat's waiting list.
func (j *joiner) remove(hearing, seat string, u *utter) {
	k := joinKey(hearing, seat)
	list := j.open[k]
	for i, o := range list {
		if o == u {
			j.open[k] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(j.open[k]) == 0 {
		delete(j.open, k)
	}
}

// addPiece records the text of piece (1-based) of total for u. Once every piece is in, u
// leaves the waiting list and addPiece returns the pieces' non-empty texts joined by spaces.
func (j *joiner) addPiece(hearing, seat string, u *utter, piece, total int, text string) (joined string, done bool) {
	u.pieces[piece] = text
	if len(u.pieces) < total {
		return "", false
	}
	parts := make([]string, 0, total)
	for i := 1; i <= total; i++ {
		if t := u.pieces[i]; t != "" {
			parts = append(parts, t)
		}
	}
	j.remove(hearing, seat, u)
	return strings.Join(parts, " "), true
}
