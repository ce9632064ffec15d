package export

import "bytes"
import "encoding/binary"
import "errors"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"

import "github.com/go-pdf/fpdf"

// testTTC builds a collection of two faces that share their glyf table (as UMing's faces do),
// with tables at odd offsets (UMing's EBDT sits at an odd offset too).
func testTTC(t testing.TB) []byte {
	t.Helper()
	head := make([]byte, 54)
	copy(head[12:], []byte{0x5F, 0x0F, 0x3C, 0xF5}) // magicNumber
	binary.BigEndian.PutUint32(head[headAdjustOff:], 0xDEADBEEF)
	shared := map[string][]byte{"glyf": []byte("GLYPHS-shared-by-both-faces!"), "head": head}
	faces := []map[string][]byte{
		{"name": []byte("face zero"), "cmap": []byte("cmap0")},
		{"name": []byte("face one, longer name"), "cmap": []byte("cmap-1!")},
	}
	var b bytes.Buffer
	b.WriteString("ttcf")
	binary.Write(&b, binary.BigEndian, []uint16{1, 0})
	binary.Write(&b, binary.BigEndian, uint32(len(faces)))
	offTable := b.Len()
	b.Write(make([]byte, 4*len(faces)))
	b.WriteByte(0) // misalign everything after
	at := map[string]int{}
	for tag, d := range shared {
		at["s"+tag] = b.Len()
		b.Write(d)
		b.WriteByte(0xAA)
	}
	dirAt := make([]int, len(faces))
	for i, f := range faces {
		for tag, d := range f {
			at[string(rune('0'+i))+tag] = b.Len()
			b.Write(d)
		}
		dirAt[i] = b.Len()
		tags := []string{"cmap", "glyf", "head", "name"}
		binary.Write(&b, binary.BigEndian, uint32(sfntTrueType))
		binary.Write(&b, binary.BigEndian, []uint16{uint16(len(tags)), 64, 2, 0})
		for _, tag := range []string{"name", "head", "glyf", "cmap"} { // unsorted on purpose
			d, ok := f[tag]
			o := at[string(rune('0'+i))+tag]
			if !ok {
				d, o = shared[tag], at["s"+tag]
			}
			b.WriteString(tag)
			binary.Write(&b, binary.BigEndian, []uint32{0, uint32(o), uint32(len(d))})
		}
	}
	out := b.Bytes()
	for i, d := range dirAt {
		binary.BigEndian.PutUint32(out[offTable+4*i:], uint32(d))
	}
	return out
}

// sfntTables parses a standalone sfnt's directory and checks its checksums.
func sfntTables(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	if v := binary.BigEndian.Uint32(b); v != sfntTrueType {
		t.Fatalf("sfnt version %#x", v)
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if sr, es := searchParams(n); binary.BigEndian.Uint16(b[6:]) != sr || binary.BigEndian.Uint16(b[8:]) != es || binary.BigEndian.Uint16(b[10:]) != uint16(n*16)-sr {
		t.Fatalf("search parameters of %d tables: % x", n, b[6:12])
	}
	if sum := checksum(b); sum != checksumMagic {
		t.Fatalf("whole-font checksum %#x, want %#x", sum, checksumMagic)
	}
	out := map[string][]byte{}
	prev := ""
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		if tag <= prev {
			t.Fatalf("directory not sorted: %q after %q", tag, prev)
		}
		prev = tag
		sum, off, l := binary.BigEndian.Uint32(rec[4:]), binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if off%4 != 0 {
			t.Fatalf("table %q at unaligned offset %d", tag, off)
		}
		d := append([]byte(nil), b[off:off+l]...)
		if tag == "head" {
			binary.BigEndian.PutUint32(d[headAdjustOff:], 0)
		}
		if got := checksum(d); got != sum {
			t.Fatalf("table %q checksum %#x, directory says %#x", tag, got, sum)
		}
		out[tag] = b[off : off+l]
	}
	return out
}

