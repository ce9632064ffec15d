package audiofile

import "encoding/binary"
import "errors"
import "io"
import "math"
import "os"
import "os/exec"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/internal/testrig"

// reference writes a 16 kHz 16-bit file with distinct tones per channel (Go's own writer).
func reference(t *testing.T, dir string, chans, frames int) (string, [][]int16) {
	t.Helper()
	pcm := make([][]int16, chans)
	for c := range pcm {
		pcm[c] = make([]int16, frames)
		f := 300.0 + 170*float64(c)
		for i := range pcm[c] {
			pcm[c][i] = int16(8000 * math.Sin(2*math.Pi*f*float64(i)/16000))
		}
	}
	p := filepath.Join(dir, "ref.wav")
	if err := wavfile.WriteMulti(p, 16000, pcm); err != nil {
		t.Fatal(err)
	}
	return p, pcm
}

func needSox(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sox"); err != nil {
		t.Skip("sox is not installed (apt-get install sox): the files other tools write are generated with it")
	}
}

func sox(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func readAll(t *testing.T, r *Reader) [][]int16 {
	t.Helper()
	return testrig.ReadChannels(t, r.Channels(), 1000, r.Read)
}

// Files sox writes at 16 kHz in every sample format come back as the reference samples: exactly
// for 16/24/32-bit integer, float and FLAC, within the quantisation step for 8-bit.
func TestSoxFormatsAt16kHz(t *testing.T) {
	needSox(t)
	dir := t.TempDir()
	ref, pcm := reference(t, dir, 4, 16000)
	cases := []struct {
		name, out string
		args      []string
		kind      string
		tol       int
	}{
		{"16-bit extensible (4 channels)", "a.wav", []string{"-b", "16"}, "WAV", 0},
		{"24-bit", "b.wav", []string{"-b", "24"}, "WAV", 0},
		{"32-bit", "c.wav", []string{"-b", "32"}, "WAV", 0},
		{"32-bit float", "d.wav", []string{"-e", "floating-point", "-b", "32"}, "WAV", 0},
		{"64-bit float", "d64.wav", []string{"-e", "floating-point", "-b", "64"}, "WAV", 0},
		{"8-bit", "e.wav", []string{"-b", "8"}, "WAV", 3 * 256}, // sox dithers to 8 bits
		{"FLAC 16-bit", "f.flac", []string{"-t", "flac", "-b", "16"}, "FLAC", 0},
		{"FLAC 24-bit", "g.flac", []string{"-t", "flac", "-b", "24"}, "FLAC", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			args := append([]string{ref}, tc.args...)
			sox(t, append(args, out)...)
			r, err := Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			info := r.Inputs()[0]
			if !strings.HasPrefix(info.Kind, tc.kind[:2]) || info.Channels != 4 || info.SampleRate != 16000 {
				t.Fatalf("info %+v", info)
			}
			if r.Frames() != 16000 {
				t.Fatalf("Frames() = %d, want 16000", r.Frames())
			}
			got := readAll(t, r)
			for c := range pcm {
				if len(got[c]) != len(pcm[c]) {
					t.Fatalf("channel %d: %d samples, want %d", c, len(got[c]), len(pcm[c]))
				}
				for i := range pcm[c] {
					if d := int(got[c][i]) - int(pcm[c][i]); d > tc.tol || d < -tc.tol {
						t.Fatalf("channel %d sample %d = %d, want %d (±%d)", c, i, got[c][i], pcm[c][i], tc.tol)
					}
				}
			}
		})
	}
}

