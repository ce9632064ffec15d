//go:build !whisper

package whisper

import "context"
import "log/slog"

import "github.com/courtscribe/courtscribe/asr"

// Built reports whether this binary has the whisper engine.
const Built = false

// New reports ErrNotBuilt: this binary was built without the "whisper" tag.
func New(ctx context.Context, cfg Config, log *slog.Logger) (asr.Engine, error) {
	return nil, ErrNotBuilt
}
