//go:build !unix

package device

import "errors"

func redirectStderr() (func() []byte, error) {
	return nil, errors.New("not supported")
}
