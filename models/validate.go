package models

import "encoding/binary"
import "errors"
import "fmt"
import "io"
import "os"
import "strconv"
import "strings"

// HParams are the hyper-parameters at the start of a ggml Whisper model file, in file order.
type HParams struct {
	NVocab      int32 // tokens the model predicts (51864 English-only, 51865 multilingual, 51866 large-v3)
	NAudioCtx   int32 // encoder positions (1500 for 30 s of audio)
	NAudioState int32 // encoder width
	NAudioHead  int32 // encoder attention heads
	NAudioLayer int32 // encoder blocks
	NTextCtx    int32 // decoder positions (448)
	NTextState  int32 // decoder width, equal to NAudioState
	NTextHead   int32 // decoder attention heads
	NTextLayer  int32 // decoder blocks
	NMels       int32 // mel bands (80, or 128 for large-v3)
	Ftype       int32 // file type (enum ggml_ftype) + 1000 × quantization version
}

// Info describes a model file that passed Validate.
type Info struct {
	Size         int64   // file size in bytes
	HParams      HParams // as read from the file
	Type         string  // tiny, base, small, medium, large or custom (by encoder depth, as whisper.cpp names it)
	Multilingual bool    // NVocab ≥ 51865
	WeightType   string  // element type of the big weight matrices: f32, f16, q5_0, q8_0…
	QntVersion   int32   // quantization format version (0 for float models)
	MelBands     int32   // mel filter bank rows
	MelBins      int32   // mel filter bank columns (FFT bins)
	VocabTokens  int32   // tokens stored in the file (whisper.cpp adds the rest as special tokens)
	Tensors      int     // tensors stored in the file
	TensorBytes  int64   // bytes of tensor data
	// HeaderOnly is true for test models that hold hyper-parameters, mel filters and
	// vocabulary but no tensors: whisper.cpp loads them as an "empty model for testing" and
	// runs the full graph on uninitialised weights, so their text is meaningless.
	HeaderOnly bool
}

// Name is the model's short description, e.g. "base.en f16" or "tiny q5_1 (header only)".
func (i *Info) Name() string {
	s := i.Type
	if !i.Multilingual {
		s += ".en"
	}
	s += " " + i.WeightType
	if i.HeaderOnly {
		s += " (header only)"
	}
	return s
}

// ErrInvalid is wrapped by every error Validate returns for a file that is not a usable model
// (as opposed to an error reading it).
var ErrInvalid = errors.New("invalid ggml whisper model")

// Limits on hyper-parameters. They are generous around the published models and exist so that
// no size computed from them can overflow or ask for absurd memory.
const (
	// whisper.cpp hard-codes the ids of its special tokens (end of text 50256 … the last
	// timestamp token 51863), so a smaller vocabulary would index out of range at decode time.
	minVocab  = 51864
	maxVocab  = 1 << 17
	maxCtx    = 1 << 14
	maxState  = 1 << 13
	maxHeads  = 256
	maxLayers = 256
	maxMels   = 512
	// whisper.cpp's mel spectrogram uses a 400-point FFT: 201 bins.
	melBins = 201
	// Tokens are byte-level BPE pieces; the longest in the published vocabularies is far
	// below this.
	maxTokenLen = 1 << 12
	// Tensor names are like "decoder.blocks.31.cross_attn.query.weight".
	maxNameLen = 256
	maxDims    = 4
)

// Validate checks that the file at path is a complete, consistent ggml Whisper model that
// whisper.cpp can load without crashing, and describes it. It reads the file once, in order,
// and never allocates more than a bounded buffer whatever the length fields say.
func Validate(path string) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrInvalid)
	}
	info, err := ValidateReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return info, nil
}

// ValidateReader is Validate for any random-access source of size bytes.
func ValidateReader(r io.ReaderAt, size int64) (*Info, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: negative size %d", ErrInvalid, size)
	}
	rd := &reader{r: r, size: size}
	info := &Info{Size: size}
	wtype, err := readHParams(rd, info)
	if err != nil {
		return nil, err
	}
	if err := readMelFilters(rd, info); err != nil {
		return nil, err
	}
	if err := readVocabulary(rd, info); err != nil {
		return nil, err
	}
	seen, err := readTensors(rd, info, wtype)
	if err != nil {
		return nil, err
	}
	if err := checkTensorCount(info, seen); err != nil {
		return nil, err
	}
	return info, nil
}