func TestExtractTTC(t *testing.T) {
	ttc := testTTC(t)
	for face, name := range []string{"face zero", "face one, longer name"} {
		ttf, err := ExtractTTC(ttc, face)
		if err != nil {
			t.Fatal(err)
		}
		tabs := sfntTables(t, ttf)
		if len(tabs) != 4 || string(tabs["name"]) != name || string(tabs["glyf"]) != "GLYPHS-shared-by-both-faces!" {
			t.Fatalf("face %d: tables %q", face, tabs)
		}
		if string(tabs["cmap"]) != []string{"cmap0", "cmap-1!"}[face] || len(tabs["head"]) != 54 {
			t.Fatalf("face %d: cmap %q, head %d bytes", face, tabs["cmap"], len(tabs["head"]))
		}
	}
	for _, c := range []struct {
		name string
		b    []byte
		face int
	}{
		{"empty", nil, 0},
		{"a ttf", []byte("\x00\x01\x00\x00\x00\x00"), 0},
		{"face out of range", ttc, 2},
		{"negative face", ttc, -1},
		{"truncated header", ttc[:10], 0},
		{"truncated offset table", ttc[:14], 1},
		{"truncated directory", ttc[:len(ttc)-20], 1},
	} {
		if _, err := ExtractTTC(c.b, c.face); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	cff := append([]byte(nil), ttc...)
	d0 := binary.BigEndian.Uint32(cff[12:])
	copy(cff[d0:], "OTTO")
	if _, err := ExtractTTC(cff, 0); !errors.Is(err, ErrCFFOutlines) {
		t.Fatalf("CFF face: %v", err)
	}
	noGlyf := append([]byte(nil), ttc...)
	i := bytes.Index(noGlyf[d0:], []byte("glyf"))
	copy(noGlyf[int(d0)+i:], "GLYF")
	if _, err := ExtractTTC(noGlyf, 0); err == nil {
		t.Fatal("a face without glyf accepted")
	}
	outside := append([]byte(nil), ttc...)
	binary.BigEndian.PutUint32(outside[int(d0)+12+8:], 0xFFFFFFF0) // first table's offset
	if _, err := ExtractTTC(outside, 0); err == nil {
		t.Fatal("a table outside the file accepted")
	}
}

// TestExtractUMing: the face copied out of Debian's uming.ttc is a TrueType font fpdf embeds
// and poppler reads back; Noto Serif CJK's collection is refused as CFF (why UMing is used).
func TestExtractUMing(t *testing.T) {
	path := CJKFonts[0].Path
	ttc, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("!!! SKIPPING: %v; install fonts-arphic-uming (scripts/deps.sh does) !!!", err)
	}
	ttf, err := ExtractTTC(ttc, 0)
	if err != nil {
		t.Fatal(err)
	}
	tabs := sfntTables(t, ttf)
	if !bytes.Contains(tabs["name"], []byte("AR PL UMing CN")) && !bytes.Contains(tabs["name"], []byte("\x00A\x00R\x00 \x00P\x00L\x00 \x00U\x00M\x00i\x00n\x00g\x00 \x00C\x00N")) {
		t.Fatal("face 0 is not AR PL UMing CN")
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("uming", "", ttf)
	f.AddPage()
	f.SetFont("uming", "", 14)
	f.Write(8, "法庭审理笔录")
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		p := filepath.Join(t.TempDir(), "u.pdf")
		os.WriteFile(p, b.Bytes(), 0o644)
		out, err := exec.Command("pdftotext", p, "-").Output()
		if err != nil || !strings.Contains(string(out), "法庭审理笔录") {
			t.Fatalf("pdftotext: %v %q", err, out)
		}
	}
	if noto, err := os.ReadFile("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"); err == nil {
		if _, err := ExtractTTC(noto, 0); !errors.Is(err, ErrCFFOutlines) {
			t.Fatalf("Noto Serif CJK: %v, want ErrCFFOutlines", err)
		}
	}
}

