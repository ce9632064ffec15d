package export

import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "strings"
import "sync"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/go-pdf/fpdf"

// CJKFont is a font file with CJK glyphs that fpdf can embed once it is a standalone TrueType
// font: a .ttf, or face Face of a TrueType Collection (.ttc), copied out by ExtractTTC.
type CJKFont struct {
	Path  string
	Face  int    // face of a .ttc
	Name  string // how the export names the font it used
	Serif bool   // a Ming/Song face, the court's type; Latin runs are then set in a serif too
}

// CJKFonts are tried in order. AR PL UMing (Debian: fonts-arphic-uming) is a Ming (Song)
// serif with TrueType outlines, the type Chinese court documents are set in. Noto Serif CJK
// (fonts-noto-cjk) would look better but is OpenType/CFF, which fpdf cannot embed
// (ExtractTTC says ErrCFFOutlines); see docs/transcript.md. Droid Sans Fallback
// (fonts-droid-fallback) is the sans fallback where UMing is not installed.
var CJKFonts = []CJKFont{
	{Path: "/usr/share/fonts/truetype/arphic/uming.ttc", Face: 0, Name: "AR PL UMing CN", Serif: true},
	{Path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", Name: "Droid Sans Fallback"},
}

// FontCandidates are the paths of CJKFonts (the first that exists is used).
var FontCandidates = func() []string {
	var p []string
	for _, f := range CJKFonts {
		p = append(p, f.Path)
	}
	return p
}()

// LatinFontCandidates are TrueType fonts for Latin text: proportional sans, serif (beside a
// serif CJK font), then monospace (the US layout's numbered lines). Debian: fonts-dejavu-core.
// Droid Sans Fallback has no Latin letters or digits, so Latin text is always set in DejaVu and
// the PDF switches fonts run by run.
var (
	LatinFontCandidates = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
	SerifFontCandidates = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"}
	MonoFontCandidates  = []string{"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"}
)

// ErrNoFont says that no embeddable TrueType font was found.
var ErrNoFont = errors.New("export: no TrueType fonts for PDF (install the Debian packages fonts-arphic-uming (or fonts-droid-fallback) and fonts-dejavu-core, or pass font paths)")

func findFile(cands []string) (string, error) {
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", ErrNoFont
}

// FindCJKFont returns the first of CJKFonts that is installed.
func FindCJKFont() (CJKFont, error) {
	for _, f := range CJKFonts {
		if st, err := os.Stat(f.Path); err == nil && st.Mode().IsRegular() {
			return f, nil
		}
	}
	return CJKFont{}, ErrNoFont
}

// FindFont returns the path of the first installed font of CJKFonts.
func FindFont() (string, error) {
	f, err := FindCJKFont()
	return f.Path, err
}

// FindFonts returns the CJK, Latin and monospace fonts, or ErrNoFont.
func FindFonts() (cjk, latin, mono string, err error) {
	if cjk, err = FindFont(); err != nil {
		return
	}
	if latin, err = findFile(LatinFontCandidates); err != nil {
		return
	}
	mono, err = findFile(MonoFontCandidates)
	return
}

// PDFFonts names the fonts a PDF export would use: the CJK font (Options.FontPath, else the
// first installed of CJKFonts) and the Latin font that goes with it, so the CLI and the logs
// can say which one was used.
func PDFFonts(opt Options) (cjk CJKFont, latin string, err error) {
	if opt.FontPath != "" {
		cjk = CJKFont{Path: opt.FontPath, Name: filepath.Base(opt.FontPath)}
		if _, err := os.Stat(opt.FontPath); err != nil {
			return cjk, "", fmt.Errorf("export: font: %w", err)
		}
	} else if cjk, err = FindCJKFont(); err != nil {
		return cjk, "", err
	}
	cands := LatinFontCandidates
	if cjk.Serif {
		cands = append(append([]string(nil), SerifFontCandidates...), LatinFontCandidates...)
	}
	latin, err = findFile(cands)
	return cjk, latin, err
}

// fontCache keeps the last font read (UMing's collection is 21 MB; copying its face out on
// every export would be wasted work): path, size and modification time decide a hit.
var fontCache struct {
	sync.Mutex
	key  string
	font []byte
}

// loadFont reads a TrueType font file, or face face of a TrueType Collection, as a standalone
// TrueType font.
func loadFont(path string, face int) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("export: font: %w", err)
	}
	key := fmt.Sprintf("%s\x00%d\x00%d\x00%d", path, face, st.Size(), st.ModTime().UnixNano())
	fontCache.Lock()
	defer fontCache.Unlock()
	if fontCache.key == key {
		return fontCache.font, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: font: %w", err)
	}
	if IsTTC(b) {
		if b, err = ExtractTTC(b, face); err != nil {
			return nil, fmt.Errorf("export: font %s: %w", path, err)
		}
	}
	fontCache.key, fontCache.font = key, b
	return b, nil
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
	cjk   string // family for CJK runs
	latin string // family for Latin runs
	size  float64
}

