// Package ctxio makes long reads stop when their context ends.
package ctxio

import (
	"context"
	"io"
)

// NewReader returns a reader of r that fails with ctx.Err() from the first Read after ctx
// ends, so that a long io.Copy (hashing gigabytes) stops with its context.
func NewReader(ctx context.Context, r io.Reader) io.Reader {
	return &reader{ctx: ctx, r: r}
}

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c *reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
