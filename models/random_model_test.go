package models

import "os"
import "path/filepath"
import "testing"

func TestWriteRandomModelValidates(t *testing.T) {
	hp, _ := KnownHParams("tiny")
	p := filepath.Join(t.TempDir(), "random-tiny.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRandomModel(f, hp, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info, err := Validate(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.HeaderOnly || info.Tensors != tensorCount(&hp) {
		t.Errorf("random model: %+v", info)
	}
	hp.Ftype = 0
	if err := WriteRandomModel(f, hp, 7); err == nil {
		t.Error("f32 random model accepted")
	}
}
