package capture

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/courtscribe/courtscribe/capture/wire"
)

// DefaultSpoolDir is the agent's spool directory when --spool is not given (relative to the
// working directory); doctor checks the same place by default.
const DefaultSpoolDir = "var/agent/spool"

// AgentConfig configures RunAgent. Zero values take the defaults noted.
type AgentConfig struct {
	Server       string      // ws://host:port of the courtscribe server
	TLS          *tls.Config // for wss://: the court's CA and, for mutual TLS, the agent's certificate
	Token        string
	Courtroom    string
	Hearing      string // optional: the server names one when empty
	Seats        []wire.Seat
	SpoolDir     string
	SpoolLimit   int64  // bytes of unacknowledged frames (default DefaultSpoolLimit)
	LocalCopyDir string // default <SpoolDir>/local-copy; the session's WAVs go in a subfolder
	FrameSamples int    // samples per seat per frame (default 3200: 200 ms)
	CloseHearing bool   // ask the server to close the hearing at End
	// LevelInterval is how often Levels go to the server (default 1 s).
	LevelInterval time.Duration
	// DrainTimeout bounds delivery of the spool after the context ends (default 10 s).
	DrainTimeout time.Duration
	MinBackoff   time.Duration
	MaxBackoff   time.Duration
	AgentName    string
	OnHearing    func(hearing string)
	Logger       *slog.Logger
	Clock        Clock
}

// ErrNotDrained says the agent stopped before the server acknowledged everything; the spool
// keeps the rest and the next start with the same spool delivers it.
var ErrNotDrained = errors.New("stopped with unacknowledged frames in the spool")

