package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/courtscribe/courtscribe/transcript"
)

// US transcript layout: 25 numbered lines per page, text column of usWidth characters.
const (
	usLinesPerPage = 25
	usWidth        = 56
)

// usPages renders the record as pages of exactly 25 numbered lines.
func usPages(r *transcript.Record, opt Options) [][]string {
	h := &r.Hearing
	loc := opt.locFor(r)
	draft := Draft(r)
	var body []string
	add := func(s ...string) { body = append(body, s...) }
	add(centerW(strings.ToUpper(h.Court), usWidth), "")
	add(wrap(strings.ToUpper(h.Title), usWidth, "")...)
	add("Case No. " + h.CaseNumber)
	if h.Cause != "" {
		add(wrap(h.Cause, usWidth, "")...)
	}
	add("")
	add(centerW("TRANSCRIPT OF PROCEEDINGS", usWidth))
	start := h.StartedAt
	if start.IsZero() {
		start = h.ScheduledAt
	}
	if !start.IsZero() {
		add(centerW(usTime(start.In(loc)), usWidth))
		add(centerW("(time zone "+loc.String()+")", usWidth))
	}
	add(centerW(h.Courtroom, usWidth), "")
	add("BEFORE: " + strings.Join(names(r, h), ", "))
	add("Court reporter / clerk: " + nameOf(r, h.Clerk, ""))
	for _, p := range h.Parties {
		add(wrap(p, usWidth, "")...)
	}
	add("", centerW("* * *", usWidth), "")

	witness := map[string]bool{}
	for _, s := range h.Seats {
		if s.Witness {
			witness[s.Seat] = true
		}
	}
	its := items(r)
	examiner := ""
	for i, it := range its {
		if it.note != nil {
			n := it.note
			switch n.Kind {
			case transcript.NoteRecess:
				add(wrap("(Recess: "+n.Text+")", usWidth, "")...)
			case transcript.NoteResume:
				add(wrap("(Proceedings resumed: "+n.Text+")", usWidth, "")...)
			case transcript.NoteGap:
				add(fmt.Sprintf("(Audio missing from %s to %s)", clock(n.AtMS), clock(n.EndMS)))
			default:
				add(wrap("("+n.Text+")", usWidth, "")...)
			}
			continue
		}
		s := it.seg
		label := strings.ToUpper(s.Role)
		qa := ""
		switch {
		case witness[s.Seat]:
			qa = "A."
		case label != "THE COURT" && (adjacentWitness(its, i, 1, witness) || s.Seat == examiner && adjacentWitness(its, i, -1, witness)):
			// The examining counsel: asks right before the witness answers.
			qa = "Q."
			if examiner != s.Seat {
				examiner = s.Seat
				add("", "EXAMINATION BY "+label+":", "")
			}
		}
		if qa == "" {
			add(wrap("     "+label+":  "+s.Text, usWidth, "")...)
		} else {
			add(wrap("     "+qa+"  "+s.Text, usWidth, "")...)
		}
	}
	if len(r.Corrections) > 0 {
		add("", "CORRECTIONS")
		for _, c := range r.Corrections {
			at, role := segmentAt(r, c.SegmentID)
			req := ""
			if q := c.Request; q != nil {
				req = fmt.Sprintf(" On the written request of %s (%s).", q.Party, q.Text)
			}
			add(wrap(fmt.Sprintf("Version %d: %s at %s, %q corrected to %q. Reason: %s (%s).%s", c.Version, strings.ToUpper(role), at, c.Before, c.After, c.Reason, nameOf(r, c.Author, ""), req), usWidth, "")...)
		}
	}
	add("", "(Proceedings concluded.)")

	pages := paginate(body)
	// The certificate page.
	cert := []string{centerW("CERTIFICATE", usWidth), ""}
	if draft {
		cert = append(cert, wrap("DRAFT. This transcript has not been finalized and signed. It is not certified and may not be filed or cited as the record.", usWidth, "     ")...)
	} else {
		cert = append(cert, wrap(fmt.Sprintf("I, %s, certify that the foregoing is a correct transcript of the record of proceedings in the above-entitled matter.", nameOf(r, h.Clerk, "")), usWidth, "     ")...)
	}
	cert = append(cert, "")
	if r.Version > 0 {
		cert = append(cert, fmt.Sprintf("Record version %d, SHA-256:", r.Version))
		for h := r.VersionHash; h != ""; h = h[min(32, len(h)):] {
			cert = append(cert, "  "+h[:min(32, len(h))])
		}
	}
	if s := r.Signature; s != nil {
		cert = append(cert, "", "Signed electronically (Ed25519) by "+sigName(s), "on "+s.SignedAt.In(loc).Format("January 2, 2006 15:04 MST"), "Public key: "+s.PublicKey)
	} else {
		cert = append(cert, "", "", "______________________________", nameOf(r, h.Clerk, ""))
	}
	pages = append(pages, paginate(cert)...)
	// Number lines 1–25 and put the page number on top.
	out := make([][]string, len(pages))
	for p, lines := range pages {
		top := fmt.Sprintf("%*d", usWidth+4, p+1)
		if draft {
			top = "DRAFT - NOT CERTIFIED" + top[len("DRAFT - NOT CERTIFIED"):]
		}
		pg := []string{top}
		for i, l := range lines {
			pg = append(pg, fmt.Sprintf("%2d  %s", i+1, l))
		}
		out[p] = pg
	}
	return out
}

