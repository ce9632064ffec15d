//go:build unix

package device

import "io"
import "os"

import "golang.org/x/sys/unix"

// redirectStderr points file descriptor 2 at a temporary file. restore puts the original
// descriptor back and returns what was written meanwhile.
func redirectStderr() (restore func() []byte, err error) {
	tmp, err := os.CreateTemp("", "courtscribe-stderr-*")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(tmp.Name()) // the open descriptor keeps it; nothing is left behind
	saved, err := unix.Dup(2)
	if err != nil {
		tmp.Close()
		return nil, err
	}
	if err := unix.Dup2(int(tmp.Fd()), 2); err != nil {
		unix.Close(saved)
		tmp.Close()
		return nil, err
	}
	return func() []byte {
		_ = unix.Dup2(saved, 2)
		unix.Close(saved)
		defer tmp.Close()
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return nil
		}
		b, _ := io.ReadAll(io.LimitReader(tmp, 4<<20))
		return b
	}, nil
}