// 44.1 and 48 kHz files (24-bit, FLAC) come out at 16 kHz with the right length and tone,
// delayed by the resampler's constant group delay only.
func TestSoxRatesResampled(t *testing.T) {
	needSox(t)
	dir := t.TempDir()
	for _, rate := range []string{"44100", "48000", "8000", "192000"} {
		for _, ext := range []string{"wav", "flac"} {
			p := filepath.Join(dir, rate+"."+ext)
			sox(t, "-n", "-r", rate, "-b", "24", "-c", "2", p, "synth", "2", "sine", "440", "sine", "1000", "gain", "-6")
			r, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r)
			r.Close()
			if len(got[0]) < 31990 || len(got[0]) > 32010 {
				t.Fatalf("%s: %d frames at 16 kHz, want 32000", p, len(got[0]))
			}
			for c, f := range []float64{440, 1000} {
				if rate == "8000" && f > 3500 {
					continue
				}
				// Correlate with the expected tone at the right frequency: most of the energy is there.
				var re, im, e float64
				x := got[c][1600:30400]
				for i, v := range x {
					w := 2 * math.Pi * f * float64(i) / 16000
					re += float64(v) * math.Cos(w)
					im += float64(v) * math.Sin(w)
					e += float64(v) * float64(v)
				}
				share := 2 * (re*re + im*im) / float64(len(x)) / e
				if share < 0.99 {
					t.Errorf("%s channel %d: %.3f of the energy at %.0f Hz", p, c, share, f)
				}
			}
		}
	}
}

// One mono file per seat, in different formats and rates, gives one seat channel each; a
// slightly shorter file is padded with silence.
func TestSeatFiles(t *testing.T) {
	needSox(t)
	dir := t.TempDir()
	ref, pcm := reference(t, dir, 2, 32000)
	judge := filepath.Join(dir, "judge.flac")
	clerk := filepath.Join(dir, "clerk.wav")
	sox(t, ref, "-t", "flac", judge, "remix", "1")
	sox(t, ref, "-b", "24", clerk, "remix", "2", "trim", "0", "1.9")
	r, err := OpenSeats([]string{judge, clerk})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r)
	if len(got) != 2 || len(got[0]) != 32000 || len(got[1]) != 32000 {
		t.Fatalf("got %d channels of %d/%d samples", len(got), len(got[0]), len(got[1]))
	}
	for i := range 30400 {
		if got[0][i] != pcm[0][i] || got[1][i] != pcm[1][i] {
			t.Fatalf("sample %d: %d/%d, want %d/%d", i, got[0][i], got[1][i], pcm[0][i], pcm[1][i])
		}
	}
	if p := r.Padded(); p[0] != 0 || p[1] != 1600 {
		t.Fatalf("padded %v, want [0 1600]", p)
	}
	// A stereo seat file is refused, and so is one 1.5 s shorter than the others.
	if _, err := OpenSeats([]string{ref, clerk}); err == nil || !strings.Contains(err.Error(), "must be mono") {
		t.Fatalf("stereo seat file: %v", err)
	}
	short := filepath.Join(dir, "short.wav")
	sox(t, ref, short, "remix", "1", "trim", "0", "0.5")
	if _, err := OpenSeats([]string{judge, short}); err == nil || !strings.Contains(err.Error(), "same time") {
		t.Fatalf("short seat file: %v", err)
	}
}

// writeWAV writes a WAV header by hand (for what sox does not write: RF64, broken headers).
func writeWAV(t *testing.T, p string, riff string, fmtChunk []byte, dataSize uint32, data []byte, extra ...[]byte) {
	t.Helper()
	var b []byte
	b = append(b, riff...)
	b = binary.LittleEndian.AppendUint32(b, 0xFFFFFFFF)
	b = append(b, "WAVE"...)
	for _, e := range extra {
		b = append(b, e...)
	}
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fmtChunk)))
	b = append(b, fmtChunk...)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, dataSize)
	b = append(b, data...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func pcmFmt(tag, ch uint16, rate uint32, bits uint16) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint16(b, tag)
	b = binary.LittleEndian.AppendUint16(b, ch)
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = binary.LittleEndian.AppendUint32(b, rate*uint32(ch)*uint32(bits/8))
	b = binary.LittleEndian.AppendUint16(b, ch*(bits/8))
	b = binary.LittleEndian.AppendUint16(b, bits)
	return b
}

func ds64(riffSize, dataSize, frames uint64) []byte {
	b := []byte("ds64")
	b = binary.LittleEndian.AppendUint32(b, 28)
	b = binary.LittleEndian.AppendUint64(b, riffSize)
	b = binary.LittleEndian.AppendUint64(b, dataSize)
	b = binary.LittleEndian.AppendUint64(b, frames)
	b = binary.LittleEndian.AppendUint32(b, 0)
	return b
}

