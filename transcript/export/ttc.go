package export

import "encoding/binary"
import "errors"
import "fmt"
import "sort"

// TrueType Collections (.ttc) hold several faces that share tables. go-pdf/fpdf embeds only a
// standalone sfnt with TrueType (glyf) outlines, so ExtractTTC copies one face out of a
// collection into a standalone font file. Layout per the OpenType specification, "Font
// Collections" (TTC header) and "Organization of an OpenType Font" (table directory,
// checksums): https://learn.microsoft.com/typography/opentype/spec/otff

// ErrCFFOutlines says that a face has CFF (PostScript) outlines ("OTTO"), as Noto Serif CJK
// has: fpdf cannot embed those.
var ErrCFFOutlines = errors.New("export: font has CFF outlines (OpenType/CFF); fpdf embeds only TrueType glyf outlines")

const (
	sfntTrueType  = 0x00010000
	sfntApple     = 0x74727565 // "true"
	sfntCFF       = 0x4F54544F // "OTTO"
	maxTTCFonts   = 1 << 12    // far above any real collection; bounds the header read
	maxSFNTTables = 1 << 10
	headAdjustOff = 8 // head.checkSumAdjustment
	headMinLength = 54
	checksumMagic = 0xB1B0AFBA
)

// IsTTC reports whether b starts with a TrueType Collection header.
func IsTTC(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "ttcf" }

// ExtractTTC returns face index of the TrueType Collection ttc as a standalone TrueType font:
// the face's table directory with each table copied after it (4-byte aligned), table
// checksums recomputed and head.checkSumAdjustment set for the new file. A malformed
// collection, a face out of range or a face with CFF outlines is an error; it never panics.
func ExtractTTC(ttc []byte, index int) ([]byte, error) {
	if !IsTTC(ttc) || len(ttc) < 12 {
		return nil, errors.New("export: ttc: not a TrueType Collection (no ttcf header)")
	}
	numFonts := binary.BigEndian.Uint32(ttc[8:12])
	if numFonts == 0 || numFonts > maxTTCFonts {
		return nil, fmt.Errorf("export: ttc: %d fonts in the collection", numFonts)
	}
	if index < 0 || uint32(index) >= numFonts {
		return nil, fmt.Errorf("export: ttc: face %d of %d", index, numFonts)
	}
	at := 12 + 4*uint64(index)
	if at+4 > uint64(len(ttc)) {
		return nil, errors.New("export: ttc: truncated offset table")
	}
	off := uint64(binary.BigEndian.Uint32(ttc[at:]))
	if off+12 > uint64(len(ttc)) {
		return nil, fmt.Errorf("export: ttc: face %d's table directory at %d is outside the file", index, off)
	}
	switch v := binary.BigEndian.Uint32(ttc[off:]); v {
	case sfntTrueType, sfntApple:
	case sfntCFF:
		return nil, ErrCFFOutlines
	default:
		return nil, fmt.Errorf("export: ttc: face %d: unknown sfnt version %#08x", index, v)
	}
	numTables := uint64(binary.BigEndian.Uint16(ttc[off+4:]))
	if numTables == 0 || numTables > maxSFNTTables {
		return nil, fmt.Errorf("export: ttc: face %d has %d tables", index, numTables)
	}
	if off+12+16*numTables > uint64(len(ttc)) {
		return nil, fmt.Errorf("export: ttc: face %d's table directory is truncated", index)
	}
	type table struct {
		tag  string
		data []byte
	}
	tables := make([]table, 0, numTables)
	seen := map[string]bool{}
	var hasGlyf, hasHead bool
	for i := uint64(0); i < numTables; i++ {
		rec := ttc[off+12+16*i:]
		tag := string(rec[:4])
		to := uint64(binary.BigEndian.Uint32(rec[8:]))
		tl := uint64(binary.BigEndian.Uint32(rec[12:]))
		if to+tl > uint64(len(ttc)) {
			return nil, fmt.Errorf("export: ttc: table %q (%d bytes at %d) is outside the file", tag, tl, to)
		}
		if seen[tag] {
			return nil, fmt.Errorf("export: ttc: table %q twice", tag)
		}
		seen[tag] = true
		switch tag {
		case "glyf":
			hasGlyf = true
		case "CFF ", "CFF2":
			return nil, ErrCFFOutlines
		case "head":
			if tl < headMinLength {
				return nil, fmt.Errorf("export: ttc: head table of %d bytes", tl)
			}
			hasHead = true
		}
		tables = append(tables, table{tag, ttc[to : to+tl]})
	}
	if !hasHead || !hasGlyf {
		return nil, fmt.Errorf("export: ttc: face %d lacks a head or glyf table", index)
	}
	// The directory is sorted by tag (the specification asks for ascending order).
	sort.Slice(tables, func(i, j int) bool { return tables[i].tag < tables[j].tag })

	size := 12 + 16*len(tables)
	for _, t := range tables {
		size += pad4(len(t.data))
	}
	out := make([]byte, size)
	binary.BigEndian.PutUint32(out[0:], sfntTrueType)
	binary.BigEndian.PutUint16(out[4:], uint16(len(tables)))
	sr, es := searchParams(len(tables))
	binary.BigEndian.PutUint16(out[6:], sr)
	binary.BigEndian.PutUint16(out[8:], es)
	binary.BigEndian.PutUint16(out[10:], uint16(16*len(tables))-sr)
	pos := 12 + 16*len(tables)
	headAt := -1
	for i, t := range tables {
		copy(out[pos:], t.data)
		if t.tag == "head" {
			headAt = pos
			binary.BigEndian.PutUint32(out[pos+headAdjustOff:], 0)
		}
		rec := out[12+16*i:]
		copy(rec[:4], t.tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(out[pos:pos+pad4(len(t.data))]))
		binary.BigEndian.PutUint32(rec[8:], uint32(pos))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t.data)))
		pos += pad4(len(t.data))
	}
	binary.BigEndian.PutUint32(out[headAt+headAdjustOff:], checksumMagic-checksum(out))
	return out, nil
}

// searchParams returns searchRange and entrySelector of a table directory of n tables:
// (largest power of two ≤ n)·16 and log2 of that power.
func searchParams(n int) (searchRange, entrySelector uint16) {
	p, e := 1, 0
	for p*2 <= n {
		p *= 2
		e++
	}
	return uint16(p * 16), uint16(e)
}

func pad4(n int) int { return (n + 3) &^ 3 }

// checksum is the sum of the big-endian uint32 words of b (zero-padded to a word).
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var w [4]byte
		copy(w[:], b)
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
