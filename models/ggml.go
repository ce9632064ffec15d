// Package models knows the Whisper model files courtscribe runs: a catalog of the published
// ggml models (names, byte sizes, SHA-256), downloading with resume and verification, and a
// validator that walks a ggml model file in Go before whisper.cpp ever sees it, so a truncated,
// corrupted or hostile file is a clear error instead of a crash inside C code.
//
// The file layout is the legacy ggml format that whisper.cpp's whisper_model_load reads
// (src/whisper.cpp): magic, eleven int32 hyper-parameters, the mel filter bank, the vocabulary,
// then tensors until the end of the file. Every integer is little-endian.
package models

import "fmt"

// Magic is the first four bytes of a ggml model file, read as a little-endian uint32 ("ggml").
const Magic uint32 = 0x67676d6c

// qntVersionFactor separates the quantization version from the file type in hparams.ftype
// (GGML_QNT_VERSION_FACTOR in ggml.h).
const qntVersionFactor = 1000

// maxQntVersion is the newest quantization format version ggml knows (GGML_QNT_VERSION).
const maxQntVersion = 2

// ggmlType is a ggml tensor element type (enum ggml_type in ggml.h).
type ggmlType int32

const (
	typeF32  ggmlType = 0
	typeF16  ggmlType = 1
	typeQ4_0 ggmlType = 2
	typeQ4_1 ggmlType = 3
	typeQ5_0 ggmlType = 6
	typeQ5_1 ggmlType = 7
	typeQ8_0 ggmlType = 8
	typeBF16 ggmlType = 30
)

// typeTraits is the block size (elements per block) and the bytes per block of a ggml type,
// as in ggml.c's type_traits table at the whisper.cpp commit the Go bindings pin.
type typeTraits struct {
	name      string
	blockSize int64
	typeSize  int64
}

var ggmlTypes = map[ggmlType]typeTraits{
	0:  {"f32", 1, 4},
	1:  {"f16", 1, 2},
	2:  {"q4_0", 32, 18},
	3:  {"q4_1", 32, 20},
	6:  {"q5_0", 32, 22},
	7:  {"q5_1", 32, 24},
	8:  {"q8_0", 32, 34},
	9:  {"q8_1", 32, 36},
	10: {"q2_k", 256, 84},
	11: {"q3_k", 256, 110},
	12: {"q4_k", 256, 144},
	13: {"q5_k", 256, 176},
	14: {"q6_k", 256, 210},
	15: {"q8_k", 256, 292},
	16: {"iq2_xxs", 256, 66},
	17: {"iq2_xs", 256, 74},
	18: {"iq3_xxs", 256, 98},
	19: {"iq1_s", 256, 50},
	20: {"iq4_nl", 32, 18},
	21: {"iq3_s", 256, 110},
	22: {"iq2_s", 256, 82},
	23: {"iq4_xs", 256, 136},
	24: {"i8", 1, 1},
	25: {"i16", 1, 2},
	26: {"i32", 1, 4},
	27: {"i64", 1, 8},
	28: {"f64", 1, 8},
	29: {"iq1_m", 256, 56},
	30: {"bf16", 1, 2},
	34: {"tq1_0", 256, 54},
	35: {"tq2_0", 256, 66},
	39: {"mxfp4", 32, 17},
	40: {"nvfp4", 64, 36}, // ggml since whisper.cpp v1.9 (libwhisper 1.9.3 has 40–42)
	41: {"q1_0", 128, 18},
	42: {"q2_0", 64, 18},
}

func (t ggmlType) String() string {
	if tr, ok := ggmlTypes[t]; ok {
		return tr.name
	}
	return fmt.Sprintf("type(%d)", int32(t))
}

// ftypeWeightType maps a file type (enum ggml_ftype) to the type of the big weight matrices,
// as ggml_ftype_to_ggml_type does. A file type missing here makes whisper.cpp abort the
// process (GGML_ASSERT), so Validate rejects it.
var ftypeWeightType = map[int32]ggmlType{
	0:  typeF32,
	1:  typeF16,
	2:  typeQ4_0,
	3:  typeQ4_1,
	7:  typeQ8_0,
	8:  typeQ5_0,
	9:  typeQ5_1,
	10: 10, // q2_k
	11: 11, // q3_k
	12: 12, // q4_k
	13: 13, // q5_k
	14: 14, // q6_k
	15: 16, // iq2_xxs
	16: 17, // iq2_xs
	17: 18, // iq3_xxs
	18: 19, // iq1_s
	19: 20, // iq4_nl
	20: 21, // iq3_s
	21: 22, // iq2_s
	22: 23, // iq4_xs
	23: 29, // iq1_m
	24: typeBF16,
	25: 39, // mxfp4
}

// tensorBytes is the number of bytes nelements of type t take (ggml_row_size over the whole
// tensor); ok is false when the count is not a whole number of blocks.
func tensorBytes(t ggmlType, nelements int64) (int64, bool) {
	tr, ok := ggmlTypes[t]
	if !ok || nelements%tr.blockSize != 0 {
		return 0, false
	}
	return nelements / tr.blockSize * tr.typeSize, true
}
