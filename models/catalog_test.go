package models

import "bytes"
import "context"
import "errors"
import "os"
import "path/filepath"
import "regexp"
import "strings"
import "testing"

// family is the catalog name without the quantization suffix ("base.en-q5_1" → "base.en").
func family(name string) string {
	if i := strings.LastIndex(name, "-q"); i > 0 {
		return name[:i]
	}
	return name
}

var weightFtype = map[string]int32{"f16": 1, "q5_0": 8, "q5_1": 9, "q8_0": 7}

func TestCatalogEntries(t *testing.T) {
	hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for _, e := range Catalog() {
		if seen[e.Name] {
			t.Errorf("%s twice", e.Name)
		}
		seen[e.Name] = true
		if e.SHA256 != "" && !hexRe.MatchString(e.SHA256) {
			t.Errorf("%s: bad SHA-256 %q", e.Name, e.SHA256)
		}
		if _, ok := weightFtype[e.Weights]; !ok {
			t.Errorf("%s: weights %q", e.Name, e.Weights)
		}
		if (e.Weights == "f16") != (family(e.Name) == e.Name) || (e.Weights != "f16" && !strings.HasSuffix(e.Name, "-"+e.Weights)) {
			t.Errorf("%s: weights %s disagree with the name", e.Name, e.Weights)
		}
		if got, ok := Lookup("ggml-" + e.Name + ".bin"); !ok || got != e {
			t.Errorf("Lookup(%s) = %v %v", e.File(), got, ok)
		}
		if u := e.URL(""); u != "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-"+e.Name+".bin" {
			t.Errorf("URL %s", u)
		}
		if found := BySize(e.Size); len(found) != 1 || found[0] != e {
			t.Errorf("BySize(%d) = %v", e.Size, found)
		}
	}
	for _, want := range []string{"tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
		"large-v3", "large-v3-turbo", "tiny-q5_1", "base.en-q8_0", "medium-q5_0", "large-v3-turbo-q8_0"} {
		if !seen[want] {
			t.Errorf("catalog lacks %s", want)
		}
	}
	if _, ok := Lookup("huge"); ok {
		t.Error("Lookup(huge)")
	}
	if len(Names()) != len(Catalog()) || Entry.URL(Entry{Name: "x"}, "http://m/a") != "http://m/a/ggml-x.bin" {
		t.Error("Names or URL with base")
	}
}

// TestCatalogSizesMatchLayout checks each catalog size against the tensor layout Validate
// expects: what the tensors of the model's hyper-parameters and weight type take, plus the
// fixed header and mel filters, leaves exactly the vocabulary section, which is the same
// for all multilingual and for all English-only models. That the remainder is constant
// across every size and quantization checks the published sizes and our layout together.
func TestCatalogSizesMatchLayout(t *testing.T) {
	const vocabMultilingual, vocabEnglish = 508089, 521859
	for _, e := range Catalog() {
		hp, ok := KnownHParams(family(e.Name))
		if !ok {
			t.Errorf("%s: no hparams for %s", e.Name, family(e.Name))
			continue
		}
		hp.Ftype = weightFtype[e.Weights]
		wt, err := checkHParams(&hp)
		if err != nil {
			t.Fatal(err)
		}
		rest := e.Size - 4 - 11*4 - 8 - int64(hp.NMels)*melBins*4
		for name, s := range expectedTensors(&hp, wt) {
			nb, ok := tensorBytes(s.typ, s.ne[0]*s.ne[1]*s.ne[2]*s.ne[3])
			if !ok {
				t.Fatalf("%s: %s not whole blocks", e.Name, name)
			}
			rest -= 12 + 4*int64(len(shape(s.ne))) + int64(len(name)) + nb
		}
		want := int64(vocabMultilingual)
		if e.English() {
			want = vocabEnglish
		}
		if rest != want {
			t.Errorf("%s: %d bytes leave %d for the vocabulary, want %d", e.Name, e.Size, rest, want)
		}
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	content := testModelBytes(t)
	p := filepath.Join(dir, "m.bin")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if v.Entry != nil || !strings.Contains(v.Summary(), "not a catalog model") || !strings.Contains(v.Summary(), "tiny f16 (header only)") {
		t.Errorf("summary %q", v.Summary())
	}
	// Put the file in the catalog: Verify then checks its hash.
	defer func(c []Entry) { catalog = c }(catalog)
	catalog = append(Catalog(), testEntry(content))
	v, err = Verify(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if v.Entry == nil || v.Entry.Name != "test-tiny" || !strings.Contains(v.Summary(), "catalog model test-tiny (SHA-256 verified)") {
		t.Errorf("summary %q", v.Summary())
	}
	// Same size, still a valid model, one vocabulary byte changed: a corrupted download.
	altered := bytes.Clone(content)
	altered[len(altered)-1] ^= 1
	if err := os.WriteFile(p, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(context.Background(), p); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "test-tiny") {
		t.Fatalf("altered file: %v", err)
	}
	if _, err := Verify(context.Background(), filepath.Join(dir, "nope.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}