// RunAgent captures src into the spool and the local copy and streams it to the server.
//
// It returns nil when the source ended (a replay) or the context was cancelled, and every
// frame was acknowledged; then the session is ended (wire.End) and the next start begins a
// new session. If the agent is killed instead, the next start with the same spool resumes
// the session: it sends what is unacknowledged and records the downtime as a gap.
func RunAgent(ctx context.Context, cfg AgentConfig, src Source) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.FrameSamples <= 0 {
		cfg.FrameSamples = wire.SampleRate / 5
	}
	cfg.FrameSamples = min(cfg.FrameSamples, wire.MaxFrameSamples)
	if cfg.LevelInterval <= 0 {
		cfg.LevelInterval = time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.LocalCopyDir == "" {
		cfg.LocalCopyDir = filepath.Join(cfg.SpoolDir, "local-copy")
	}
	log := cfg.Logger
	if cfg.SpoolDir == "" {
		return errors.New("agent: no spool directory")
	}
	if !wire.ValidID(cfg.Courtroom) {
		return fmt.Errorf("agent: courtroom %q is not a valid identifier", cfg.Courtroom)
	}
	if cfg.Hearing != "" && !wire.ValidID(cfg.Hearing) {
		return fmt.Errorf("agent: hearing %q is not a valid identifier", cfg.Hearing)
	}
	format := src.Format()
	hello := wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: "x", Courtroom: cfg.Courtroom,
		Seats: cfg.Seats, Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: len(cfg.Seats)}}
	if err := hello.Validate(); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	for _, s := range cfg.Seats {
		if s.Channel > format.Channels {
			return fmt.Errorf("agent: seat %s is on channel %d but the source has %d channels", s.Name, s.Channel, format.Channels)
		}
	}

	spool, err := OpenSpool(cfg.SpoolDir, SpoolOptions{Limit: cfg.SpoolLimit, Logger: log})
	if err != nil {
		return err
	}
	defer spool.Close()
	now := cfg.Clock.Now()
	st := spool.State()
	resumed := spool.HasSession() && !st.Ended
	if resumed {
		if st.Courtroom != cfg.Courtroom || !slices.Equal(st.Seats, cfg.Seats) {
			return fmt.Errorf("agent: spool %s holds an unfinished session %s of courtroom %s with seats %v; "+
				"run with the same --courtroom and --seats to deliver it, or use another --spool", cfg.SpoolDir, st.Session, st.Courtroom, st.Seats)
		}
		if cfg.Hearing != "" && st.Hearing != "" && cfg.Hearing != st.Hearing {
			return fmt.Errorf("agent: spool %s holds hearing %s, not %s", cfg.SpoolDir, st.Hearing, cfg.Hearing)
		}
		if st.Hearing == "" {
			st.Hearing = cfg.Hearing
		}
	} else {
		st = SpoolState{Session: newSessionID(cfg.Courtroom, now), Courtroom: cfg.Courtroom, Hearing: cfg.Hearing, Seats: cfg.Seats, Created: now.UTC()}
		if err := spool.Begin(st); err != nil {
			return err
		}
	}
	hello.Session, hello.Hearing, hello.Agent = st.Session, st.Hearing, cfg.AgentName

	// After a restart the time the agent was down becomes a gap of exactly that length.
	_, next, lastEnd := spool.Position()
	seeker, _ := src.(Seeker)
	paced := seeker == nil || seeker.Paced()
	if resumed && !lastEnd.IsZero() {
		down := now.Sub(lastEnd)
		gap := int64(math.Round(down.Seconds() * wire.SampleRate))
		if paced && gap > 0 {
			if err := spool.AppendGap(gap, wire.GapAgentDown, lastEnd); err != nil {
				return err
			}
			log.Warn("agent: resumed after a restart; the downtime is recorded as a gap", "session", st.Session,
				"gap_samples", gap, "downtime", down.Round(time.Millisecond), "resume_sample", next+gap)
			next += gap
		} else {
			log.Info("agent: resumed session", "session", st.Session, "resume_sample", next)
		}
	}
	if seeker != nil && next > 0 {
		if err := seeker.SeekTimeline(next); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
	}

	local, err := OpenLocalCopy(filepath.Join(cfg.LocalCopyDir, st.Session), cfg.Seats, next, time.Second)
	if err != nil {
		return err
	}
	defer local.Close()

	rs, err := NewResampler(format.SampleRate, wire.SampleRate, len(cfg.Seats))
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	seatNames := hello.SeatNames()
	up, err := NewUplink(UplinkConfig{Server: cfg.Server, Token: cfg.Token, Hello: hello, CloseHearing: cfg.CloseHearing,
		MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff, OnHearing: cfg.OnHearing, Logger: log, TLS: cfg.TLS}, spool)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	log.Info("agent: capturing", "session", st.Session, "courtroom", cfg.Courtroom, "hearing", st.Hearing,
		"seats", seatNames, "source_rate", format.SampleRate, "source_channels", format.Channels,
		"spool", cfg.SpoolDir, "local_copy", local.Dir())

	// The uplink outlives the capture context by up to DrainTimeout.
	upCtx, upCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer upCancel()
	capCtx, capCancel := context.WithCancelCause(ctx)
	defer capCancel(nil)
	upDone := make(chan error, 1)
	go func() {
		err := up.Run(upCtx)
		if err != nil {
			capCancel(err)
		}
		upDone <- err
	}()

	c := &capturer{cfg: cfg, log: log, spool: spool, local: local, rs: rs, up: up, seats: cfg.Seats,
		nch: format.Channels, meters: NewMeters(seatNames, cfg.LevelInterval, now)}
	capErr := c.run(capCtx, src)
	stopped := ctx.Err() != nil
	sourceFailed := capErr != nil && !stopped && context.Cause(capCtx) == nil
	if !sourceFailed {
		// Capture is over: the uplink sends End after the last frame.
		if err := spool.Finish(); err != nil {
			log.Error("agent: spool", "err", err)
		}
	}
	local.Close()
	src.Close()

	var upErr error
	drain := func() {
		log.Info("agent: delivering the spool before stopping", "unacked_frames", spool.Unacked(), "timeout", cfg.DrainTimeout)
		t := time.NewTimer(cfg.DrainTimeout)
		defer t.Stop()
		poll := time.NewTicker(100 * time.Millisecond)
		defer poll.Stop()
		for {
			select {
			case upErr = <-upDone:
				return
			case <-poll.C:
				if sourceFailed && spool.Unacked() == 0 {
					upCancel() // nothing left to deliver; End is not sent for a failed source
				}
			case <-t.C:
				upCancel()
			}
		}
	}
	if !stopped && !sourceFailed {
		// The source ended: deliver everything, however long it takes, unless told to stop.
		select {
		case upErr = <-upDone:
		case <-ctx.Done():
			drain()
		}
	} else {
		drain()
	}
	if sourceFailed && errors.Is(upErr, context.Canceled) {
		upErr = nil
	}
	var perm *PermanentError
	if errors.As(upErr, &perm) {
		return fmt.Errorf("agent: %w", upErr)
	}
	if sourceFailed {
		return capErr
	}
	if upErr != nil {
		return fmt.Errorf("agent: %w: %d frames wait in %s for the next start (%v)", ErrNotDrained, spool.Unacked(), cfg.SpoolDir, upErr)
	}
	if err := spool.MarkEnded(); err != nil {
		return err
	}
	log.Info("agent: session ended; every sample acknowledged", "session", st.Session, "hearing", up.Hearing())
	return nil
}

