package export

import "fmt"
import "strings"
import "time"
import "unicode"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/transcript"

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
	n := opt.lines()
	loc := opt.locFor(r)
	draft := Draft(r)
	rep, cred := reporter(r)
	body, index := usProceedingsOf(r)

	// The index: its length does not depend on the page numbers it shows.
	capPages, appPages := paginate(usCaption(r, loc, draft), n), paginate(usAppearances(&r.Hearing, rep, cred), n)
	idxCount := len(paginate(usIndex(index, 0, n), n))
	bodyStart := len(capPages) + len(appPages) + idxCount + 1
	pages := append(append(capPages, appPages...), paginate(usIndex(index, bodyStart, n), n)...)
	pages = append(pages, paginate(body, n)...)
	pages = append(pages, paginate(usCertificate(r, loc, draft, rep, cred), n)...)
	return numberPages(pages, draft)
}

// usCaption is the caption page: court, title, case number, date, place and the bench.
func usCaption(r *transcript.Record, loc *time.Location, draft bool) []string {
	h := &r.Hearing
	l := []string{"", centerW(upperLabel(h.Court), usWidth), ""}
	l = append(l, wrap(upperLabel(h.Title), usWidth-20, "")...)
	l = append(l, "", fmt.Sprintf("%*s", usWidth, "Case No. "+h.CaseNumber))
	if h.Cause != "" {
		l = append(l, wrap(h.Cause, usWidth, "")...)
	}
	l = append(l, "", centerW("TRANSCRIPT OF PROCEEDINGS", usWidth))
	if draft {
		l = append(l, centerW("DRAFT - NOT CERTIFIED", usWidth))
	}
	start := h.StartedAt
	if start.IsZero() {
		start = h.ScheduledAt
	}
	if !start.IsZero() {
		l = append(l, "", centerW(usTime(start.In(loc)), usWidth), centerW("(time zone "+loc.String()+")", usWidth))
	}
	if h.Courtroom != "" {
		l = append(l, centerW(h.Courtroom, usWidth))
	}
	l = append(l, "", centerW("BEFORE THE HONORABLE "+honorable(r, h.Presiding, "THE COURT"), usWidth))
	for _, j := range h.Judges {
		l = append(l, centerW("THE HONORABLE "+honorable(r, j, ""), usWidth))
	}
	return l
}

// honorable is a judge's name in capitals without a leading "HON.".
func honorable(r *transcript.Record, u, role string) string {
	return strings.TrimPrefix(upperLabel(nameOf(r, u, role)), "HON. ")
}

// usAppearances lists the parties and their counsel, then the reporter.
func usAppearances(h *transcript.RecordHearing, rep, cred string) []string {
	l := []string{"APPEARANCES:", ""}
	if len(h.PartyList) > 0 {
		for _, p := range h.PartyList {
			l = append(l, wrap("For the "+p.Role+", "+p.Name+":", usWidth, "    ")...)
			for _, a := range p.Agents {
				line := "        " + a.Name
				if a.Details != "" {
					line += ", " + a.Details
				}
				l = append(l, wrap(line, usWidth, "        ")...)
			}
			l = append(l, "")
		}
	} else {
		for _, p := range h.Parties {
			l = append(l, wrap(p, usWidth, "    ")...)
		}
		l = append(l, "")
	}
	return append(l, wrap("Court reporter / recorder: "+rep+credSuffix(cred), usWidth, "    ")...)
}

// usProceedings lays out the proceedings: who examines whom follows the clerk's marks.
type usProceedings struct {
	r                 *transcript.Record
	body              []string
	index             []indexEntry
	examiner, witness string
	witnessName       map[string]string // seat → name given when sworn
}

// usProceedingsOf is the body of the transcript (proceedings, corrections, reviews) and the
// index entries found in it.
func usProceedingsOf(r *transcript.Record) ([]string, []indexEntry) {
	p := &usProceedings{r: r, witnessName: map[string]string{}}
	for _, it := range items(r) {
		if it.note != nil {
			p.note(it.note)
		} else {
			p.segment(it.seg)
		}
	}
	p.body = append(p.body, usCorrections(r)...)
	p.body = append(p.body, "", "(Proceedings concluded.)")
	p.body = append(p.body, usReviews(r)...)
	return p.body, p.index
}

func (p *usProceedings) add(s ...string) { p.body = append(p.body, s...) }

