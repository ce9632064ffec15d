package export

import "bytes"
import "crypto/ed25519"
import "fmt"
import "regexp"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// cue is a subtitle cue read back from an SRT or VTT export.
type cue struct {
	from, to string
	text     string
}

var cueTime = regexp.MustCompile(`^(\d\d:\d\d:\d\d[.,]\d\d\d) --> (\d\d:\d\d:\d\d[.,]\d\d\d)`)

func cues(s string) []cue {
	var out []cue
	for _, block := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		for i, l := range lines {
			if m := cueTime.FindStringSubmatch(l); m != nil {
				out = append(out, cue{strings.ReplaceAll(m[1], ",", "."), strings.ReplaceAll(m[2], ",", "."), strings.Join(lines[i+1:], "\n")})
				break
			}
		}
	}
	return out
}

// TestDraftSubtitles: the SRT and VTT of a hearing that is not finalized and signed carry a
// cue that says DRAFT / 草稿 and is on screen from the first word to the last (a NOTE is a
// comment players never show); a signed record has none; subtitles never certify.
func TestDraftSubtitles(t *testing.T) {
	live := zhRecord()
	live.Version, live.Signature, live.Cosignatures, live.VersionHash = 0, nil, nil, ""
	for _, c := range []struct {
		name string
		r    *transcript.Record
		want string
	}{{"zh live", live, "草稿"}, {"en finalized, unsigned", enRecord(), "DRAFT"}} {
		for _, format := range []string{"srt", "vtt"} {
			var b bytes.Buffer
			if err := Write(&b, c.r, format, Options{}); err != nil {
				t.Fatal(err)
			}
			s := b.String()
			cs := cues(s)
			if len(cs) != len(c.r.Segments)+1 {
				t.Fatalf("%s %s: %d cues for %d segments:\n%s", c.name, format, len(cs), len(c.r.Segments), s)
			}
			first, last := c.r.Segments[0], c.r.Segments[len(c.r.Segments)-1]
			d := cs[0]
			if !strings.Contains(d.text, c.want) || !strings.Contains(d.text, "DRAFT") ||
				d.from != stamp(first.StartMS, ".") || d.to != stamp(last.EndMS, ".") {
				t.Fatalf("%s %s: the draft cue %+v does not cover %s–%s:\n%s", c.name, format, d, stamp(first.StartMS, "."), stamp(last.EndMS, "."), s)
			}
			if strings.Contains(strings.ToLower(s), "certify") || strings.Contains(s, "经核对无误") {
				t.Fatalf("%s %s certifies:\n%s", c.name, format, s)
			}
		}
	}
	for _, format := range []string{"srt", "vtt"} {
		var b bytes.Buffer
		Write(&b, zhRecord(), format, Options{}) // finalized and signed by the panel and the clerk
		if strings.Contains(b.String(), "草稿") || strings.Contains(b.String(), "DRAFT") || len(cues(b.String())) != len(zhRecord().Segments) {
			t.Fatalf("signed %s carries a draft cue:\n%s", format, b.String())
		}
	}
}

