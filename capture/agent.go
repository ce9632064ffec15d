package capture

import "context"
import "crypto/rand"
import "crypto/tls"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "math"
import "path/filepath"
import "slices"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"

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
//
// It runs in four stages: setup (defaults and checks), resume (the spool's session, or a new
// one), run (capture while the uplink streams) and drain (deliver what is left, then end).
func RunAgent(ctx context.Context, cfg AgentConfig, src Source) error {
	a, err := setupAgent(cfg, src)
	if err != nil {
		return err
	}
	spool, err := OpenSpool(a.cfg.SpoolDir, SpoolOptions{Limit: a.cfg.SpoolLimit, Logger: a.log})
	if err != nil {
		return err
	}
	defer spool.Close()
	a.spool = spool
	if err := a.resume(); err != nil {
		return err
	}
	local, err := OpenLocalCopy(filepath.Join(a.cfg.LocalCopyDir, a.st.Session), a.cfg.Seats, a.next, time.Second)
	if err != nil {
		return err
	}
	defer local.Close()
	a.local = local
	rs, err := a.openUplink()
	if err != nil {
		return err
	}
	out := a.run(ctx, rs)
	defer a.upCancel()
	return a.drain(ctx, out)
}

// agentSession is RunAgent's state between its stages.
type agentSession struct {
	cfg    AgentConfig
	log    *slog.Logger
	src    Source
	format Format
	hello  wire.Hello

	spool *Spool
	st    SpoolState
	now   time.Time // when the agent started
	next  int64     // the timeline sample capture starts at

	local    *LocalCopy
	up       *Uplink
	upDone   chan error         // the uplink's result
	upCancel context.CancelFunc // stops the uplink, which outlives the capture context
}

// captureOutcome is how the run stage ended.
type captureOutcome struct {
	err          error // the capture loop's
	stopped      bool  // the agent's context ended
	sourceFailed bool  // the source failed on its own: no End is sent
}

// withDefaults fills in the zero values of cfg.
func (cfg AgentConfig) withDefaults() AgentConfig {
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
	return cfg
}

// setupAgent is the setup stage: it applies the defaults and checks cfg against src.
func setupAgent(cfg AgentConfig, src Source) (*agentSession, error) {
	cfg = cfg.withDefaults()
	if cfg.SpoolDir == "" {
		return nil, errors.New("agent: no spool directory")
	}
	if !wire.ValidID(cfg.Courtroom) {
		return nil, fmt.Errorf("agent: courtroom %q is not a valid identifier", cfg.Courtroom)
	}
	if cfg.Hearing != "" && !wire.ValidID(cfg.Hearing) {
		return nil, fmt.Errorf("agent: hearing %q is not a valid identifier", cfg.Hearing)
	}
	format := src.Format()
	hello := wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: "x", Courtroom: cfg.Courtroom,
		Seats: cfg.Seats, Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: len(cfg.Seats)}}
	if err := hello.Validate(); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	for _, s := range cfg.Seats {
		if s.Channel > format.Channels {
			return nil, fmt.Errorf("agent: seat %s is on channel %d but the source has %d channels", s.Name, s.Channel, format.Channels)
		}
	}
	return &agentSession{cfg: cfg, log: cfg.Logger, src: src, format: format, hello: hello}, nil
}

// resume is the resume stage: it takes up the spool's unfinished session or begins a new one,
// records the downtime since the last frame as a gap, and seeks a seekable source to where
// capture goes on.
func (a *agentSession) resume() error {
	a.now = a.cfg.Clock.Now()
	st := a.spool.State()
	resumed := a.spool.HasSession() && !st.Ended
	if resumed {
		if err := a.checkResumable(st); err != nil {
			return err
		}
		if st.Hearing == "" {
			st.Hearing = a.cfg.Hearing
		}
	} else {
		st = SpoolState{Session: newSessionID(a.cfg.Courtroom, a.now), Courtroom: a.cfg.Courtroom, Hearing: a.cfg.Hearing,
			Seats: a.cfg.Seats, Created: a.now.UTC()}
		if err := a.spool.Begin(st); err != nil {
			return err
		}
	}
	a.st = st
	a.hello.Session, a.hello.Hearing, a.hello.Agent = st.Session, st.Hearing, a.cfg.AgentName

	_, next, lastEnd := a.spool.Position()
	seeker, _ := a.src.(Seeker)
	if resumed && !lastEnd.IsZero() {
		var err error
		if next, err = a.recordDowntime(next, lastEnd, seeker == nil || seeker.Paced()); err != nil {
			return err
		}
	}
	if seeker != nil && next > 0 {
		if err := seeker.SeekTimeline(next); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
	}
	a.next = next
	return nil
}

// checkResumable refuses a spool whose unfinished session is not this agent's.
func (a *agentSession) checkResumable(st SpoolState) error {
	cfg := a.cfg
	if st.Courtroom != cfg.Courtroom || !slices.Equal(st.Seats, cfg.Seats) {
		return fmt.Errorf("agent: spool %s holds an unfinished session %s of courtroom %s with seats %v; "+
			"run with the same --courtroom and --seats to deliver it, or use another --spool", cfg.SpoolDir, st.Session, st.Courtroom, st.Seats)
	}
	if cfg.Hearing != "" && st.Hearing != "" && cfg.Hearing != st.Hearing {
		return fmt.Errorf("agent: spool %s holds hearing %s, not %s", cfg.SpoolDir, st.Hearing, cfg.Hearing)
	}
	return nil
}

