package export

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/courtscribe/courtscribe/transcript"
	"github.com/go-pdf/fpdf"
)

// FontCandidates are TrueType fonts with CJK glyphs that fpdf can embed (it cannot embed
// OpenType/CFF or collections, so Noto Sans CJK does not do). Debian: fonts-droid-fallback.
// Droid Sans Fallback has no Latin letters or digits, so Latin text is set in DejaVu
// (fonts-dejavu-core) and the PDF switches fonts run by run.
var FontCandidates = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttf",
}

// LatinFontCandidates are TrueType fonts for Latin text: proportional, then monospace (the US
// layout's numbered lines).
var (
	LatinFontCandidates = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
	MonoFontCandidates  = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"}
)

// ErrNoFont says that no embeddable TrueType font was found.
var ErrNoFont = errors.New("export: no TrueType fonts for PDF (install the Debian packages fonts-droid-fallback and fonts-dejavu-core, or pass font paths)")

func findFile(cands []string) (string, error) {
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", ErrNoFont
}

// FindFont returns the first CJK font of FontCandidates that exists.
func FindFont() (string, error) { return findFile(FontCandidates) }

// FindFonts returns the CJK, Latin and monospace fonts, or ErrNoFont.
func FindFonts() (cjk, latin, mono string, err error) {
	if cjk, err = findFile(FontCandidates); err != nil {
		return
	}
	if latin, err = findFile(LatinFontCandidates); err != nil {
		return
	}
	mono, err = findFile(MonoFontCandidates)
	return
}

// cjkRune reports whether a rune is set in the CJK font (CJK ideographs, kana, hangul, CJK
// punctuation, full-width forms); everything else is set in the Latin font.
func cjkRune(r rune) bool { return r >= 0x2E80 }

