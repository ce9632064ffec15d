package capture

import "encoding/binary"
import "encoding/json"
import "errors"
import "fmt"
import "io"
import "log/slog"
import "os"
import "path/filepath"
import "sort"
import "strconv"
import "strings"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/atomicfile"

// The spool keeps every encoded frame on disk until the server acknowledges it, so neither a
// network outage nor a kill -9 of the agent loses audio that was captured.
//
// Layout of the spool directory:
//
//	state.json                 session id, courtroom, hearing, seats, last acknowledged seq
//	seg-<first seq>.spool      segment files: 8-byte magic "CSSPOOL1", then records
//
// A record is a little-endian uint32 length followed by one wire frame (which carries its
// own CRC-32C). Append writes the record and fsyncs before it returns. Reopening walks the
// records: a torn record at the end of the newest segment (a crash mid-write) is cut off;
// damage anywhere else is an error, never silently skipped. Segments are deleted only when
// every frame in them is acknowledged, and the newest segment is always kept, so the
// counters (next seq, next sample, wall clock at the end of the last frame) survive a restart
// even when everything was acknowledged.
//
// At the hard size limit the spool stops storing audio: the samples become a pending gap
// (reason overflow) that is written as one gap frame once there is room again (or at the
// end), the caller raises AlarmSpoolFull, and the local copy still has the audio. The
// timeline never shifts and nothing already spooled is dropped.

const (
	spoolMagic   = "CSSPOOL1"
	stateFile    = "state.json"
	segPrefix    = "seg-"
	segSuffix    = ".spool"
	recHeader    = 4
	maxRecordLen = wire.MaxFrameBytes
)

// SpoolState is what state.json holds.
type SpoolState struct {
	Session   string      `json:"session"`
	Courtroom string      `json:"courtroom"`
	Hearing   string      `json:"hearing,omitempty"`
	Seats     []wire.Seat `json:"seats"`
	Acked     uint64      `json:"acked"`
	Ended     bool        `json:"ended,omitempty"`
	Created   time.Time   `json:"created"`
}

// SpoolOptions configures a spool; zero values take the defaults.
type SpoolOptions struct {
	Limit        int64   // hard limit of spooled bytes (default 2 GiB)
	HighFraction float64 // spool_high above Limit×HighFraction (default 0.8)
	SegmentBytes int64   // segment rotation size (default 8 MiB)
	Logger       *slog.Logger
}

// DefaultSpoolLimit is the default hard limit: about 2 h 20 min of 8 seats at 16 kHz.
const DefaultSpoolLimit = 2 << 30

// SpoolLevel is the fill state of the spool.
type SpoolLevel int

// Spool fill levels.
const (
	SpoolOK SpoolLevel = iota
	SpoolHigh
	SpoolFull
)

type segment struct {
	path  string
	first uint64 // seq of its first record
	last  uint64 // seq of its last record (0 when empty)
	size  int64
	f     *os.File
}

type recRef struct {
	seq uint64
	seg *segment
	off int64 // offset of the frame (after the length)
	n   int
}

// Spool is the crash-safe store of unacknowledged frames and the owner of the session's
// timeline counters. It is safe for concurrent use (capture appends, the uplink reads and acks).
type Spool struct {
	mu         sync.Mutex
	dir        string
	opts       SpoolOptions
	log        *slog.Logger
	state      SpoolState
	hasState   bool
	segs       []*segment
	index      []recRef // records with seq > acked, in order
	nextSeq    uint64
	nextSample int64
	lastEnd    time.Time // wall clock at the end of the last spooled frame
	channels   int
	pendingGap int64
	pendWall   time.Time
	bytes      int64 // segment bytes on disk
	unacked    int64 // bytes of unacknowledged records
	notify     chan struct{}
	finished   bool
	closed     bool
}

// OpenSpool opens (creating if needed) the spool in dir and recovers it after a crash.
func OpenSpool(dir string, opts SpoolOptions) (*Spool, error) {
	if opts.Limit <= 0 {
		opts.Limit = DefaultSpoolLimit
	}
	if opts.HighFraction <= 0 || opts.HighFraction >= 1 {
		opts.HighFraction = 0.8
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = 8 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := privateDir(dir); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, opts: opts, log: opts.Logger, nextSeq: 1, notify: make(chan struct{}, 1)}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	switch {
	case err == nil:
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s.state); err != nil {
			return nil, fmt.Errorf("spool %s: state.json is damaged: %w", dir, err)
		}
		s.hasState = true
		s.channels = len(s.state.Seats)
	case errors.Is(err, os.ErrNotExist):
	default:
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := s.load(); err != nil {
		s.closeFiles()
		return nil, err
	}
	if !s.hasState && len(s.segs) > 0 {
		s.closeFiles()
		return nil, fmt.Errorf("spool %s: segment files without state.json", dir)
	}
	return s, nil
}

