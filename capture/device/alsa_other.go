//go:build !linux

package device

// releaseALSAPlugins: ALSA exists only on Linux.
func releaseALSAPlugins() {}
