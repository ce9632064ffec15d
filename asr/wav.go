package asr

import "strings"
import "unicode"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"

// EncodeWAV returns pcm as a canonical 16 kHz mono 16-bit WAV file (RIFF/WAVE PCM), the form
// whisper.cpp's server and OpenAI-compatible servers accept.
func EncodeWAV(pcm []int16) []byte {
	return wavfile.EncodePCM(wire.SampleRate, 1, pcm)
}

// Float32 converts 16-bit PCM to the [-1, 1) floats whisper.cpp takes.
func Float32(pcm []int16) []float32 {
	out := make([]float32, len(pcm))
	for i, s := range pcm {
		out[i] = float32(s) / 32768
	}
	return out
}

// JoinText joins pieces of text with a space, except between two CJK characters (Chinese text
// has no spaces between words).
func JoinText(parts []string) string {
	var b strings.Builder
	var last rune
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(p)
		if b.Len() > 0 && (!isCJK(last) || !isCJK(first) && !unicode.IsPunct(first)) {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		last, _ = utf8.DecodeLastRuneInString(p)
	}
	return b.String()
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) // CJK and full-width punctuation
}
