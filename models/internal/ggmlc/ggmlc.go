//go:build whisper

// Package ggmlc exposes the few ggml facts the models validator hard-codes (type block and
// element sizes, file type → weight type) from the installed libggml, so whisper-tagged tests
// can check the Go tables against the library actually linked. It needs the ggml headers and
// libggml-base (installed with libwhisper).
package ggmlc

/*
#cgo LDFLAGS: -lggml-base
#include <ggml.h>
*/
import "C"

// TypeCount is GGML_TYPE_COUNT of the installed ggml.
const TypeCount = int(C.GGML_TYPE_COUNT)

// Type describes one ggml type; ok is false for removed types (block size 0).
func Type(t int) (name string, blockSize, typeSize int64, ok bool) {
	if t < 0 || t >= TypeCount {
		return "", 0, 0, false
	}
	bs := int64(C.ggml_blck_size(C.enum_ggml_type(t)))
	if bs == 0 {
		return "", 0, 0, false
	}
	return C.GoString(C.ggml_type_name(C.enum_ggml_type(t))), bs, int64(C.ggml_type_size(C.enum_ggml_type(t))), true
}

// WeightType is ggml_ftype_to_ggml_type. It aborts the process for a file type ggml does not
// map (that is what the validator protects whisper.cpp from), so call it only with file types
// from the validator's table.
func WeightType(ftype int) int {
	return int(C.ggml_ftype_to_ggml_type(C.enum_ggml_ftype(ftype)))
}
