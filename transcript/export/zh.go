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
	h := &r.Hearing
	loc := opt.locFor(r)
	draft := Draft(r)
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	add(center(h.Court, 40), center("法庭审理笔录", 40))
	if draft {
		add(center("【草稿】本笔录尚未定稿并经审判人员签名，仅供核对", 40))
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
	add("审判长：" + nameOf(r, h.Presiding, "审判长"))
	if len(h.Judges) > 0 {
		names := []string{}
		for i, j := range h.Judges {
			names = append(names, judgeName(r, i, j))
		}
		add("审判员：" + strings.Join(names, "、"))
	}
	add("书记员：" + nameOf(r, h.Clerk, "书记员"))
	if len(h.Parties) > 0 {
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
	if draft {
		add("", "（草稿，未经定稿签名）", "")
	} else {
		add("", "（以上笔录经核对无误）", "")
	}
	add("审判长（签名）：" + signedBy(r, h.Presiding, loc))
	for i, j := range h.Judges {
		add("审判员（签名）：" + judgeName(r, i, j))
	}
	add("书记员（签名）：" + nameOf(r, h.Clerk, "书记员"))
	if r.Version > 0 {
		add("", fmt.Sprintf("版本：第%d版　版本哈希：%s", r.Version, r.VersionHash))
	}
	if s := r.Signature; s != nil {
		add(fmt.Sprintf("电子签名：%s　%s　Ed25519 公钥：%s", sigName(s), zhTime(s.SignedAt, loc), s.PublicKey))
	}
	return l
}

// judgeName is the n-th 审判员 (user name j) as printed.
func judgeName(r *transcript.Record, n int, j string) string {
	if name := r.Hearing.NameOf(j); name != "" {
		return name
	}
	return personNth(r, "审判员", n, j)
}

func personNth(r *transcript.Record, role string, n int, fallback string) string {
	i := 0
	for _, s := range r.Hearing.Seats {
		if s.Role == role && s.Person != "" {
			if i == n {
				return s.Person
			}
			i++
		}
	}
	return fallback
}

func sigName(s *transcript.Signature) string {
	if s.SignerName != "" {
		return s.SignerName + "（" + s.Signer + "）"
	}
	return s.Signer
}

func signedBy(r *transcript.Record, presiding string, loc *time.Location) string {
	name := nameOf(r, presiding, "审判长")
	if r.Signature != nil && r.Signature.Signer == presiding {
		return name + "（已电子签名）"
	}
	return name
}

// center pads s to the middle of a line of width columns (CJK characters count two).
func center(s string, width int) string {
	w := displayWidth(s)
	if w >= width {
		return s
	}
	return strings.Repeat(" ", (width-w)/2) + s
}