func (p *usProceedings) seat(name string) transcript.Seat {
	st, _ := seatByName(&p.r.Hearing, name)
	return st
}

// witnessLabel is the witness's name as sworn, else the seat's person or role, in capitals.
func (p *usProceedings) witnessLabel(seat string) string {
	if w := p.witnessName[seat]; w != "" {
		return w
	}
	st := p.seat(seat)
	if st.Person != "" {
		return upperLabel(st.Person)
	}
	return upperLabel(st.Role)
}

var usExamHeads = map[string]string{"direct": "DIRECT EXAMINATION", "cross": "CROSS-EXAMINATION",
	"redirect": "REDIRECT EXAMINATION", "recross": "RECROSS-EXAMINATION"}

func (p *usProceedings) note(nt *transcript.RecordNote) {
	switch nt.Kind {
	case transcript.NoteRecess:
		p.add(wrap("(Recess: "+nt.Text+")", usWidth, "")...)
		p.examiner, p.witness = "", ""
	case transcript.NoteResume:
		p.add(wrap("(Proceedings resumed: "+nt.Text+")", usWidth, "")...)
	case transcript.NoteGap:
		p.add(fmt.Sprintf("(Audio missing from %s to %s)", clock(nt.AtMS), clock(nt.EndMS)))
	case transcript.NoteSworn:
		name := upperLabel(nt.Text)
		if name == "" {
			name = p.witnessLabel(nt.Witness)
		}
		p.witnessName[nt.Witness] = name
		p.add("")
		p.add(wrap("     "+name+", having been first duly sworn, testified as follows:", usWidth, "")...)
	case transcript.NoteExamination:
		p.examination(nt)
	case transcript.NoteExhibit:
		p.index = append(p.index, indexEntry{witness: nt.Text, line: len(p.body)})
		p.add(wrap("     ("+nt.Text+")", usWidth, "")...)
	default:
		p.add(wrap("("+nt.Text+")", usWidth, "")...)
	}
}

// examination starts (or, for "end", ends) an examination: its heading and index entry.
func (p *usProceedings) examination(nt *transcript.RecordNote) {
	if nt.Text == "end" {
		p.examiner, p.witness = "", ""
		return
	}
	p.examiner, p.witness = nt.Seat, nt.Witness
	p.add("")
	p.index = append(p.index, indexEntry{witness: p.witnessLabel(p.witness), exam: titleWords(nt.Text), line: len(p.body)})
	p.add(centerW(usExamHeads[nt.Text], usWidth), "BY "+upperLabel(p.seat(p.examiner).Role)+":", "")
}

func (p *usProceedings) segment(sg *transcript.RecordSegment) {
	switch {
	case p.examiner != "" && sg.Seat == p.examiner:
		p.add(wrap("     Q.  "+sg.Text, usWidth, "")...)
	case p.witness != "" && sg.Seat == p.witness:
		p.add(wrap("     A.  "+sg.Text, usWidth, "")...)
	default:
		p.add(wrap("     "+upperLabel(sg.Role)+":  "+sg.Text, usWidth, "")...)
	}
}

// usCorrections lists the corrections made since the first version.
func usCorrections(r *transcript.Record) []string {
	return correctionLines(r, "CORRECTIONS", func(c *transcript.Correction, at, role string) []string {
		req := ""
		if q := c.Request; q != nil {
			req = fmt.Sprintf(" On the written request of %s (%s).", q.Party, q.Text)
		}
		return wrap(fmt.Sprintf("Version %d: %s at %s, %q corrected to %q. Reason: %s (%s).%s", c.Version, upperLabel(role), at, c.Before, c.After, c.Reason, nameOf(r, c.Author, ""), req), usWidth, "")
	})
}

// correctionLines is a heading and the lines of each correction, given the time and role of
// the segment it corrects (nothing without corrections).
func correctionLines(r *transcript.Record, heading string, lines func(c *transcript.Correction, at, role string) []string) []string {
	if len(r.Corrections) == 0 {
		return nil
	}
	l := []string{"", heading}
	for i := range r.Corrections {
		c := &r.Corrections[i]
		at, role := segmentAt(r, c.SegmentID)
		l = append(l, lines(c, at, role)...)
	}
	return l
}

