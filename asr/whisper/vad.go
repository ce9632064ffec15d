//go:build whisper

package whisper

/*
#include <stdlib.h>
#include <whisper.h>
*/
import "C"

import "errors"
import "fmt"
import "math"
import "os"
import "sync"
import "unsafe"

// VADFrame is the number of samples (at wire.SampleRate: 32 ms) each Silero probability covers.
const VADFrame = 512

// VAD is whisper.cpp's Silero voice activity detector (whisper_vad_*), loaded from a ggml
// Silero model such as ggml-silero-v6.2.0.bin. It is safe for concurrent use (calls are
// serialised: the detector keeps its LSTM state in its context).
type VAD struct {
	mu  sync.Mutex
	ctx *C.struct_whisper_vad_context
}

// OpenVAD loads the Silero model at path on the CPU with the given number of threads.
func OpenVAD(path string, threads int) (*VAD, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("whisper vad: %w", err)
	}
	if !st.Mode().IsRegular() || st.Size() < 1024 {
		return nil, fmt.Errorf("whisper vad: %s is not a Silero model file (%d bytes)", path, st.Size())
	}
	p := C.whisper_vad_default_context_params()
	p.n_threads = C.int(max(1, threads))
	p.use_gpu = false
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	ctx := C.whisper_vad_init_from_file_with_params(cs, p)
	if ctx == nil {
		return nil, fmt.Errorf("whisper vad: whisper.cpp could not load %s as a Silero VAD model", path)
	}
	return &VAD{ctx: ctx}, nil
}

// Probs returns the speech probability of every VADFrame samples of pcm (16 kHz mono), from
// the start of pcm; a last partial frame is padded by whisper.cpp.
func (v *VAD) Probs(pcm []int16) ([]float32, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ctx == nil {
		return nil, errors.New("whisper vad: closed")
	}
	if len(pcm) == 0 {
		return nil, nil
	}
	if len(pcm) > math.MaxInt32 {
		return nil, fmt.Errorf("whisper vad: %d samples in one call, at most %d", len(pcm), math.MaxInt32)
	}
	f := make([]float32, len(pcm))
	for i, s := range pcm {
		f[i] = float32(s) / 32768
	}
	if !C.whisper_vad_detect_speech(v.ctx, (*C.float)(unsafe.Pointer(&f[0])), C.int(len(f))) {
		return nil, errors.New("whisper vad: detection failed")
	}
	n := int(C.whisper_vad_n_probs(v.ctx))
	p := unsafe.Slice((*float32)(unsafe.Pointer(C.whisper_vad_probs(v.ctx))), n)
	return append([]float32(nil), p...), nil
}

// Close frees the detector; later calls return an error.
func (v *VAD) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ctx != nil {
		C.whisper_vad_free(v.ctx)
		v.ctx = nil
	}
}
