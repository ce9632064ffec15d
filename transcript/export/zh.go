package export

import "fmt"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

func zhTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "____年__月__日__时__分"
	}
	t = t.In(loc)
	return fmt.Sprintf("%d年%d月%d日%d时%02d分", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
}

// zhLines renders the 庭审笔录 (法庭审理笔录) layout.
func zhLines(r *transcript.Record, opt Options) []string {
	r = printable(r)
	loc := opt.locFor(r)
	draft := Draft(r)
	l := zhHeading(r, loc, draft)
	l = append(l, zhParties(&r.Hearing)...)
	l = append(l, "", "记录如下：", "")
	l = append(l, zhProceedings(r)...)
	l = append(l, zhCorrections(r, loc)...)
	l = append(l, zhReviews(r, loc)...)
	return append(l, zhSignatures(r, loc, draft)...)
}

// zhHeading is the head of the 笔录: court, title, case, time, place and the bench.
func zhHeading(r *transcript.Record, loc *time.Location, draft bool) []string {
	h := &r.Hearing
	l := []string{center(h.Court, 40), center("法庭审理笔录", 40)}
	if draft {
		if r.Version == 0 {
			l = append(l, center("【草稿】本笔录尚未定稿，仅供核对", 40))
		} else {
			l = append(l, center("【草稿】本笔录尚未经全部审判人员和书记员签名，仅供核对", 40))
		}
	}
	l = append(l, "")
	l = append(l, "案号："+h.CaseNumber, "案由："+h.Cause)
	start := h.StartedAt
	if start.IsZero() {
		start = h.ScheduledAt
	}
	zone := ""
	if n := loc.String(); n != "Asia/Shanghai" && n != "CST" {
		zone = "（" + n + "时间）"
	}
	l = append(l, "时间："+zhTime(start, loc)+"至"+zhTime(h.ClosedAt, loc)+zone)
	l = append(l, "地点："+h.Courtroom)
	way := "公开开庭审理"
	if h.NotPublic {
		way = "不公开开庭审理"
		if h.NotPublicReason != "" {
			way += "（" + h.NotPublicReason + "）"
		}
	}
	org := "独任审判"
	if len(h.Judges) > 0 {
		org = "合议庭"
	}
	l = append(l, "审理方式："+way+"　审判组织："+org)
	l = append(l, benchTitle(h)+"："+presidingName(r))
	if len(h.Judges) > 0 {
		names := []string{}
		for i, j := range h.Judges {
			names = append(names, judgeName(r, i, j))
		}
		l = append(l, "审判员："+strings.Join(names, "、"))
	}
	return append(l, "书记员："+nameOf(r, h.Clerk, "书记员"))
}

// zhParties lists the parties and their agents (the structured block), else who appeared.
func zhParties(h *transcript.RecordHearing) []string {
	var l []string
	if len(h.PartyList) > 0 {
		l = append(l, "当事人及其诉讼代理人：")
		for _, p := range h.PartyList {
			l = append(l, "　　"+p.Role+"："+p.Name+zhDetails(p.Details)+presence(p.Present)+"。")
			for _, a := range p.Agents {
				l = append(l, "　　　　"+a.Kind+"："+a.Name+zhDetails(a.Details)+presence(a.Present)+"。")
			}
		}
	} else if len(h.Parties) > 0 {
		l = append(l, "到庭人员：")
		for _, p := range h.Parties {
			l = append(l, "　　"+p)
		}
	}
	return l
}

func zhDetails(d string) string {
	if d == "" {
		return ""
	}
	return "，" + d
}

// zhParagraphs writes the proceedings: a speaker's consecutive segments make one paragraph.
type zhParagraphs struct {
	l    []string
	prev *transcript.RecordSegment
	para strings.Builder
}

func (z *zhParagraphs) flush() {
	if z.prev != nil {
		z.l = append(z.l, z.prev.Role+"："+z.para.String())
		z.prev = nil
		z.para.Reset()
	}
}

func (z *zhParagraphs) segment(sg *transcript.RecordSegment) {
	if z.prev == nil || z.prev.Seat != sg.Seat || z.prev.Role != sg.Role {
		z.flush()
		z.prev = sg
	}
	z.para.WriteString(sg.Text)
}

func (z *zhParagraphs) note(n *transcript.RecordNote) {
	z.flush()
	switch n.Kind {
	case transcript.NoteRecess:
		z.l = append(z.l, "（休庭。"+n.Text+"）")
	case transcript.NoteResume:
		z.l = append(z.l, "（继续开庭。"+n.Text+"）")
	case transcript.NoteGap:
		z.l = append(z.l, fmt.Sprintf("（录音缺失：%s至%s）", clock(n.AtMS), clock(n.EndMS)))
	default:
		z.l = append(z.l, "（"+n.Text+"）")
	}
}

// zhProceedings is the record of the proceedings (记录如下).
func zhProceedings(r *transcript.Record) []string {
	var z zhParagraphs
	for _, it := range items(r) {
		if it.seg != nil {
			z.segment(it.seg)
		} else {
			z.note(it.note)
		}
	}
	z.flush()
	return z.l
}

