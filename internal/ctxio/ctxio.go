// Package ctxio makes long reads stop when their context ends.
package ctxio

import "context"
import "io"

// NewReader returns a reader of r that fails with ctx.Err() from the first Read after ctx
// ends, so that a long io.Copy (hashing gigabytes) stops with its context.
func NewReader(ctx context.Context, r io.Reader) io.Reader {
	return &reader{done: ctx.Done(), err: ctx.Err, r: r}
}

// reader keeps the context's Done channel and Err, not the context: io.Reader has no
// context parameter to pass it through.
type reader struct {
	done <-chan struct{}
	err  func() error
	r    io.Reader
}

func (c *reader) Read(p []byte) (int, error) {
	select {
	case <-c.done:
		return 0, c.err()
	default:
	}
	return c.r.Read(p)
}
