//go:build unix

package device

import "strings"
import "testing"

import "golang.org/x/sys/unix"

// captureFD2 runs f with file descriptor 2 redirected and returns what reached it.
func captureFD2(t *testing.T, f func()) string {
	t.Helper()
	restore, err := redirectStderr()
	if err != nil {
		t.Fatalf("redirect stderr: %v", err)
	}
	f()
	return string(restore())
}

func TestQuietlyHidesHostLibraryLinesAndKeepsOthers(t *testing.T) {
	out := captureFD2(t, func() {
		err := quietly(func() error {
			for _, l := range []string{
				"ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\n",
				"ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear\n",
				"a log line of another goroutine\n",
				"jack server is not running or cannot be started\n",
				"JackShmReadWritePtr::~JackShmReadWritePtr - Init not done for -1, skipping unlock\n",
			} {
				if _, err := unix.Write(2, []byte(l)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("quietly: %v", err)
		}
	})
	if strings.Contains(out, "ALSA lib") || strings.Contains(out, "jack") || strings.Contains(out, "JackShm") {
		t.Errorf("host library lines reached stderr:\n%s", out)
	}
	if !strings.Contains(out, "a log line of another goroutine") {
		t.Errorf("a line that is not from the host libraries was swallowed; stderr:\n%q", out)
	}
	n := LastNoise()
	if n.Lines != 4 {
		t.Errorf("noise lines = %d, want 4", n.Lines)
	}
	s := n.String()
	for _, want := range []string{"4 lines", "no sound card 0", "no JACK server"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}

// TestListPrintsNoLibraryNoise: the real enumeration through portaudio leaves standard error
// free of alsa-lib and libjack chatter (on a PC without card 0 they print ~100 lines).
func TestListPrintsNoLibraryNoise(t *testing.T) {
	var err error
	out := captureFD2(t, func() { _, err = List() })
	if err != nil {
		t.Skipf("portaudio cannot enumerate here: %v", err)
	}
	for _, l := range strings.Split(out, "\n") {
		if hostLibraryLine(l) {
			t.Fatalf("List let the host libraries print to stderr: %q (all: %q)", l, out)
		}
	}
	t.Logf("hidden: %s", LastNoise())
}
