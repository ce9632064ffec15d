// Package device is the portaudio capture source of the agent (cgo, libportaudio): it lists
// input devices and captures any number of channels at the device's own rate into a
// capture.BlockQueue. It is the only package of courtscribe that links portaudio, so the rest
// of capture and the server stay pure Go.
//
// Overflow accounting: the portaudio callback never blocks. If the capture loop falls behind,
// the queue drops blocks and counts them; if portaudio itself reports paInputOverflow, the
// missing length is measured from the jump in the input ADC time (Pa_StreamCallbackTimeInfo).
// Either way the next block carries capture.Block.Lost and the agent writes a gap frame.
package device

import "context"
import "errors"
import "fmt"
import "log/slog"
import "math"
import "strconv"
import "strings"
import "sync"
import "sync/atomic"
import "time"

import "github.com/gordonklaus/portaudio"

import "github.com/courtscribe/courtscribe/capture"

// Info describes one input device.
type Info struct {
	Index             int     `json:"index"`
	Name              string  `json:"name"`
	HostAPI           string  `json:"host_api"`
	MaxInputChannels  int     `json:"max_input_channels"`
	DefaultSampleRate float64 `json:"default_sample_rate"`
	Default           bool    `json:"default,omitempty"`
}

var (
	paMu    sync.Mutex // portaudio's Initialize/Terminate are reference counted but not thread safe
	paUsers int        // Initialize calls not yet matched by Terminate (guarded by paMu)
)

func initialize() error {
	paMu.Lock()
	defer paMu.Unlock()
	return initializeLocked()
}

func initializeLocked() error {
	if err := quietly(portaudio.Initialize); err != nil {
		return err
	}
	paUsers++
	return nil
}

// initializeForCapture initialises portaudio for a capture stream and then lets ALSA unload
// the plugin modules that portaudio's device enumeration loaded.
//
// Pa_Initialize (ALSA host API, portaudio 19.6) opens every PCM that ALSA's configuration
// defines to probe its channels and rates, and alsa-lib dlopens each PCM type's plugin
// module on the way: with Debian's libasound2-plugins that is a52 (libavcodec and through it
// x265, aom, rsvg, …), jack, oss, speex, upmix, vdownmix, usb_stream, pulse. alsa-lib keeps
// every module in its cache until its global configuration is freed, which portaudio only
// does in Pa_Terminate, so a capturing agent kept them all mapped (~11 MB of its RSS with
// their relocated data) for code it never calls again. Freeing the configuration
// (snd_config_update_free_global, what Pa_Terminate calls) right after the enumeration
// dlcloses every module no open PCM holds; portaudio's
// device list is already built and is not affected, so indices and names stay those of
// `courtscribe devices`. Opening the stream then reloads the configuration and loads only
// the chosen device's plugin. Done only when this is the process's sole portaudio user, so
// no PCM of another stream is open while the configuration is freed.
func initializeForCapture() error {
	paMu.Lock()
	defer paMu.Unlock()
	if err := initializeLocked(); err != nil {
		return err
	}
	if paUsers == 1 {
		releaseALSAPlugins()
	}
	return nil
}

func terminate() {
	paMu.Lock()
	defer paMu.Unlock()
	if err := portaudio.Terminate(); err == nil {
		paUsers--
	}
}

// List returns the input devices portaudio sees (devices with at least one input channel).
func List() ([]Info, error) {
	if err := initialize(); err != nil {
		return nil, fmt.Errorf("portaudio: %w", err)
	}
	defer terminate()
	return list()
}

func list() ([]Info, error) {
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("portaudio: %w", err)
	}
	def, _ := portaudio.DefaultInputDevice()
	var out []Info
	for _, d := range devs {
		if d.MaxInputChannels < 1 {
			continue
		}
		api := ""
		if d.HostApi != nil {
			api = d.HostApi.Name
		}
		out = append(out, Info{Index: d.Index, Name: d.Name, HostAPI: api, MaxInputChannels: d.MaxInputChannels,
			DefaultSampleRate: d.DefaultSampleRate, Default: def != nil && def.Index == d.Index})
	}
	return out, nil
}