// An RF64 file over 4 GiB (sparse: the samples are zeros except the last frame) is read by
// its ds64 size: the length is right and the last sample is where it should be.
func TestRF64Over4GiB(t *testing.T) {
	p := filepath.Join(t.TempDir(), "long.wav")
	const frames = (5 << 30) / 4 // 5 GiB of 16-bit stereo, about 18.6 hours at 16 kHz
	writeWAV(t, p, "RF64", pcmFmt(1, 2, 16000, 16), 0xFFFFFFFF, nil, ds64(0, frames*4, frames))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if _, err := f.WriteAt([]byte{0x34, 0x12, 0xcc, 0xed}, st.Size()+frames*4-4); err != nil {
		t.Skipf("cannot write a sparse 5 GiB file here: %v", err)
	}
	f.Close()
	defer os.Remove(p)
	n, err := OpenNative(p)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	info := n.Info()
	if info.Kind != "RF64" || info.Frames != frames || info.Truncated {
		t.Fatalf("info %+v, want RF64 with %d frames", info, int64(frames))
	}
	if err := n.SeekFrame(frames - 2); err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 8)
	k, err := n.ReadInt16(buf)
	if err != nil || k != 2 || buf[2] != 0x1234 || buf[3] != -0x1234 {
		t.Fatalf("last frames: %d %v %v", k, buf[:4], err)
	}
	if _, err := n.ReadInt16(buf); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
}

// Every unsupported or broken input is one line that names the file, says what it is and what
// would work.
func TestUnsupportedInputsSayWhatWouldWork(t *testing.T) {
	dir := t.TempDir()
	good := pcmFmt(1, 2, 16000, 16)
	files := map[string]func(p string){
		"song.mp3": func(p string) {
			os.WriteFile(p, append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 100)...), 0o644)
		},
		"raw.mp3":        func(p string) { os.WriteFile(p, append([]byte{0xFF, 0xFB, 0x90, 0x64}, make([]byte, 100)...), 0o644) },
		"voice.ogg":      func(p string) { os.WriteFile(p, append([]byte("OggS"), make([]byte, 100)...), 0o644) },
		"notes.txt":      func(p string) { os.WriteFile(p, []byte("hearing notes, not audio"), 0o644) },
		"empty.wav":      func(p string) { os.WriteFile(p, nil, 0o644) },
		"zero-ch.wav":    func(p string) { writeWAV(t, p, "RIFF", pcmFmt(1, 0, 16000, 16), 4, make([]byte, 4)) },
		"mp3-in-wav.wav": func(p string) { writeWAV(t, p, "RIFF", pcmFmt(0x55, 1, 16000, 16), 4, make([]byte, 4)) },
		"alaw.wav":       func(p string) { writeWAV(t, p, "RIFF", pcmFmt(6, 1, 8000, 8), 4, make([]byte, 4)) },
		"12bit.wav":      func(p string) { writeWAV(t, p, "RIFF", pcmFmt(1, 1, 16000, 12), 4, make([]byte, 4)) },
		"4khz.wav":       func(p string) { writeWAV(t, p, "RIFF", pcmFmt(1, 1, 4000, 16), 4, make([]byte, 4)) },
		"huge-fmt.wav": func(p string) {
			b := []byte("RIFF\xff\xff\xff\xffWAVEfmt \xf0\xff\xff\xff")
			os.WriteFile(p, append(b, good...), 0o644)
		},
		"huge-list.wav": func(p string) {
			writeWAV(t, p, "RIFF", good, 4, make([]byte, 4), []byte("LIST\xff\xff\xff\x7f"))
		},
		"truncated.wav": func(p string) { writeWAV(t, p, "RIFF", good, 64000, make([]byte, 1000)) },
		"rf64-no-ds64.wav": func(p string) {
			writeWAV(t, p, "RF64", good, 0xFFFFFFFF, make([]byte, 100))
		},
		"cut.flac": func(p string) {
			if _, err := exec.LookPath("sox"); err != nil {
				os.WriteFile(p, []byte("fLaC\x00\x00\x00\x22"), 0o644)
				return
			}
			full := p + ".full.flac"
			sox(t, "-n", "-r", "16000", "-c", "2", full, "synth", "3", "sine", "440")
			b, _ := os.ReadFile(full)
			os.WriteFile(p, b[:len(b)*2/3], 0o644)
		},
	}
	for name, mk := range files {
		p := filepath.Join(dir, name)
		mk(p)
		r, err := Open(p)
		if err == nil {
			_, err = io.Copy(io.Discard, readerOf(r))
			r.Close()
		}
		if err == nil {
			t.Errorf("%s: read without an error", name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, name+": ") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q does not start with the file name on one line", name, msg)
		}
		if !strings.Contains(msg, "; ") {
			t.Errorf("%s: error %q does not say what would work", name, msg)
		}
		t.Logf("%s", msg)
	}
}

