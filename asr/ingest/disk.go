package ingest

import "errors"
import "fmt"
import "syscall"

import "github.com/courtscribe/courtscribe/capture/wire"

// ErrDiskReserve is the storage failure when audio would eat into the disk kept for the
// hearing record.
var ErrDiskReserve = errors.New("audio refused: the disk space kept for the hearing record is reached")

// diskRoom returns the bytes free for an unprivileged writer on the data directory's file
// system and the reserve audio must leave (Config.DiskReserve).
func (s *Server) diskRoom() (free, reserve int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.cfg.DataDir, &st); err != nil {
		return 0, 0, err
	}
	free = int64(st.Bavail) * int64(st.Bsize)
	switch r := s.cfg.DiskReserve; {
	case r < 0:
		reserve = 0
	case r == 0:
		reserve = min(int64(DefaultDiskReserve), int64(st.Blocks)*int64(st.Bsize)/8)
	default:
		reserve = r
	}
	return free, reserve, nil
}

// checkReserve refuses a batch whose audio would leave less than the reserve free. Gaps
// longer than a few thousand samples are holes and cost nothing.
func (s *Server) checkReserve(batch []item, seats int) error {
	var need int64 = 64 << 10 // headers, state, gap log
	for _, it := range batch {
		if it.n > 0 && (it.kind == wire.KindAudio || it.n < 4096) {
			need += 2 * it.n * int64(seats)
		}
	}
	free, reserve, err := s.diskRoom()
	if err != nil {
		return nil // no statfs (an unusual file system): the write itself reports a full disk
	}
	if free-need < reserve {
		return fmt.Errorf("%w (%d bytes free, %d kept, this batch needs %d)", ErrDiskReserve, free, reserve, need)
	}
	return nil
}
