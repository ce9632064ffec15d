//go:build whisper

package models

import "testing"

import "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"

// BenchmarkWhisperLoad is the baseline for BenchmarkValidate: whisper.cpp loading the same
// base-sized model (whisper.New and Close).
func BenchmarkWhisperLoad(b *testing.B) {
	p := benchModel(b)
	for b.Loop() {
		m, err := whisper.New(p)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}