// load reads the segment files: it repairs a torn record at the end of the newest one,
// checks that the frames follow each other, and indexes the unacknowledged ones.
func (s *Spool) load() error {
	segs, err := s.listSegments()
	if err != nil {
		return err
	}
	var prev *wire.Frame
	for i, sg := range segs {
		if prev, err = s.loadSegment(sg, i == len(segs)-1, prev); err != nil {
			return err
		}
	}
	if prev != nil {
		s.nextSeq = prev.Seq + 1
		s.nextSample = prev.End()
		s.lastEnd = time.Unix(0, prev.WallNanos).Add(samplesDur(int64(prev.Samples)))
		if s.state.Acked > prev.Seq {
			return fmt.Errorf("spool: state says seq %d is acknowledged but the spool ends at %d", s.state.Acked, prev.Seq)
		}
	} else if s.state.Acked > 0 {
		return fmt.Errorf("spool: state says seq %d is acknowledged but the spool holds no frames", s.state.Acked)
	}
	return s.dropAckedSegments()
}

// listSegments returns the spool's segment files in sequence order (not yet opened).
func (s *Spool) listSegments() ([]*segment, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var segs []*segment
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("spool: unexpected file %s", name)
		}
		segs = append(segs, &segment{path: filepath.Join(s.dir, name), first: first})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// loadSegment opens one segment (newest: the last one), repairs its torn end if it is the
// newest, and indexes its frames, which must follow prev. It returns the segment's last frame
// (prev when it holds none).
func (s *Spool) loadSegment(sg *segment, newest bool, prev *wire.Frame) (*wire.Frame, error) {
	f, err := os.OpenFile(sg.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sg.f = f
	s.segs = append(s.segs, sg)
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	recs, valid, scanErr := scanSegment(data)
	if scanErr != nil {
		if !newest {
			return nil, fmt.Errorf("spool: %s is damaged before its end: %w", sg.path, scanErr)
		}
		if valid, err = s.repairTornEnd(sg, len(data), valid, scanErr); err != nil {
			return nil, err
		}
	}
	if _, err := f.Seek(int64(valid), io.SeekStart); err != nil {
		return nil, err
	}
	sg.size = int64(valid)
	s.bytes += sg.size
	for _, r := range recs {
		if err := s.checkFollows(sg, r.frame, prev); err != nil {
			return nil, err
		}
		s.indexRecord(sg, r)
		prev = r.frame
	}
	return prev, nil
}

// repairTornEnd cuts the newest segment back to its valid prefix of size bytes (a crash
// during a write leaves a torn record) and returns the new length.
func (s *Spool) repairTornEnd(sg *segment, size, valid int, reason error) (int, error) {
	s.log.Warn("spool: dropping a torn record at the end of the newest segment (crash during write)",
		"segment", sg.path, "valid_bytes", valid, "dropped_bytes", size-valid, "reason", reason)
	if valid < len(spoolMagic) {
		valid = 0
	}
	if err := sg.f.Truncate(int64(valid)); err != nil {
		return valid, fmt.Errorf("spool: repairing %s: %w", sg.path, err)
	}
	if valid == 0 {
		if _, err := sg.f.WriteAt([]byte(spoolMagic), 0); err != nil {
			return valid, err
		}
		valid = len(spoolMagic)
	}
	return valid, sg.f.Sync()
}

// checkFollows checks that fr, read from sg, follows prev (the frame before it in the spool,
// nil for the first) and has the session's channel count.
func (s *Spool) checkFollows(sg *segment, fr, prev *wire.Frame) error {
	if prev != nil && (fr.Seq != prev.Seq+1 || fr.FirstSample != prev.End()) {
		return fmt.Errorf("spool: %s: frame seq %d at sample %d does not follow seq %d ending at %d",
			sg.path, fr.Seq, fr.FirstSample, prev.Seq, prev.End())
	}
	if prev == nil && fr.Seq != sg.first {
		return fmt.Errorf("spool: %s starts with seq %d", sg.path, fr.Seq)
	}
	if s.channels != 0 && fr.Channels != s.channels {
		return fmt.Errorf("spool: %s: frame seq %d has %d channels, the session has %d", sg.path, fr.Seq, fr.Channels, s.channels)
	}
	return nil
}

// indexRecord counts a record of sg in the segment's range and, when unacknowledged, in the index.
func (s *Spool) indexRecord(sg *segment, r scanned) {
	fr := r.frame
	if sg.first == 0 || fr.Seq < sg.first {
		sg.first = fr.Seq
	}
	sg.last = fr.Seq
	if fr.Seq > s.state.Acked {
		s.index = append(s.index, recRef{seq: fr.Seq, seg: sg, off: int64(r.off), n: r.n})
		s.unacked += int64(r.n + recHeader)
	}
}

type scanned struct {
	frame *wire.Frame
	off   int
	n     int
}

// scanSegment parses a segment's bytes. It returns the complete records and the length of the
// valid prefix; err says why parsing stopped early (a torn or damaged record).
func scanSegment(b []byte) ([]scanned, int, error) {
	if len(b) < len(spoolMagic) {
		return nil, 0, fmt.Errorf("segment shorter than its magic (%d bytes)", len(b))
	}
	if string(b[:len(spoolMagic)]) != spoolMagic {
		return nil, 0, errors.New("segment magic is not " + spoolMagic)
	}
	var out []scanned
	pos := len(spoolMagic)
	for pos < len(b) {
		if len(b)-pos < recHeader {
			return out, pos, fmt.Errorf("torn record length at byte %d", pos)
		}
		n := int(binary.LittleEndian.Uint32(b[pos:]))
		if n < wire.HeaderSize || n > maxRecordLen {
			return out, pos, fmt.Errorf("record at byte %d has impossible length %d", pos, n)
		}
		if len(b)-pos-recHeader < n {
			return out, pos, fmt.Errorf("torn record at byte %d: %d of %d bytes", pos, len(b)-pos-recHeader, n)
		}
		fr, err := wire.DecodeFrame(b[pos+recHeader : pos+recHeader+n])
		if err != nil {
			return out, pos, fmt.Errorf("record at byte %d: %w", pos, err)
		}
		out = append(out, scanned{frame: fr, off: pos + recHeader, n: n})
		pos += recHeader + n
	}
	return out, pos, nil
}

// HasSession reports whether the spool holds a session (state.json exists).
func (s *Spool) HasSession() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hasState
}

