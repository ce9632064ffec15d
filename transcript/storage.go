package transcript

import "errors"

// Storage errors: the record could not be written because of the machine, not the request.
// Stores wrap them so that callers can tell the clerk what is wrong (the API answers 507 and
// 503) instead of a generic internal error.
var (
	// ErrStorageFull: the disk holding the record is full.
	ErrStorageFull = errors.New("transcript: the record's disk is full")
	// ErrStorageUnavailable: the record's storage failed (I/O error, read-only, cannot open).
	ErrStorageUnavailable = errors.New("transcript: the record's storage is unavailable")
)
