// Package export renders a hearing record (transcript.Record) for people and players:
//
//   - json: the canonical, signable record (transcript.Record.Canonical plus a newline);
//   - txt:  the 庭审笔录 layout for Chinese hearings, the US transcript layout (25 numbered
//     lines per page, speaker labels in capitals, Q./A. during examination, certificate page)
//     for English ones;
//   - pdf:  the same layouts in a PDF with an embedded TrueType CJK font;
//   - srt, vtt: subtitles of the segments for playing beside the audio.
package export

import "bufio"
import "fmt"
import "io"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

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
	// LinesPerPage of the US transcript layout (10–60; default 25, some states use 32).
	LinesPerPage int
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

// Draft reports whether the record is a draft: not finalized, or a version not yet signed by
// everyone who must sign it (the bench and the clerk). Drafts are marked 草稿 / DRAFT and
// never carry a certifying sentence.
func Draft(r *transcript.Record) bool {
	return r.Version == 0 || r.Signature == nil || len(r.MissingSigners()) > 0
}

// signerOf returns the signature of a user, if they signed.
func signerOf(r *transcript.Record, user string) *transcript.Signature {
	for _, s := range r.Signatures() {
		if s.Signer == user {
			return &s
		}
	}
	return nil
}

// nameOf is how a user of the record is printed: the display name, else the person in the
// seat with that court role (a record made before display names), else "(name not set)" —
// never the login.
func nameOf(r *transcript.Record, user, role string) string {
	if n := oneLine(r.Hearing.NameOf(user)); n != "" {
		return n
	}
	if role != "" {
		if p := personFor(r, role, ""); p != "" {
			return p
		}
	}
	return unnamed(r)
}

// unnamed stands for a person whose display name is not set (an admin sets it: users
// set-display-name), printed instead of their login.
func unnamed(r *transcript.Record) string {
	if r.Hearing.Language == "zh" {
		return "（姓名未设置）"
	}
	return "(name not set)"
}

// presidingName is the presiding judge as the 笔录 prints them: the display name, else the
// person of the bench's seat (labelled 审判长, or 审判员 for a judge sitting alone).
func presidingName(r *transcript.Record) string {
	h := &r.Hearing
	if n := oneLine(h.NameOf(h.Presiding)); n != "" {
		return n
	}
	for _, role := range []string{benchTitle(h), "审判长"} {
		if p := personFor(r, role, ""); p != "" {
			return p
		}
	}
	return unnamed(r)
}

// benchTitle is the presiding judge's title in the 笔录: 审判长 of a 合议庭 (collegial panel);
// a judge sitting alone (独任审判) is 审判员.
func benchTitle(h *transcript.RecordHearing) string {
	if len(h.Judges) > 0 {
		return "审判长"
	}
	return "审判员"
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

// SRT writes SubRip subtitles, one cue per segment, "Role: text". A draft starts with a cue
// that says so and stays on screen from the first segment to the last (draftCue).
func SRT(w io.Writer, r *transcript.Record) error {
	r = printable(r)
	bw := bufio.NewWriter(w)
	n := 0
	if Draft(r) {
		n++
		from, to := span(r)
		fmt.Fprintf(bw, "%d\n%s --> %s\n%s\n\n", n, stamp(from, ","), stamp(to, ","), draftCue(r))
	}
	for _, s := range r.Segments {
		n++
		fmt.Fprintf(bw, "%d\n%s --> %s\n%s: %s\n\n", n, stamp(s.StartMS, ","), stamp(s.EndMS, ","), cueText(s.Role), cueText(s.Text))
	}
	return bw.Flush()
}

// draftCue is the subtitle of a draft: players show it above the speech for the whole
// record, so a draft played beside the audio never passes for the signed record.
func draftCue(r *transcript.Record) string {
	if r.Hearing.Language == "zh" {
		return "【草稿 DRAFT】本笔录尚未定稿签名，仅供核对"
	}
	return "DRAFT - NOT CERTIFIED: not finalized and signed"
}

// span is the time from the first segment's start to the last one's end (at least a second).
func span(r *transcript.Record) (from, to int64) {
	if len(r.Segments) == 0 {
		return 0, 1000
	}
	from, to = r.Segments[0].StartMS, r.Segments[0].EndMS
	for _, s := range r.Segments {
		from, to = min(from, s.StartMS), max(to, s.EndMS)
	}
	return max(from, 0), max(to, from+1000)
}

// VTT writes WebVTT subtitles with voice spans.
func VTT(w io.Writer, r *transcript.Record) error {
	r = printable(r)
	bw := bufio.NewWriter(w)
	bw.WriteString("WEBVTT\n\n")
	if Draft(r) { // a comment for whoever opens the file, and a cue on top of the picture for whoever plays it
		bw.WriteString("NOTE DRAFT / 草稿: not finalized and signed\n\n")
		from, to := span(r)
		fmt.Fprintf(bw, "draft\n%s --> %s line:0 position:50%% align:center\n%s\n\n", stamp(from, "."), stamp(to, "."), vttEscape(draftCue(r)))
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
		if ni >= len(r.Notes) || si < len(r.Segments) && r.Segments[si].StartMS < r.Notes[ni].AtMS { // a note at a segment's start comes first (a mark before the speech it heads)
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
