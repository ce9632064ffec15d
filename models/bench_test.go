package models

import "bufio"
import "context"
import "os"
import "path/filepath"
import "testing"

// benchModel returns a full synthetic model file with the hyper-parameters of base (f16, 148
// MB, 245 tensors, zero weights): COURTSCRIBE_BENCH_MODEL when set (scripts/bench-models.sh
// shares one file between the Go benchmarks and its sha256sum baseline), else a new file
// under the benchmark's temporary directory.
func benchModel(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("COURTSCRIBE_BENCH_MODEL"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		writeBenchModel(b, p)
		return p
	}
	p := filepath.Join(b.TempDir(), "ggml-synthetic-base.bin")
	writeBenchModel(b, p)
	return p
}

func writeBenchModel(tb testing.TB, path string) {
	tb.Helper()
	hp, _ := KnownHParams("base")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := WriteTestModel(w, hp, nil); err != nil {
		tb.Fatal(err)
	}
	wt, _ := checkHParams(&hp)
	specs := expectedTensors(&hp, wt)
	for _, name := range tensorOrder(&hp) {
		w.Write(appendTensor(tb, nil, name, specs[name]))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestWriteBenchModel writes the benchmark model to COURTSCRIBE_BENCH_MODEL_OUT (used by
// scripts/bench-models.sh) and checks it.
func TestWriteBenchModel(t *testing.T) {
	p := os.Getenv("COURTSCRIBE_BENCH_MODEL_OUT")
	if p == "" {
		t.Skip("COURTSCRIBE_BENCH_MODEL_OUT not set (scripts/bench-models.sh sets it)")
	}
	writeBenchModel(t, p)
	info, err := Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Tensors != tensorCount(&info.HParams) || info.Type != "base" {
		t.Fatalf("%+v", info)
	}
}

// BenchmarkValidate is what Validate costs before a load: reading the header and vocabulary
// and walking the tensor records of a base-sized model (page cache warm).
func BenchmarkValidate(b *testing.B) {
	p := benchModel(b)
	for b.Loop() {
		if _, err := Validate(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateTestModel validates whisper.cpp's header-only base.en test model.
func BenchmarkValidateTestModel(b *testing.B) {
	p := filepath.Join(sharedTestdata(b), "for-tests-ggml-base.en.bin")
	for b.Loop() {
		if _, err := Validate(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileSHA256 is the hash check of a downloaded or verified base-sized model.
func BenchmarkFileSHA256(b *testing.B) {
	p := benchModel(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := FileSHA256(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
