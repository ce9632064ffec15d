package device

import "bufio"
import "bytes"
import "fmt"
import "os"
import "strings"
import "sync"

// Portaudio's enumeration (Pa_Initialize) makes its host libraries print to the process's
// standard error: alsa-lib reports every PCM of its configuration that has no card behind it
// ("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear", about 90 lines
// on a PC without a card 0) and libjack reports that no JACK server runs. None of it concerns
// the devices that are there, and a technician reading `courtscribe devices` or `doctor`
// took it for failures. The enumeration therefore runs with file descriptor 2 pointed at a
// temporary file; afterwards the host libraries' lines are summarised (Noise) and anything
// else that reached standard error in that window (a log line of another goroutine) is
// written back to it.

// Noise is what portaudio's host libraries printed during the last enumeration.
type Noise struct {
	Lines int      // lines printed by alsa-lib and libjack
	Notes []string // what they mean, in a technician's words, one per finding
}

// String is one line for a technician, or "" when the libraries printed nothing.
func (n Noise) String() string {
	if n.Lines == 0 {
		return ""
	}
	s := fmt.Sprintf("the audio libraries printed %d lines of warnings while listing devices (hidden)", n.Lines)
	if len(n.Notes) > 0 {
		s += ": " + strings.Join(n.Notes, "; ")
	}
	return s
}

var (
	noiseMu   sync.Mutex
	lastNoise Noise
)

// LastNoise returns the summary of the host libraries' output during the most recent
// enumeration (List, or the start of a capture).
func LastNoise() Noise {
	noiseMu.Lock()
	defer noiseMu.Unlock()
	return lastNoise
}

// quietly runs f with standard error redirected, then records the summary of what the host
// libraries printed and passes every other line through to standard error. When the
// redirection itself cannot be set up, f runs as it is.
func quietly(f func() error) error {
	restore, err := redirectStderr()
	if err != nil {
		return f()
	}
	ferr := f()
	out := restore()
	noise, rest := splitNoise(out)
	noiseMu.Lock()
	lastNoise = noise
	noiseMu.Unlock()
	if len(rest) > 0 {
		_, _ = os.Stderr.Write(rest)
	}
	return ferr
}

// hostLibraryLine reports whether a line of standard error came from alsa-lib or libjack.
func hostLibraryLine(l string) bool {
	switch {
	case strings.HasPrefix(l, "ALSA lib "),
		strings.HasPrefix(l, "Cannot connect to server"),
		strings.HasPrefix(l, "jack server is not running"),
		strings.HasPrefix(l, "JackShm"),
		strings.HasPrefix(l, "Jack"),
		strings.HasPrefix(l, "jack_"),
		strings.HasPrefix(l, "connect(2) call to"),
		strings.HasPrefix(l, "attempt to connect to server failed"):
		return true
	}
	return false
}

// splitNoise separates the host libraries' lines (summarised) from the rest (returned as is).
func splitNoise(out []byte) (Noise, []byte) {
	var n Noise
	var rest bytes.Buffer
	var noCard, noJack, unknownPCM bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if !hostLibraryLine(l) {
			rest.WriteString(l)
			rest.WriteByte('\n')
			continue
		}
		n.Lines++
		switch {
		case strings.Contains(l, "cannot find card"):
			noCard = true
		case strings.Contains(l, "Unknown PCM"):
			unknownPCM = true
		case strings.Contains(l, "jack server is not running"):
			noJack = true
		}
	}
	if noCard {
		n.Notes = append(n.Notes, "ALSA found no sound card 0 (a PC without its own sound card, or audio only through PulseAudio/USB)")
	} else if unknownPCM {
		n.Notes = append(n.Notes, "ALSA's configuration names outputs this PC does not have (normal)")
	}
	if noJack {
		n.Notes = append(n.Notes, "no JACK server runs (normal unless the court uses JACK)")
	}
	return n, rest.Bytes()
}
