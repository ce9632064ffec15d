// Package export renders a hearing record (transcript.Record) for people and players:
//
//   - json: the canonical, signable record (transcript.Record.Canonical plus a newline);
//   - txt:  the 庭审笔录 layout for Chinese hearings, the US transcript layout (25 numbered
//     lines per page, speaker labels in capitals, Q./A. during examination, certificate page)
//     for English ones;
//   - pdf:  the same layouts in a PDF with an embedded TrueType CJK font;
//   - srt, vtt: subtitles of the segments for playing beside the audio.
package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
)

// Formats lists the export formats.
var Formats = []string{"json", "txt", "pdf", "srt", "vtt"}

// Options tune an export. The zero value works.
type Options struct {
	// Location overrides the record's time zone (hearing.time_zone) for wall-clock times.
	// Records without a zone print China Standard Time (UTC+8) for zh, UTC for en.
	Location *time.Location
	// FontPath is a TrueType font with CJK glyphs for pdf; default FindFont().
	FontPath string
	// Now is the export time: the PDF's creation date. Default time.Now().
	Now time.Time
}

// locFor is the zone the record's wall-clock times are printed in.
func (o Options) locFor(r *transcript.Record) *time.Location {
	if o.Location != nil {
		return o.Location
	}
	if loc := transcript.Location(r.Hearing.TimeZone); loc != nil {
		return loc
	}
	if r.Hearing.Language == "zh" {
		return time.FixedZone("CST", 8*3600)
	}
	return time.UTC
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Draft reports whether the record is a draft: not finalized, or a version nobody signed yet.
// Drafts are marked 草稿 / DRAFT and never carry a certifying sentence.
func Draft(r *transcript.Record) bool { return r.Version == 0 || r.Signature == nil }

// nameOf is how a user of the record is printed: the display name, else the person in the
// seat with that court role, else the user name (a record made before display names).
func nameOf(r *transcript.Record, user, role string) string {
	if n := r.Hearing.NameOf(user); n != "" {
		return n
	}
	return personFor(r, role, user)
}

// segmentAt names a segment by its time and speaker (never by its internal id).
func segmentAt(r *transcript.Record, id int64) (clockAt, role string) {
	for _, s := range r.Segments {
		if s.ID == id {
			return clock(s.StartMS), s.Role
		}
	}
	return "", ""
}

// Write renders the record in the format.
func Write(w io.Writer, r *transcript.Record, format string, opt Options) error {
	switch format {
	case "json":
		return JSON(w, r)
	case "txt":
		return TXT(w, r, opt)
	case "pdf":
		return PDF(w, r, opt)
	case "srt":
		return SRT(w, r)
	case "vtt":
		return VTT(w, r)
	}
	return fmt.Errorf("export: unknown format %q (one of %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the canonical record followed by a newline; transcript.VerifyRecord accepts
// exactly these bytes.
func JSON(w io.Writer, r *transcript.Record) error {
	b, err := r.Canonical()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// TXT writes the plain-text layout of the record's language.
func TXT(w io.Writer, r *transcript.Record, opt Options) error {
	var pages [][]string
	if r.Hearing.Language == "zh" {
		pages = [][]string{zhLines(r, opt)}
	} else {
		pages = usPages(r, opt)
	}
	bw := bufio.NewWriter(w)
	for i, p := range pages {
		if i > 0 {
			bw.WriteString("\f\n")
		}
		for _, l := range p {
			bw.WriteString(strings.TrimRight(l, " "))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// clock formats hearing time as H:MM:SS.
func clock(ms int64) string {
	s := ms / 1000
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func stamp(ms int64, sep string) string {
	if ms < 0 {
		ms = 0
	}
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

// SRT writes SubRip subtitles, one cue per segment, "Role: text".
func SRT(w io.Writer, r *transcript.Record) error {
	bw := bufio.NewWriter(w)
	for i, s := range r.Segments {
		fmt.Fprintf(bw, "%d\n%s --> %s\n%s: %s\n\n", i+1, stamp(s.StartMS, ","), stamp(s.EndMS, ","), s.Role, cueText(s.Text))
	}
	return bw.Flush()
}

// VTT writes WebVTT subtitles with voice spans.
func VTT(w io.Writer, r *transcript.Record) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("WEBVTT\n\n")
	if Draft(r) {
		bw.WriteString("NOTE DRAFT / 草稿: not finalized and signed\n\n")
	}
	for _, s := range r.Segments {
		fmt.Fprintf(bw, "%d\n%s --> %s\n<v %s>%s\n\n", s.ID, stamp(s.StartMS, "."), stamp(s.EndMS, "."), vttEscape(s.Role), vttEscape(cueText(s.Text)))
	}
	return bw.Flush()
}

// cueText keeps a cue on its lines: blank lines would end the cue.
func cueText(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	for strings.Contains(s, "\n\n") {
		s = strings.ReplaceAll(s, "\n\n", "\n")
	}
	s = strings.ReplaceAll(s, "-->", "->")
	return strings.TrimSpace(s)
}

func vttEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// item is a segment or a note in time order.
type item struct {
	at   int64
	seg  *transcript.RecordSegment
	note *transcript.RecordNote
}

func items(r *transcript.Record) []item {
	var out []item
	si, ni := 0, 0
	for si < len(r.Segments) || ni < len(r.Notes) {
		if ni >= len(r.Notes) || si < len(r.Segments) && r.Segments[si].StartMS <= r.Notes[ni].AtMS {
			out = append(out, item{at: r.Segments[si].StartMS, seg: &r.Segments[si]})
			si++
		} else {
			out = append(out, item{at: r.Notes[ni].AtMS, note: &r.Notes[ni]})
			ni++
		}
	}
	return out
}

// personFor returns the person of the first seat with that role, else fallback.
func personFor(r *transcript.Record, role, fallback string) string {
	for _, s := range r.Hearing.Seats {
		if s.Role == role && s.Person != "" {
			return s.Person
		}
	}
	return fallback
}
