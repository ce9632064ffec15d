package wavfile

import "bufio"
import "encoding/binary"
import "errors"
import "fmt"
import "io"
import "math"

// Format describes the samples of a WAV file as they are stored.
type Format struct {
	Container  string // "WAV", "RF64" (also BW64)
	Extensible bool   // WAVE_FORMAT_EXTENSIBLE
	Float      bool   // IEEE float samples (32 or 64 bits)
	Bits       int    // container bits per sample: 8, 16, 24, 32 or 64
	ValidBits  int    // significant bits (WAVE_FORMAT_EXTENSIBLE), else Bits
	Channels   int
	SampleRate int
}

// String names the format the way an error message or an audit event does, e.g.
// "WAV (extensible) 48000 Hz 24-bit PCM, 4 channels".
func (f Format) String() string {
	c := f.Container
	if f.Extensible {
		c += " (extensible)"
	}
	kind := "PCM"
	if f.Float {
		kind = "float"
	}
	ch := "channels"
	if f.Channels == 1 {
		ch = "channel"
	}
	return fmt.Sprintf("%s %d Hz %d-bit %s, %d %s", c, f.SampleRate, f.Bits, kind, f.Channels, ch)
}

// Supported is what the Decoder reads, for error messages.
const Supported = "WAV or RF64 with 8/16/24/32-bit integer or 32/64-bit float samples (plain or WAVE_FORMAT_EXTENSIBLE), 8–192 kHz, 1–64 channels"

// Limits of the Decoder.
const (
	MinSampleRate = 8000
	MaxSampleRate = 192000
	MaxChannels   = 64
)

// Decoder streams the samples of a WAV or RF64 file: it holds one buffer of a few hundred
// milliseconds, whatever the length of the file. Every size in the header is checked against
// the file before it is used.
type Decoder struct {
	r         io.ReadSeeker
	br        *bufio.Reader
	format    Format
	align     int   // bytes per frame
	dataOff   int64 // offset of the first sample
	frames    int64 // whole frames present in the file
	declared  int64 // frames the header declares (-1: unknown, a streaming writer)
	stated    int64 // data bytes the header states (the ds64 size for RF64), placeholders included
	pos       int64
	raw       []byte
	truncated bool
}

// ErrUnsupported wraps every "this is a WAV, but not one we read" error.
var ErrUnsupported = errors.New("unsupported WAV")

// NewDecoder parses the header of a WAV or RF64 file. A data chunk that claims more bytes than
// the file holds is accepted (Truncated reports it); anything else out of bounds is an error.
func NewDecoder(r io.ReadSeeker) (*Decoder, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	d := &Decoder{r: r, declared: -1}
	if err := d.readRIFF(); err != nil {
		return nil, err
	}
	sc := headerScan{d: d, size: size, ds64Data: -1}
	for pos := int64(12); pos+8 <= size; {
		if pos, err = sc.chunk(pos); err != nil {
			return nil, err
		}
	}
	if !sc.fmtOK {
		return nil, errors.New("not a valid WAV: no fmt chunk")
	}
	if !sc.dataOK {
		return nil, errors.New("not a valid WAV: no data chunk")
	}
	d.br = bufio.NewReaderSize(r, 64<<10)
	if err := d.SeekFrame(0); err != nil {
		return nil, err
	}
	return d, nil
}

// readRIFF reads the 12-byte RIFF/RF64 header and sets the container.
func (d *Decoder) readRIFF() error {
	var h [12]byte
	if _, err := io.ReadFull(d.r, h[:]); err != nil {
		return errors.New("not a valid WAV: shorter than a RIFF header")
	}
	switch string(h[0:4]) {
	case "RIFF":
		d.format.Container = "WAV"
	case "RF64", "BW64":
		d.format.Container = "RF64"
	default:
		return errors.New("not a valid WAV: no RIFF/WAVE header")
	}
	if string(h[8:12]) != "WAVE" {
		return fmt.Errorf("not a valid WAV: a RIFF file of type %q, not WAVE", sanitize(h[8:12]))
	}
	return nil
}

// headerScan walks the chunks of a WAV header, one at a time.
type headerScan struct {
	d        *Decoder
	size     int64 // of the file
	ds64Data int64 // the ds64 data size, -1 before a ds64 chunk
	fmtOK    bool
	dataOK   bool
}

