package wavfile

import "bytes"
import "encoding/binary"
import "math"
import "slices"
import "strings"
import "testing"

// The canonical header, byte for byte, as the hand-written copies this replaced built it.
func TestPCMHeaderBytes(t *testing.T) {
	want := []byte("RIFF\x28\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x04\x00\x00\x00")
	if got := PCMHeader(16000, 1, 4); !bytes.Equal(got, want) {
		t.Fatalf("mono header\n got %q\nwant %q", got, want)
	}
	st := PCMHeader(48000, 6, 1200)
	le := binary.LittleEndian
	if len(st) != PCMHeaderSize || le.Uint32(st[4:]) != 36+1200 || le.Uint16(st[22:]) != 6 ||
		le.Uint32(st[24:]) != 48000 || le.Uint32(st[28:]) != 48000*12 || le.Uint16(st[32:]) != 12 ||
		le.Uint16(st[34:]) != 16 || le.Uint32(st[40:]) != 1200 {
		t.Fatalf("6-channel header %q", st)
	}
}

func TestPCMHeaderClamps(t *testing.T) {
	le := binary.LittleEndian
	h := PCMHeader(16000, 1, 1<<33)
	if le.Uint32(h[4:]) != math.MaxUint32 || le.Uint32(h[40:]) != math.MaxUint32-36 {
		t.Fatalf("sizes %d, %d", le.Uint32(h[4:]), le.Uint32(h[40:]))
	}
	h = PCMHeader(16000, 1, -5)
	if le.Uint32(h[4:]) != 36 || le.Uint32(h[40:]) != 0 {
		t.Fatalf("negative size: %d, %d", le.Uint32(h[4:]), le.Uint32(h[40:]))
	}
}

// The legacy layout the Writer still appends to is the canonical header.
func TestLegacyHeaderIsPCMHeader(t *testing.T) {
	for _, n := range []int64{0, 1, 16000, MaxSamples} {
		if got, want := header(LegacyHeaderSize, 16000, n), PCMHeader(16000, 1, 2*n); !bytes.Equal(got, want) {
			t.Fatalf("%d samples: legacy header %q, PCMHeader %q", n, got, want)
		}
	}
}

func TestEncodePCMRoundTrip(t *testing.T) {
	for _, ch := range []int{1, 2} {
		var inter []int16
		for i := range 300 {
			for c := range ch {
				inter = append(inter, int16(i*(c+1)*97-15000))
			}
		}
		b := EncodePCM(22050, ch, inter)
		if !IsWAV(b) || len(b) != PCMHeaderSize+2*len(inter) {
			t.Fatalf("%d ch: %d bytes", ch, len(b))
		}
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if a.SampleRate != 22050 || len(a.Channels) != ch || a.Frames() != 300 {
			t.Fatalf("%d ch: read %d Hz, %d channels, %d frames", ch, a.SampleRate, len(a.Channels), a.Frames())
		}
		for c := range ch {
			for i, v := range a.Channels[c] {
				if v != inter[i*ch+c] {
					t.Fatalf("%d ch: channel %d sample %d is %d, want %d", ch, c, i, v, inter[i*ch+c])
				}
			}
		}
	}
	if b := EncodePCM(16000, 1, nil); !slices.Equal(b, PCMHeader(16000, 1, 0)) {
		t.Fatalf("empty file %q", b)
	}
}

// IsWAV, IsRIFF and RIFFForm on the first bytes of files people bring.
func TestIsWAV(t *testing.T) {
	for in, want := range map[string]struct {
		wav  bool
		form string
	}{
		"RIFF\x00\x00\x00\x00WAVEfmt ": {true, "WAVE"},
		"RF64\xff\xff\xff\xffWAVEds64": {true, ""},
		"BW64\xff\xff\xff\xffWAVE":     {true, ""},
		"RIFF\x00\x00\x00\x00AVI LIST": {false, "AVI "},
		"RIFF\x00\x00\x00\x00WAV":      {false, ""},
		"fLaC\x00\x00\x00\x22":         {false, ""},
		"RIF":                          {false, ""},
		"":                             {false, ""},
	} {
		riff := strings.HasPrefix(in, "RIFF")
		if IsWAV([]byte(in)) != want.wav || IsRIFF([]byte(in)) != riff || RIFFForm([]byte(in)) != want.form {
			t.Errorf("%q: IsWAV %v, IsRIFF %v, RIFFForm %q; want %v, %v, %q", in,
				IsWAV([]byte(in)), IsRIFF([]byte(in)), RIFFForm([]byte(in)), want.wav, riff, want.form)
		}
	}
}

// DataSize is the data chunk's size as the header states it, not as the Decoder reads it.
func TestDecoderDataSize(t *testing.T) {
	b := EncodePCM(16000, 1, make([]int16, 10))
	for _, c := range []struct {
		name string
		size uint32
		want int64
	}{
		{"exact", 20, 20},
		{"short file", 40, 40},
		{"streaming placeholder", 0xFFFFFFFF, 0xFFFFFFFF},
	} {
		f := slices.Clone(b)
		binary.LittleEndian.PutUint32(f[40:], c.size)
		d, err := NewDecoder(bytes.NewReader(f))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.DataSize() != c.want || d.Frames() != 10 {
			t.Errorf("%s: DataSize %d, Frames %d; want %d, 10", c.name, d.DataSize(), d.Frames(), c.want)
		}
	}
}
