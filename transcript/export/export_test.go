package export

import "bytes"
import "crypto/ed25519"
import "errors"
import "flag"
import "io"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

var update = flag.Bool("update", false, "rewrite the golden files")

func ts(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }

func zhRecord() *transcript.Record {
	r := &transcript.Record{Schema: transcript.RecordSchema, Version: 1, FinalizedBy: "zhaoliu", FinalizedAt: ts(4, 0),
		Hearing: transcript.RecordHearing{ID: "h-zh", CaseNumber: "（2026）京0105民初1234号", Cause: "买卖合同纠纷",
			Court: "北京市朝阳区人民法院", Courtroom: "第三法庭", Title: "张某诉李某买卖合同纠纷案", Language: "zh",
			StartedAt: ts(1, 30), ClosedAt: ts(3, 5), Presiding: "zhangsan", Judges: []string{"wangwu"}, Clerk: "zhaoliu",
			Parties: []string{"原告张某及其委托诉讼代理人李四到庭", "被告李某到庭"},
			Seats: []transcript.Seat{{Seat: "judge", Role: "审判长", Person: "张三"}, {Seat: "judge2", Role: "审判员", Person: "王五"},
				{Seat: "clerk", Role: "书记员", Person: "赵六"}, {Seat: "plaintiff", Role: "原告代理人", Person: "李四"}, {Seat: "defendant", Role: "被告", Person: "李某"}}},
		Segments: []transcript.RecordSegment{
			{ID: 1, Seat: "judge", Role: "审判长", StartMS: 0, EndMS: 3000, Text: "现在开庭。"},
			{ID: 2, Seat: "judge", Role: "审判长", StartMS: 3000, EndMS: 9000, Text: "核对当事人身份。"},
			{ID: 3, Seat: "plaintiff", Role: "原告代理人", StartMS: 9500, EndMS: 15000, Text: "原告委托诉讼代理人李四，北京某律师事务所律师。"},
			{ID: 5, Seat: "defendant", Role: "被告", StartMS: 16000, EndMS: 18000, Text: "对原告的陈述有异议。", Edited: true},
			{ID: 6, Seat: "judge", Role: "审判长", StartMS: 700000, EndMS: 703000, Text: "继续开庭。"},
		},
		Notes: []transcript.RecordNote{
			{Kind: transcript.NoteGap, AtMS: 20000, EndMS: 25000, Text: "agent down", Author: "system"},
			{Kind: transcript.NoteRecess, AtMS: 30000, Text: "合议庭评议", Author: "zhaoliu"},
			{Kind: transcript.NoteResume, AtMS: 690000, Text: "评议结束", Author: "zhaoliu"},
		},
		Corrections: []transcript.Correction{{ID: 1, Version: 1, SegmentID: 5, Before: "对原告的陈诉有异议。", After: "对原告的陈述有异议。", Reason: "错别字", Author: "zhaoliu", CreatedAt: ts(3, 50)}},
		Audio:       []transcript.AudioFile{{Name: "audio/judge.wav", Bytes: 44, SHA256: strings.Repeat("0", 64)}},
		AuditHead:   strings.Repeat("a", 64),
	}
	r.VersionHash, _ = transcript.RecordHash(r)
	r.Signature = &transcript.Signature{Algorithm: "ed25519", Signer: "zhangsan", SignerName: "张三", HearingID: "h-zh", Version: 1,
		VersionHash: r.VersionHash, SignedAt: ts(5, 0), PublicKey: transcript.EncodePublicKey(make(ed25519.PublicKey, 32)), Value: "AA=="}
	for _, p := range [][2]string{{"wangwu", "王五"}, {"zhaoliu", "赵六"}} { // the rest of the panel and the clerk
		r.Cosignatures = append(r.Cosignatures, transcript.Signature{Algorithm: "ed25519", Signer: p[0], SignerName: p[1], HearingID: "h-zh", Version: 1,
			VersionHash: r.VersionHash, SignedAt: ts(5, 10), PublicKey: transcript.EncodePublicKey(make(ed25519.PublicKey, 32)), Value: "AA=="})
	}
	return r
}