// State returns a copy of the session state.
func (s *Spool) State() SpoolState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	st.Seats = append([]wire.Seat(nil), s.state.Seats...)
	return st
}

// Begin starts a new session in the spool, discarding a previous, ended one. It fails if the
// spool holds a session that has not ended (resume it instead).
func (s *Spool) Begin(st SpoolState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasState && !s.state.Ended {
		return fmt.Errorf("spool %s already holds the unfinished session %s", s.dir, s.state.Session)
	}
	if s.hasState && len(s.index) > 0 {
		return fmt.Errorf("spool %s: ended session %s still has %d unacknowledged frames", s.dir, s.state.Session, len(s.index))
	}
	for _, sg := range s.segs {
		sg.f.Close()
		if err := os.Remove(sg.path); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	s.segs, s.index, s.bytes, s.unacked = nil, nil, 0, 0
	s.nextSeq, s.nextSample, s.lastEnd, s.pendingGap = 1, 0, time.Time{}, 0
	s.finished = false
	st.Acked, st.Ended = 0, false
	s.state = st
	s.hasState = true
	s.channels = len(st.Seats)
	return s.saveStateLocked()
}

// SetHearing records the hearing the server named for this session.
func (s *Spool) SetHearing(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Hearing = id
	return s.saveStateLocked()
}

// MarkEnded records that the session's capture finished and everything was acknowledged;
// the next agent start begins a new session.
func (s *Spool) MarkEnded() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Ended = true
	return s.saveStateLocked()
}

// Position returns the next seq, the next sample index (including a pending gap) and the
// wall-clock time at the end of the last spooled frame (zero if none).
func (s *Spool) Position() (nextSeq uint64, nextSample int64, lastEnd time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextSeq, s.nextSample + s.pendingGap, s.lastEnd
}