// readHParams reads the magic and the hyper-parameters into info, checks them, and returns
// the weight type the file type selects.
func readHParams(rd *reader, info *Info) (ggmlType, error) {
	magic, err := rd.u32("magic")
	if err != nil {
		return 0, err
	}
	if magic != Magic {
		return 0, invalidf("bad magic 0x%08x at offset 0 (want 0x%08x \"ggml\"; GGUF and other formats are not whisper.cpp models)", magic, Magic)
	}

	hp := &info.HParams
	for _, f := range []struct {
		name string
		p    *int32
	}{
		{"n_vocab", &hp.NVocab}, {"n_audio_ctx", &hp.NAudioCtx}, {"n_audio_state", &hp.NAudioState},
		{"n_audio_head", &hp.NAudioHead}, {"n_audio_layer", &hp.NAudioLayer}, {"n_text_ctx", &hp.NTextCtx},
		{"n_text_state", &hp.NTextState}, {"n_text_head", &hp.NTextHead}, {"n_text_layer", &hp.NTextLayer},
		{"n_mels", &hp.NMels}, {"ftype", &hp.Ftype},
	} {
		if *f.p, err = rd.i32(f.name); err != nil {
			return 0, err
		}
	}
	wtype, err := checkHParams(hp)
	if err != nil {
		return 0, err
	}
	info.Type = modelType(hp.NAudioLayer)
	info.Multilingual = hp.NVocab >= 51865
	info.WeightType = wtype.String()
	info.QntVersion = hp.Ftype / qntVersionFactor
	return wtype, nil
}

// readMelFilters reads the mel filter bank: n_mel, n_fft, then n_mel × n_fft float32.
func readMelFilters(rd *reader, info *Info) error {
	var err error
	if info.MelBands, err = rd.i32("mel filters n_mel"); err != nil {
		return err
	}
	if info.MelBins, err = rd.i32("mel filters n_fft"); err != nil {
		return err
	}
	if info.MelBands != info.HParams.NMels {
		return invalidf("mel filter bank has %d bands, hparams n_mels is %d", info.MelBands, info.HParams.NMels)
	}
	if info.MelBins != melBins {
		return invalidf("mel filter bank has %d FFT bins, whisper uses %d", info.MelBins, melBins)
	}
	return rd.skip("mel filters", int64(info.MelBands)*int64(info.MelBins)*4)
}

// readVocabulary reads the vocabulary: count, then (uint32 length, bytes) per token.
func readVocabulary(rd *reader, info *Info) error {
	var err error
	if info.VocabTokens, err = rd.i32("vocabulary size"); err != nil {
		return err
	}
	if info.VocabTokens < 1 || info.VocabTokens > info.HParams.NVocab {
		return invalidf("vocabulary holds %d tokens, want 1..n_vocab (%d)", info.VocabTokens, info.HParams.NVocab)
	}
	for i := int32(0); i < info.VocabTokens; i++ {
		n, err := rd.u32("vocabulary token length")
		if err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
		if n > maxTokenLen {
			return invalidf("token %d at offset %d has length %d (limit %d)", i, rd.off-4, n, maxTokenLen)
		}
		if err := rd.skip("vocabulary token", int64(n)); err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
	}
	return nil
}

// readTensors reads tensors until exactly the end of the file, counting them in info, and
// returns the names seen.
func readTensors(rd *reader, info *Info, wtype ggmlType) (map[string]bool, error) {
	seen := make(map[string]bool)
	var name [maxNameLen]byte
	for rd.off < rd.size {
		start := rd.off
		nbytes, err := readTensor(rd, &info.HParams, wtype, seen, &name)
		if err != nil {
			return nil, tensorErr(info.Tensors, start, err)
		}
		info.Tensors++
		info.TensorBytes += nbytes
	}
	return seen, nil
}

