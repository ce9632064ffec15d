package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
)

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
		if strings.Contains(strings.ReplaceAll(s, "（zhangsan）", ""), login) {
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