// Options selects and configures the device.
type Options struct {
	// Device is an index, an exact name, a unique case-insensitive part of a name, or
	// "default" (or empty) for the default input device.
	Device string
	// Channels to open (default: the device's maximum input channels).
	Channels int
	// SampleRate in Hz (default: the device's default rate).
	SampleRate int
	// BlockFrames per callback (default: 10 ms).
	BlockFrames int
	// QueueSeconds of audio the queue holds when the capture loop falls behind (default 2 s).
	QueueSeconds float64
	// StallTimeout: a device that delivers nothing for this long has failed (unplugged,
	// driver hung); Read returns an error so the agent raises device_error (default 3 s).
	StallTimeout time.Duration
	Logger       *slog.Logger
}

// Source captures from a portaudio input device.
type Source struct {
	stream   *portaudio.Stream
	q        *capture.BlockQueue
	stall    time.Duration
	format   capture.Format
	info     Info
	log      *slog.Logger
	once     sync.Once
	closeErr error

	overflows atomic.Int64 // callbacks that reported paInputOverflow

	// callback state (only touched by the callback)
	nextAdc   time.Duration
	haveAdc   bool
	startWall time.Time // wall time of the first frame
	delivered int64     // frames delivered plus frames counted lost since startWall
}

// Open opens and starts the device.
func Open(opts Options) (*Source, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := initializeForCapture(); err != nil {
		return nil, fmt.Errorf("portaudio: %w", err)
	}
	s, err := open(opts)
	if err != nil {
		terminate()
		return nil, err
	}
	return s, nil
}

func open(opts Options) (*Source, error) {
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("portaudio: %w", err)
	}
	dev, err := pick(devs, opts.Device)
	if err != nil {
		return nil, err
	}
	ch := opts.Channels
	if ch <= 0 {
		ch = dev.MaxInputChannels
	}
	if ch > dev.MaxInputChannels {
		return nil, fmt.Errorf("device %d %q has %d input channels, %d needed", dev.Index, dev.Name, dev.MaxInputChannels, ch)
	}
	rate := opts.SampleRate
	if rate <= 0 {
		rate = int(math.Round(dev.DefaultSampleRate))
	}
	block := opts.BlockFrames
	if block <= 0 {
		block = rate / 100
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 3 * time.Second
	}
	qs := opts.QueueSeconds
	if qs <= 0 {
		qs = 2
	}
	api := ""
	if dev.HostApi != nil {
		api = dev.HostApi.Name
	}
	s := &Source{
		q:      capture.NewBlockQueue(ch, int(qs*float64(rate))),
		stall:  opts.StallTimeout,
		format: capture.Format{SampleRate: rate, Channels: ch},
		info:   Info{Index: dev.Index, Name: dev.Name, HostAPI: api, MaxInputChannels: dev.MaxInputChannels, DefaultSampleRate: dev.DefaultSampleRate},
		log:    opts.Logger,
	}
	p := portaudio.StreamParameters{
		Input:           portaudio.StreamDeviceParameters{Device: dev, Channels: ch, Latency: dev.DefaultHighInputLatency},
		SampleRate:      float64(rate),
		FramesPerBuffer: block,
	}
	st, err := portaudio.OpenStream(p, s.callback)
	if err != nil {
		return nil, fmt.Errorf("opening device %d %q (%d channels at %d Hz): %w", dev.Index, dev.Name, ch, rate, err)
	}
	s.stream = st
	if err := st.Start(); err != nil {
		st.Close()
		return nil, fmt.Errorf("starting device %d %q: %w", dev.Index, dev.Name, err)
	}
	s.log.Info("device: capturing", "index", dev.Index, "name", dev.Name, "host_api", api, "channels", ch, "rate", rate, "block_frames", block)
	return s, nil
}

