package archive

import "bytes"
import "os"
import "path/filepath"
import "slices"
import "testing"

import "github.com/courtscribe/courtscribe/asr"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

func FuzzReadRange(f *testing.F) {
	f.Add(asr.EncodeWAV(make([]int16, 2000)), 0.01, 0.05)
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"), 0.0, 1.0)
	f.Fuzz(func(t *testing.T, b []byte, start, end float64) {
		pcm, err := ReadRange(bytes.NewReader(b), start, end)
		if err == nil && int64(len(pcm)) != asr.SampleIndex(end)-asr.SampleIndex(start) {
			t.Fatalf("%d samples for %v..%v", len(pcm), start, end)
		}
	})
}

// TestReadRangeRF64At40Hours: the archive's seat file turns into RF64 past 4 GiB (issue 11);
// backfill reads a range at 40 h of such a (sparse) file sample-exact.
func TestReadRangeRF64At40Hours(t *testing.T) {
	p := filepath.Join(t.TempDir(), "judge.wav")
	w, err := wavfile.Create(p, wire.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	const at40 = 40 * 3600 * wire.SampleRate
	tail := []int16{11, -12, 13, -14}
	if err := w.WriteSilence(at40 - int64(len(tail))); err != nil {
		t.Skipf("no sparse 4.6 GB file here: %v", err)
	}
	if err := w.Write(tail); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadRange(f, float64(at40-4)/wire.SampleRate, 144000)
	if err != nil || !slices.Equal(got, tail) {
		t.Fatalf("last samples of a 40 h RF64 file: %v, %v", got, err)
	}
	if _, err := ReadRange(f, 144000, 144001); err == nil {
		t.Fatal("a range past the end of the file was read")
	}
}
