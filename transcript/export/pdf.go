package export

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
	"github.com/go-pdf/fpdf"
)

// FontCandidates are TrueType fonts with CJK glyphs that fpdf can embed (it cannot embed
// OpenType/CFF or collections, so Noto Sans CJK does not do). Debian: fonts-droid-fallback.
var FontCandidates = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttf",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttf",
}

// ErrNoFont says that no embeddable CJK TrueType font was found.
var ErrNoFont = errors.New("export: no TrueType CJK font for PDF (install the Debian package fonts-droid-fallback or pass a font path)")

// FindFont returns the first font of FontCandidates that exists.
func FindFont() (string, error) {
	for _, p := range FontCandidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", ErrNoFont
}

// PDF writes the record's layout (see TXT) as A4 pages with the CJK font embedded.
func PDF(w io.Writer, r *transcript.Record, opt Options) error {
	font := opt.FontPath
	if font == "" {
		var err error
		if font, err = FindFont(); err != nil {
			return err
		}
	}
	ttf, err := os.ReadFile(font)
	if err != nil {
		return fmt.Errorf("export: font: %w", err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(time.Unix(0, 0).UTC())
	pdf.SetModificationDate(time.Unix(0, 0).UTC())
	pdf.SetTitle(r.Hearing.Title, true)
	pdf.SetSubject(fmt.Sprintf("%s version %d %s", r.Hearing.CaseNumber, r.Version, r.VersionHash), true)
	pdf.SetCreator("courtscribe", true)
	pdf.AddUTF8FontFromBytes("cjk", "", ttf)
	pdf.SetMargins(25, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	if r.Hearing.Language == "zh" {
		lines := zhLines(r, opt)
		pdf.AddPage()
		pdf.SetFont("cjk", "", 16)
		for i, l := range lines {
			switch {
			case i < 2: // court and title, centered
				pdf.CellFormat(0, 9, strings.TrimSpace(l), "", 1, "C", false, 0, "")
			case i == 2:
				pdf.SetFont("cjk", "", 11.5)
				pdf.Ln(3)
			case l == "":
				pdf.Ln(3)
			default:
				pdf.MultiCell(0, 7, l, "", "L", false)
			}
		}
	} else {
		pdf.SetFont("cjk", "", 11)
		for _, page := range usPages(r, opt) {
			pdf.AddPage()
			pdf.SetAutoPageBreak(false, 0)
			for i, l := range page {
				y := 20 + float64(i)*9.5
				if i == 0 {
					pdf.SetXY(25, y)
					pdf.CellFormat(160, 8, strings.TrimSpace(l), "", 0, "R", false, 0, "")
					continue
				}
				num, text := l[:2], ""
				if len(l) > 4 {
					text = l[4:]
				}
				pdf.SetXY(15, y)
				pdf.CellFormat(8, 8, num, "", 0, "R", false, 0, "")
				pdf.SetXY(27, y)
				pdf.CellFormat(160, 8, text, "", 0, "L", false, 0, "")
			}
		}
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	return pdf.Output(w)
}
