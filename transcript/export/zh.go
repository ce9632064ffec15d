package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
)

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
	h := &r.Hearing
	loc := opt.locFor(r)
	draft := Draft(r)
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	add(center(h.Court, 40), center("法庭审理笔录", 40))
	if draft {
		if r.Version == 0 {
			add(center("【草稿】本笔录尚未定稿，仅供核对", 40))
		} else {
			add(center("【草稿】本笔录尚未经全部审判人员和书记员签名，仅供核对", 40))
		}
	}
	add("")
	add("案号："+h.CaseNumber, "案由："+h.Cause)
	start := h.StartedAt
	if start.IsZero() {
		start = h.ScheduledAt
	}
	zone := ""
	if n := loc.String(); n != "Asia/Shanghai" && n != "CST" {
		zone = "（" + n + "时间）"
	}
	add("时间：" + zhTime(start, loc) + "至" + zhTime(h.ClosedAt, loc) + zone)
	add("地点：" + h.Courtroom)
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
	add("审理方式：" + way + "　审判组织：" + org)
	bench := benchTitle(h)
	add(bench + "：" + presidingName(r))
	if len(h.Judges) > 0 {
		names := []string{}
		for i, j := range h.Judges {
			names = append(names, judgeName(r, i, j))
		}
		add("审判员：" + strings.Join(names, "、"))
	}
	add("书记员：" + nameOf(r, h.Clerk, "书记员"))
	if len(h.PartyList) > 0 {
		add("当事人及其诉讼代理人：")
		for _, p := range h.PartyList {
			line := "　　" + p.Role + "：" + p.Name
			if p.Details != "" {
				line += "，" + p.Details
			}
			add(line + presence(p.Present) + "。")
			for _, a := range p.Agents {
				line := "　　　　" + a.Kind + "：" + a.Name
				if a.Details != "" {
					line += "，" + a.Details
				}
				add(line + presence(a.Present) + "。")
			}
		}
	} else if len(h.Parties) > 0 {
		add("到庭人员：")
		for _, p := range h.Parties {
			add("　　" + p)
		}
	}
	add("", "记录如下：", "")
	var prev *transcript.RecordSegment
	var para strings.Builder
	flush := func() {
		if prev != nil {
			add(prev.Role + "：" + para.String())
			prev = nil
			para.Reset()
		}
	}
	for _, it := range items(r) {
		if it.seg != nil {
			if prev != nil && prev.Seat == it.seg.Seat && prev.Role == it.seg.Role {
				para.WriteString(it.seg.Text)
				continue
			}
			flush()
			prev = it.seg
			para.WriteString(it.seg.Text)
			continue
		}
		flush()
		n := it.note
		switch n.Kind {
		case transcript.NoteRecess:
			add("（休庭。" + n.Text + "）")
		case transcript.NoteResume:
			add("（继续开庭。" + n.Text + "）")
		case transcript.NoteGap:
			add(fmt.Sprintf("（录音缺失：%s至%s）", clock(n.AtMS), clock(n.EndMS)))
		default:
			add("（" + n.Text + "）")
		}
	}
	flush()
	if len(r.Corrections) > 0 {
		add("", "补正记录：")
		for _, c := range r.Corrections {
			at, role := segmentAt(r, c.SegmentID)
			req := ""
			if q := c.Request; q != nil {
				req = "依" + q.Party + "的书面申请（" + q.Text
				if q.FileSHA256 != "" {
					req += "；申请书" + q.FileName + "，SHA-256 " + q.FileSHA256
				}
				req += "），"
			}
			add(fmt.Sprintf("　　第%d版：%s将%s %s的发言“%s”补正为“%s”。理由：%s（%s，%s）", c.Version, req, at, role, c.Before, c.After, c.Reason,
				nameOf(r, c.Author, "书记员"), zhTime(c.CreatedAt, loc)))
		}
	}
	if len(r.Reviews) > 0 {
		add("", "当事人阅读笔录情况：")
		for _, v := range r.Reviews {
			if v.Outcome == transcript.ReviewRefused {
				add("　　" + v.Party + "：拒绝签名。理由：" + v.Reason + "（" + zhTime(v.At, loc) + "记录）")
			} else {
				add("　　" + v.Party + "：以上笔录已阅，无误。（" + zhTime(v.At, loc) + "）")
			}
		}
	}
	// Room for every party and agent to confirm with their own signature (以上笔录已阅，无误).
	if signers := partySigners(h); len(signers) > 0 {
		add("")
		for _, who := range signers {
			add(who + "：以上笔录已阅，无误。　签名：＿＿＿＿＿＿　　年　月　日")
		}
	}
	if draft {
		add("", "（草稿，未经定稿签名）", "")
	} else {
		add("", "（以上笔录经核对无误）", "")
	}
	add(bench + "（签名）：" + presidingName(r) + esigned(r, h.Presiding))
	for i, j := range h.Judges {
		add("审判员（签名）：" + judgeName(r, i, j) + esigned(r, j))
	}
	add("书记员（签名）：" + nameOf(r, h.Clerk, "书记员") + esigned(r, h.Clerk))
	if r.Version > 0 {
		add("", fmt.Sprintf("版本：第%d版　版本哈希：%s", r.Version, r.VersionHash))
	}
	if r.AuditHead != "" {
		// Published outside the database: `transcript audit --expect-head` checks it later.
		add("审计链头：" + r.AuditHead)
	}
	for _, s := range r.Signatures() {
		add(fmt.Sprintf("电子签名：%s%s　%s　Ed25519 公钥：%s", zhRole(h, s.Role), sigName(r, &s), zhTime(s.SignedAt, loc), s.PublicKey))
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
