package export

import "strings"
import "unicode"

import "github.com/courtscribe/courtscribe/transcript"

// oneLine replaces control characters (form feed, newline, NUL, C1 controls) and the Unicode
// line and paragraph separators with spaces: a label or a text must not start a page, a line
// or a subtitle cue of its own.
func oneLine(s string) string {
	if strings.IndexFunc(s, breaking) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if breaking(r) {
			return ' '
		}
		return r
	}, s)
}

func breaking(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// printable returns a copy of r whose hearing fields, seat labels, segment texts and note
// texts are one line each (see oneLine). The store refuses such characters in hearing fields;
// this keeps records stored before, and any text, from forging the layout. The JSON export
// is the canonical record and is not changed.
//
// A Chinese hearing with a judge sitting alone (独任审判: no other judges) has no 审判长: the
// judge is 审判员, so a seat labelled 审判长 (the hearing form's default) prints as 审判员.
func printable(r *transcript.Record) *transcript.Record {
	c := *r
	h := &c.Hearing
	for _, f := range []*string{&h.CaseNumber, &h.Cause, &h.Court, &h.Courtroom, &h.Title, &h.Presiding, &h.Clerk} {
		*f = oneLine(*f)
	}
	h.Judges = mapLines(h.Judges)
	h.Parties = mapLines(h.Parties)
	h.Seats = append([]transcript.Seat(nil), h.Seats...)
	role := func(s string) string {
		s = oneLine(s)
		if s == "审判长" && h.Language == "zh" && len(h.Judges) == 0 {
			return "审判员"
		}
		return s
	}
	for i := range h.Seats {
		h.Seats[i].Role, h.Seats[i].Person = role(h.Seats[i].Role), oneLine(h.Seats[i].Person)
	}
	c.Segments = append([]transcript.RecordSegment(nil), r.Segments...)
	for i := range c.Segments {
		c.Segments[i].Role, c.Segments[i].Text = role(c.Segments[i].Role), oneLine(c.Segments[i].Text)
	}
	c.Notes = append([]transcript.RecordNote(nil), r.Notes...)
	for i := range c.Notes {
		c.Notes[i].Text = oneLine(c.Notes[i].Text)
	}
	c.FinalizedBy = oneLine(c.FinalizedBy)
	return &c
}

func mapLines(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = oneLine(s)
	}
	return out
}
