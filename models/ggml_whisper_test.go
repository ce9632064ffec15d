//go:build whisper

package models

import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/models/internal/ggmlc"

// TestGGMLTablesMatchLibrary checks the validator's ggml tables against the installed libggml:
// a libwhisper newer than the pinned commit that changed a type would show up here.
func TestGGMLTablesMatchLibrary(t *testing.T) {
	for tt := 0; tt < ggmlc.TypeCount; tt++ {
		name, bs, ts, ok := ggmlc.Type(tt)
		mine, known := ggmlTypes[ggmlType(tt)]
		if ok != known {
			t.Errorf("type %d: library has it %v, validator %v", tt, ok, known)
			continue
		}
		if ok && (mine.blockSize != bs || mine.typeSize != ts || mine.name != strings.ToLower(name)) {
			t.Errorf("type %d: library %s %d/%d, validator %s %d/%d", tt, name, bs, ts, mine.name, mine.blockSize, mine.typeSize)
		}
	}
	for ft, wt := range ftypeWeightType {
		if got := ggmlc.WeightType(int(ft)); got != int(wt) {
			t.Errorf("ftype %d: library weight type %d, validator %d", ft, got, wt)
		}
	}
}