// pick finds the device named by sel among the input devices.
func pick(devs []*portaudio.DeviceInfo, sel string) (*portaudio.DeviceInfo, error) {
	sel = strings.TrimSpace(sel)
	if sel == "" || strings.EqualFold(sel, "default") {
		d, err := portaudio.DefaultInputDevice()
		if err != nil {
			return nil, fmt.Errorf("no default input device: %w", err)
		}
		return d, nil
	}
	if n, err := strconv.Atoi(sel); err == nil {
		for _, d := range devs {
			if d.Index == n {
				if d.MaxInputChannels < 1 {
					return nil, fmt.Errorf("device %d %q has no input channels", n, d.Name)
				}
				return d, nil
			}
		}
		return nil, fmt.Errorf("no device with index %d (see `courtscribe devices`)", n)
	}
	var matches []*portaudio.DeviceInfo
	for _, d := range devs {
		if d.MaxInputChannels < 1 {
			continue
		}
		if d.Name == sel {
			return d, nil
		}
		if strings.Contains(strings.ToLower(d.Name), strings.ToLower(sel)) {
			matches = append(matches, d)
		}
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("no input device named %q (see `courtscribe devices`)", sel)
	case 1:
		return matches[0], nil
	}
	names := make([]string, len(matches))
	for i, d := range matches {
		names[i] = fmt.Sprintf("%d %q", d.Index, d.Name)
	}
	return nil, fmt.Errorf("device %q is ambiguous: %s", sel, strings.Join(names, ", "))
}

// callback runs on portaudio's thread: copy, account for overflow, never block.
func (s *Source) callback(in []int16, ti portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	now := time.Now()
	frames := len(in) / s.format.Channels
	wall := now.Add(-time.Duration(frames) * time.Second / time.Duration(s.format.SampleRate))
	var lost int64
	overflow := flags&portaudio.InputOverflow != 0
	if overflow {
		s.overflows.Add(1)
	}
	if ti.InputBufferAdcTime > 0 && ti.CurrentTime > 0 {
		wall = now.Add(-(ti.CurrentTime - ti.InputBufferAdcTime))
		if s.haveAdc && overflow {
			if d := ti.InputBufferAdcTime - s.nextAdc; d > 0 {
				lost = int64(math.Round(d.Seconds() * float64(s.format.SampleRate)))
			}
		}
		s.nextAdc = ti.InputBufferAdcTime + time.Duration(frames)*time.Second/time.Duration(s.format.SampleRate)
		s.haveAdc = true
	} else if overflow && !s.startWall.IsZero() {
		// No ADC timestamps from this host API: measure the loss against the wall clock
		// (only when the device says it overflowed, so clock drift alone never makes a gap).
		expect := int64(math.Round(wall.Sub(s.startWall).Seconds() * float64(s.format.SampleRate)))
		lost = max(0, expect-s.delivered)
	}
	if s.startWall.IsZero() {
		s.startWall = wall
	}
	s.delivered += int64(frames) + lost
	s.q.Put(in, wall, lost)
}

// Format is what the stream delivers.
func (s *Source) Format() capture.Format { return s.format }

// Info describes the open device.
func (s *Source) Info() Info { return s.info }

// Read returns the next block (see capture.Source). A device that delivers nothing for
// StallTimeout is reported as failed.
func (s *Source) Read(ctx context.Context) (capture.Block, error) {
	wctx, cancel := context.WithTimeout(ctx, s.stall)
	defer cancel()
	b, err := s.q.Get(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return b, fmt.Errorf("device %d %q delivered no audio for %v (unplugged or hung?)", s.info.Index, s.info.Name, s.stall)
	}
	return b, err
}

// Overflows is the number of callbacks in which portaudio reported an input overflow.
func (s *Source) Overflows() int64 { return s.overflows.Load() }

// Dropped is the number of frames dropped because the capture loop fell behind.
func (s *Source) Dropped() int64 { return s.q.Dropped() }

// Close stops the stream and releases portaudio; safe to call twice.
func (s *Source) Close() error {
	s.once.Do(func() {
		if err := s.stream.Stop(); err != nil {
			s.closeErr = err
		}
		if err := s.stream.Close(); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
		s.q.Close(nil)
		terminate()
	})
	return s.closeErr
}
