package models

import "bufio"
import "encoding/binary"
import "fmt"
import "io"
import "math"
import "strings"

// KnownHParams returns the hyper-parameters of a published Whisper model by catalog name
// without quantization suffix ("tiny", "base.en", "small", "medium.en", "large-v3",
// "large-v3-turbo"…), as float16 (ftype 1). Use them with WriteTestModel.
func KnownHParams(name string) (HParams, bool) {
	en := strings.HasSuffix(name, ".en")
	base := strings.TrimSuffix(name, ".en")
	hp := HParams{NVocab: 51865, NAudioCtx: 1500, NTextCtx: 448, NMels: 80, Ftype: 1}
	var state, heads, audioLayers, textLayers int32
	switch base {
	case "tiny":
		state, heads, audioLayers, textLayers = 384, 6, 4, 4
	case "base":
		state, heads, audioLayers, textLayers = 512, 8, 6, 6
	case "small":
		state, heads, audioLayers, textLayers = 768, 12, 12, 12
	case "medium":
		state, heads, audioLayers, textLayers = 1024, 16, 24, 24
	case "large-v1", "large-v2":
		state, heads, audioLayers, textLayers = 1280, 20, 32, 32
	case "large-v3":
		state, heads, audioLayers, textLayers = 1280, 20, 32, 32
		hp.NVocab, hp.NMels = 51866, 128
	case "large-v3-turbo":
		state, heads, audioLayers, textLayers = 1280, 20, 32, 4
		hp.NVocab, hp.NMels = 51866, 128
	default:
		return HParams{}, false
	}
	if en {
		if base != "tiny" && base != "base" && base != "small" && base != "medium" {
			return HParams{}, false
		}
		hp.NVocab = 51864
	}
	hp.NAudioState, hp.NTextState = state, state
	hp.NAudioHead, hp.NTextHead = heads, heads
	hp.NAudioLayer, hp.NTextLayer = audioLayers, textLayers
	return hp, true
}

// TestVocabSize is the number of tokens whisper.cpp's own models store (the GPT-2 byte-level
// BPE vocabulary plus end of text); the special tokens above it are generated at load time.
const TestVocabSize = 50257

// WriteTestModel writes a header-only ggml Whisper model: hyper-parameters, a mel filter bank
// and the vocabulary, with no tensors. whisper.cpp loads such a file as an "empty model for
// testing" and runs the real encoder and decoder on uninitialised weights, which exercises the
// engine path and gives real compute timings; the text it produces is meaningless.
//
// A nil vocab writes TestVocabSize placeholder tokens: the 256 single bytes, then "t256",
// "t257"… Otherwise vocab must hold 1..hp.NVocab tokens. The filter bank is a triangular mel
// bank over 201 FFT bins so the spectrogram is not all zeros.
func WriteTestModel(w io.Writer, hp HParams, vocab []string) error {
	if _, err := checkHParams(&hp); err != nil {
		return fmt.Errorf("test model: %w", err)
	}
	if vocab == nil {
		vocab = make([]string, TestVocabSize)
		for i := range vocab {
			if i < 256 {
				vocab[i] = string([]byte{byte(i)})
			} else {
				vocab[i] = fmt.Sprintf("t%d", i)
			}
		}
	}
	if len(vocab) < 1 || int64(len(vocab)) > int64(hp.NVocab) {
		return fmt.Errorf("test model: %w: %d vocabulary tokens, want 1..n_vocab (%d)", ErrInvalid, len(vocab), hp.NVocab)
	}
	for i, tok := range vocab {
		if len(tok) > maxTokenLen {
			return fmt.Errorf("test model: %w: token %d is %d bytes (limit %d)", ErrInvalid, i, len(tok), maxTokenLen)
		}
	}
	bw := bufio.NewWriter(w)
	le := binary.LittleEndian
	var b [4]byte
	put := func(v uint32) {
		le.PutUint32(b[:], v)
		bw.Write(b[:]) // errors surface at Flush
	}
	put(Magic)
	for _, v := range []int32{hp.NVocab, hp.NAudioCtx, hp.NAudioState, hp.NAudioHead, hp.NAudioLayer,
		hp.NTextCtx, hp.NTextState, hp.NTextHead, hp.NTextLayer, hp.NMels, hp.Ftype} {
		put(uint32(v))
	}
	put(uint32(hp.NMels))
	put(melBins)
	for _, v := range melFilterBank(int(hp.NMels), melBins) {
		put(math.Float32bits(v))
	}
	put(uint32(len(vocab)))
	for _, tok := range vocab {
		put(uint32(len(tok)))
		bw.WriteString(tok)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("test model: %w", err)
	}
	return nil
}

