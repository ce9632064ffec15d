package sqlite

import "errors"
import "fmt"
import "syscall"

import msqlite "modernc.org/sqlite"

import "github.com/courtscribe/courtscribe/transcript"

// SQLite primary result codes (sqlite3.h) of the machine's storage.
const (
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteReadOnly = 8
)

// storageError marks a failed write whose cause is the disk: a full disk wraps
// transcript.ErrStorageFull, an I/O error, a read-only or unopenable file
// transcript.ErrStorageUnavailable. Other errors are returned as they are.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, transcript.ErrStorageFull) || errors.Is(err, transcript.ErrStorageUnavailable) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", transcript.ErrStorageFull, err)
	}
	if perr := pgStorageKind(err); perr != nil {
		return perr
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteFull:
			return fmt.Errorf("%w: %w", transcript.ErrStorageFull, err)
		case sqliteIOErr, sqliteCantOpen, sqliteReadOnly:
			return fmt.Errorf("%w: %w", transcript.ErrStorageUnavailable, err)
		}
	}
	if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("%w: %w", transcript.ErrStorageUnavailable, err)
	}
	return err
}