// AppendAudio spools one audio frame of planar 16 kHz samples (one slice per seat) starting
// at the next sample index; wall is the wall-clock time of its first sample. It returns false
// when the spool is at its hard limit (or the disk failed; err says so): the samples then
// become part of a pending gap and the timeline still advances.
func (s *Spool) AppendAudio(pcm [][]int16, wall time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, errors.New("spool is closed")
	}
	n := int64(len(pcm[0]))
	f := &wire.Frame{Kind: wire.KindAudio, Channels: len(pcm), Samples: int(n), WallNanos: wall.UnixNano(), PCM: pcm}
	if s.unacked+int64(f.EncodedSize()+recHeader) > s.opts.Limit {
		s.addPendingLocked(n, wall)
		return false, nil
	}
	if err := s.flushPendingLocked(); err != nil {
		s.addPendingLocked(n, wall)
		return false, err
	}
	f.Seq, f.FirstSample = s.nextSeq, s.nextSample
	if err := s.writeLocked(f); err != nil {
		s.addPendingLocked(n, wall)
		return false, err
	}
	return true, nil
}

// AppendGap spools a gap of n samples (split into frames of at most a day) with a reason
// (wire.GapOverflow, GapAgentDown, GapSourceError). Gaps are written even at the hard limit:
// they are 44 bytes.
func (s *Spool) AppendGap(n int64, reason uint8, wall time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("spool is closed")
	}
	if err := s.flushPendingLocked(); err != nil {
		return err
	}
	return s.writeGapLocked(n, reason, wall)
}

func (s *Spool) addPendingLocked(n int64, wall time.Time) {
	if s.pendingGap == 0 {
		s.pendWall = wall
	}
	s.pendingGap += n
}

func (s *Spool) flushPendingLocked() error {
	if s.pendingGap == 0 {
		return nil
	}
	n := s.pendingGap
	s.pendingGap = 0
	if err := s.writeGapLocked(n, wire.GapOverflow, s.pendWall); err != nil {
		s.pendingGap = n
		return err
	}
	s.log.Warn("spool: audio that did not fit the spool was sent as a gap (the local copy has it)", "samples", n)
	return nil
}

func (s *Spool) writeGapLocked(n int64, reason uint8, wall time.Time) error {
	for n > 0 {
		k := min(n, wire.MaxGapSamples)
		f := &wire.Frame{Kind: wire.KindGap, Reason: reason, Channels: s.channels, Seq: s.nextSeq,
			FirstSample: s.nextSample, Samples: int(k), WallNanos: wall.UnixNano()}
		if err := s.writeLocked(f); err != nil {
			return err
		}
		wall = wall.Add(samplesDur(k))
		n -= k
	}
	return nil
}

func (s *Spool) writeLocked(f *wire.Frame) error {
	if s.channels == 0 || f.Channels != s.channels {
		return fmt.Errorf("spool: frame has %d channels, session has %d", f.Channels, s.channels)
	}
	buf := make([]byte, recHeader, recHeader+f.EncodedSize())
	buf, err := wire.AppendFrame(buf, f)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	binary.LittleEndian.PutUint32(buf, uint32(len(buf)-recHeader))
	var sg *segment
	if len(s.segs) > 0 {
		sg = s.segs[len(s.segs)-1]
	}
	if sg == nil || (sg.size >= s.opts.SegmentBytes && sg.last != 0) {
		if sg, err = s.newSegmentLocked(f.Seq); err != nil {
			return err
		}
	}
	if _, err := sg.f.WriteAt(buf, sg.size); err != nil {
		_ = sg.f.Truncate(sg.size)
		return fmt.Errorf("spool: write: %w", err)
	}
	if err := sg.f.Sync(); err != nil {
		_ = sg.f.Truncate(sg.size)
		return fmt.Errorf("spool: fsync: %w", err)
	}
	s.index = append(s.index, recRef{seq: f.Seq, seg: sg, off: sg.size + recHeader, n: len(buf) - recHeader})
	if sg.last == 0 {
		sg.first = f.Seq
	}
	sg.last = f.Seq
	sg.size += int64(len(buf))
	s.bytes += int64(len(buf))
	s.unacked += int64(len(buf))
	s.nextSeq = f.Seq + 1
	s.nextSample = f.End()
	s.lastEnd = time.Unix(0, f.WallNanos).Add(samplesDur(int64(f.Samples)))
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *Spool) newSegmentLocked(first uint64) (*segment, error) {
	p := filepath.Join(s.dir, fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Write([]byte(spoolMagic)); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := atomicfile.SyncDir(s.dir); err != nil {
		f.Close()
		return nil, err
	}
	sg := &segment{path: p, first: first, size: int64(len(spoolMagic)), f: f}
	s.segs = append(s.segs, sg)
	s.bytes += sg.size
	return sg, nil
}

// Ack records that the server durably holds every frame up to seq and deletes segments
// that are entirely acknowledged (never the newest one).
func (s *Spool) Ack(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.state.Acked {
		return nil
	}
	if seq >= s.nextSeq {
		return fmt.Errorf("spool: ack of seq %d, but the last spooled frame is %d", seq, s.nextSeq-1)
	}
	s.state.Acked = seq
	i := sort.Search(len(s.index), func(i int) bool { return s.index[i].seq > seq })
	for _, r := range s.index[:i] {
		s.unacked -= int64(r.n + recHeader)
	}
	s.index = append(s.index[:0:0], s.index[i:]...)
	return s.dropAckedSegments()
}

func (s *Spool) dropAckedSegments() error {
	dropped := false
	for len(s.segs) > 1 && (s.segs[0].last == 0 || s.segs[0].last <= s.state.Acked) {
		sg := s.segs[0]
		sg.f.Close()
		if err := os.Remove(sg.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: %w", err)
		}
		s.bytes -= sg.size
		s.segs = s.segs[1:]
		dropped = true
	}
	if dropped {
		return s.saveStateLocked()
	}
	return nil
}

// Acked is the highest acknowledged seq.
func (s *Spool) Acked() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Acked
}

