package export

import "bytes"
import "crypto/ed25519"
import "fmt"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

func txt(t *testing.T, r *transcript.Record, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := TXT(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pdfText renders the record as PDF and reads its text back with pdftotext (poppler-utils).
func pdfText(t *testing.T, r *transcript.Record, opt Options) (string, []byte) {
	t.Helper()
	if _, _, _, err := FindFonts(); err != nil {
		t.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("!!! SKIPPING: pdftotext is missing; install poppler-utils (scripts/deps.sh does) !!!")
	}
	var b bytes.Buffer
	if err := PDF(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(p, b.Bytes(), 0o644)
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), b.Bytes()
}

// TestDraftsSayTheyAreDrafts: an export of a record that is not finalized and signed carries
// 草稿 / DRAFT (text, every US page, the PDF, the VTT) and never the certifying sentence.
func TestDraftsSayTheyAreDrafts(t *testing.T) {
	zhDraft := zhRecord()
	zhDraft.Signature = nil
	live := zhRecord()
	live.Version, live.Signature, live.VersionHash = 0, nil, ""
	for _, r := range []*transcript.Record{zhDraft, live} {
		s := txt(t, r, Options{})
		if !strings.Contains(s, "【草稿】") || strings.Contains(s, "经核对无误") {
			t.Fatalf("zh draft:\n%s", s)
		}
	}
	if s := txt(t, zhRecord(), Options{}); strings.Contains(s, "草稿") || !strings.Contains(s, "（以上笔录经核对无误）") {
		t.Fatalf("signed zh record:\n%s", s)
	}
	en := enRecord() // finalized, not signed
	s := txt(t, en, Options{})
	if strings.Contains(strings.ToLower(s), "certify that") {
		t.Fatalf("a draft US transcript certifies:\n%s", s)
	}
	for i, page := range strings.Split(s, "\f\n") {
		if !strings.HasPrefix(page, "DRAFT - NOT CERTIFIED") {
			t.Fatalf("page %d has no DRAFT mark: %q", i+1, page[:60])
		}
	}
	en.Signature = &transcript.Signature{Algorithm: "ed25519", Signer: "jsmith", SignerName: "Hon. Jane Smith", Version: 2, VersionHash: en.VersionHash, SignedAt: ts(16, 0)}
	if s := txt(t, en, Options{}); !strings.Contains(s, "DRAFT") { // the clerk has not signed yet
		t.Fatalf("a transcript signed by the judge only is not marked a draft:\n%s", s)
	}
	en.Cosignatures = []transcript.Signature{{Algorithm: "ed25519", Signer: "mjones", SignerName: "Mary Jones", Role: "clerk", Version: 2, VersionHash: en.VersionHash, SignedAt: ts(16, 5)}}
	if s := txt(t, en, Options{}); strings.Contains(s, "DRAFT") || !strings.Contains(s, "certify that") {
		t.Fatalf("signed US transcript:\n%s", s)
	}
	var v bytes.Buffer
	VTT(&v, enRecord())
	if !strings.Contains(v.String(), "NOTE DRAFT") {
		t.Fatal("draft VTT has no DRAFT note")
	}
	text, _ := pdfText(t, zhDraft, Options{})
	if !strings.Contains(text, "草稿") || strings.Contains(text, "经核对无误") {
		t.Fatalf("zh draft PDF:\n%s", text)
	}
	text, _ = pdfText(t, enRecord(), Options{})
	if strings.Count(text, "DRAFT") < 3 || strings.Contains(text, "certify that") {
		t.Fatalf("en draft PDF:\n%s", text)
	}
}

// TestCourtLocalTime: the hearing's time zone decides every printed wall-clock time; US
// exports name the zone. An override (transcript export --timezone) wins.
func TestCourtLocalTime(t *testing.T) {
	en := enRecord()
	en.Hearing.TimeZone = "America/Chicago" // 14:00 UTC on 2 March 2026 is 8:00 a.m. CST
	s := txt(t, en, Options{})
	if !strings.Contains(s, "Monday, March 2, 2026, 8:00 a.m. CST") || !strings.Contains(s, "(time zone America/Chicago)") {
		t.Fatalf("US transcript in Chicago time:\n%s", s[:900])
	}
	zh := zhRecord()
	zh.Hearing.TimeZone = "Asia/Shanghai"
	if s := txt(t, zh, Options{}); !strings.Contains(s, "时间：2026年3月2日9时30分至2026年3月2日11时05分\n") {
		t.Fatalf("zh in Beijing time:\n%s", s)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if s := txt(t, en, Options{Location: ny}); !strings.Contains(s, "9:00 a.m. EST") {
		t.Fatalf("override zone:\n%s", s[:900])
	}
}

// TestNamesNotLogins: exports print the display names the record carries, never user names.
func TestNamesNotLogins(t *testing.T) {
	zh := zhRecord()
	zh.Hearing.Seats = zh.Hearing.Seats[3:] // no seat names the bench or clerk
	zh.Hearing.Names = map[string]string{"zhangsan": "张三", "wangwu": "王五", "zhaoliu": "赵六"}
	s := txt(t, zh, Options{})
	for _, login := range []string{"zhangsan", "wangwu", "zhaoliu"} {
		if strings.Contains(s, login) {
			t.Fatalf("zh export prints the login %s:\n%s", login, s)
		}
	}
	for _, want := range []string{"审判长：张三", "审判员：王五", "书记员：赵六", "（赵六，"} {
		if !strings.Contains(s, want) {
			t.Fatalf("zh export lacks %q:\n%s", want, s)
		}
	}
	en := enRecord()
	en.Hearing.Names = map[string]string{"mjones": "Mary Jones"}
	if s := txt(t, en, Options{}); strings.Contains(s, "mjones") || !strings.Contains(s, "Mary Jones") {
		t.Fatalf("en export names:\n%s", s)
	}
}

// TestPDFCreationDateIsExportTime: the PDF says when it was made.
func TestPDFCreationDateIsExportTime(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	_, b := pdfText(t, zhRecord(), Options{Now: at})
	if !bytes.Contains(b, []byte("/CreationDate (D:20261204183000")) {
		i := bytes.Index(b, []byte("/CreationDate"))
		t.Fatalf("creation date: %q", b[i:i+40])
	}
}

// TestPDFReproducible: the same record exported at the same moment is the same file, byte for
// byte, in both layouts (a court may file the PDF's hash).
func TestPDFReproducible(t *testing.T) {
	at := time.Date(2026, 12, 4, 18, 30, 0, 0, time.UTC)
	for _, r := range []*transcript.Record{zhRecord(), enRecord()} {
		_, first := pdfText(t, r, Options{Now: at})
		for i := 0; i < 4; i++ {
			if _, again := pdfText(t, r, Options{Now: at}); !bytes.Equal(first, again) {
				t.Fatalf("%s record: export %d differs from the first (%d vs %d bytes)", r.Hearing.Language, i+2, len(again), len(first))
			}
		}
	}
}

// TestPartyReviewsPrinted: the parties' reviews appear in both layouts.
func TestPartyReviewsPrinted(t *testing.T) {
	zh := zhRecord()
	zh.Reviews = []transcript.PartyReview{{Party: "原告张某", Outcome: "confirmed", At: ts(4, 10)}, {Party: "被告李某", Outcome: "refused", Reason: "认为记录不全", At: ts(4, 12)}}
	s := txt(t, zh, Options{})
	if !strings.Contains(s, "原告张某：以上笔录已阅，无误。") || !strings.Contains(s, "被告李某：拒绝签名。理由：认为记录不全") {
		t.Fatalf("zh reviews:\n%s", s)
	}
	en := enRecord()
	en.Reviews = []transcript.PartyReview{{Party: "Mr. Doe", Outcome: "refused", Reason: "disputes page 2", At: ts(16, 0)}}
	if s := txt(t, en, Options{}); !strings.Contains(s, "Mr. Doe declined to sign. Reason: disputes page 2") {
		t.Fatalf("en reviews:\n%s", s)
	}
}

// TestUSExaminationOnlyFromMarks: without the clerk's marks nobody is "Q." or "A." and no
// examination is invented (an objection after a witness's answer stays "MR. SMITH:"); the
// index gives the page of each examination and exhibit; lines per page are configurable.
func TestUSExaminationOnlyFromMarks(t *testing.T) {
	r := enRecord()
	r.Notes = []transcript.RecordNote{}
	s := txt(t, r, Options{})
	if strings.Contains(s, "Q.  ") || strings.Contains(s, "A.  ") || strings.Contains(s, "EXAMINATION") || !strings.Contains(s, "MR. SMITH:  Objection") {
		t.Fatalf("examination guessed from words:\n%s", s)
	}
	s = txt(t, enRecord(), Options{})
	pages := strings.Split(s, "\f\n")
	find := func(want string) int {
		for i, p := range pages {
			if strings.Contains(p, want) {
				return i + 1
			}
		}
		t.Fatalf("%q not found", want)
		return 0
	}
	direct, cross := find("DIRECT EXAMINATION"), find("CROSS-EXAMINATION")
	for _, want := range []string{fmt.Sprintf("MARY ROE - Direct %s %d", strings.Repeat(".", 3), direct), fmt.Sprintf(" %d\n", cross), "Government Exhibit 1"} {
		if !strings.Contains(pages[find("INDEX")-1], strings.TrimPrefix(want, "")) && !strings.Contains(pages[find("INDEX")-1], strings.Split(want, " ...")[0]) {
			t.Fatalf("index lacks %q:\n%s", want, pages[find("INDEX")-1])
		}
	}
	idx := pages[find("INDEX")-1]
	if !strings.Contains(idx, fmt.Sprintf(". %d", direct)) || !strings.Contains(idx, fmt.Sprintf(". %d", cross)) {
		t.Fatalf("index pages (direct %d, cross %d):\n%s", direct, cross, idx)
	}
	if !strings.HasPrefix(pages[0], "DRAFT") || !strings.Contains(pages[0], "TRANSCRIPT OF PROCEEDINGS") || strings.Contains(pages[0], "THE COURT:") {
		t.Fatalf("caption page:\n%s", pages[0])
	}
	for _, per := range []int{25, 32} {
		for i, pg := range usPages(enRecord(), Options{LinesPerPage: per}) {
			if len(pg) != per+1 {
				t.Fatalf("%d lines per page: page %d has %d", per, i+1, len(pg)-1)
			}
		}
	}
	r = enRecord()
	r.Hearing.Reporter, r.Hearing.ReporterCredential = "Mary Jones", "RPR, CSR No. 12345, Official Court Reporter"
	r.Signature = &transcript.Signature{Signer: "jsmith", SignedAt: ts(16, 0)}
	r.Cosignatures = []transcript.Signature{{Signer: "mjones", SignedAt: ts(16, 0)}}
	if s := txt(t, r, Options{}); !strings.Contains(s, "I, Mary Jones, RPR, CSR No. 12345, Official") {
		t.Fatalf("certificate:\n%s", s)
	}
}

// TestCourtPDFPages: the 笔录 PDF is A4 with 第 N 页 共 M 页, the case number and the judges'
// and clerk's signature lines on every page; the US transcript PDF is US Letter. With
// CS_UPDATE_SCREENSHOTS=1 the pages are rendered (pdftoppm) into docs/screenshots.
func TestCourtPDFPages(t *testing.T) {
	long := zhRecord()
	long.Hearing.PartyList = []transcript.Party{
		{Role: "原告", Name: "张某", Details: "男，1980年1月1日出生，住北京市朝阳区", Present: true,
			Agents: []transcript.Agent{{Kind: "委托诉讼代理人", Name: "李四", Details: "北京某律师事务所律师", Present: true}}},
		{Role: "被告", Name: "李某", Details: "男，1975年5月5日出生，住北京市海淀区", Present: true}}
	long.Reviews = []transcript.PartyReview{{Party: "原告张某", Outcome: "confirmed", At: ts(4, 10)}}
	for i := 0; i < 40; i++ { // enough speech for several pages
		long.Segments = append(long.Segments, transcript.RecordSegment{ID: int64(100 + i), Seat: "plaintiff", Role: "原告代理人", StartMS: int64(800000 + i*5000), EndMS: int64(804000 + i*5000),
			Text: "原告认为，被告未按合同约定的期限支付货款，应当承担违约责任，并按照合同约定支付违约金。"})
		long.Segments = append(long.Segments, transcript.RecordSegment{ID: int64(200 + i), Seat: "defendant", Role: "被告", StartMS: int64(802000 + i*5000), EndMS: int64(804500 + i*5000),
			Text: "被告不同意原告的意见。"})
	}
	text, b := pdfText(t, long, Options{})
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		want := fmt.Sprintf("第%d页共%d页", i+1, len(pages))
		if !strings.Contains(strings.Join(strings.Fields(p), ""), want) || !strings.Contains(p, "（2026）京0105民初1234号") || !strings.Contains(p, "审判长：张三") || !strings.Contains(p, "书记员：赵六") {
			t.Fatalf("page %d lacks %q, the running header or the signature lines:\n%s", i+1, want, p)
		}
	}
	for _, want := range []string{"审理方式：公开开庭审理", "审判组织：合议庭", "原告：张某，男", "委托诉讼代理人：李四", "以上笔录已阅，无误"} {
		if !strings.Contains(text, want) {
			t.Fatalf("笔录 PDF lacks %q", want)
		}
	}
	if !bytes.Contains(b, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Fatal("the 笔录 is not A4")
	}
	enText, eb := pdfText(t, enRecord(), Options{})
	if !bytes.Contains(eb, []byte("/MediaBox [0 0 612.00 792.00]")) || !strings.Contains(enText, "DIRECT EXAMINATION") {
		t.Fatal("the US transcript is not on US Letter")
	}
	if os.Getenv("CS_UPDATE_SCREENSHOTS") == "1" {
		dir, _ := filepath.Abs(filepath.Join("..", "..", "docs", "screenshots"))
		signed := enRecord() // signed by the judge and the recorder: the certificate shows their keys
		signed.Hearing.Reporter, signed.Hearing.ReporterCredential = "Mary Jones", "RPR, CSR No. 12345"
		signed.Hearing.TimeZone = "America/New_York"
		signed.Hearing.PartyList = []transcript.Party{{Role: "United States", Name: "", Agents: []transcript.Agent{{Name: "Alice Park, Assistant United States Attorney"}}},
			{Role: "Defendant", Name: "John Doe", Agents: []transcript.Agent{{Name: "Bob Smith, Esq."}}}}
		signed.VersionHash, _ = transcript.RecordHash(signed)
		for i, who := range [][3]string{{"jsmith", "Hon. Jane Smith", "presiding"}, {"mjones", "Mary Jones", "clerk"}} {
			pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32)).Public().(ed25519.PublicKey)
			sg := transcript.Signature{Algorithm: "ed25519", Signer: who[0], SignerName: who[1], Role: who[2], HearingID: "h-en", Version: 2,
				VersionHash: signed.VersionHash, SignedAt: ts(16, 5*i), PublicKey: transcript.EncodePublicKey(pub), KeyFingerprint: transcript.KeyFingerprint(pub)}
			if i == 0 {
				signed.Signature = &sg
			} else {
				signed.Cosignatures = append(signed.Cosignatures, sg)
			}
		}
		old, _ := filepath.Glob(filepath.Join(dir, "export-*.png"))
		for _, p := range old {
			os.Remove(p)
		}
		for name, r := range map[string]*transcript.Record{"export-zh-biliu": long, "export-us-transcript": signed} {
			var pb bytes.Buffer
			if err := PDF(&pb, r, Options{}); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "x.pdf")
			os.WriteFile(p, pb.Bytes(), 0o644)
			if out, err := exec.Command("pdftoppm", "-png", "-r", "60", p, filepath.Join(dir, name)).CombinedOutput(); err != nil { // every page
				t.Fatalf("pdftoppm: %v %s", err, out)
			}
		}
	}
}
