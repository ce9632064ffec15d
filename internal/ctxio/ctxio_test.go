package ctxio

import "context"
import "errors"
import "io"
import "strings"
import "testing"

func TestReader(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReader(ctx, strings.NewReader("hello world"))
	p := make([]byte, 5)
	if n, err := r.Read(p); n != 5 || err != nil || string(p) != "hello" {
		t.Fatalf("read %d %q, %v", n, p[:n], err)
	}
	cancel()
	if n, err := r.Read(p); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %d, %v", n, err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("copy after cancel: %v", err)
	}
}