// Next returns the encoded frame that follows seq, if it is spooled.
func (s *Spool) Next(after uint64) ([]byte, uint64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.index) == 0 {
		return nil, 0, false, nil
	}
	first := s.index[0].seq
	if after+1 < first {
		after = first - 1 // the server is behind our acks; it re-acks duplicates anyway
	}
	i := int(after + 1 - first)
	if i >= len(s.index) {
		return nil, 0, false, nil
	}
	r := s.index[i]
	b := make([]byte, r.n)
	if _, err := r.seg.f.ReadAt(b, r.off); err != nil {
		return nil, 0, false, fmt.Errorf("spool: reading seq %d: %w", r.seq, err)
	}
	return b, r.seq, true, nil
}

// Finish marks the end of capture: a pending gap is written and no more frames follow.
func (s *Spool) Finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.flushPendingLocked()
	s.finished = true
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return err
}

// Finished reports whether Finish was called, and the last seq and end sample.
func (s *Spool) Finished() (bool, uint64, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished, s.nextSeq - 1, s.nextSample
}

// Notify is signalled (capacity one) after each append and on Finish.
func (s *Spool) Notify() <-chan struct{} { return s.notify }

// Bytes is the size of the unacknowledged frames: what the limit applies to.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unacked
}

// DiskBytes is the size of the segment files (acknowledged frames stay on disk until their
// segment is complete).
func (s *Spool) DiskBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Limit is the hard limit in bytes of unacknowledged frames.
func (s *Spool) Limit() int64 { return s.opts.Limit }

// Unacked is the number of spooled frames the server has not acknowledged.
func (s *Spool) Unacked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.index)
}

// Level says whether the spool is fine, above its high-water mark or at its hard limit
// (including while audio is held back as a pending gap).
func (s *Spool) Level() SpoolLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.pendingGap > 0 || s.unacked >= s.opts.Limit:
		return SpoolFull
	case float64(s.unacked) >= float64(s.opts.Limit)*s.opts.HighFraction:
		return SpoolHigh
	}
	return SpoolOK
}

// Close writes the state and closes the files. It is safe to call twice.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.hasState {
		err = s.saveStateLocked()
	}
	s.closeFiles()
	return err
}

func (s *Spool) closeFiles() {
	for _, sg := range s.segs {
		if sg.f != nil {
			sg.f.Close()
		}
	}
}

func (s *Spool) saveStateLocked() error {
	b, err := json.MarshalIndent(s.state, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, stateFile), b, 0o600)
}

// privateDir makes dir and its missing parents 0700 and tightens dir itself to 0700 whatever
// the umask and whatever an older version left: spool and local copy hold the hearing's audio.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// samplesDur is the duration of n samples at 16 kHz.
func samplesDur(n int64) time.Duration {
	return time.Duration(n) * time.Second / wire.SampleRate
}