// tensorHeader is the fixed start of a tensor record.
type tensorHeader struct {
	nDims, nameLen int32
	typ            ggmlType
}

// readTensorHeader reads and checks n_dims, the name length and the type of a tensor.
func readTensorHeader(rd *reader) (tensorHeader, error) {
	nDims, err := rd.i32("tensor n_dims")
	if err != nil {
		return tensorHeader{}, err
	}
	nameLen, err := rd.i32("tensor name length")
	if err != nil {
		return tensorHeader{}, err
	}
	ttype, err := rd.i32("tensor type")
	if err != nil {
		return tensorHeader{}, err
	}
	if nDims < 1 || nDims > maxDims {
		return tensorHeader{}, invalidf("n_dims %d (want 1..%d)", nDims, maxDims)
	}
	if nameLen < 1 || nameLen > maxNameLen {
		return tensorHeader{}, invalidf("name length %d (want 1..%d)", nameLen, maxNameLen)
	}
	tt := ggmlType(ttype)
	if _, ok := ggmlTypes[tt]; !ok {
		return tensorHeader{}, invalidf("unknown ggml type %d", ttype)
	}
	return tensorHeader{nDims: nDims, nameLen: nameLen, typ: tt}, nil
}

// readTensorDims reads a tensor's n_dims dimensions; the others are 1.
func readTensorDims(rd *reader, nDims int32) ([maxDims]int64, error) {
	ne := [maxDims]int64{1, 1, 1, 1}
	for d := int32(0); d < nDims; d++ {
		v, err := rd.i32("tensor dimension")
		if err != nil {
			return ne, err
		}
		if v < 1 {
			return ne, invalidf("dimension %d is %d", d, v)
		}
		ne[d] = int64(v)
	}
	return ne, nil
}

// readTensor reads one tensor record, checks it against the model's tensor list and skips its
// data; it returns the data's size. name is the buffer its name is read into.
func readTensor(rd *reader, hp *HParams, wtype ggmlType, seen map[string]bool, name *[maxNameLen]byte) (int64, error) {
	th, err := readTensorHeader(rd)
	if err != nil {
		return 0, err
	}
	ne, err := readTensorDims(rd, th.nDims)
	if err != nil {
		return 0, err
	}
	if err := rd.read("tensor name", name[:th.nameLen]); err != nil {
		return 0, err
	}
	tname := string(name[:th.nameLen])
	spec, ok := specFor(hp, wtype, tname)
	if !ok {
		return 0, invalidf("unknown tensor %q", tname)
	}
	if seen[tname] {
		return 0, invalidf("tensor %q appears twice", tname)
	}
	seen[tname] = true
	if ne != spec.ne {
		return 0, invalidf("tensor %q has shape %v, want %v", tname, shape(ne), shape(spec.ne))
	}
	nelem := ne[0] * ne[1] * ne[2] * ne[3]
	nbytes, ok := tensorBytes(spec.typ, nelem)
	if !ok {
		return 0, invalidf("tensor %q: %d elements are not whole %s blocks", tname, nelem, spec.typ)
	}
	// whisper.cpp's own check: the file's type must give the same byte count as the
	// type it allocates; it then reads that many bytes.
	if nelem*ggmlTypes[th.typ].typeSize/ggmlTypes[spec.typ].blockSize != nbytes {
		return 0, invalidf("tensor %q is stored as %s, want %s", tname, th.typ, spec.typ)
	}
	if err := rd.skip(fmt.Sprintf("tensor %q data", tname), nbytes); err != nil {
		return 0, err
	}
	return nbytes, nil
}

// checkTensorCount marks a file without tensors as header-only and refuses one that holds
// some but not all of the model's tensors.
func checkTensorCount(info *Info, seen map[string]bool) error {
	hp := &info.HParams
	wantTensors := tensorCount(hp)
	switch {
	case info.Tensors == 0:
		info.HeaderOnly = true
	case info.Tensors != wantTensors:
		var missing string
		for _, n := range tensorOrder(hp) {
			if !seen[n] {
				missing = n
				break
			}
		}
		return invalidf("file holds %d of %d tensors (first missing: %q): truncated or incomplete model", info.Tensors, wantTensors, missing)
	}
	return nil
}

