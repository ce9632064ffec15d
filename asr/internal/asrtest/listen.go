package asrtest

import (
	"net"
	"testing"
	"time"
)

// Listen listens on the TCP address addr, trying again for a while: a server restarted on the
// same port may find it still held briefly after its stop.
func Listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}
