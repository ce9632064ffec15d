package models

import "context"
import "fmt"
import "path/filepath"

// Verified is what Verify found out about a good model file.
type Verified struct {
	Path  string
	Info  *Info
	Entry *Entry // the catalog model it is, when its size and SHA-256 match one; else nil
}

// Summary is a one-line description of a verified file.
func (v *Verified) Summary() string {
	i := v.Info
	s := fmt.Sprintf("ok: %s: %s, %d bytes, %d+%d layers, %d-wide, %d mel bands", filepath.Base(v.Path),
		i.Name(), i.Size, i.HParams.NAudioLayer, i.HParams.NTextLayer, i.HParams.NAudioState, i.HParams.NMels)
	if v.Entry != nil {
		s += fmt.Sprintf(", catalog model %s (SHA-256 verified)", v.Entry.Name)
	} else {
		s += ", not a catalog model (structure checked, no hash to compare)"
	}
	return s
}

// Verify checks a model file: its ggml structure (Validate) and, when its size is that of a
// catalog model, its SHA-256 against the catalog. A file with a catalog size and a different
// hash is an error (wrapping ErrMismatch): that is a corrupted or altered download.
func Verify(ctx context.Context, path string) (*Verified, error) {
	info, err := Validate(path)
	if err != nil {
		return nil, err
	}
	v := &Verified{Path: path, Info: info}
	cands := BySize(info.Size)
	if len(cands) == 0 {
		return v, nil
	}
	sum, err := FileSHA256(ctx, path)
	if err != nil {
		return nil, err
	}
	for _, e := range cands {
		if e.SHA256 == sum {
			v.Entry = &e
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s: %w: it has the size of catalog model %s (%d bytes) but SHA-256 %s, want %s",
		path, ErrMismatch, cands[0].Name, info.Size, sum, cands[0].SHA256)
}