// melFilterBank returns nMels triangular filters spaced evenly on the mel scale from 0 to
// 8 kHz over nBins FFT bins of a 16 kHz signal (row-major, nMels × nBins). It is close in
// shape to Whisper's filters, which is all a test model needs.
func melFilterBank(nMels, nBins int) []float32 {
	hzToMel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	melToHz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	top := hzToMel(8000)
	pts := make([]float64, nMels+2)
	for i := range pts {
		pts[i] = melToHz(top * float64(i) / float64(nMels+1))
	}
	out := make([]float32, nMels*nBins)
	for m := 0; m < nMels; m++ {
		lo, mid, hi := pts[m], pts[m+1], pts[m+2]
		for k := 0; k < nBins; k++ {
			f := 8000 * float64(k) / float64(nBins-1)
			var v float64
			switch {
			case f > lo && f <= mid:
				v = (f - lo) / (mid - lo)
			case f > mid && f < hi:
				v = (hi - f) / (hi - mid)
			}
			out[m*nBins+k] = float32(v * 2 / (hi - lo))
		}
	}
	return out
}

// WriteRandomModel writes a complete model of hp (float16, ftype 1) whose weights are
// pseudo-random from seed: layer norms 1, biases 0, every other weight small and random. Unlike
// a header-only model its output depends on the audio (the text is still meaningless), so tests
// can tell one decode from another. A tiny model is about 75 MB.
func WriteRandomModel(w io.Writer, hp HParams, seed uint64) error {
	if hp.Ftype != 1 {
		return fmt.Errorf("random model: %w: ftype %d, only 1 (f16) is written", ErrInvalid, hp.Ftype)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := WriteTestModel(bw, hp, nil); err != nil {
		return err
	}
	le := binary.LittleEndian
	x := seed | 1
	next := func() uint64 { // xorshift64
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return x
	}
	var b [4]byte
	var err error
	forEachTensor(&hp, typeF16, typeF16, func(name string, s tensorSpec) {
		dims := shape(s.ne)
		if name == "encoder.conv1.bias" || name == "encoder.conv2.bias" {
			dims = s.ne[:2] // stored as (1, n_audio_state)
		}
		for _, v := range []int32{int32(len(dims)), int32(len(name)), int32(s.typ)} {
			le.PutUint32(b[:], uint32(v))
			bw.Write(b[:])
		}
		n := int64(1)
		for _, d := range dims {
			le.PutUint32(b[:], uint32(d))
			bw.Write(b[:])
			n *= d
		}
		bw.WriteString(name)
		norm := strings.HasSuffix(name, "ln.weight") || strings.HasSuffix(name, "ln_post.weight")
		bias := strings.HasSuffix(name, ".bias")
		for i := int64(0); i < n; i++ {
			if s.typ == typeF32 {
				v := float32(0)
				switch {
				case norm:
					v = 1
				case !bias:
					v = float32(int64(next()%2001)-1000) / 20000 // ±0.05
				}
				le.PutUint32(b[:], math.Float32bits(v))
				bw.Write(b[:])
				continue
			}
			// f16: random sign and mantissa, exponent 2^-10..2^-5 (magnitudes up to ~0.06)
			r := next()
			h := uint16(r&0x8000) | uint16(5+(r>>16)%6)<<10 | uint16(r>>32)&0x3ff
			bw.Write([]byte{byte(h), byte(h >> 8)})
		}
	})
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("random model: %w", err)
	}
	return nil
}