// checkHParams checks every hyper-parameter against the limits whisper.cpp's loader and
// graph assume, and returns the weight type the file type selects.
func checkHParams(hp *HParams) (ggmlType, error) {
	type rng struct {
		name     string
		v, lo, h int32
	}
	for _, c := range []rng{
		{"n_vocab", hp.NVocab, minVocab, maxVocab},
		{"n_audio_ctx", hp.NAudioCtx, 1, maxCtx},
		{"n_audio_state", hp.NAudioState, 1, maxState},
		{"n_audio_head", hp.NAudioHead, 1, maxHeads},
		{"n_audio_layer", hp.NAudioLayer, 1, maxLayers},
		{"n_text_ctx", hp.NTextCtx, 1, maxCtx},
		{"n_text_state", hp.NTextState, 1, maxState},
		{"n_text_head", hp.NTextHead, 1, maxHeads},
		{"n_text_layer", hp.NTextLayer, 1, maxLayers},
		{"n_mels", hp.NMels, 1, maxMels},
	} {
		if c.v < c.lo || c.v > c.h {
			return 0, invalidf("hparams %s = %d, want %d..%d", c.name, c.v, c.lo, c.h)
		}
	}
	if hp.NTextState != hp.NAudioState {
		return 0, invalidf("hparams n_text_state %d differs from n_audio_state %d", hp.NTextState, hp.NAudioState)
	}
	if hp.NAudioState%hp.NAudioHead != 0 {
		return 0, invalidf("hparams n_audio_state %d is not a multiple of n_audio_head %d", hp.NAudioState, hp.NAudioHead)
	}
	if hp.NTextState%hp.NTextHead != 0 {
		return 0, invalidf("hparams n_text_state %d is not a multiple of n_text_head %d", hp.NTextState, hp.NTextHead)
	}
	if hp.Ftype < 0 {
		return 0, invalidf("hparams ftype %d is negative", hp.Ftype)
	}
	qv, ft := hp.Ftype/qntVersionFactor, hp.Ftype%qntVersionFactor
	if qv > maxQntVersion {
		return 0, invalidf("hparams ftype %d: quantization version %d is newer than %d", hp.Ftype, qv, maxQntVersion)
	}
	wt, ok := ftypeWeightType[ft]
	if !ok {
		return 0, invalidf("hparams ftype %d: unknown file type %d (whisper.cpp would abort)", hp.Ftype, ft)
	}
	return wt, nil
}

// modelType names the model by encoder depth, as whisper.cpp does.
func modelType(nAudioLayer int32) string {
	switch nAudioLayer {
	case 4:
		return "tiny"
	case 6:
		return "base"
	case 12:
		return "small"
	case 24:
		return "medium"
	case 32:
		return "large"
	}
	return "custom"
}

type tensorSpec struct {
	ne  [maxDims]int64
	typ ggmlType
}

// expectedTensors lists the tensors whisper_model_load creates for hp, by name, with the
// shape (ggml order: ne[0] is the fastest-varying dimension) and the type it allocates.
func expectedTensors(hp *HParams, wtype ggmlType) map[string]tensorSpec {
	vtype := typeF16 // convolution weights
	if wtype == typeF32 {
		vtype = typeF32
	}
	m := make(map[string]tensorSpec, 17+15*int(hp.NAudioLayer)+24*int(hp.NTextLayer))
	forEachTensor(hp, wtype, vtype, func(name string, s tensorSpec) { m[name] = s })
	return m
}

// tensorCount is how many tensors a complete model of hp holds.
func tensorCount(hp *HParams) int {
	return 11 + 15*int(hp.NAudioLayer) + 24*int(hp.NTextLayer)
}