// recordDowntime makes the time the agent was down (since lastEnd) a gap of exactly that
// length when the source is paced, and returns the sample capture resumes at.
func (a *agentSession) recordDowntime(next int64, lastEnd time.Time, paced bool) (int64, error) {
	down := a.now.Sub(lastEnd)
	gap := int64(math.Round(down.Seconds() * wire.SampleRate))
	if !paced || gap <= 0 {
		a.log.Info("agent: resumed session", "session", a.st.Session, "resume_sample", next)
		return next, nil
	}
	if err := a.spool.AppendGap(gap, wire.GapAgentDown, lastEnd); err != nil {
		return next, err
	}
	a.log.Warn("agent: resumed after a restart; the downtime is recorded as a gap", "session", a.st.Session,
		"gap_samples", gap, "downtime", down.Round(time.Millisecond), "resume_sample", next+gap)
	return next + gap, nil
}

// openUplink makes the resampler and the uplink the run stage needs.
func (a *agentSession) openUplink() (*Resampler, error) {
	cfg := a.cfg
	rs, err := NewResampler(a.format.SampleRate, wire.SampleRate, len(cfg.Seats))
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	up, err := NewUplink(UplinkConfig{Server: cfg.Server, Token: cfg.Token, Hello: a.hello, CloseHearing: cfg.CloseHearing,
		MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff, OnHearing: cfg.OnHearing, Logger: a.log, TLS: cfg.TLS}, a.spool)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	a.up = up
	a.log.Info("agent: capturing", "session", a.st.Session, "courtroom", cfg.Courtroom, "hearing", a.st.Hearing,
		"seats", a.hello.SeatNames(), "source_rate", a.format.SampleRate, "source_channels", a.format.Channels,
		"spool", cfg.SpoolDir, "local_copy", a.local.Dir())
	return rs, nil
}

// run is the run stage: the uplink streams the spool while the capture loop fills it, until
// the source ends or fails, the context ends, or the uplink fails for good. The uplink is
// left running (its context outlives ctx); drain waits for it.
func (a *agentSession) run(ctx context.Context, rs *Resampler) captureOutcome {
	upCtx, upCancel := context.WithCancel(context.WithoutCancel(ctx))
	a.upCancel = upCancel
	capCtx, capCancel := context.WithCancelCause(ctx)
	defer capCancel(nil)
	a.upDone = make(chan error, 1)
	go func() {
		err := a.up.Run(upCtx)
		if err != nil {
			capCancel(err)
		}
		a.upDone <- err
	}()

	c := &capturer{cfg: a.cfg, log: a.log, spool: a.spool, local: a.local, rs: rs, up: a.up, seats: a.cfg.Seats,
		nch: a.format.Channels, meters: NewMeters(a.hello.SeatNames(), a.cfg.LevelInterval, a.now)}
	capErr := c.run(capCtx, a.src)
	stopped := ctx.Err() != nil
	out := captureOutcome{err: capErr, stopped: stopped, sourceFailed: capErr != nil && !stopped && context.Cause(capCtx) == nil}
	if !out.sourceFailed {
		// Capture is over: the uplink sends End after the last frame.
		if err := a.spool.Finish(); err != nil {
			a.log.Error("agent: spool", "err", err)
		}
	}
	a.local.Close()
	a.src.Close()
	return out
}

// drain is the drain stage: it waits for the uplink to deliver the spool and marks the
// session ended once every frame is acknowledged.
func (a *agentSession) drain(ctx context.Context, out captureOutcome) error {
	var upErr error
	if !out.stopped && !out.sourceFailed {
		// The source ended: deliver everything, however long it takes, unless told to stop.
		select {
		case upErr = <-a.upDone:
		case <-ctx.Done():
			upErr = a.waitUplink(out.sourceFailed)
		}
	} else {
		upErr = a.waitUplink(out.sourceFailed)
	}
	if out.sourceFailed && errors.Is(upErr, context.Canceled) {
		upErr = nil
	}
	var perm *PermanentError
	if errors.As(upErr, &perm) {
		return fmt.Errorf("agent: %w", upErr)
	}
	if out.sourceFailed {
		return out.err
	}
	if upErr != nil {
		return fmt.Errorf("agent: %w: %d frames wait in %s for the next start (%w)", ErrNotDrained, a.spool.Unacked(), a.cfg.SpoolDir, upErr)
	}
	if err := a.spool.MarkEnded(); err != nil {
		return err
	}
	a.log.Info("agent: session ended; every sample acknowledged", "session", a.st.Session, "hearing", a.up.Hearing())
	return nil
}

// waitUplink gives the uplink up to DrainTimeout to deliver the spool and returns its
// result. After a failed source it stops the uplink as soon as nothing is left to deliver.
func (a *agentSession) waitUplink(sourceFailed bool) error {
	a.log.Info("agent: delivering the spool before stopping", "unacked_frames", a.spool.Unacked(), "timeout", a.cfg.DrainTimeout)
	t := time.NewTimer(a.cfg.DrainTimeout)
	defer t.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case err := <-a.upDone:
			return err
		case <-poll.C:
			if sourceFailed && a.spool.Unacked() == 0 {
				a.upCancel() // nothing left to deliver; End is not sent for a failed source
			}
		case <-t.C:
			a.upCancel()
		}
	}
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
