package backup

import "runtime"
import "syscall"
import "testing"

// TestSetIdleIO: the scrub's reading thread really is in the idle I/O class afterwards
// (ioprio_get), and other threads are not.
func TestSetIdleIO(t *testing.T) {
	class := func() (int, error) {
		v, _, e := syscall.Syscall(syscall.SYS_IOPRIO_GET, 1, uintptr(syscall.Gettid()), 0)
		if e != 0 {
			return 0, e
		}
		return int(v) >> 13, nil
	}
	done := make(chan [2]int)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		before, _ := class()
		if err := setIdleIO(); err != nil {
			done <- [2]int{-1, -1}
			return
		}
		after, _ := class()
		done <- [2]int{before, after}
	}()
	got := <-done
	if got[0] == -1 {
		t.Skip("ioprio_set not permitted here")
	}
	if got[1] != 3 || got[0] == 3 {
		t.Fatalf("I/O class before %d, after %d; want idle (3) only after", got[0], got[1])
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if c, _ := class(); c == 3 {
		t.Fatal("the idle class leaked to another thread")
	}
}
