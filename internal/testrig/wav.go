package testrig

import "testing"

import "github.com/courtscribe/courtscribe/capture/wavfile"

// WriteWAV writes pcm as a mono archive WAV at path (wavfile.Create, Write, Close: the form
// ingest leaves), failing the test on any error.
func WriteWAV(t testing.TB, path string, rate int, pcm []int16) {
	t.Helper()
	w, err := wavfile.Create(path, rate)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
