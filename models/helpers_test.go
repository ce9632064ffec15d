package models

import "bytes"
import "encoding/binary"
import "errors"
import "os"
import "path/filepath"
import "testing"

import "github.com/courtscribe/courtscribe/internal/testrig"

// sharedTestdata returns ../shared/testdata next to the repository root (the directory with
// go.mod), or skips the test when it is absent.
func sharedTestdata(t testing.TB) string {
	t.Helper()
	dir, err := testrig.FindRepoRoot()
	if errors.Is(err, testrig.ErrNoRepoRoot) {
		t.Skip("shared test data not found: no go.mod above the package directory")
	}
	if err != nil {
		t.Fatal(err)
	}
	td := filepath.Join(dir, "..", "shared", "testdata")
	if _, err := os.Stat(filepath.Join(td, "for-tests-ggml-tiny.bin")); err != nil {
		t.Skipf("shared test data absent (%s): whisper.cpp test models are needed for this test", td)
	}
	return td
}

// smallHParams is a multilingual model with a 64-wide, one-block encoder and decoder: a full
// model of it (every tensor present) is a few megabytes.
func smallHParams(ftype int32) HParams {
	return HParams{NVocab: 51865, NAudioCtx: 1500, NAudioState: 64, NAudioHead: 2, NAudioLayer: 1,
		NTextCtx: 448, NTextState: 64, NTextHead: 2, NTextLayer: 1, NMels: 80, Ftype: ftype}
}

// headerOnly returns a header-only test model.
func headerOnly(t testing.TB, hp HParams, vocab []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTestModel(&buf, hp, vocab); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fullModel returns a model with every tensor whisper.cpp expects, in converter order, with
// zero weights (the written form of the layout in expectedTensors; whisper.cpp loading it is
// what checks that layout against the real loader).
func fullModel(t testing.TB, hp HParams) []byte {
	t.Helper()
	out := headerOnly(t, hp, nil)
	wt, err := checkHParams(&hp)
	if err != nil {
		t.Fatal(err)
	}
	specs := expectedTensors(&hp, wt)
	for _, name := range tensorOrder(&hp) {
		out = appendTensor(t, out, name, specs[name])
	}
	return out
}

func appendTensor(t testing.TB, out []byte, name string, s tensorSpec) []byte {
	t.Helper()
	dims := shape(s.ne)
	le := binary.LittleEndian
	out = le.AppendUint32(out, uint32(len(dims)))
	out = le.AppendUint32(out, uint32(len(name)))
	out = le.AppendUint32(out, uint32(s.typ))
	n := int64(1)
	for _, d := range dims {
		out = le.AppendUint32(out, uint32(d))
		n *= d
	}
	out = append(out, name...)
	nb, ok := tensorBytes(s.typ, n)
	if !ok {
		t.Fatalf("tensor %s: %d elements not whole %s blocks", name, n, s.typ)
	}
	return append(out, make([]byte, nb)...)
}

// tensorStart returns the offset of the first tensor record (the end of the vocabulary).
func tensorStart(t testing.TB, b []byte) int {
	t.Helper()
	le := binary.LittleEndian
	off := 4 + 11*4
	nMel, nFFT := int(le.Uint32(b[off:])), int(le.Uint32(b[off+4:]))
	off += 8 + nMel*nFFT*4
	n := int(le.Uint32(b[off:]))
	off += 4
	for i := 0; i < n; i++ {
		off += 4 + int(le.Uint32(b[off:]))
	}
	return off
}