func enRecord() *transcript.Record {
	r := &transcript.Record{Schema: transcript.RecordSchema, Version: 2,
		Hearing: transcript.RecordHearing{ID: "h-en", CaseNumber: "2:26-cr-00042", Cause: "United States v. Doe",
			Court: "United States District Court, District of Columbia", Courtroom: "Courtroom 7", Title: "United States of America v. John Doe",
			Language: "en", StartedAt: ts(14, 0), Presiding: "jsmith", Judges: []string{}, Clerk: "mjones",
			Parties: []string{"For the Government: Ms. Alice Park", "For the Defendant: Mr. Bob Smith"},
			Seats: []transcript.Seat{{Seat: "judge", Role: "THE COURT", Person: "Hon. Jane Smith"}, {Seat: "pros", Role: "Ms. Park"},
				{Seat: "def", Role: "Mr. Smith"}, {Seat: "witness", Role: "The Witness", Witness: true}}},
		Notes: []transcript.RecordNote{}, Corrections: []transcript.Correction{}, Audio: []transcript.AudioFile{},
	}
	add := func(seat, role, text string) {
		n := int64(len(r.Segments))
		r.Segments = append(r.Segments, transcript.RecordSegment{ID: n + 1, Seat: seat, Role: role, StartMS: n * 4000, EndMS: n*4000 + 3500, Text: text})
	}
	add("judge", "THE COURT", "Good morning. We are here in the matter of United States versus Doe. Counsel, please state your appearances for the record.")
	add("pros", "Ms. Park", "Alice Park for the United States, Your Honor.")
	add("def", "Mr. Smith", "Bob Smith for Mr. Doe, who is present.")
	add("judge", "THE COURT", "Call your first witness.")
	// The clerk's marks: the witness is sworn, Ms. Park examines (never guessed from words).
	at := int64(len(r.Segments)) * 4000
	r.Notes = append(r.Notes, transcript.RecordNote{Kind: transcript.NoteSworn, AtMS: at, Text: "Mary Roe", Witness: "witness", Author: "mjones"},
		transcript.RecordNote{Kind: transcript.NoteExamination, AtMS: at, Text: "direct", Seat: "pros", Witness: "witness", Author: "mjones"})
	for i := 0; i < 6; i++ {
		add("pros", "Ms. Park", "Where were you on the evening of March the first, and who was with you at the time?")
		add("witness", "The Witness", "I was at home with my sister. We watched the news until about eleven o'clock.")
	}
	add("def", "Mr. Smith", "Objection, asked and answered.")
	add("judge", "THE COURT", "Sustained.")
	at = int64(len(r.Segments)) * 4000
	r.Notes = append(r.Notes, transcript.RecordNote{Kind: transcript.NoteExhibit, AtMS: at, Text: "Government Exhibit 1 (photograph) received", Witness: "witness", Author: "mjones"},
		transcript.RecordNote{Kind: transcript.NoteExamination, AtMS: at, Text: "cross", Seat: "def", Witness: "witness", Author: "mjones"})
	add("def", "Mr. Smith", "You did not see Mr. Doe that evening, did you?")
	add("witness", "The Witness", "No.")
	r.VersionHash, _ = transcript.RecordHash(r)
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func TestGoldenLayouts(t *testing.T) {
	for _, c := range []struct {
		name string
		r    *transcript.Record
		fmt  string
	}{
		{"zh.txt", zhRecord(), "txt"}, {"en.txt", enRecord(), "txt"},
		{"zh.srt", zhRecord(), "srt"}, {"en.vtt", enRecord(), "vtt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, c.r, c.fmt, Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, b.Bytes())
		})
	}
}

func TestUSPagesHave25NumberedLines(t *testing.T) {
	pages := usPages(enRecord(), Options{})
	if len(pages) < 3 {
		t.Fatalf("%d pages, want body pages and a certificate page", len(pages))
	}
	for p, pg := range pages {
		if len(pg) != 1+DefaultLinesPerPage {
			t.Fatalf("page %d has %d lines", p+1, len(pg)-1)
		}
		for i, l := range pg[1:] {
			if l[:2] != padNum(i+1) {
				t.Fatalf("page %d line %d: %q", p+1, i+1, l)
			}
			if displayWidth(l) > usWidth+4 {
				t.Fatalf("page %d line %d too wide: %q", p+1, i+1, l)
			}
		}
	}
	var txt bytes.Buffer
	TXT(&txt, enRecord(), Options{})
	s := txt.String()
	for _, want := range []string{"THE COURT:  Good morning.", "Q.  Where were you", "A.  I was at home", "DIRECT EXAMINATION", "BY MS. PARK:",
		"MR. SMITH:  Objection", "CROSS-EXAMINATION", "BY MR. SMITH:", "Q.  You did not see", "MARY ROE, having been first duly sworn", "APPEARANCES:", "INDEX",
		"CERTIFICATE"} {
		if !strings.Contains(s, want) {
			t.Errorf("US transcript lacks %q", want)
		}
	}
}