func (d *pdfDoc) font(cjk bool) {
	if cjk {
		d.SetFont(d.cjk, "", d.size)
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

// PDF writes the record's layout (see TXT) as pages with the fonts embedded: the 庭审笔录 on A4
// in a serif CJK font where one is installed (CJKFonts), the US transcript on US Letter.
func PDF(w io.Writer, r *transcript.Record, opt Options) error {
	var fonts pdfFonts
	var err error
	if fonts.cjk, fonts.latin, err = PDFFonts(opt); err != nil {
		return err
	}
	if fonts.mono, err = findFile(MonoFontCandidates); err != nil {
		return err
	}
	if fonts.cjkData, err = loadFont(fonts.cjk.Path, fonts.cjk.Face); err != nil {
		return err
	}
	read := func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("export: font: %w", err)
		}
		return b, nil
	}
	if fonts.latinData, err = read(fonts.latin); err != nil {
		return err
	}
	if fonts.monoData, err = read(fonts.mono); err != nil {
		return err
	}
	// 第 N 页 共 M 页: the count is known after a first layout. (fpdf's page-count alias is
	// replaced after layout, so the text around it was spaced for the alias, not the number.)
	total := 0
	if r.Hearing.Language == "zh" {
		d := renderPDF(r, opt, &fonts, 99)
		if err := d.Error(); err != nil {
			return fmt.Errorf("export: pdf: %w", err)
		}
		total = d.PageNo()
	}
	d := renderPDF(r, opt, &fonts, total)
	if err := d.Error(); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	return d.Output(w)
}

type pdfFonts struct {
	cjk                          CJKFont
	latin, mono                  string
	cjkData, latinData, monoData []byte
}

// fontFamily is the PDF font name of a font: its name without spaces (pdffonts shows it, so a
// reader of the file can tell which font was embedded).
func fontFamily(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "cjk"
	}
	return b.String()
}

// renderPDF lays the record out; total is the page count printed in the 笔录's footer.
func renderPDF(r *transcript.Record, opt Options, fonts *pdfFonts, total int) *pdfDoc {
	zh := r.Hearing.Language == "zh"
	size := "A4"
	if !zh {
		size = "Letter" // US transcripts are on US Letter
	}
	f := fpdf.New("P", "mm", size, "")
	// Fonts in a fixed order in the file: the same record exported at the same time gives the
	// same bytes (fpdf otherwise walks a map), so a filed PDF can be checked by its hash.
	f.SetCatalogSort(true)
	cjkFamily := fontFamily(fonts.cjk.Name)
	f.SetCreationDate(opt.now())
	f.SetModificationDate(opt.now())
	f.SetTitle(pdfSafe(r.Hearing.Title), true)
	f.SetSubject(pdfSafe(fmt.Sprintf("%s version %d %s", r.Hearing.CaseNumber, r.Version, r.VersionHash)), true)
	f.SetCreator("courtscribe", true)
	f.AddUTF8FontFromBytes(cjkFamily, "", fonts.cjkData)
	latinFamily := fontFamily(strings.TrimSuffix(filepath.Base(fonts.latin), ".ttf"))
	monoFamily := fontFamily(strings.TrimSuffix(filepath.Base(fonts.mono), ".ttf"))
	f.AddUTF8FontFromBytes(latinFamily, "", fonts.latinData)
	f.AddUTF8FontFromBytes(monoFamily, "", fonts.monoData)
	d := &pdfDoc{Fpdf: f, cjk: cjkFamily, latin: latinFamily, size: 14} // 四号: a court size for the 笔录
	draft := Draft(r)
	pageW, pageH := f.GetPageSize()
	h := &r.Hearing
	f.SetHeaderFuncMode(func() {
		size, lat := d.size, d.latin
		if draft { // a large grey 草稿 DRAFT across every page of a draft, under the text
			f.SetTextColor(200, 200, 200)
			f.TransformBegin()
			f.TransformRotate(35, pageW/2, pageH/2)
			d.size, d.latin = 64, latinFamily
			mark := "草稿 DRAFT"
			f.SetXY((pageW-d.width(mark))/2, pageH/2-12)
			d.write(24, mark)
			f.TransformEnd()
			f.SetTextColor(0, 0, 0)
		}
		if zh { // running header: the case number on every page
			d.size, d.latin = 10.5, latinFamily
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
		bench := benchTitle(h)
		sign = append(sign, bench+"："+presidingName(r)+"＿＿＿＿")
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
			num := fmt.Sprintf("第 %d 页 共 %d 页", f.PageNo(), total)
			f.SetXY((pageW-d.width(num))/2, pageH-17)
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
		d.latin, d.size = monoFamily, 10.5
		d.SetMargins(15, 20, 10)
		d.SetAutoPageBreak(false, 0)
		pages := usPages(r, opt)
		step := 9.6 * 25 / float64(len(pages[0])-1) // the numbered lines fill the same height
		d.size = min(10.5, step*2.5)                // 60 lines a page: 4 mm a line, 10 pt
		for _, page := range pages {
			d.AddPage()
			for i, l := range page {
				d.SetXY(15, 18+float64(i)*step)
				d.write(min(8, step), l)
			}
		}
	}
	return d
}
