package backup

import "syscall"

// setIdleIO puts the calling thread into the idle I/O scheduling class (ioprio_set(2):
// IOPRIO_WHO_PROCESS with the thread id, IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT). The caller
// has locked its goroutine to the thread.
func setIdleIO() error {
	const whoProcess, classIdle, classShift = 1, 3, 13
	_, _, e := syscall.Syscall(syscall.SYS_IOPRIO_SET, whoProcess, uintptr(syscall.Gettid()), classIdle<<classShift)
	if e != 0 {
		return e
	}
	return nil
}