// zhCorrections is the 补正记录: each correction, on whose request, by whom and when.
func zhCorrections(r *transcript.Record, loc *time.Location) []string {
	return correctionLines(r, "补正记录：", func(c *transcript.Correction, at, role string) []string {
		req := ""
		if q := c.Request; q != nil {
			req = "依" + q.Party + "的书面申请（" + q.Text
			if q.FileSHA256 != "" {
				req += "；申请书" + q.FileName + "，SHA-256 " + q.FileSHA256
			}
			req += "），"
		}
		return []string{fmt.Sprintf("　　第%d版：%s将%s %s的发言“%s”补正为“%s”。理由：%s（%s，%s）", c.Version, req, at, role, c.Before, c.After, c.Reason,
			nameOf(r, c.Author, "书记员"), zhTime(c.CreatedAt, loc))}
	})
}

// zhReviews is how the parties read the 笔录 (当事人阅读笔录情况).
func zhReviews(r *transcript.Record, loc *time.Location) []string {
	return reviewLines(r, "当事人阅读笔录情况：", func(v transcript.PartyReview) []string {
		if v.Outcome == transcript.ReviewRefused {
			return []string{"　　" + v.Party + "：拒绝签名。理由：" + v.Reason + "（" + zhTime(v.At, loc) + "记录）"}
		}
		return []string{"　　" + v.Party + "：以上笔录已阅，无误。（" + zhTime(v.At, loc) + "）"}
	})
}

// zhSignatures is the end of the 笔录: room for the parties' signatures, the bench's and the
// clerk's signature lines, the version and audit chain hashes and the electronic signatures.
func zhSignatures(r *transcript.Record, loc *time.Location, draft bool) []string {
	h := &r.Hearing
	var l []string
	// Room for every party and agent to confirm with their own signature (以上笔录已阅，无误).
	if signers := partySigners(h); len(signers) > 0 {
		l = append(l, "")
		for _, who := range signers {
			l = append(l, who+"：以上笔录已阅，无误。　签名：＿＿＿＿＿＿　　年　月　日")
		}
	}
	if draft {
		l = append(l, "", "（草稿，未经定稿签名）", "")
	} else {
		l = append(l, "", "（以上笔录经核对无误）", "")
	}
	l = append(l, benchTitle(h)+"（签名）："+presidingName(r)+esigned(r, h.Presiding))
	for i, j := range h.Judges {
		l = append(l, "审判员（签名）："+judgeName(r, i, j)+esigned(r, j))
	}
	l = append(l, "书记员（签名）："+nameOf(r, h.Clerk, "书记员")+esigned(r, h.Clerk))
	if r.Version > 0 {
		l = append(l, "", fmt.Sprintf("版本：第%d版　版本哈希：%s", r.Version, r.VersionHash))
	}
	if r.AuditHead != "" {
		// Published outside the database: `transcript audit --expect-head` checks it later.
		l = append(l, "审计链头："+r.AuditHead)
	}
	for _, s := range r.Signatures() {
		l = append(l, fmt.Sprintf("电子签名：%s%s　%s　Ed25519 公钥：%s", zhRole(h, s.Role), sigName(r, &s), zhTime(s.SignedAt, loc), s.PublicKey))
	}
	return l
}

// judgeName is the n-th 审判员 (user name j) as printed.
func judgeName(r *transcript.Record, n int, j string) string {
	if name := oneLine(r.Hearing.NameOf(j)); name != "" {
		return name
	}
	if p := personNth(r, "审判员", n); p != "" {
		return p
	}
	return unnamed(r)
}

func personNth(r *transcript.Record, role string, n int) string {
	i := 0
	for _, s := range r.Hearing.Seats {
		if s.Role == role && s.Person != "" {
			if i == n {
				return s.Person
			}
			i++
		}
	}
	return ""
}

// sigName is how a signer is printed: the name the signature carries, else the record's
// display name, never the login.
func sigName(r *transcript.Record, s *transcript.Signature) string {
	if s.SignerName != "" {
		return oneLine(s.SignerName)
	}
	return nameOf(r, s.Signer, "")
}

func presence(p bool) string {
	if p {
		return "，到庭"
	}
	return ""
}

// partySigners lists who signs "以上笔录已阅，无误": each party and agent of the structured
// block, else the seats whose court word names a party.
func partySigners(h *transcript.RecordHearing) []string {
	var out []string
	for _, p := range h.PartyList {
		out = append(out, p.Role+p.Name)
		for _, a := range p.Agents {
			out = append(out, p.Role+a.Kind+a.Name)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, s := range h.Seats {
		if strings.ContainsAny(s.Role, "原被第证") && !strings.Contains(s.Role, "审判") && !strings.Contains(s.Role, "书记") {
			out = append(out, s.Role+s.Person)
		}
	}
	return out
}

func esigned(r *transcript.Record, user string) string {
	if signerOf(r, user) != nil {
		return "（已电子签名）"
	}
	return ""
}

func zhRole(h *transcript.RecordHearing, role string) string {
	switch role {
	case "presiding":
		return benchTitle(h) + " "
	case "judge":
		return "审判员 "
	case "clerk":
		return "书记员 "
	}
	return ""
}

// center pads s to the middle of a line of width columns (CJK characters count two).
func center(s string, width int) string {
	w := displayWidth(s)
	if w >= width {
		return s
	}
	return strings.Repeat(" ", (width-w)/2) + s
}