func padNum(n int) string {
	if n < 10 {
		return " " + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

func TestJSONIsTheCanonicalRecord(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, zhRecord(), "json", Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := transcript.ParseRecord(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if r.Segments[2].Text != zhRecord().Segments[2].Text {
		t.Fatal("round trip lost text")
	}
	if err := Write(&b, zhRecord(), "docx", Options{}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestPDF(t *testing.T) {
	if _, _, _, err := FindFonts(); err != nil {
		t.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	for _, r := range []*transcript.Record{zhRecord(), enRecord()} {
		var b bytes.Buffer
		if err := PDF(&b, r, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) || bytes.Count(b.Bytes(), []byte("/FontFile2")) < 2 {
			t.Fatalf("%s: not a PDF with embedded CJK and Latin TrueType fonts (%d bytes)", r.Hearing.Language, b.Len())
		}
	}
	if err := PDF(&bytes.Buffer{}, zhRecord(), Options{FontPath: filepath.Join(t.TempDir(), "none.ttf")}); err == nil {
		t.Fatal("missing font accepted")
	}
	if !errors.Is(ErrNoFont, ErrNoFont) {
		t.Fatal()
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("     THE COURT:  Good morning, 各位。", 20)
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 4 || width > 200 {
			return
		}
		for _, l := range wrap(s, width, "  ") {
			if displayWidth(l) > width && len([]rune(l)) > 1 {
				// only a single wide rune may overflow a tiny width
				if width >= 2 {
					t.Fatalf("line %q wider than %d", l, width)
				}
			}
		}
	})
}

// Issue 11 item 3: the audit chain head is printed in the text exports (drafts too), so it is
// published outside the database and `transcript audit --expect-head` can check it later.
func TestTextExportsPrintTheChainHead(t *testing.T) {
	head := "0123456789abcdef0123456789abcdef" + "fedcba9876543210fedcba9876543210"
	for _, r := range []*transcript.Record{zhRecord(), enRecord()} {
		for _, draft := range []bool{false, true} {
			r.AuditHead = head
			if draft {
				r.Version, r.VersionHash, r.Signature = 0, "", nil
			}
			var b bytes.Buffer
			if err := Write(&b, r, "txt", Options{}); err != nil {
				t.Fatal(err)
			}
			if out := b.String(); !strings.Contains(out, head) && (!strings.Contains(out, head[:32]) || !strings.Contains(out, head[32:])) {
				t.Errorf("%s export (draft %v) does not print the chain head", r.Hearing.Language, draft)
			}
		}
	}
}

// Characters outside the Basic Multilingual Plane (emoji, rare CJK name characters such as 𠮷)
// crashed fpdf, so the hearing's PDF could never be produced again (issue 11, item 4).
func TestPDFNonBMP(t *testing.T) {
	if _, _, _, err := FindFonts(); err != nil {
		t.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	for _, r := range []*transcript.Record{zhRecord(), enRecord()} {
		r.Segments[0].Text = "𠮷野家 🙂 ok \U0010FFFF \uFFFF \x00"
		r.Hearing.Title = "𠮷田 v. 🙂"
		r.Hearing.Seats[0].Person = "𠮷"
		var b bytes.Buffer
		if err := PDF(&b, r, Options{}); err != nil {
			t.Fatalf("%s: %v", r.Hearing.Language, err)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
			t.Fatalf("%s: not a PDF", r.Hearing.Language)
		}
	}
}

// FuzzPDF sets arbitrary runes in every free-text field of both layouts: a PDF or an error,
// never a panic. The CJK font is DejaVu Sans here (fpdf parses a 4 MB CJK font on every call,
// which makes the fuzzer crawl); fpdf's rune handling, which crashed, is the same for any font.
func FuzzPDF(f *testing.F) {
	_, latin, _, err := FindFonts()
	if err != nil {
		f.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	f.Add("𠮷", "🙂 emoji", false)
	f.Add("\x00\uFFFF\U0010FFFF", "\f\n\r", true)
	f.Fuzz(func(t *testing.T, a, b string, zh bool) {
		r := enRecord()
		if zh {
			r = zhRecord()
		}
		r.Hearing.Title, r.Hearing.Court = a, b
		r.Hearing.Seats[0].Person, r.Hearing.Seats[1].Role = a, b
		r.Segments[0].Text, r.Segments[1].Text = a+b, b+a
		if err := PDF(io.Discard, r, Options{FontPath: latin}); err != nil {
			t.Fatalf("PDF: %v", err)
		}
	})
}

// TestLabelsCannotForgeLayout: form feeds and newlines in seat labels (and text) broke the TXT
// layout and forged SRT cues (issue 11, low). The store now refuses them in hearing fields;
// records stored before are written with them as spaces.
func TestLabelsCannotForgeLayout(t *testing.T) {
	forge := "\n\n99\n00:00:00,000 --> 09:59:59,000\nTHE COURT: forged ruling\n\n"
	r := enRecord()
	r.Hearing.Seats[1].Role = "Ms. Park\f 1  THE COURT:  forged"
	for i := range r.Segments {
		r.Segments[i].Role += forge
	}
	r.Segments[0].Text = "Good\fmorning\x00\u2028" + forge
	r.Hearing.Title = "Doe\f" + forge
	pages := usPages(r, Options{})
	for p, pg := range pages {
		if len(pg) != 1+DefaultLinesPerPage {
			t.Fatalf("page %d has %d lines", p+1, len(pg)-1)
		}
		for i, l := range pg[1:] {
			if strings.IndexFunc(l, func(c rune) bool { return c < 0x20 || c == 0x2028 }) >= 0 || l[:2] != padNum(i+1) {
				t.Fatalf("page %d line %d: %q", p+1, i+1, l)
			}
		}
	}
	var txt bytes.Buffer
	TXT(&txt, r, Options{})
	if n := strings.Count(txt.String(), "\f"); n != len(pages)-1 {
		t.Fatalf("TXT has %d form feeds for %d pages", n, len(pages))
	}
	zh := zhRecord()
	zh.Segments[0].Role = "审判长\f\n伪造"
	for _, l := range zhLines(zh, Options{}) {
		if strings.ContainsAny(l, "\f\n") {
			t.Fatalf("zh line %q", l)
		}
	}
	for _, f := range []string{"srt", "vtt"} {
		var b bytes.Buffer
		if err := Write(&b, r, f, Options{}); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(b.String(), "-->"); n != len(r.Segments)+1 { // and the draft cue
			t.Fatalf("%s: %d cue timings for %d segments and the draft cue:\n%s", f, n, len(r.Segments), b.String())
		}
		if strings.Contains(b.String(), "\n\n99\n") {
			t.Fatalf("%s: a forged cue number", f)
		}
	}
}

// FuzzTextLayouts puts arbitrary text in seat labels, names and segment text: the US layout
// keeps 25 numbered lines a page with no control character, and SRT and VTT keep one cue
// per segment (after the draft cue: enRecord is not signed).
func FuzzTextLayouts(f *testing.F) {
	f.Add("THE COURT\f 1  forged", "\n\n9\n00:00:00,000 --> 00:00:01,000\nx\n\n", "a\u2028b")
	f.Fuzz(func(t *testing.T, role, person, text string) {
		r := enRecord()
		r.Hearing.Seats[0].Role, r.Hearing.Seats[0].Person, r.Hearing.Title = role, person, text
		r.Segments[0].Role, r.Segments[0].Text, r.Segments[1].Text = role, text, person
		for p, pg := range usPages(r, Options{}) {
			if len(pg) != 1+DefaultLinesPerPage {
				t.Fatalf("page %d has %d lines", p+1, len(pg)-1)
			}
			for i, l := range pg[1:] {
				if strings.IndexFunc(l, breaking) >= 0 || !strings.HasPrefix(l, padNum(i+1)) {
					t.Fatalf("page %d line %d: %q", p+1, i+1, l)
				}
			}
		}
		for _, fm := range []string{"srt", "vtt"} {
			var b bytes.Buffer
			if err := Write(&b, r, fm, Options{}); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(b.String(), "-->"); n != len(r.Segments)+1 { // and the draft cue
				t.Fatalf("%s: %d cue timings for %d segments and the draft cue", fm, n, len(r.Segments))
			}
		}
	})
}
