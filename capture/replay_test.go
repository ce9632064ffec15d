package capture

import "bytes"
import "context"
import "os"
import "path/filepath"
import "slices"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/internal/testrig"

func TestReplayReadsAndSeeks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav")
	pcm := writeTestWAV(t, path, 48000, 3, 1)
	r, err := OpenReplay(path, false, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if f := r.Format(); f.SampleRate != 48000 || f.Channels != 3 || r.Frames() != 48000 {
		t.Fatalf("format %+v, %d frames", f, r.Frames())
	}
	var got [3][]int16
	testrig.EachBlock(t, r.Read, func(b Block) {
		for i := 0; i < b.Frames; i++ {
			for c := 0; c < 3; c++ {
				got[c] = append(got[c], b.Data[i*3+c])
			}
		}
	})
	for c := range got {
		if !slices.Equal(got[c], pcm[c]) {
			t.Fatalf("channel %d differs from the file", c)
		}
	}
	// Timeline sample 8000 (0.5 s) is frame 24000 at 48 kHz.
	if err := r.SeekTimeline(8000); err != nil {
		t.Fatal(err)
	}
	b, err := r.Read(context.Background())
	if err != nil || b.Data[0] != pcm[0][24000] || b.Data[2] != pcm[2][24000] {
		t.Fatalf("after seek: %v", err)
	}
}

func TestReplayPacedRunsAtRealTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav")
	writeTestWAV(t, path, 16000, 1, 0.5)
	r, _ := OpenReplay(path, true, nil, 0)
	defer r.Close()
	start := time.Now()
	n := 0
	testrig.EachBlock(t, r.Read, func(b Block) {
		n += b.Frames
	})
	if el := time.Since(start); n != 8000 || el < 450*time.Millisecond {
		t.Fatalf("%d frames in %v; a paced replay of 0.5 s must take about 0.5 s", n, el)
	}
}

func TestReplayRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"empty":   nil,
		"notriff": []byte("hello world, not a wav file at all"),
		"mp3":     wavMP3(),
	} {
		p := filepath.Join(dir, name+".wav")
		os.WriteFile(p, b, 0o644)
		if _, err := OpenReplay(p, false, nil, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func wav8bit() []byte {
	var buf bytes.Buffer
	buf.WriteString("RIFF\x30\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x80\x3e\x00\x00\x01\x00\x08\x00data\x04\x00\x00\x00\x00\x00\x00\x00")
	return buf.Bytes()
}

// wavMP3 is a WAV whose samples are MP3 frames (format tag 0x55): not PCM.
func wavMP3() []byte {
	b := wav8bit()
	b[20] = 0x55
	return b
}

func FuzzReplay(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.wav")
	if err := wavfile.WriteMulti(p, 16000, [][]int16{{1, 2, 3}, {4, 5, 6}}); err == nil {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add(wav8bit())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := testrig.FuzzFile(t, dir, "in.wav", b)
		if !ok {
			return
		}
		r, err := OpenReplay(p, false, nil, 7)
		if err != nil {
			return
		}
		defer r.Close()
		fm := r.Format()
		if fm.Channels < 1 || fm.SampleRate < 1000 || r.Frames() < 0 || r.Frames()*int64(fm.Channels) > int64(len(b)) {
			t.Fatalf("accepted %+v with %d frames in %d bytes", fm, r.Frames(), len(b))
		}
		var n int64
		for {
			blk, err := r.Read(context.Background())
			if err != nil {
				break
			}
			n += int64(blk.Frames)
		}
		if n != r.Frames() {
			t.Fatalf("played %d of %d frames", n, r.Frames())
		}
	})
}
