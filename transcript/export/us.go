package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/courtscribe/courtscribe/transcript"
)

// US transcript layout: numbered lines (DefaultLinesPerPage unless Options.LinesPerPage says
// otherwise; some states use 32), a text column of usWidth characters.
const (
	DefaultLinesPerPage = 25
	MinLinesPerPage     = 10 // fewer leaves no room for the index heading and a witness
	MaxLinesPerPage     = 60 // more no longer fits US Letter at a readable size
	usWidth             = 56
)

// CheckLinesPerPage says what is wrong with a lines-per-page setting (Options.LinesPerPage
// left zero is the default; a value someone set must be in range).
func CheckLinesPerPage(n int) error {
	if n >= MinLinesPerPage && n <= MaxLinesPerPage {
		return nil
	}
	return fmt.Errorf("lines per page must be between %d and %d (default %d), not %d", MinLinesPerPage, MaxLinesPerPage, DefaultLinesPerPage, n)
}

func (o Options) lines() int {
	if o.LinesPerPage >= MinLinesPerPage && o.LinesPerPage <= MaxLinesPerPage {
		return o.LinesPerPage
	}
	return DefaultLinesPerPage
}

// indexEntry is a line of the witness and exhibit index: the page is found after layout.
type indexEntry struct {
	witness, exam string // witness name and DIRECT/CROSS/…, or exhibit text with exam == ""
	line          int    // line in the body
}