// TestNoDisplayNameNoLogin: a user without a display name (and no seat naming them) is
// printed as "(name not set)" / "（姓名未设置）" in every export, never by login.
func TestNoDisplayNameNoLogin(t *testing.T) {
	zh := zhRecord()
	zh.Hearing.Seats = zh.Hearing.Seats[3:] // no seat names the bench or the clerk
	zh.Signature.SignerName, zh.Signature.Role = "", "presiding"
	for i := range zh.Cosignatures {
		zh.Cosignatures[i].SignerName = ""
	}
	en := enRecord()
	en.Hearing.Seats[0].Person = "" // THE COURT unnamed
	en.Corrections = []transcript.Correction{{ID: 1, Version: 2, SegmentID: 2, Before: "a", After: "b", Reason: "typo", Author: "mjones", CreatedAt: ts(15, 0)}}
	en.Signature = &transcript.Signature{Algorithm: "ed25519", Signer: "jsmith", Version: 2, VersionHash: en.VersionHash, SignedAt: ts(16, 0), KeyFingerprint: strings.Repeat("ab", 32)}
	logins := []string{"zhangsan", "wangwu", "zhaoliu", "jsmith", "mjones"}
	for _, c := range []struct {
		r    *transcript.Record
		want string
	}{{zh, "（姓名未设置）"}, {en, "(name not set)"}} {
		for _, format := range []string{"txt", "srt", "vtt", "pdf"} {
			var s string
			if format == "pdf" {
				s, _ = pdfText(t, c.r, Options{})
			} else {
				var b bytes.Buffer
				if err := Write(&b, c.r, format, Options{}); err != nil {
					t.Fatal(err)
				}
				s = b.String()
			}
			for _, login := range logins {
				if strings.Contains(s, login) {
					t.Fatalf("%s %s prints the login %s:\n%s", c.r.Hearing.Language, format, login, s)
				}
			}
			if (format == "txt" || format == "pdf") && !strings.Contains(strings.Join(strings.Fields(s), " "), c.want) && !strings.Contains(strings.ReplaceAll(s, " ", ""), c.want) {
				t.Fatalf("%s %s lacks %q:\n%s", c.r.Hearing.Language, format, c.want, s)
			}
		}
	}
	s := txt(t, zh, Options{})
	for _, want := range []string{"审判长：（姓名未设置）", "书记员：（姓名未设置）", "电子签名：审判长 （姓名未设置）"} {
		if !strings.Contains(s, want) {
			t.Fatalf("zh lacks %q:\n%s", want, s)
		}
	}
	if s := txt(t, en, Options{}); !strings.Contains(s, "BEFORE THE HONORABLE (NAME NOT SET)") || !strings.Contains(s, "Court reporter / recorder: (name not set)") {
		t.Fatalf("en:\n%s", s)
	}
}

// TestSoleJudgeIsShenpanyuan: a judge sitting alone (独任审判) is 审判员 everywhere in the 笔录
// (header, speech labels, signature lines, electronic signature, every PDF page's footer);
// 审判长 exists only on a panel (合议庭).
func TestSoleJudgeIsShenpanyuan(t *testing.T) {
	r := zhRecord()
	r.Hearing.Judges = nil
	r.Hearing.Seats = append(r.Hearing.Seats[:1], r.Hearing.Seats[2:]...) // the bench seat is still labelled 审判长
	r.Cosignatures = r.Cosignatures[1:]                                   // the judge and the clerk signed
	r.Signature.Role, r.Cosignatures[0].Role = "presiding", "clerk"
	s := txt(t, r, Options{})
	if strings.Contains(s, "审判长") || strings.Contains(s, "审判组织：合议庭") {
		t.Fatalf("a sole judge printed as 审判长 or a panel:\n%s", s)
	}
	for _, want := range []string{"审判组织：独任审判", "审判员：张三\n", "审判员：现在开庭。", "审判员（签名）：张三（已电子签名）", "电子签名：审判员 张三"} {
		if !strings.Contains(s, want) {
			t.Fatalf("sole judge: lacks %q:\n%s", want, s)
		}
	}
	for _, format := range []string{"srt", "vtt"} {
		var b bytes.Buffer
		Write(&b, r, format, Options{})
		if strings.Contains(b.String(), "审判长") {
			t.Fatalf("%s labels a sole judge 审判长:\n%s", format, b.String())
		}
	}
	text, _ := pdfText(t, r, Options{})
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	for i, p := range pages {
		if strings.Contains(p, "审判长") || !strings.Contains(p, "审判员：张三") || !strings.Contains(strings.Join(strings.Fields(p), ""), fmt.Sprintf("第%d页共%d页", i+1, len(pages))) {
			t.Fatalf("PDF page %d of a sole judge's 笔录:\n%s", i+1, p)
		}
	}
	if s := txt(t, zhRecord(), Options{}); !strings.Contains(s, "审判长：张三") || !strings.Contains(s, "审判组织：合议庭") {
		t.Fatalf("a panel's 笔录 lost its 审判长:\n%s", s)
	}
}

