//go:build linux

package device

import "bufio"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "testing"

// mappedALSAModules lists the ALSA plugin modules (alsa-lib/libasound_module_*.so) and
// libavcodec (which the a52 plugin pulls in) mapped into this process, by file name.
func mappedALSAModules(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		name := filepath.Base(fields[5])
		if strings.HasPrefix(name, "libasound_module_") || strings.HasPrefix(name, "libavcodec.so") {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCaptureInitUnloadsALSAPlugins: portaudio's enumeration (Pa_Initialize) makes alsa-lib
// load the plugin module of every PCM type in ALSA's configuration; the capture path must let
// ALSA unload them again before the stream is opened (the agent's RSS target depends on it,
// see docs/bench-agent.md).
func TestCaptureInitUnloadsALSAPlugins(t *testing.T) {
	if err := initialize(); err != nil {
		t.Skipf("portaudio does not initialise here: %v", err)
	}
	loaded := mappedALSAModules(t)
	terminate()
	if len(loaded) == 0 {
		t.Skip("portaudio's enumeration loads no ALSA plugin module here (libasound2-plugins not installed?)")
	}
	t.Logf("after Pa_Initialize alone: %s", strings.Join(loaded, " "))

	if err := initializeForCapture(); err != nil {
		t.Fatal(err)
	}
	defer terminate()
	if left := mappedALSAModules(t); len(left) != 0 {
		t.Errorf("after initializeForCapture these are still mapped: %s", strings.Join(left, " "))
	}
	// The device list portaudio built during the enumeration is still there.
	if _, err := list(); err != nil {
		t.Errorf("list after initializeForCapture: %v", err)
	}
}