// chunk reads the chunk header at pos, handles the chunk and returns where the next one starts.
func (sc *headerScan) chunk(pos int64) (int64, error) {
	if _, err := sc.d.r.Seek(pos, io.SeekStart); err != nil {
		return 0, err
	}
	var ch [8]byte
	if _, err := io.ReadFull(sc.d.r, ch[:]); err != nil {
		return 0, fmt.Errorf("not a valid WAV: truncated chunk header at byte %d", pos)
	}
	n := int64(binary.LittleEndian.Uint32(ch[4:]))
	var err error
	switch string(ch[0:4]) {
	case "ds64":
		err = sc.ds64(pos, n)
	case "fmt ":
		err = sc.fmt(pos, n)
	case "data":
		return sc.data(pos, n)
	default:
		err = sc.other(ch[0:4], pos, n)
	}
	if err != nil {
		return 0, err
	}
	return pos + 8 + n + n&1, nil
}

func (sc *headerScan) ds64(pos, n int64) error {
	if sc.d.format.Container != "RF64" || pos != 12 {
		return errors.New("not a valid WAV: ds64 chunk outside an RF64 header")
	}
	if n < 24 || n > 1<<16 || pos+8+n > sc.size {
		return fmt.Errorf("not a valid RF64: ds64 chunk of %d bytes", n)
	}
	var b [24]byte
	if _, err := io.ReadFull(sc.d.r, b[:]); err != nil {
		return errors.New("not a valid RF64: truncated ds64 chunk")
	}
	v := binary.LittleEndian.Uint64(b[8:16])
	if v > 1<<62 {
		return fmt.Errorf("not a valid RF64: data size %d", v)
	}
	sc.ds64Data = int64(v)
	return nil
}