// TestUSCertificateNamesTheReporterAndTheirKey: the reporter's certificate of a signed
// transcript names the recorder by real name and credential and prints, on their signature
// line, the SHA-256 fingerprint of the key their signature carries (the key `transcript
// verify` checks), whole; the judge's signature follows with its own key.
func TestUSCertificateNamesTheReporterAndTheirKey(t *testing.T) {
	r := enRecord()
	r.Hearing.Reporter, r.Hearing.ReporterCredential = "Mary Jones", "RPR, CSR No. 12345"
	judgeKey, _, _ := ed25519.GenerateKey(nil)
	clerkKey, _, _ := ed25519.GenerateKey(nil)
	r.Signature = &transcript.Signature{Algorithm: "ed25519", Signer: "jsmith", SignerName: "Hon. Jane Smith", Role: "presiding", Version: 2,
		VersionHash: r.VersionHash, SignedAt: ts(16, 0), PublicKey: transcript.EncodePublicKey(judgeKey)}
	r.Cosignatures = []transcript.Signature{{Algorithm: "ed25519", Signer: "mjones", SignerName: "Mary Jones", Role: "clerk", Version: 2,
		VersionHash: r.VersionHash, SignedAt: ts(16, 5), PublicKey: transcript.EncodePublicKey(clerkKey), KeyFingerprint: "forged"}}
	clerkFP, judgeFP := transcript.KeyFingerprint(clerkKey), transcript.KeyFingerprint(judgeKey)
	pages := strings.Split(txt(t, r, Options{}), "\f\n")
	cert := pages[len(pages)-1]
	if !strings.Contains(cert, "REPORTER'S CERTIFICATE") {
		t.Fatalf("last page:\n%s", cert)
	}
	var body []string // the text column of the numbered lines
	for _, l := range strings.Split(cert, "\n")[1:] {
		if len(l) > 4 {
			body = append(body, l[4:])
		} else {
			body = append(body, "")
		}
	}
	at := -1
	for i, l := range body {
		if l == "/s/ Mary Jones" {
			at = i
		}
	}
	if at < 0 || at+6 >= len(body) || body[at+2] != "Mary Jones, RPR, CSR No. 12345" || body[at+3] != "Court reporter / recorder" ||
		body[at+5] != "Key SHA-256: "+clerkFP[:32] || strings.TrimSpace(body[at+6]) != clerkFP[32:] {
		t.Fatalf("the reporter's signature line (clerk key %s):\n%s", clerkFP, cert)
	}
	if strings.Contains(cert, "forged") || !strings.Contains(cert, "Signed electronically (Ed25519) by Hon. Jane Smith") || !strings.Contains(cert, judgeFP[:32]) {
		t.Fatalf("the judge's signature (key %s):\n%s", judgeFP, cert)
	}
	if !strings.Contains(cert, "I, Mary Jones, RPR, CSR No. 12345, certify") {
		t.Fatalf("certificate text:\n%s", cert)
	}
	text, _ := pdfText(t, r, Options{})
	if !strings.Contains(text, "/s/ Mary Jones") || !strings.Contains(text, clerkFP[:32]) || !strings.Contains(text, clerkFP[32:]) {
		t.Fatalf("PDF certificate lacks the reporter's key %s:\n%s", clerkFP, text[max(0, len(text)-2500):])
	}
}

// TestPDFLinesPerPage: the US transcript PDF numbers as many lines a page as asked, within
// the page; the settings outside 10–60 are refused by CheckLinesPerPage.
func TestPDFLinesPerPage(t *testing.T) {
	for _, n := range []int{10, 32, 60} {
		text, _ := pdfText(t, enRecord(), Options{LinesPerPage: n})
		first := strings.Split(text, "\f")[0]
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s*%d\s`, n)).MatchString(first) || regexp.MustCompile(fmt.Sprintf(`(?m)^\s*%d\s`, n+1)).MatchString(first) {
			t.Fatalf("%d lines per page, first page:\n%s", n, first)
		}
	}
	for n, ok := range map[int]bool{9: false, 10: true, 25: true, 60: true, 61: false, 0: false, -1: false} {
		if err := CheckLinesPerPage(n); (err == nil) != ok {
			t.Errorf("CheckLinesPerPage(%d) = %v", n, err)
		}
	}
}