func upperLabel(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// usPages renders the record as pages of exactly opt.lines() numbered lines: a caption page,
// the appearances, the index of witnesses and exhibits, the proceedings and the certificate.
// Q./A., examination headings and "BY MR. …:" come only from the clerk's marks (sworn,
// examination, exhibit notes), never from the words spoken.
func usPages(r *transcript.Record, opt Options) [][]string {
	r = printable(r)
	h := &r.Hearing
	n := opt.lines()
	loc := opt.locFor(r)
	draft := Draft(r)
	seatOf := func(name string) transcript.Seat {
		st, _ := seatByName(h, name)
		return st
	}
	witnessName := map[string]string{}
	nameOfWitness := func(seat string) string {
		if w := witnessName[seat]; w != "" {
			return w
		}
		st := seatOf(seat)
		if st.Person != "" {
			return upperLabel(st.Person)
		}
		return upperLabel(st.Role)
	}

	// Caption page.
	var cap []string
	add := func(dst *[]string, s ...string) { *dst = append(*dst, s...) }
	add(&cap, "", centerW(upperLabel(h.Court), usWidth), "")
	add(&cap, wrap(upperLabel(h.Title), usWidth-20, "")...)
	add(&cap, "", fmt.Sprintf("%*s", usWidth, "Case No. "+h.CaseNumber))
	if h.Cause != "" {
		add(&cap, wrap(h.Cause, usWidth, "")...)
	}
	add(&cap, "", centerW("TRANSCRIPT OF PROCEEDINGS", usWidth))
	if draft {
		add(&cap, centerW("DRAFT - NOT CERTIFIED", usWidth))
	}
	start := h.StartedAt
	if start.IsZero() {
		start = h.ScheduledAt
	}
	if !start.IsZero() {
		add(&cap, "", centerW(usTime(start.In(loc)), usWidth), centerW("(time zone "+loc.String()+")", usWidth))
	}
	if h.Courtroom != "" {
		add(&cap, centerW(h.Courtroom, usWidth))
	}
	hon := func(u, role string) string { return strings.TrimPrefix(upperLabel(nameOf(r, u, role)), "HON. ") }
	add(&cap, "", centerW("BEFORE THE HONORABLE "+hon(h.Presiding, "THE COURT"), usWidth))
	for _, j := range h.Judges {
		add(&cap, centerW("THE HONORABLE "+hon(j, ""), usWidth))
	}

	// Appearances.
	var app []string
	add(&app, "APPEARANCES:", "")
	if len(h.PartyList) > 0 {
		for _, p := range h.PartyList {
			add(&app, wrap("For the "+p.Role+", "+p.Name+":", usWidth, "    ")...)
			for _, a := range p.Agents {
				line := "        " + a.Name
				if a.Details != "" {
					line += ", " + a.Details
				}
				add(&app, wrap(line, usWidth, "        ")...)
			}
			add(&app, "")
		}
	} else {
		for _, p := range h.Parties {
			add(&app, wrap(p, usWidth, "    ")...)
		}
		add(&app, "")
	}
	rep, cred := reporter(r)
	add(&app, wrap("Court reporter / recorder: "+rep+credSuffix(cred), usWidth, "    ")...)

	// The proceedings.
	var body []string
	var index []indexEntry
	examiner, witness := "", ""
	for _, it := range items(r) {
		if nt := it.note; nt != nil {
			switch nt.Kind {
			case transcript.NoteRecess:
				add(&body, wrap("(Recess: "+nt.Text+")", usWidth, "")...)
				examiner, witness = "", ""
			case transcript.NoteResume:
				add(&body, wrap("(Proceedings resumed: "+nt.Text+")", usWidth, "")...)
			case transcript.NoteGap:
				add(&body, fmt.Sprintf("(Audio missing from %s to %s)", clock(nt.AtMS), clock(nt.EndMS)))
			case transcript.NoteSworn:
				name := upperLabel(nt.Text)
				if name == "" {
					name = nameOfWitness(nt.Witness)
				}
				witnessName[nt.Witness] = name
				add(&body, "")
				add(&body, wrap("     "+name+", having been first duly sworn, testified as follows:", usWidth, "")...)
			case transcript.NoteExamination:
				if nt.Text == "end" {
					examiner, witness = "", ""
					continue
				}
				examiner, witness = nt.Seat, nt.Witness
				head := map[string]string{"direct": "DIRECT EXAMINATION", "cross": "CROSS-EXAMINATION",
					"redirect": "REDIRECT EXAMINATION", "recross": "RECROSS-EXAMINATION"}[nt.Text]
				add(&body, "")
				index = append(index, indexEntry{witness: nameOfWitness(witness), exam: strings.Title(nt.Text), line: len(body)})
				add(&body, centerW(head, usWidth), "BY "+upperLabel(seatOf(examiner).Role)+":", "")
			case transcript.NoteExhibit:
				index = append(index, indexEntry{witness: nt.Text, line: len(body)})
				add(&body, wrap("     ("+nt.Text+")", usWidth, "")...)
			default:
				add(&body, wrap("("+nt.Text+")", usWidth, "")...)
			}
			continue
		}
		sg := it.seg
		switch {
		case examiner != "" && sg.Seat == examiner:
			add(&body, wrap("     Q.  "+sg.Text, usWidth, "")...)
		case witness != "" && sg.Seat == witness:
			add(&body, wrap("     A.  "+sg.Text, usWidth, "")...)
		default:
			add(&body, wrap("     "+upperLabel(sg.Role)+":  "+sg.Text, usWidth, "")...)
		}
	}
	if len(r.Corrections) > 0 {
		add(&body, "", "CORRECTIONS")
		for _, c := range r.Corrections {
			at, role := segmentAt(r, c.SegmentID)
			req := ""
			if q := c.Request; q != nil {
				req = fmt.Sprintf(" On the written request of %s (%s).", q.Party, q.Text)
			}
			add(&body, wrap(fmt.Sprintf("Version %d: %s at %s, %q corrected to %q. Reason: %s (%s).%s", c.Version, upperLabel(role), at, c.Before, c.After, c.Reason, nameOf(r, c.Author, ""), req), usWidth, "")...)
		}
	}
	add(&body, "", "(Proceedings concluded.)")
	if len(r.Reviews) > 0 {
		add(&body, "", "REVIEW BY THE PARTIES")
		for _, v := range r.Reviews {
			if v.Outcome == transcript.ReviewRefused {
				add(&body, wrap(v.Party+" declined to sign. Reason: "+v.Reason, usWidth, "  ")...)
			} else {
				add(&body, wrap(v.Party+" read the transcript and confirmed it.", usWidth, "  ")...)
			}
		}
	}

	// The index: its length does not depend on the page numbers it shows.
	capPages, appPages := paginate(cap, n), paginate(app, n)
	idxLines := func(bodyStart int) []string {
		l := []string{centerW("INDEX", usWidth), "", "WITNESSES" + strings.Repeat(" ", usWidth-9-4) + "PAGE"}
		none := true
		for _, e := range index {
			if e.exam != "" {
				none = false
				l = append(l, dotted("  "+e.witness+" - "+e.exam, bodyStart+e.line/n))
			}
		}
		if none {
			l = append(l, "  (none)")
		}
		l = append(l, "", "EXHIBITS"+strings.Repeat(" ", usWidth-8-4)+"PAGE")
		none = true
		for _, e := range index {
			if e.exam == "" {
				none = false
				l = append(l, wrapDotted("  "+e.witness, bodyStart+e.line/n)...)
			}
		}
		if none {
			l = append(l, "  (none)")
		}
		return l
	}
	idxCount := len(paginate(idxLines(0), n))
	bodyStart := len(capPages) + len(appPages) + idxCount + 1
	pages := append(append(capPages, appPages...), paginate(idxLines(bodyStart), n)...)
	pages = append(pages, paginate(body, n)...)

	// The certificate page.
	cert := []string{centerW("REPORTER'S CERTIFICATE", usWidth), ""}
	if draft {
		cert = append(cert, wrap("     DRAFT. This transcript has not been finalized and signed by everyone who must sign it. It is not certified and may not be filed or cited as the record.", usWidth, "")...)
	} else {
		cert = append(cert, wrap(fmt.Sprintf("     I, %s%s, certify that the foregoing is a correct transcript of the record of proceedings in the above-entitled matter.", rep, credSuffix(cred)), usWidth, "")...)
	}
	cert = append(cert, "")
	if r.Version > 0 {
		cert = append(cert, fmt.Sprintf("Record version %d, SHA-256:", r.Version))
		for h := r.VersionHash; h != ""; h = h[min(32, len(h)):] {
			cert = append(cert, "  "+h[:min(32, len(h))])
		}
	}
	if r.AuditHead != "" {
		// Published outside the database: `transcript audit --expect-head` checks it later.
		cert = append(cert, "Audit chain head, SHA-256:")
		for h := r.AuditHead; h != ""; h = h[min(32, len(h)):] {
			cert = append(cert, "  "+h[:min(32, len(h))])
		}
	}
	// The reporter's signature line: the real name and credential, and when the recorder (the
	// clerk) has signed, the fingerprint of the key that signed, so the printed page ties the
	// certificate to the signature `transcript verify` checks.
	when := func(s *transcript.Signature) string { return s.SignedAt.In(loc).Format("January 2, 2006 15:04 MST") }
	repSig := reporterSignature(r)
	cert = append(cert, "", "")
	if repSig != nil {
		cert = append(cert, "/s/ "+rep)
	}
	cert = append(cert, "______________________________")
	cert = append(cert, wrap(rep+credSuffix(cred), usWidth, "  ")...)
	cert = append(cert, "Court reporter / recorder")
	if repSig != nil {
		if n := sigName(r, repSig); n != rep {
			cert = append(cert, wrap("Signed for the record by "+n, usWidth, "  ")...)
		}
		cert = append(cert, "Signed electronically (Ed25519) "+when(repSig))
		cert = append(cert, fingerprintLines("Key SHA-256: ", keyFingerprint(repSig))...)
	} else {
		cert = append(cert, "(not yet signed)")
	}
	for _, sg := range r.Signatures() {
		if repSig != nil && sg.Signer == repSig.Signer {
			continue
		}
		cert = append(cert, "", "Signed electronically (Ed25519) by "+sigName(r, &sg), "on "+when(&sg))
		cert = append(cert, fingerprintLines("Key SHA-256: ", keyFingerprint(&sg))...)
	}
	pages = append(pages, paginate(cert, n)...)
	// Number the lines and put the page number on top.
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

// reporterSignature is the signature of whoever certifies the transcript: the clerk (the
// recorder), by user name, else by role.
func reporterSignature(r *transcript.Record) *transcript.Signature {
	sigs := r.Signatures()
	for i := range sigs {
		if r.Hearing.Clerk != "" && sigs[i].Signer == r.Hearing.Clerk {
			return &sigs[i]
		}
	}
	for i := range sigs {
		if sigs[i].Role == "clerk" {
			return &sigs[i]
		}
	}
	return nil
}

// keyFingerprint is the hex SHA-256 of the key a signature carries (computed from the public
// key the signature covers; the key_fingerprint field where the key does not parse).
func keyFingerprint(s *transcript.Signature) string {
	if pub, err := transcript.ParsePublicKey(s.PublicKey); err == nil {
		return transcript.KeyFingerprint(pub)
	}
	if s.KeyFingerprint != "" {
		return s.KeyFingerprint
	}
	return "(none)"
}

// fingerprintLines prints a fingerprint whole, 32 hex digits a line, the second aligned under
// the first.
func fingerprintLines(label, fp string) []string {
	out := []string{label + fp[:min(32, len(fp))]}
	for fp = fp[min(32, len(fp)):]; fp != ""; fp = fp[min(32, len(fp)):] {
		out = append(out, strings.Repeat(" ", len(label))+fp[:min(32, len(fp))])
	}
	return out
}

// reporter names who certifies the transcript: the hearing's reporter, else the clerk.
func reporter(r *transcript.Record) (name, credential string) {
	name = r.Hearing.Reporter
	if name == "" {
		name = nameOf(r, r.Hearing.Clerk, "")
	}
	return name, r.Hearing.ReporterCredential
}

func credSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ", " + c
}

func seatByName(h *transcript.RecordHearing, name string) (transcript.Seat, bool) {
	for _, s := range h.Seats {
		if s.Seat == name {
			return s, true
		}
	}
	return transcript.Seat{Seat: name, Role: name}, false
}

// dotted is an index line with dot leaders to the page number.
func dotted(left string, page int) string {
	num := fmt.Sprint(page)
	dots := usWidth - displayWidth(left) - len(num) - 2
	if dots < 2 {
		dots = 2
	}
	return left + " " + strings.Repeat(".", dots) + " " + num
}

func wrapDotted(left string, page int) []string {
	ls := wrap(left, usWidth-8, "    ")
	ls[len(ls)-1] = dotted(ls[len(ls)-1], page)
	return ls
}

func paginate(lines []string, per int) [][]string {
	var pages [][]string
	for len(lines) > 0 {
		n := min(per, len(lines))
		p := append([]string(nil), lines[:n]...)
		for len(p) < per {
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

// usTime is "Monday, March 2, 2026, 8:00 a.m. CST" (Go's layout has no "a.m.").
func usTime(t time.Time) string {
	ampm := "a.m."
	if t.Hour() >= 12 {
		ampm = "p.m."
	}
	return t.Format("Monday, January 2, 2006, 3:04 ") + ampm + t.Format(" MST")
}