// TestPDFSerifFont: the 笔录 PDF embeds UMing (and DejaVu Serif for Latin runs) where it is
// installed, and Droid Sans Fallback where it is not.
func TestPDFSerifFont(t *testing.T) {
	if _, err := exec.LookPath("pdffonts"); err != nil {
		t.Skip("!!! SKIPPING: pdffonts is missing; install poppler-utils (scripts/deps.sh does) !!!")
	}
	fontsOf := func(opt Options) string {
		var b bytes.Buffer
		if err := PDF(&b, zhRecord(), opt); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "x.pdf")
		os.WriteFile(p, b.Bytes(), 0o644)
		out, err := exec.Command("pdffonts", p).Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if _, err := os.Stat(CJKFonts[0].Path); err != nil {
		t.Skipf("!!! SKIPPING: %v; install fonts-arphic-uming (scripts/deps.sh does) !!!", err)
	}
	if _, _, err := PDFFonts(Options{}); err != nil {
		t.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	if got := fontsOf(Options{}); !strings.Contains(got, "arplumingcn") || !strings.Contains(got, "dejavuserif") {
		t.Fatalf("笔录 PDF fonts:\n%s", got)
	}
	saved := CJKFonts
	defer func() { CJKFonts = saved }()
	CJKFonts = []CJKFont{{Path: filepath.Join(t.TempDir(), "uming.ttc"), Name: "AR PL UMing CN", Serif: true}, saved[1]}
	if _, err := os.Stat(saved[1].Path); err != nil {
		t.Skipf("!!! SKIPPING the fallback: %v; install fonts-droid-fallback !!!", err)
	}
	cjk, _, err := PDFFonts(Options{})
	if err != nil || cjk.Name != "Droid Sans Fallback" {
		t.Fatalf("fallback: %+v %v", cjk, err)
	}
	if got := fontsOf(Options{}); !strings.Contains(got, "droidsansfallback") || !strings.Contains(got, "dejavusans ") {
		t.Fatalf("fallback PDF fonts:\n%s", got)
	}
	// A collection given as --font is copied out too.
	if got := fontsOf(Options{FontPath: saved[0].Path}); !strings.Contains(got, "umingttc") {
		t.Fatalf("--font uming.ttc:\n%s", got)
	}
}

// FuzzExtractTTC: any input gives a font or an error, never a panic; a font it gives is
// well formed.
func FuzzExtractTTC(f *testing.F) {
	ttc := testTTC(f)
	f.Add(ttc, 0)
	f.Add(ttc, 1)
	f.Add(ttc[:40], 0)
	f.Add([]byte("ttcf\x00\x01\x00\x00\xff\xff\xff\xff"), 3)
	f.Fuzz(func(t *testing.T, b []byte, face int) {
		out, err := ExtractTTC(b, face)
		if err != nil {
			return
		}
		if checksum(out) != checksumMagic || len(out)%4 != 0 {
			t.Fatalf("malformed output: checksum %#x, %d bytes", checksum(out), len(out))
		}
	})
}

// TestPDFConcurrentExportsShareTheFont: exports running at once share the cached font bytes
// (the server exports for several users); under -race this shows fpdf only reads them, and
// every export is whole. With PDF's 第 N 页 共 M 页 pass, each export lays out twice.
func TestPDFConcurrentExportsShareTheFont(t *testing.T) {
	if _, _, err := PDFFonts(Options{}); err != nil {
		t.Skipf("PDF export needs TrueType fonts: %v", err)
	}
	at := ts(9, 0)
	var want bytes.Buffer
	if err := PDF(&want, zhRecord(), Options{Now: at}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	outs := make([][]byte, 3)
	for i := range outs {
		go func() {
			var b bytes.Buffer
			err := PDF(&b, zhRecord(), Options{Now: at})
			outs[i] = b.Bytes()
			errs <- err
		}()
	}
	for range outs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// fpdf writes the font dictionary in map order, so compare sizes and the text read back.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("!!! SKIPPING the comparison: pdftotext is missing; install poppler-utils !!!")
	}
	text := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "x.pdf")
		os.WriteFile(p, b, 0o644)
		out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	lone := text(want.Bytes())
	for i, o := range outs {
		if len(o) != want.Len() || text(o) != lone {
			t.Fatalf("export %d differs from a lone export (%d vs %d bytes)", i, len(o), want.Len())
		}
	}
}