// specFor is expectedTensors(hp, wtype)[name] without building the whole map (a model has
// up to thousands of tensors; Validate looks each one up once).
func specFor(hp *HParams, wtype ggmlType, name string) (tensorSpec, bool) {
	vtype := typeF16
	if wtype == typeF32 {
		vtype = typeF32
	}
	as, ac, mels := int64(hp.NAudioState), int64(hp.NAudioCtx), int64(hp.NMels)
	ts, tc, nv := int64(hp.NTextState), int64(hp.NTextCtx), int64(hp.NVocab)
	spec := func(typ ggmlType, ne ...int64) (tensorSpec, bool) {
		s := tensorSpec{ne: [maxDims]int64{1, 1, 1, 1}, typ: typ}
		copy(s.ne[:], ne)
		return s, true
	}
	switch name {
	case "encoder.positional_embedding":
		return spec(typeF32, as, ac)
	case "encoder.conv1.weight":
		return spec(vtype, 3, mels, as)
	case "encoder.conv1.bias", "encoder.conv2.bias":
		return spec(typeF32, 1, as)
	case "encoder.conv2.weight":
		return spec(vtype, 3, as, as)
	case "encoder.ln_post.weight", "encoder.ln_post.bias":
		return spec(typeF32, as)
	case "decoder.positional_embedding":
		return spec(typeF32, ts, tc)
	case "decoder.token_embedding.weight":
		return spec(wtype, ts, nv)
	case "decoder.ln.weight", "decoder.ln.bias":
		return spec(typeF32, ts)
	}
	var rest string
	var layers int32
	var n int64
	var cross bool
	if r, ok := strings.CutPrefix(name, "encoder.blocks."); ok {
		rest, layers, n = r, hp.NAudioLayer, as
	} else if r, ok := strings.CutPrefix(name, "decoder.blocks."); ok {
		rest, layers, n, cross = r, hp.NTextLayer, ts, true
	} else {
		return tensorSpec{}, false
	}
	num, suffix, ok := strings.Cut(rest, ".")
	if !ok {
		return tensorSpec{}, false
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= int(layers) || strconv.Itoa(i) != num {
		return tensorSpec{}, false
	}
	if s, ok := strings.CutPrefix(suffix, "cross_"); ok {
		if !cross {
			return tensorSpec{}, false
		}
		suffix = s
	}
	switch suffix {
	case "attn_ln.weight", "attn_ln.bias", "attn.query.bias", "attn.value.bias", "attn.out.bias":
		return spec(typeF32, n)
	case "attn.query.weight", "attn.key.weight", "attn.value.weight", "attn.out.weight":
		return spec(wtype, n, n)
	}
	if suffix != rest[len(num)+1:] {
		return tensorSpec{}, false // cross_ applies to the attention tensors only
	}
	switch suffix {
	case "mlp_ln.weight", "mlp_ln.bias", "mlp.2.bias":
		return spec(typeF32, n)
	case "mlp.0.weight":
		return spec(wtype, n, 4*n)
	case "mlp.0.bias":
		return spec(typeF32, 4*n)
	case "mlp.2.weight":
		return spec(wtype, 4*n, n)
	}
	return tensorSpec{}, false
}

// tensorOrder lists the tensor names in the order whisper.cpp creates them.
func tensorOrder(hp *HParams) []string {
	var names []string
	forEachTensor(hp, typeF16, typeF16, func(name string, _ tensorSpec) { names = append(names, name) })
	return names
}

func forEachTensor(hp *HParams, wtype, vtype ggmlType, f func(string, tensorSpec)) {
	as, ac, mels := int64(hp.NAudioState), int64(hp.NAudioCtx), int64(hp.NMels)
	ts, tc, nv := int64(hp.NTextState), int64(hp.NTextCtx), int64(hp.NVocab)
	t := func(name string, typ ggmlType, ne ...int64) {
		s := tensorSpec{ne: [maxDims]int64{1, 1, 1, 1}, typ: typ}
		copy(s.ne[:], ne)
		f(name, s)
	}
	// One attention-plus-MLP block; prefix is "encoder.blocks.N." or "decoder.blocks.N.".
	block := func(prefix string, n int64, cross bool) {
		attn := func(p string) {
			t(p+"_ln.weight", typeF32, n)
			t(p+"_ln.bias", typeF32, n)
			t(p+".query.weight", wtype, n, n)
			t(p+".query.bias", typeF32, n)
			t(p+".key.weight", wtype, n, n)
			t(p+".value.weight", wtype, n, n)
			t(p+".value.bias", typeF32, n)
			t(p+".out.weight", wtype, n, n)
			t(p+".out.bias", typeF32, n)
		}
		attn(prefix + "attn")
		if cross {
			attn(prefix + "cross_attn")
		}
		t(prefix+"mlp_ln.weight", typeF32, n)
		t(prefix+"mlp_ln.bias", typeF32, n)
		t(prefix+"mlp.0.weight", wtype, n, 4*n)
		t(prefix+"mlp.0.bias", typeF32, 4*n)
		t(prefix+"mlp.2.weight", wtype, 4*n, n)
		t(prefix+"mlp.2.bias", typeF32, n)
	}
	t("encoder.positional_embedding", typeF32, as, ac)
	t("encoder.conv1.weight", vtype, 3, mels, as)
	t("encoder.conv1.bias", typeF32, 1, as)
	t("encoder.conv2.weight", vtype, 3, as, as)
	t("encoder.conv2.bias", typeF32, 1, as)
	for i := int32(0); i < hp.NAudioLayer; i++ {
		block(fmt.Sprintf("encoder.blocks.%d.", i), as, false)
	}
	t("encoder.ln_post.weight", typeF32, as)
	t("encoder.ln_post.bias", typeF32, as)
	t("decoder.positional_embedding", typeF32, ts, tc)
	t("decoder.token_embedding.weight", wtype, ts, nv)
	for i := int32(0); i < hp.NTextLayer; i++ {
		block(fmt.Sprintf("decoder.blocks.%d.", i), ts, true)
	}
	t("decoder.ln.weight", typeF32, ts)
	t("decoder.ln.bias", typeF32, ts)
}

func shape(ne [maxDims]int64) []int64 {
	n := maxDims
	for n > 1 && ne[n-1] == 1 {
		n--
	}
	return ne[:n]
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func tensorErr(i int, off int64, err error) error {
	return fmt.Errorf("tensor %d at offset %d: %w", i, off, err)
}

// reader reads little-endian fields from an io.ReaderAt through a small window (so walking a
// vocabulary of 50 000 tokens is not 100 000 system calls), tracking the offset, and reports a
// field that runs past the end of the data as truncation.
type reader struct {
	r      io.ReaderAt
	size   int64
	off    int64
	buf    [4]byte
	win    []byte // data at winOff
	winOff int64
}

const readWindow = 64 << 10

func (rd *reader) read(what string, p []byte) error {
	if int64(len(p)) > rd.size-rd.off {
		return invalidf("truncated: %s at offset %d needs %d bytes, %d left", what, rd.off, len(p), rd.size-rd.off)
	}
	if rd.off < rd.winOff || rd.off+int64(len(p)) > rd.winOff+int64(len(rd.win)) {
		if rd.win == nil {
			rd.win = make([]byte, 0, min(readWindow, rd.size))
		}
		n := min(int64(readWindow), rd.size-rd.off)
		if n > int64(cap(rd.win)) {
			rd.win = make([]byte, 0, max(n, int64(len(p))))
		}
		rd.win = rd.win[:n]
		got, err := rd.r.ReadAt(rd.win, rd.off)
		rd.win, rd.winOff = rd.win[:got], rd.off
		if got < len(p) {
			if err == nil || errors.Is(err, io.EOF) {
				return invalidf("truncated: %s at offset %d", what, rd.off)
			}
			return fmt.Errorf("reading %s at offset %d: %w", what, rd.off, err)
		}
	}
	copy(p, rd.win[rd.off-rd.winOff:])
	rd.off += int64(len(p))
	return nil
}

func (rd *reader) u32(what string) (uint32, error) {
	if err := rd.read(what, rd.buf[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(rd.buf[:]), nil
}

func (rd *reader) i32(what string) (int32, error) {
	v, err := rd.u32(what)
	return int32(v), err
}

// skip moves past n bytes that must all lie inside the data.
func (rd *reader) skip(what string, n int64) error {
	if n < 0 || n > rd.size-rd.off {
		return invalidf("truncated: %s at offset %d needs %d bytes, %d left", what, rd.off, n, rd.size-rd.off)
	}
	rd.off += n
	return nil
}