// usReviews says which parties read the transcript and which declined to sign.
func usReviews(r *transcript.Record) []string {
	return reviewLines(r, "REVIEW BY THE PARTIES", func(v transcript.PartyReview) []string {
		if v.Outcome == transcript.ReviewRefused {
			return wrap(v.Party+" declined to sign. Reason: "+v.Reason, usWidth, "  ")
		}
		return wrap(v.Party+" read the transcript and confirmed it.", usWidth, "  ")
	})
}

// reviewLines is a heading and the lines of each party's review (nothing without reviews).
func reviewLines(r *transcript.Record, heading string, lines func(transcript.PartyReview) []string) []string {
	if len(r.Reviews) == 0 {
		return nil
	}
	l := []string{"", heading}
	for _, v := range r.Reviews {
		l = append(l, lines(v)...)
	}
	return l
}

// usIndex is the index of witnesses and exhibits, with the pages of a body that starts at page
// bodyStart and has n lines a page.
func usIndex(index []indexEntry, bodyStart, n int) []string {
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

// usCertificate is the reporter's certificate page: the certifying sentence (none in a draft),
// the version and audit chain hashes and the signatures.
func usCertificate(r *transcript.Record, loc *time.Location, draft bool, rep, cred string) []string {
	cert := []string{centerW("REPORTER'S CERTIFICATE", usWidth), ""}
	if draft {
		cert = append(cert, wrap("     DRAFT. This transcript has not been finalized and signed by everyone who must sign it. It is not certified and may not be filed or cited as the record.", usWidth, "")...)
	} else {
		cert = append(cert, wrap(fmt.Sprintf("     I, %s%s, certify that the foregoing is a correct transcript of the record of proceedings in the above-entitled matter.", rep, credSuffix(cred)), usWidth, "")...)
	}
	cert = append(cert, "")
	if r.Version > 0 {
		cert = append(cert, fmt.Sprintf("Record version %d, SHA-256:", r.Version))
		cert = append(cert, hashLines(r.VersionHash)...)
	}
	if r.AuditHead != "" {
		// Published outside the database: `transcript audit --expect-head` checks it later.
		cert = append(cert, "Audit chain head, SHA-256:")
		cert = append(cert, hashLines(r.AuditHead)...)
	}
	return append(cert, usSignatures(r, loc, rep, cred)...)
}

// hashLines prints a hash 32 hex digits a line, indented.
func hashLines(h string) []string {
	var l []string
	for ; h != ""; h = h[min(32, len(h)):] {
		l = append(l, "  "+h[:min(32, len(h))])
	}
	return l
}

// usSignatures is the reporter's signature line: the real name and credential, and when the
// recorder (the clerk) has signed, the fingerprint of the key that signed, so the printed page
// ties the certificate to the signature `transcript verify` checks; then the other signatures.
func usSignatures(r *transcript.Record, loc *time.Location, rep, cred string) []string {
	repSig := reporterSignature(r)
	cert := []string{"", ""}
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
		cert = append(cert, "Signed electronically (Ed25519) "+usSignedAt(repSig, loc))
		cert = append(cert, fingerprintLines("Key SHA-256: ", keyFingerprint(repSig))...)
	} else {
		cert = append(cert, "(not yet signed)")
	}
	for _, sg := range r.Signatures() {
		if repSig != nil && sg.Signer == repSig.Signer {
			continue
		}
		cert = append(cert, "", "Signed electronically (Ed25519) by "+sigName(r, &sg), "on "+usSignedAt(&sg, loc))
		cert = append(cert, fingerprintLines("Key SHA-256: ", keyFingerprint(&sg))...)
	}
	return cert
}

func usSignedAt(s *transcript.Signature, loc *time.Location) string {
	return s.SignedAt.In(loc).Format("January 2, 2006 15:04 MST")
}

// numberPages numbers the lines and puts the page number (and DRAFT) on top.
func numberPages(pages [][]string, draft bool) [][]string {
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

// titleWords capitalizes the first letter of each word as the deprecated strings.Title did
// (the same word boundaries, so an examination's index entry reads as before): a word starts
// after an ASCII character that is not a letter, digit or underscore, or after a space.
func titleWords(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		sep := titleSeparator(prev)
		prev = r
		if sep {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

func titleSeparator(r rune) bool {
	if r <= 0x7F {
		alnum := '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		return !alnum && r != '_'
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	return unicode.IsSpace(r)
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
