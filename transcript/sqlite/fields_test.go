package sqlite

import "context"
import "errors"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// TestHearingFieldsRefuseControlCharacters: NUL was accepted in hearing fields, and form feeds
// and newlines in seat labels broke the TXT layout and forged SRT cues (issue 11, low). Every
// hearing field is one line of text: control characters are refused, on create and update.
func TestHearingFieldsRefuseControlCharacters(t *testing.T) {
	testHearingFieldsRefuseControlCharacters(t, sqliteDB)
}

func testHearingFieldsRefuseControlCharacters(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	must[*transcript.Hearing](t)(s.CreateHearing(ctx, "admin", zhHearing("h1")))
	for name, mutate := range map[string]func(h *transcript.Hearing){
		"NUL in title":            func(h *transcript.Hearing) { h.Title = "a\x00b" },
		"NUL in case number":      func(h *transcript.Hearing) { h.CaseNumber = "\x00" },
		"form feed in role":       func(h *transcript.Hearing) { h.Seats[0].Role = "审判长\f 1  伪造" },
		"newline in person":       func(h *transcript.Hearing) { h.Seats[1].Person = "李四\n\n9\n00:00:00,000 --> 00:00:01,000" },
		"CR in party":             func(h *transcript.Hearing) { h.Parties = []string{"x\ry"} },
		"line separator in court": func(h *transcript.Hearing) { h.Court = "a\u2028b" },
		"NEL in cause":            func(h *transcript.Hearing) { h.Cause = "a\u0085b" },
		"NUL in judge":            func(h *transcript.Hearing) { h.Judges = []string{"wang\x00wu"} },
		"tab in vocabulary":       func(h *transcript.Hearing) { h.Vocabulary = []string{"a\tb"} },
	} {
		h := zhHearing("h-" + name[:3])
		h.ID = "hx"
		mutate(&h)
		if _, err := s.CreateHearing(ctx, "admin", h); !errors.Is(err, transcript.ErrInvalid) {
			t.Errorf("create with %s: %v, want invalid", name, err)
		}
	}
	title := "标题\x00"
	if _, err := s.UpdateHearing(ctx, "admin", "h1", transcript.HearingUpdate{Title: &title}); !errors.Is(err, transcript.ErrInvalid) {
		t.Errorf("update with NUL in the title: %v", err)
	}
	seats := []transcript.Seat{{Seat: "judge", Role: "审判长\n"}}
	if _, err := s.UpdateHearing(ctx, "admin", "h1", transcript.HearingUpdate{Seats: &seats}); !errors.Is(err, transcript.ErrInvalid) {
		t.Errorf("update with a newline in a seat role: %v", err)
	}
}