func newSessionID(courtroom string, now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	if len(courtroom) > 80 {
		courtroom = courtroom[:80]
	}
	return fmt.Sprintf("%s-%s-%s", courtroom, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// capturer is the capture loop's state: source blocks in, frames out.
type capturer struct {
	cfg    AgentConfig
	log    *slog.Logger
	spool  *Spool
	local  *LocalCopy
	rs     *Resampler
	up     *Uplink
	seats  []wire.Seat
	nch    int
	meters *Meters

	seatPCM  [][]int16   // one block of one seat, source rate
	fin      [][]float32 // resampler input
	fout     [][]float32 // resampler output
	frame    [][]int16   // 16 kHz samples waiting to become a frame
	frameT0  time.Time   // wall time of frame[.][0]
	level    SpoolLevel
	alarmAt  time.Time
	overflow int64
}

func (c *capturer) run(ctx context.Context, src Source) error {
	n := len(c.seats)
	c.seatPCM = make([][]int16, n)
	c.fin = make([][]float32, n)
	c.fout = make([][]float32, n)
	c.frame = make([][]int16, n)
	rate := src.Format().SampleRate
	for {
		blk, err := src.Read(ctx)
		if errors.Is(err, io.EOF) {
			return c.flush()
		}
		if err != nil {
			ferr := c.flush()
			if ctx.Err() != nil {
				return errors.Join(context.Cause(ctx), ferr)
			}
			c.alarm(wire.AlarmDeviceError, fmt.Sprintf("capture source failed: %v", err), 0)
			return errors.Join(fmt.Errorf("capture source: %w", err), ferr)
		}
		if blk.Lost > 0 {
			if err := c.flush(); err != nil {
				return err
			}
			g := c.rs.Skip(blk.Lost)
			wall := blk.Wall.Add(-framesDur(blk.Lost, rate))
			c.overflow += g
			if err := c.spool.AppendGap(g, wire.GapOverflow, wall); err != nil {
				c.alarm(wire.AlarmDiskError, err.Error(), 0)
			}
			if err := c.local.Gap(g); err != nil {
				c.alarm(wire.AlarmDiskError, err.Error(), 0)
			}
			c.alarm(wire.AlarmOverflow, fmt.Sprintf("input overflow: %d source frames lost, recorded as a gap", blk.Lost), g)
		}
		if err := c.block(blk); err != nil {
			return err
		}
		c.tick(c.cfg.Clock.Now())
	}
}

func (c *capturer) block(blk Block) error {
	if len(c.frame[0]) == 0 {
		c.frameT0 = blk.Wall.Add(-time.Duration(c.rs.Delay() * float64(time.Second) / wire.SampleRate))
	}
	for i, s := range c.seats {
		ch := s.Channel - 1
		p := c.seatPCM[i][:0]
		f := c.fin[i][:0]
		for k := 0; k < blk.Frames; k++ {
			v := blk.Data[k*c.nch+ch]
			p = append(p, v)
			f = append(f, float32(v))
		}
		c.seatPCM[i], c.fin[i] = p, f
		c.meters.Add(i, p)
		c.fout[i] = c.fout[i][:0]
	}
	var err error
	if c.fout, err = c.rs.Process(c.fin, c.fout); err != nil {
		return err
	}
	for i := range c.seats {
		fr := c.frame[i]
		for _, v := range c.fout[i] {
			x := math.Round(float64(v))
			fr = append(fr, int16(max(-32768, min(32767, x))))
		}
		c.frame[i] = fr
	}
	for len(c.frame[0]) >= c.cfg.FrameSamples {
		if err := c.emit(c.cfg.FrameSamples); err != nil {
			return err
		}
	}
	return nil
}

// emit spools and copies the first n samples of the frame buffer.
func (c *capturer) emit(n int) error {
	pcm := make([][]int16, len(c.frame))
	for i := range c.frame {
		pcm[i] = slices.Clone(c.frame[i][:n])
		c.frame[i] = append(c.frame[i][:0], c.frame[i][n:]...)
	}
	wall := c.frameT0
	c.frameT0 = c.frameT0.Add(samplesDur(int64(n)))
	ok, err := c.spool.AppendAudio(pcm, wall)
	if err != nil {
		c.alarm(wire.AlarmDiskError, fmt.Sprintf("spool write failed; the audio is held as a gap: %v", err), int64(n))
	}
	_ = ok
	if err := c.local.Write(pcm); err != nil {
		c.alarm(wire.AlarmDiskError, err.Error(), 0)
	}
	return nil
}

func (c *capturer) flush() error {
	if n := len(c.frame[0]); n > 0 {
		return c.emit(n)
	}
	return nil
}

// tick sends levels, raises spool alarms and syncs the local copy when due.
func (c *capturer) tick(now time.Time) {
	if c.meters.Due(now) {
		_, at, _ := c.spool.Position()
		lv := c.meters.Take(now, at)
		lv.SpoolBytes, lv.SpoolLimit, lv.Unacked = c.spool.Bytes(), c.spool.Limit(), c.spool.Unacked()
		c.up.Send(lv)
	}
	lvl := c.spool.Level()
	if lvl != c.level || (lvl != SpoolOK && now.Sub(c.alarmAt) >= 30*time.Second) {
		switch lvl {
		case SpoolFull:
			c.alarm(wire.AlarmSpoolFull, fmt.Sprintf("spool at its hard limit (%d bytes): new audio is kept only in the local copy %s and sent as a gap until the server catches up", c.spool.Limit(), c.local.Dir()), 0)
		case SpoolHigh:
			c.alarm(wire.AlarmSpoolHigh, fmt.Sprintf("spool above %d%% of its limit: %d of %d bytes unacknowledged", 80, c.spool.Bytes(), c.spool.Limit()), 0)
		default:
			c.log.Info("agent: spool back to normal", "bytes", c.spool.Bytes())
		}
		c.level, c.alarmAt = lvl, now
	}
	if err := c.local.MaybeSync(now); err != nil {
		c.alarm(wire.AlarmDiskError, err.Error(), 0)
	}
}

// alarm is loud: an error log line and a wire.Alarm to the server.
func (c *capturer) alarm(code, msg string, samples int64) {
	c.log.Error("agent: ALARM "+code, "message", msg, "samples", samples)
	c.up.Send(wire.Alarm{Type: wire.TypeAlarm, Code: code, Message: msg, Samples: samples})
}
