package models

import "bytes"
import "encoding/binary"
import "errors"
import "os"
import "path/filepath"
import "runtime"
import "strings"
import "testing"

func TestValidateSharedTestModels(t *testing.T) {
	td := sharedTestdata(t)
	for _, c := range []struct {
		file, typ    string
		multilingual bool
	}{
		{"for-tests-ggml-tiny.bin", "tiny", true},
		{"for-tests-ggml-tiny.en.bin", "tiny", false},
		{"for-tests-ggml-base.en.bin", "base", false},
	} {
		t.Run(c.file, func(t *testing.T) {
			info, err := Validate(filepath.Join(td, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if !info.HeaderOnly || info.Tensors != 0 || info.TensorBytes != 0 {
				t.Errorf("want header-only, got %+v", info)
			}
			if info.Type != c.typ || info.Multilingual != c.multilingual || info.WeightType != "f16" {
				t.Errorf("got type %s multilingual %v weights %s", info.Type, info.Multilingual, info.WeightType)
			}
			if info.MelBands != 80 || info.MelBins != 201 || info.VocabTokens != TestVocabSize {
				t.Errorf("mel %dx%d, vocab %d", info.MelBands, info.MelBins, info.VocabTokens)
			}
		})
	}
	// The silero VAD model is ggml too, but not a Whisper model.
	if _, err := Validate(filepath.Join(td, "for-tests-silero-v6.2.0-ggml.bin")); !errors.Is(err, ErrInvalid) {
		t.Errorf("silero VAD model: want ErrInvalid, got %v", err)
	}
}

func TestWriteTestModelValidates(t *testing.T) {
	for _, name := range []string{"tiny", "tiny.en", "base", "small.en", "medium", "large-v3", "large-v3-turbo"} {
		hp, ok := KnownHParams(name)
		if !ok {
			t.Fatalf("KnownHParams(%q) unknown", name)
		}
		b := headerOnly(t, hp, nil)
		info, err := ValidateReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.HParams != hp || !info.HeaderOnly || info.VocabTokens != TestVocabSize || info.Size != int64(len(b)) {
			t.Errorf("%s: got %+v", name, info)
		}
		if want := strings.HasSuffix(name, ".en"); info.Multilingual == want {
			t.Errorf("%s: multilingual %v", name, info.Multilingual)
		}
	}
	if _, ok := KnownHParams("huge"); ok {
		t.Error("KnownHParams(huge) should be unknown")
	}
	if _, ok := KnownHParams("large-v3.en"); ok {
		t.Error("there is no large-v3.en")
	}
}

func TestWriteTestModelMatchesWhisperCppTestModel(t *testing.T) {
	// Our writer and whisper.cpp's test model agree on layout: same hyper-parameters and
	// vocabulary give the same bytes, apart from the mel filter values.
	td := sharedTestdata(t)
	orig, err := os.ReadFile(filepath.Join(td, "for-tests-ggml-tiny.bin"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := ValidateReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	vocab := readVocab(t, orig)
	b := headerOnly(t, info.HParams, vocab)
	if len(b) != len(orig) {
		t.Fatalf("length %d, whisper.cpp's is %d", len(b), len(orig))
	}
	filtersEnd := 48 + 8 + 80*201*4
	if !bytes.Equal(b[:56], orig[:56]) || !bytes.Equal(b[filtersEnd:], orig[filtersEnd:]) {
		t.Fatal("header or vocabulary bytes differ from whisper.cpp's test model")
	}
}

func readVocab(t *testing.T, b []byte) []string {
	le := binary.LittleEndian
	off := 48 + 8 + 80*201*4
	n := int(le.Uint32(b[off:]))
	off += 4
	v := make([]string, n)
	for i := range v {
		l := int(le.Uint32(b[off:]))
		v[i] = string(b[off+4 : off+4+l])
		off += 4 + l
	}
	return v
}

func TestWriteTestModelRejectsBadInput(t *testing.T) {
	hp, _ := KnownHParams("tiny")
	var buf bytes.Buffer
	bad := hp
	bad.Ftype = 4
	if err := WriteTestModel(&buf, bad, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("ftype 4: got %v", err)
	}
	if err := WriteTestModel(&buf, hp, []string{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty vocabulary: got %v", err)
	}
	if err := WriteTestModel(&buf, hp, make([]string, hp.NVocab+1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("vocabulary larger than n_vocab: got %v", err)
	}
	if err := WriteTestModel(failWriter{}, hp, nil); err == nil || errors.Is(err, ErrInvalid) {
		t.Errorf("failing writer: got %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestValidateFullModels(t *testing.T) {
	for _, c := range []struct {
		ftype  int32
		weight string
	}{{0, "f32"}, {1, "f16"}, {1007, "q8_0"}, {2008, "q5_0"}, {2009, "q5_1"}} {
		hp := smallHParams(c.ftype)
		b := fullModel(t, hp)
		info, err := ValidateReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("ftype %d: %v", c.ftype, err)
		}
		want := len(tensorOrder(&hp))
		if info.HeaderOnly || info.Tensors != want || info.WeightType != c.weight || info.Type != "custom" {
			t.Errorf("ftype %d: got %+v, want %d tensors of %s", c.ftype, info, want, c.weight)
		}
		if info.QntVersion != c.ftype/1000 {
			t.Errorf("ftype %d: quantization version %d", c.ftype, info.QntVersion)
		}
		if int(info.TensorBytes) >= len(b) || info.TensorBytes <= 0 {
			t.Errorf("tensor bytes %d of %d", info.TensorBytes, len(b))
		}
	}
}

func TestValidateFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.bin")
	if err := os.WriteFile(p, fullModel(t, smallHParams(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(filepath.Join(dir, "missing.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Validate(dir); !errors.Is(err, ErrInvalid) {
		t.Errorf("directory: %v", err)
	}
}

// corruption is a way to damage a model file and the words the error must contain.
type corruption struct {
	name   string
	damage func(t *testing.T, b []byte) []byte
	want   string
}

func put32(b []byte, off int, v int32) []byte {
	binary.LittleEndian.PutUint32(b[off:], uint32(v))
	return b
}

// hparam offsets: magic, then n_vocab at 4, n_audio_ctx 8, n_audio_state 12, n_audio_head 16,
// n_audio_layer 20, n_text_ctx 24, n_text_state 28, n_text_head 32, n_text_layer 36,
// n_mels 40, ftype 44; mel filters n_mel 48, n_fft 52.
var corruptions = []corruption{
	{"empty file", func(t *testing.T, b []byte) []byte { return nil }, "truncated: magic"},
	{"flipped magic", func(t *testing.T, b []byte) []byte { b[0] ^= 0xff; return b }, "bad magic"},
	{"gguf magic", func(t *testing.T, b []byte) []byte { copy(b, "GGUF"); return b }, "bad magic"},
	{"truncated in hparams", func(t *testing.T, b []byte) []byte { return b[:30] }, "truncated: n_text_state"},
	{"negative n_vocab", func(t *testing.T, b []byte) []byte { return put32(b, 4, -1) }, "n_vocab = -1"},
	{"tiny n_vocab", func(t *testing.T, b []byte) []byte { return put32(b, 4, 100) }, "n_vocab = 100"},
	{"absurd n_audio_layer", func(t *testing.T, b []byte) []byte { return put32(b, 20, 1<<30) }, "n_audio_layer"},
	{"zero heads", func(t *testing.T, b []byte) []byte { return put32(b, 16, 0) }, "n_audio_head = 0"},
	{"heads not dividing state", func(t *testing.T, b []byte) []byte { return put32(b, 32, 3) }, "not a multiple"},
	{"state mismatch", func(t *testing.T, b []byte) []byte { return put32(b, 28, 128) }, "differs"},
	{"ftype 4 aborts whisper.cpp", func(t *testing.T, b []byte) []byte { return put32(b, 44, 4) }, "unknown file type 4"},
	{"negative ftype", func(t *testing.T, b []byte) []byte { return put32(b, 44, -1) }, "negative"},
	{"future quantization", func(t *testing.T, b []byte) []byte { return put32(b, 44, 9008) }, "quantization version 9"},
	{"n_mels disagrees with filters", func(t *testing.T, b []byte) []byte { return put32(b, 40, 128) }, "80 bands"},
	{"wrong FFT bins", func(t *testing.T, b []byte) []byte { return put32(b, 52, 200) }, "200 FFT bins"},
	{"truncated in filters", func(t *testing.T, b []byte) []byte { return b[:1000] }, "truncated: mel filters"},
	{"vocabulary larger than n_vocab", func(t *testing.T, b []byte) []byte {
		return put32(b, 56+80*201*4, 60000)
	}, "60000 tokens"},
	{"negative vocabulary", func(t *testing.T, b []byte) []byte { return put32(b, 56+80*201*4, -5) }, "-5 tokens"},
	{"absurd token length", func(t *testing.T, b []byte) []byte { return put32(b, 60+80*201*4, 1<<30) }, "length 1073741824"},
	{"truncated in vocabulary", func(t *testing.T, b []byte) []byte { return b[:100000] }, "truncated"},
	{"truncated in tensor data", func(t *testing.T, b []byte) []byte { return b[:len(b)-1] }, "truncated: tensor \"decoder.ln.bias\" data"},
	{"last tensor missing", func(t *testing.T, b []byte) []byte {
		return b[:len(b)-lastTensorLen]
	}, "first missing: \"decoder.ln.bias\""},
	{"trailing junk", func(t *testing.T, b []byte) []byte { return append(b, 1, 2, 3) }, "truncated: tensor n_dims"},
	{"trailing tensor-sized junk", func(t *testing.T, b []byte) []byte {
		return append(b, make([]byte, 64)...)
	}, "n_dims 0"},
	{"duplicate tensor", func(t *testing.T, b []byte) []byte {
		return append(b, b[len(b)-lastTensorLen:]...)
	}, "appears twice"},
}

// lastTensorLen is the record length of decoder.ln.bias in smallHParams models (f16):
// 3 int32 + 1 dim + 16-byte name + 64 float32.
const lastTensorLen = 12 + 4 + len("decoder.ln.bias") + 64*4

func TestValidateRejectsCorruptModels(t *testing.T) {
	good := fullModel(t, smallHParams(1))
	if _, err := ValidateReader(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatal(err)
	}
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			b := c.damage(t, bytes.Clone(good))
			info, err := ValidateReader(bytes.NewReader(b), int64(len(b)))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got info %+v err %v", info, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestValidateRejectsBadTensorRecords(t *testing.T) {
	hp := smallHParams(1)
	base := headerOnly(t, hp, []string{"a", "b"})
	wt, _ := checkHParams(&hp)
	specs := expectedTensors(&hp, wt)
	le := binary.LittleEndian
	rec := func(nDims, nameLen, ttype int32, dims []int32, name string) []byte {
		b := bytes.Clone(base)
		b = le.AppendUint32(b, uint32(nDims))
		b = le.AppendUint32(b, uint32(nameLen))
		b = le.AppendUint32(b, uint32(ttype))
		for _, d := range dims {
			b = le.AppendUint32(b, uint32(d))
		}
		b = append(b, name...)
		return append(b, make([]byte, 4096)...)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"five dims", rec(5, 4, 0, []int32{1, 1, 1, 1, 1}, "abcd"), "n_dims 5"},
		{"zero name", rec(1, 0, 0, []int32{64}, ""), "name length 0"},
		{"huge name", rec(1, 1<<30, 0, []int32{64}, "x"), "name length 1073741824"},
		{"unknown type", rec(1, 4, 77, []int32{64}, "abcd"), "unknown ggml type 77"},
		{"negative dim", rec(1, 4, 0, []int32{-64}, "abcd"), "dimension 0 is -64"},
		{"unknown name", rec(1, 4, 0, []int32{64}, "abcd"), "unknown tensor \"abcd\""},
		{"wrong shape", rec(1, 17, 0, []int32{65}, "decoder.ln.weight"), "shape [65], want [64]"},
		{"f32 where f16", rec(2, 29, 0, []int32{64, 256}, "decoder.blocks.0.mlp.0.weight"), "stored as f32, want f16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ValidateReader(bytes.NewReader(c.b), int64(len(c.b)))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want ErrInvalid mentioning %q, got %v", c.want, err)
			}
		})
	}
	if s := specs["decoder.blocks.0.mlp.0.weight"]; s.typ != typeF16 || s.ne != [4]int64{64, 256, 1, 1} {
		t.Errorf("mlp.0 spec %+v", s)
	}
}

// hugeReader claims an enormous size and serves a small prefix followed by 0xff bytes, so
// every length field read past the prefix is as large as it can be.
type hugeReader struct{ prefix []byte }

func (h hugeReader) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		o := off + int64(i)
		if o < int64(len(h.prefix)) {
			p[i] = h.prefix[o]
		} else {
			p[i] = 0x7f
		}
	}
	return len(p), nil
}

func TestValidateBoundsAllocations(t *testing.T) {
	hp := smallHParams(1)
	good := headerOnly(t, hp, []string{"a"})
	for _, prefix := range [][]byte{
		good[:tensorStart(t, good)], // tensor fields all 0x7f7f7f7f
		good[:56+80*201*4],          // vocabulary count 0x7f7f7f7f
		good[:56+80*201*4+4],        // first token length 0x7f7f7f7f
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ValidateReader(hugeReader{prefix}, 1<<50)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("want ErrInvalid, got %v", err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("allocated %d bytes validating a hostile header", d)
		}
	}
}

type errReaderAt struct{}

func (errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("i/o error") }

func TestValidateReportsReadErrors(t *testing.T) {
	_, err := ValidateReader(errReaderAt{}, 1000)
	if err == nil || errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "i/o error") {
		t.Fatalf("want the read error, not ErrInvalid: %v", err)
	}
	if _, err := ValidateReader(bytes.NewReader(nil), -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative size: %v", err)
	}
}

// Fuzz inputs are kept short because the fuzzer's minimizer is quadratic in input length,
// and a model's mel filter bank alone is 804+ bytes that the validator only skips. An input
// whose first byte is odd is therefore "compact": the filter bank its header announces (up to
// 64 Ki floats) is inserted as zeros after the first 56 bytes. An even first byte means the
// rest is the file as is.
func fuzzExpand(b []byte) []byte {
	if len(b) == 0 || b[0]&1 == 0 || len(b) < 57 {
		if len(b) == 0 {
			return b
		}
		return b[1:]
	}
	body := b[1:]
	nMel, nFFT := int64(int32(binary.LittleEndian.Uint32(body[48:]))), int64(int32(binary.LittleEndian.Uint32(body[52:])))
	n := nMel * nFFT
	if nMel <= 0 || nFFT <= 0 || n > 1<<16 {
		return body
	}
	out := make([]byte, 0, int64(len(body))+4*n)
	out = append(out, body[:56]...)
	out = append(out, make([]byte, 4*n)...)
	return append(out, body[56:]...)
}

// fuzzCompact is the compact fuzz input of a model file.
func fuzzCompact(b []byte) []byte {
	nMel, nFFT := int(binary.LittleEndian.Uint32(b[48:])), int(binary.LittleEndian.Uint32(b[52:]))
	out := append([]byte{1}, b[:56]...)
	return append(out, b[56+4*nMel*nFFT:]...)
}

func TestFuzzCompactRoundTrip(t *testing.T) {
	b := headerOnly(t, smallHParams(1), []string{"a"})
	zeroFilters := bytes.Clone(b)
	clear(zeroFilters[56 : 56+4*80*201])
	if !bytes.Equal(fuzzExpand(fuzzCompact(b)), zeroFilters) || !bytes.Equal(fuzzExpand(append([]byte{0}, b...)), b) {
		t.Fatal("fuzz input expansion does not round-trip")
	}
}

func FuzzValidate(f *testing.F) {
	hp := smallHParams(1)
	f.Add(fuzzCompact(headerOnly(f, hp, []string{"a", "bc", ""})))
	hp.Ftype = 2008
	seed := headerOnly(f, hp, []string{"x"})
	f.Add(fuzzCompact(seed))
	// A header followed by one tensor record (decoder.ln.bias, 64 f32, truncated data).
	rec := binary.LittleEndian.AppendUint32(fuzzCompact(seed), 1)
	rec = binary.LittleEndian.AppendUint32(rec, 15)
	rec = binary.LittleEndian.AppendUint32(rec, 0)
	rec = binary.LittleEndian.AppendUint32(rec, 64)
	f.Add(append(append(rec, "decoder.ln.bias"...), 1, 2, 3, 4))
	f.Add([]byte("\x00ggml"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		b := fuzzExpand(in)
		info, err := ValidateReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if info != nil {
				t.Fatal("info with error")
			}
			return
		}
		if info.Size != int64(len(b)) || info.HeaderOnly != (info.Tensors == 0) || info.TensorBytes > info.Size {
			t.Fatalf("inconsistent info %+v for %d bytes", info, len(b))
		}
		if _, err := checkHParams(&info.HParams); err != nil {
			t.Fatalf("accepted bad hparams: %v", err)
		}
	})
}

func TestSpecForMatchesExpectedTensors(t *testing.T) {
	for _, hp := range []HParams{smallHParams(1), smallHParams(0), smallHParams(2008)} {
		hp.NAudioLayer, hp.NTextLayer = 3, 12
		wt, _ := checkHParams(&hp)
		want := expectedTensors(&hp, wt)
		if len(want) != tensorCount(&hp) {
			t.Fatalf("%d tensors, tensorCount says %d", len(want), tensorCount(&hp))
		}
		for name, s := range want {
			if got, ok := specFor(&hp, wt, name); !ok || got != s {
				t.Errorf("specFor(%s) = %+v %v, want %+v", name, got, ok, s)
			}
		}
		for _, bad := range []string{"encoder.blocks.3.mlp_ln.weight", "encoder.blocks.01.mlp_ln.weight",
			"encoder.blocks.-1.mlp_ln.weight", "encoder.blocks.+1.mlp_ln.weight", "encoder.blocks.0.cross_attn_ln.weight",
			"decoder.blocks.0.cross_mlp_ln.weight", "decoder.blocks.0.cross_mlp.0.weight", "decoder.blocks.11", "decoder.blocks.",
			"decoder.blocks.0.attn.key.bias", "encoder.ln.weight", "decoder.blocks.12.attn.out.bias", ""} {
			if _, ok := specFor(&hp, wt, bad); ok {
				t.Errorf("specFor accepted %q", bad)
			}
		}
	}
}