// usTime is "Monday, March 2, 2026, 8:00 a.m. CST" (Go's layout has no "a.m.").
func usTime(t time.Time) string {
	ampm := "a.m."
	if t.Hour() >= 12 {
		ampm = "p.m."
	}
	return t.Format("Monday, January 2, 2006, 3:04 ") + ampm + t.Format(" MST")
}

func names(r *transcript.Record, h *transcript.RecordHearing) []string {
	out := []string{nameOf(r, h.Presiding, "THE COURT")}
	for _, j := range h.Judges {
		out = append(out, nameOf(r, j, ""))
	}
	return out
}

func adjacentWitness(its []item, i, dir int, witness map[string]bool) bool {
	for j := i + dir; j >= 0 && j < len(its); j += dir {
		if its[j].seg == nil {
			continue
		}
		return witness[its[j].seg.Seat]
	}
	return false
}

func paginate(lines []string) [][]string {
	var pages [][]string
	for len(lines) > 0 {
		n := min(usLinesPerPage, len(lines))
		p := append([]string(nil), lines[:n]...)
		for len(p) < usLinesPerPage {
			p = append(p, "")
		}
		pages = append(pages, p)
		lines = lines[n:]
	}
	return pages
}

func centerW(s string, width int) string { return center(s, width) }

// displayWidth counts East Asian wide characters as two columns.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	if r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xff60)) {
		return 2
	}
	return 1
}

// wrap breaks text into lines of at most width columns at spaces (or anywhere in CJK text);
// continuation lines get indent.
func wrap(text string, width int, indent string) []string {
	text = strings.NewReplacer("\r", "", "\n", " ", "\t", " ").Replace(text)
	var lines []string
	line, lw := "", 0
	for _, word := range splitWords(text) {
		ww := displayWidth(word)
		if lw > 0 && lw+ww > width {
			lines = append(lines, strings.TrimRight(line, " "))
			line, lw = indent, displayWidth(indent)
			if word == " " {
				continue
			}
		}
		for ww > width-lw && utf8.RuneCountInString(word) > 1 { // a word longer than a line
			cut, cw := 0, 0
			for i, r := range word {
				if lw+cw+runeWidth(r) > width {
					cut = i
					break
				}
				cw += runeWidth(r)
			}
			if cut == 0 {
				break
			}
			lines = append(lines, line+word[:cut])
			word = word[cut:]
			ww = displayWidth(word)
			line, lw = indent, displayWidth(indent)
		}
		line += word
		lw += ww
	}
	if strings.TrimSpace(line) != "" || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// splitWords splits at spaces (kept as separate " " words) and between CJK characters.
func splitWords(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		switch {
		case r == ' ':
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			out = append(out, " ")
		case runeWidth(r) == 2:
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			out = append(out, string(r))
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
