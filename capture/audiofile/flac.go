package audiofile

import "bufio"
import "errors"
import "fmt"
import "io"
import "os"

import "github.com/mewkiz/flac"
import "github.com/mewkiz/flac/frame"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// flacNative decodes a FLAC file frame by frame (one FLAC frame, at most 65535 samples per
// channel, is held at a time).
type flacNative struct {
	f      *os.File
	path   string
	s      *flac.Stream
	info   Info
	bits   int
	cur    *frame.Frame
	off    int   // next sample inside cur
	pos    int64 // next frame (sample per channel) of the stream
	eof    bool
	interl []float32
}

func openFLAC(path string, f *os.File) (n *flacNative, err error) {
	n = &flacNative{f: f, path: path}
	if err := n.open(); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *flacNative) bad(what string) error {
	return &FileError{Path: n.path, What: "a damaged FLAC file: " + what, Hint: "check it with: flac -t FILE (" + Supported + ")"}
}

func (n *flacNative) open() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = n.bad(fmt.Sprint(p))
		}
	}()
	if _, err := n.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s, err := flac.New(bufio.NewReaderSize(n.f, 64<<10))
	if err != nil {
		return n.bad(err.Error())
	}
	si := s.Info
	if si == nil {
		return n.bad("no STREAMINFO block")
	}
	rate, ch, bits := int(si.SampleRate), int(si.NChannels), int(si.BitsPerSample)
	if rate < wavfile.MinSampleRate || rate > wavfile.MaxSampleRate {
		return &FileError{Path: n.path, What: fmt.Sprintf("FLAC at %d Hz", rate), Hint: fmt.Sprintf("%d to %d Hz are read; resample with: sox IN -r 48000 OUT.flac", wavfile.MinSampleRate, wavfile.MaxSampleRate)}
	}
	if ch < 1 || bits < 4 || bits > 32 {
		return n.bad(fmt.Sprintf("%d channels of %d bits", ch, bits))
	}
	frames := int64(-1)
	if si.NSamples > 0 && si.NSamples < 1<<50 {
		frames = int64(si.NSamples)
	}
	n.s, n.bits = s, bits
	n.info = Info{Path: n.path, Kind: "FLAC", Format: fmt.Sprintf("FLAC %d Hz %d-bit, %d channel%s", rate, bits, ch, plural(ch)),
		Channels: ch, SampleRate: rate, Frames: frames, Declared: frames}
	n.cur, n.off, n.pos, n.eof = nil, 0, 0, false
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (n *flacNative) Info() Info { return n.info }

// next makes sure cur has samples left; io.EOF at the end of the stream.
func (n *flacNative) next() (err error) {
	for n.cur == nil || n.off >= int(n.cur.BlockSize) {
		if n.eof {
			return io.EOF
		}
		fr, err := n.parse()
		if errors.Is(err, io.EOF) {
			n.eof = true
			if n.info.Frames >= 0 && n.pos < n.info.Frames {
				n.info.Truncated = true
			}
			return io.EOF
		}
		if err != nil {
			return err
		}
		if len(fr.Subframes) != n.info.Channels || int(fr.BitsPerSample) != n.bits {
			return n.bad(fmt.Sprintf("frame at sample %d has %d channels of %d bits, the stream %d of %d",
				n.pos, len(fr.Subframes), fr.BitsPerSample, n.info.Channels, n.bits))
		}
		for _, sf := range fr.Subframes {
			if len(sf.Samples) < int(fr.BlockSize) {
				return n.bad(fmt.Sprintf("frame at sample %d is short", n.pos))
			}
		}
		n.cur, n.off = fr, 0
	}
	return nil
}

func (n *flacNative) parse() (fr *frame.Frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			fr, err = nil, n.bad(fmt.Sprint(p))
		}
	}()
	fr, err = n.s.ParseNext()
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			n.info.Truncated = true
			return nil, &FileError{Path: n.path, What: fmt.Sprintf("a FLAC file cut short after %d samples", n.pos), Hint: "copy the complete file again"}
		}
		return nil, n.bad(err.Error())
	}
	return fr, err
}

func (n *flacNative) ReadFloat(dst [][]float32) (int, error) {
	if len(dst) != n.info.Channels {
		return 0, fmt.Errorf("audiofile: %d destination channels for %d", len(dst), n.info.Channels)
	}
	scale := float32(1) / float32(int64(1)<<(n.bits-1))
	want, got := len(dst[0]), 0
	for got < want {
		if err := n.next(); err != nil {
			if got > 0 && errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		k := min(want-got, int(n.cur.BlockSize)-n.off)
		for c, sf := range n.cur.Subframes {
			d := dst[c][got : got+k]
			for i, v := range sf.Samples[n.off : n.off+k] {
				d[i] = max(-1, min(1, float32(v)*scale))
			}
		}
		n.off += k
		n.pos += int64(k)
		got += k
	}
	return got, nil
}

func (n *flacNative) ReadInt16(dst []int16) (int, error) {
	nch := n.info.Channels
	want := len(dst) / nch
	if cap(n.interl) < want*nch {
		n.interl = make([]float32, want*nch)
	}
	planar := make([][]float32, nch)
	for c := range planar {
		planar[c] = n.interl[c*want : (c+1)*want]
	}
	got, err := n.ReadFloat(planar)
	for i := 0; i < got; i++ {
		for c := 0; c < nch; c++ {
			dst[i*nch+c] = wavfile.ToInt16(planar[c][i])
		}
	}
	return got, err
}

// SeekFrame decodes from the start up to the frame (rare: an agent restarting mid-replay).
func (n *flacNative) SeekFrame(fr int64) error {
	if err := n.open(); err != nil {
		return err
	}
	buf := make([][]float32, n.info.Channels)
	for c := range buf {
		buf[c] = make([]float32, 4096)
	}
	for n.pos < fr {
		k := int(min(int64(4096), fr-n.pos))
		for c := range buf {
			buf[c] = buf[c][:k]
		}
		if _, err := n.ReadFloat(buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (n *flacNative) Close() error { return n.f.Close() }
