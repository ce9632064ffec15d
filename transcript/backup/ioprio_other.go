//go:build !linux

package backup

import "errors"

func setIdleIO() error { return errors.New("idle I/O priority is Linux only") }