// pdfSafe replaces what fpdf cannot set: a rune outside the Basic Multilingual Plane (emoji,
// rare CJK name characters such as U+20BB7) made fpdf panic, so such a rune is written as
// "[U+20BB7]" (readable and recoverable; the JSON export keeps the rune itself), and control
// characters and noncharacters become U+FFFD.
func pdfSafe(s string) string {
	clean := true
	for _, r := range s {
		if r > 0xFFFF || r < 0x20 || r == 0x7F || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			fmt.Fprintf(&b, "[U+%X]", r)
		case r < 0x20 || r == 0x7F || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// runs splits text into runs of the same font.
func runs(s string) (out []struct {
	cjk  bool
	text string
}) {
	for _, r := range pdfSafe(s) {
		c := cjkRune(r) && r != utf8.RuneError
		if n := len(out); n > 0 && out[n-1].cjk == c {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, struct {
			cjk  bool
			text string
		}{c, string(r)})
	}
	return out
}

type pdfDoc struct {
	*fpdf.Fpdf
	latin string // family for Latin runs
	size  float64
}

func (d *pdfDoc) font(cjk bool) {
	if cjk {
		d.SetFont("cjk", "", d.size)
	} else {
		d.SetFont(d.latin, "", d.size)
	}
}

func (d *pdfDoc) width(s string) float64 {
	w := 0.0
	for _, r := range runs(s) {
		d.font(r.cjk)
		w += d.GetStringWidth(r.text)
	}
	return w
}

// write sets text from the current position, flowing and wrapping, switching fonts by run.
func (d *pdfDoc) write(h float64, s string) {
	for _, r := range runs(s) {
		d.font(r.cjk)
		d.Write(h, r.text)
	}
}

// PDF writes the record's layout (see TXT) as A4 pages with the fonts embedded.
func PDF(w io.Writer, r *transcript.Record, opt Options) error {
	cjkPath, latinPath, monoPath, err := FindFonts()
	if opt.FontPath != "" {
		cjkPath = opt.FontPath
		if _, serr := os.Stat(cjkPath); serr != nil {
			return fmt.Errorf("export: font: %w", serr)
		}
	}
	if err != nil && (opt.FontPath == "" || latinPath == "" || monoPath == "") {
		return err
	}
	load := func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("export: font: %w", err)
		}
		return b, nil
	}
	cjk, err := load(cjkPath)
	if err != nil {
		return err
	}
	latin, err := load(latinPath)
	if err != nil {
		return err
	}
	mono, err := load(monoPath)
	if err != nil {
		return err
	}
	zh := r.Hearing.Language == "zh"
	size := "A4"
	if !zh {
		size = "Letter" // US transcripts are on US Letter
	}
	f := fpdf.New("P", "mm", size, "")
	f.SetCreationDate(opt.now())
	f.SetModificationDate(opt.now())
	f.SetTitle(pdfSafe(r.Hearing.Title), true)
	f.SetSubject(pdfSafe(fmt.Sprintf("%s version %d %s", r.Hearing.CaseNumber, r.Version, r.VersionHash)), true)
	f.SetCreator("courtscribe", true)
	f.AddUTF8FontFromBytes("cjk", "", cjk)
	f.AddUTF8FontFromBytes("latin", "", latin)
	f.AddUTF8FontFromBytes("mono", "", mono)
	f.AliasNbPages("{nb}")
	d := &pdfDoc{Fpdf: f, latin: "latin", size: 14} // 四号: a court size for the 笔录
	draft := Draft(r)
	pageW, pageH := f.GetPageSize()
	h := &r.Hearing
	f.SetHeaderFuncMode(func() {
		size, lat := d.size, d.latin
		if draft { // a large grey 草稿 DRAFT across every page of a draft, under the text
			f.SetTextColor(200, 200, 200)
			f.TransformBegin()
			f.TransformRotate(35, pageW/2, pageH/2)
			d.size, d.latin = 64, "latin"
			mark := "草稿 DRAFT"
			f.SetXY((pageW-d.width(mark))/2, pageH/2-12)
			d.write(24, mark)
			f.TransformEnd()
			f.SetTextColor(0, 0, 0)
		}
		if zh { // running header: the case number on every page
			d.size, d.latin = 10.5, "latin"
			head := h.CaseNumber + "　" + h.Title + "　庭审笔录"
			f.SetXY(25, 10)
			d.write(5, head)
			f.Line(25, 16, pageW-20, 16)
		}
		d.size, d.latin = size, lat
		f.SetXY(f.GetX(), 22)
	}, false)
	if zh {
		// Every page: the signature lines of the judges and the clerk, and 第 N 页 共 M 页.
		var sign []string
		sign = append(sign, "审判长："+nameOf(r, h.Presiding, "审判长")+"＿＿＿＿")
		for i, j := range h.Judges {
			sign = append(sign, "审判员："+judgeName(r, i, j)+"＿＿＿＿")
		}
		sign = append(sign, "书记员："+nameOf(r, h.Clerk, "书记员")+"＿＿＿＿")
		f.SetFooterFunc(func() {
			size := d.size
			d.size = 10.5
			f.Line(25, pageH-27, pageW-20, pageH-27)
			f.SetXY(25, pageH-25)
			d.write(5, strings.Join(sign, "　"))
			num := fmt.Sprintf("第 %d 页 共 {nb} 页", f.PageNo())
			f.SetXY((pageW-d.width(fmt.Sprintf("第 %d 页 共 99 页", f.PageNo())))/2, pageH-17)
			d.write(5, num)
			d.size = size
		})
		d.SetMargins(25, 22, 20)
		d.SetAutoPageBreak(true, 30)
		d.AddPage()
		for i, l := range zhLines(r, opt) {
			switch {
			case i < 2: // court and title, centered, larger
				d.size = 18
				l = strings.TrimSpace(l)
				d.SetX((pageW - d.width(l)) / 2)
				d.write(10, l)
				d.Ln(11)
				d.size = 14
			case l == "":
				d.Ln(4)
			default:
				d.write(8, l)
				d.Ln(8.6)
			}
		}
	} else {
		d.latin, d.size = "mono", 10.5
		d.SetMargins(15, 20, 10)
		d.SetAutoPageBreak(false, 0)
		pages := usPages(r, opt)
		step := 9.6 * 25 / float64(len(pages[0])-1) // the numbered lines fill the same height
		for _, page := range pages {
			d.AddPage()
			for i, l := range page {
				d.SetXY(15, 18+float64(i)*step)
				d.write(min(8, step), l)
			}
		}
	}
	if err := d.Error(); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	return d.Output(w)
}