// readerOf drains a Reader through io.Reader (for the tests that only need its errors).
func readerOf(r *Reader) io.Reader { return &drain{r: r} }

type drain struct{ r *Reader }

func (d *drain) Read(p []byte) (int, error) {
	buf := make([][]int16, d.r.Channels())
	for c := range buf {
		buf[c] = make([]int16, 4096)
	}
	n, err := d.r.Read(buf)
	return min(n, len(p)), err
}

// FuzzOpenNative: any file content gives a decoder or an error; decoding never panics (the
// FLAC decoder is third-party code: its panics must become errors).
func FuzzOpenNative(f *testing.F) {
	f.Add([]byte("fLaC\x00\x00\x00\x22\x10\x00\x10\x00\x00\x00\x00\x00\x00\x00\x03\xe8\x00\xf0\x00\x00\x00\x10" + strings.Repeat("\x00", 16)))
	f.Add([]byte("ID3\x04\x00"))
	if b, err := os.ReadFile("testdata/tiny.flac"); err == nil {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := testrig.FuzzFile(t, dir, "in", b)
		if !ok {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			n, err := OpenNative(p)
			if err != nil {
				return
			}
			defer n.Close()
			info := n.Info()
			buf := make([][]float32, info.Channels)
			for c := range buf {
				buf[c] = make([]float32, 4096)
			}
			for range 64 { // CONSTANT subframes make a few bytes into 65535 samples: bound the work
				k, err := n.ReadFloat(buf)
				if err != nil || k == 0 {
					break
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d bytes: still decoding after 5 s", len(b))
		}
	})
}

// The agent's --source: a 48 kHz 24-bit FLAC plays through capture.Replay at its own rate,
// every frame once, and a restart seeks to a timeline position.
func TestReplayOfFLAC(t *testing.T) {
	needSox(t)
	dir := t.TempDir()
	ref, _ := reference(t, dir, 2, 16000)
	p := filepath.Join(dir, "room.flac")
	sox(t, ref, "-r", "48000", "-b", "24", p)
	open := func() *capture.Replay {
		n, err := OpenNative(p)
		if err != nil {
			t.Fatal(err)
		}
		info := n.Info()
		r, err := capture.NewReplay(n, capture.Format{SampleRate: info.SampleRate, Channels: info.Channels}, info.Frames, false, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := open()
	var frames int
	var first []int16
	testrig.EachBlock(t, r.Read, func(b capture.Block) {
		if first == nil {
			first = append([]int16(nil), b.Data...)
		}
		frames += b.Frames
	})
	r.Close()
	if r.Format().SampleRate != 48000 || frames != 48000 {
		t.Fatalf("played %d frames at %d Hz, want 48000 at 48000", frames, r.Format().SampleRate)
	}
	if len(first) != 2*960 {
		t.Fatalf("first block of %d samples, want 20 ms of 2 channels", len(first))
	}
	r = open()
	defer r.Close()
	if err := r.SeekTimeline(8000); err != nil { // 0.5 s
		t.Fatal(err)
	}
	left := 0
	testrig.EachBlock(t, r.Read, func(b capture.Block) {
		left += b.Frames
	})
	if left != 24000 {
		t.Fatalf("after seeking to 0.5 s, %d frames left, want 24000", left)
	}
}