func (sc *headerScan) fmt(pos, n int64) error {
	if sc.fmtOK {
		return fmt.Errorf("not a valid WAV: a second fmt chunk at byte %d", pos)
	}
	if n < 16 || n > 1024 || pos+8+n > sc.size {
		return fmt.Errorf("not a valid WAV: fmt chunk of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(sc.d.r, b); err != nil {
		return errors.New("not a valid WAV: truncated fmt chunk")
	}
	if err := sc.d.parseFmt(b); err != nil {
		return err
	}
	sc.fmtOK = true
	return nil
}

// data takes the data chunk's place and size and returns where the next chunk starts: the
// end of the file when its samples run to the end, so no chunk after it is read.
func (sc *headerScan) data(pos, n int64) (int64, error) {
	d := sc.d
	if !sc.fmtOK {
		return 0, errors.New("not a valid WAV: data chunk before fmt chunk")
	}
	if sc.dataOK {
		return 0, fmt.Errorf("not a valid WAV: a second data chunk at byte %d", pos)
	}
	sc.dataOK = true
	if d.format.Container == "RF64" && n == 0xFFFFFFFF {
		if sc.ds64Data < 0 {
			return 0, errors.New("not a valid RF64: no ds64 chunk gives the data size")
		}
		n = sc.ds64Data
	}
	d.stated = n
	avail := sc.size - pos - 8
	d.dataOff = pos + 8
	toEnd := false
	switch {
	case n == 0xFFFFFFFF || (n == 0 && avail > 0) || (n == 0x7FFFF000 && avail < n): // the last: sox to a pipe
		// A streaming writer (sox to a pipe, a recorder that died before it closed the
		// file) leaves a placeholder size: the samples run to the end of the file.
		n, toEnd = avail, true
	case d.format.Container == "WAV" && avail > 0xFFFFFFFF && n == avail&0xFFFFFFFF:
		// A file past 4 GiB whose 32-bit size wrapped (courtscribe before RF64 wrote
		// a 40 h seat as 2.7 h): the size agrees with the file modulo 2^32.
		n, toEnd = avail, true
	case n > avail:
		d.declared = n / int64(d.align)
		d.truncated = true
		n, toEnd = avail, true
	default:
		d.declared = n / int64(d.align)
	}
	d.frames = n / int64(d.align)
	if d.declared < 0 {
		d.declared = d.frames
	}
	if toEnd {
		return sc.size, nil
	}
	return pos + 8 + n + n&1, nil
}

// other checks the bounds of a chunk the decoder skips.
func (sc *headerScan) other(id []byte, pos, n int64) error {
	if n > maxMetaChunk {
		return fmt.Errorf("not a valid WAV: chunk %q of %d bytes is larger than %d", sanitize(id), n, maxMetaChunk)
	}
	if pos+8+n > sc.size {
		return fmt.Errorf("not a valid WAV: chunk %q of %d bytes runs past the end of the file", sanitize(id), n)
	}
	return nil
}

// subformat GUID tail shared by KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT.
var guidTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// formatNames names format tags people actually meet, for the error message.
var formatNames = map[uint16]string{
	0x0002: "MS ADPCM", 0x0006: "A-law", 0x0007: "µ-law", 0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10", 0x0050: "MPEG audio", 0x0055: "MP3", 0x0161: "WMA", 0x00FF: "AAC",
}

func (d *Decoder) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:])
	f := &d.format
	f.Channels = int(binary.LittleEndian.Uint16(b[2:]))
	f.SampleRate = int(binary.LittleEndian.Uint32(b[4:]))
	align := int(binary.LittleEndian.Uint16(b[12:]))
	f.Bits = int(binary.LittleEndian.Uint16(b[14:]))
	f.ValidBits = f.Bits
	if tag == 0xFFFE {
		f.Extensible = true
		if len(b) < 40 || binary.LittleEndian.Uint16(b[16:]) < 22 {
			return fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE header of %d bytes is too short", ErrUnsupported, len(b))
		}
		f.ValidBits = int(binary.LittleEndian.Uint16(b[18:]))
		sub := b[24:40]
		if string(sub[2:]) != string(guidTail) {
			return fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format", ErrUnsupported)
		}
		tag = binary.LittleEndian.Uint16(sub)
		if f.ValidBits == 0 {
			f.ValidBits = f.Bits
		}
	}
	switch tag {
	case 1:
		if f.Bits != 8 && f.Bits != 16 && f.Bits != 24 && f.Bits != 32 {
			return fmt.Errorf("%w: %d-bit integer samples", ErrUnsupported, f.Bits)
		}
	case 3:
		f.Float = true
		if f.Bits != 32 && f.Bits != 64 {
			return fmt.Errorf("%w: %d-bit float samples", ErrUnsupported, f.Bits)
		}
	default:
		name := formatNames[tag]
		if name == "" {
			name = fmt.Sprintf("format tag %#04x", tag)
		}
		return fmt.Errorf("%w: %s encoded, not PCM or float", ErrUnsupported, name)
	}
	if f.ValidBits < 1 || f.ValidBits > f.Bits {
		return fmt.Errorf("%w: %d valid bits in %d-bit samples", ErrUnsupported, f.ValidBits, f.Bits)
	}
	if f.Channels < 1 || f.Channels > MaxChannels {
		return fmt.Errorf("%w: %d channels (1 to %d are read)", ErrUnsupported, f.Channels, MaxChannels)
	}
	if f.SampleRate < MinSampleRate || f.SampleRate > MaxSampleRate {
		return fmt.Errorf("%w: sample rate %d Hz (%d to %d Hz are read)", ErrUnsupported, f.SampleRate, MinSampleRate, MaxSampleRate)
	}
	if align != f.Channels*f.Bits/8 {
		return fmt.Errorf("%w: block align %d for %d channels of %d bits", ErrUnsupported, align, f.Channels, f.Bits)
	}
	d.align = align
	return nil
}

// Format returns the stored format.
func (d *Decoder) Format() Format { return d.format }

// Frames is the number of whole frames present in the file.
func (d *Decoder) Frames() int64 { return d.frames }

// Truncated reports a data chunk that declares more samples than the file holds (a copy cut
// short, or a recorder that crashed); Declared is what the header promised.
func (d *Decoder) Truncated() bool { return d.truncated }

// Declared is the number of frames the header declares.
func (d *Decoder) Declared() int64 { return d.declared }

// DataSize is the size of the data chunk as the header states it: its 32-bit size, or the ds64
// chunk's 64-bit size when an RF64 file's 32-bit size says "see ds64". Unlike Frames and
// Declared it is not interpreted: a streaming writer's placeholder (0xFFFFFFFF, 0) and a size
// past the end of the file are returned as they are, for a caller that wants the header to
// match the file exactly.
func (d *Decoder) DataSize() int64 { return d.stated }

