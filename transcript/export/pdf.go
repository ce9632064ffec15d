package export

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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

// runs splits text into runs of the same font.
func runs(s string) (out []struct {
	cjk  bool
	text string
}) {
	for _, r := range s {
		c := cjkRune(r)
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
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(opt.now())
	f.SetModificationDate(opt.now())
	f.SetTitle(r.Hearing.Title, true)
	f.SetSubject(fmt.Sprintf("%s version %d %s", r.Hearing.CaseNumber, r.Version, r.VersionHash), true)
	f.SetCreator("courtscribe", true)
	f.AddUTF8FontFromBytes("cjk", "", cjk)
	f.AddUTF8FontFromBytes("latin", "", latin)
	f.AddUTF8FontFromBytes("mono", "", mono)
	d := &pdfDoc{Fpdf: f, latin: "latin", size: 11.5}
	if Draft(r) {
		// Every page of a draft carries a large grey 草稿 DRAFT across it, under the text.
		f.SetHeaderFuncMode(func() {
			w, h := f.GetPageSize()
			size, lat := d.size, d.latin
			f.SetTextColor(200, 200, 200)
			f.TransformBegin()
			f.TransformRotate(35, w/2, h/2)
			d.size, d.latin = 64, "latin"
			mark := "草稿 DRAFT"
			f.SetXY((w-d.width(mark))/2, h/2-12)
			d.write(24, mark)
			f.TransformEnd()
			f.SetTextColor(0, 0, 0)
			d.size, d.latin = size, lat
		}, false)
	}
	if r.Hearing.Language == "zh" {
		d.SetMargins(25, 20, 20)
		d.SetAutoPageBreak(true, 20)
		d.AddPage()
		pageW, _ := d.GetPageSize()
		for i, l := range zhLines(r, opt) {
			switch {
			case i < 2: // court and title, centered, larger
				d.size = 16
				l = strings.TrimSpace(l)
				d.SetX((pageW - d.width(l)) / 2)
				d.write(9, l)
				d.Ln(10)
				d.size = 11.5
			case l == "":
				d.Ln(3)
			default:
				d.write(7, l)
				d.Ln(7.5)
			}
		}
	} else {
		d.latin, d.size = "mono", 10.5
		d.SetMargins(15, 20, 10)
		d.SetAutoPageBreak(false, 0)
		for _, page := range usPages(r, opt) {
			d.AddPage()
			for i, l := range page {
				d.SetXY(15, 18+float64(i)*9.6)
				d.write(8, l)
			}
		}
	}
	if err := d.Error(); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	return d.Output(w)
}