// SeekFrame positions the decoder at frame fr (clamped to the file).
func (d *Decoder) SeekFrame(fr int64) error {
	fr = max(0, min(fr, d.frames))
	if _, err := d.r.Seek(d.dataOff+fr*int64(d.align), io.SeekStart); err != nil {
		return err
	}
	d.br.Reset(d.r)
	d.pos = fr
	return nil
}

// DataOffset is the byte offset of the first sample in the file; frame i starts at
// DataOffset() + i*BlockAlign().
func (d *Decoder) DataOffset() int64 { return d.dataOff }

// BlockAlign is the size of one frame in bytes.
func (d *Decoder) BlockAlign() int { return d.align }

// Pos is the next frame to be read.
func (d *Decoder) Pos() int64 { return d.pos }

// ReadFloat decodes up to len(dst[0]) frames into planar float32 channels in [-1, 1] (dst
// must have one slice per channel, all the same length) and returns the frame count; io.EOF
// at the end of the data.
func (d *Decoder) ReadFloat(dst [][]float32) (int, error) {
	if len(dst) != d.format.Channels {
		return 0, fmt.Errorf("wavfile: %d destination channels for %d", len(dst), d.format.Channels)
	}
	n, raw, err := d.readRaw(len(dst[0]))
	if n == 0 {
		return 0, err
	}
	nch, bps := d.format.Channels, d.format.Bits/8
	for i := 0; i < n; i++ {
		for c := 0; c < nch; c++ {
			dst[c][i] = d.sample(raw[(i*nch+c)*bps:])
		}
	}
	return n, nil
}

// ReadInt16 decodes up to len(dst)/channels frames as interleaved 16-bit samples (rounded,
// clipped) and returns the frame count; io.EOF at the end of the data.
func (d *Decoder) ReadInt16(dst []int16) (int, error) {
	nch, bps := d.format.Channels, d.format.Bits/8
	n, raw, err := d.readRaw(len(dst) / nch)
	if n == 0 {
		return 0, err
	}
	if bps == 2 && !d.format.Float {
		for i := 0; i < n*nch; i++ {
			dst[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return n, nil
	}
	for i := 0; i < n*nch; i++ {
		dst[i] = ToInt16(d.sample(raw[i*bps:]))
	}
	return n, nil
}

func (d *Decoder) readRaw(want int) (int, []byte, error) {
	left := d.frames - d.pos
	if left <= 0 {
		return 0, nil, io.EOF
	}
	n := int(min(int64(want), left))
	if n <= 0 {
		return 0, nil, nil
	}
	need := n * d.align
	if cap(d.raw) < need {
		d.raw = make([]byte, need)
	}
	raw := d.raw[:need]
	if _, err := io.ReadFull(d.br, raw); err != nil {
		return 0, nil, fmt.Errorf("reading WAV data at frame %d: %w", d.pos, err)
	}
	d.pos += int64(n)
	return n, raw, nil
}

// sample decodes one sample to float32 in [-1, 1].
func (d *Decoder) sample(b []byte) float32 {
	switch {
	case d.format.Float && d.format.Bits == 32:
		v := math.Float32frombits(binary.LittleEndian.Uint32(b))
		if v != v { // NaN
			return 0
		}
		return max(-1, min(1, v))
	case d.format.Float:
		v := math.Float64frombits(binary.LittleEndian.Uint64(b))
		if v != v {
			return 0
		}
		return float32(max(-1, min(1, v)))
	}
	switch d.format.Bits {
	case 8:
		return float32(int(b[0])-128) / 128
	case 16:
		return float32(int16(binary.LittleEndian.Uint16(b))) / 32768
	case 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float32(v) / (1 << 23)
	default:
		return float32(float64(int32(binary.LittleEndian.Uint32(b))) / (1 << 31))
	}
}

// ToInt16 converts a sample in [-1, 1] to 16 bits, rounding to nearest and clipping. A 16-bit
// sample converted to float32 by this package comes back unchanged.
func ToInt16(v float32) int16 {
	x := math.Round(float64(v) * 32768)
	if x > 32767 {
		return 32767
	}
	if x < -32768 {
		return -32768
	}
	return int16(x)
}

func sanitize(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}
