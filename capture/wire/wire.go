// Package wire is the agent ↔ server audio protocol of courtscribe.
//
// It is pure Go (no portaudio, no cgo) so that the server, the agent and the tests share it.
//
// A connection is a websocket. The agent authenticates with a bearer token of its courtroom
// (HTTP header "Authorization: Bearer T" on the upgrade request), then:
//
//	agent → server  text    Hello         (first message, exactly once)
//	server → agent  text    Welcome       (or Error, then close)
//	agent → server  binary  Frame ...     (audio or gap, strictly contiguous in sample index)
//	agent → server  text    Levels, Alarm (any time after Welcome)
//	agent → server  text    End           (capture finished; server flushes, writes the manifest)
//	server → agent  text    Ack           (cumulative: every frame with Seq ≤ Ack.Seq is durable)
//	server → agent  text    Error         (then the server closes the connection)
//
// Time inside the system is the sample index since the start of the hearing's stream at
// 16 kHz. A frame carries its first sample index; frames of one session are contiguous:
// frame k+1 starts where frame k ends. Audio that could not be captured (device overflow, an
// agent that was down) is sent as a Gap frame of the missing length, so the timeline never
// shifts silently. Frames are idempotent: the server recognises a frame it already stored by
// its sample range and acknowledges it again without writing.
package wire

import "encoding/binary"
import "encoding/json"
import "errors"
import "fmt"
import "hash/crc32"
import "regexp"
import "slices"
import "strings"

// ProtocolVersion is the version an agent states in its Hello.
const ProtocolVersion = 1

// SampleRate is the only sample rate on the wire and in the archive.
const SampleRate = 16000

// ServerTimeHeader carries the server's clock (RFC 3339 with nanoseconds) on /healthz and
// /readyz, so an agent's doctor can measure clock skew the way NTP does: the server's time
// against the midpoint of the request's round trip. The HTTP Date header has whole seconds
// only, which alone made a PC look 0.4–0.9 s off against its own server.
const ServerTimeHeader = "X-Courtscribe-Time"

// Encoding is the only sample encoding on the wire: signed 16-bit little endian.
const Encoding = "s16le"

// Limits that protect the server from hostile or broken agents.
const (
	MaxSeats         = 32
	MaxFrameSamples  = SampleRate * 2 // two seconds per channel in one frame
	MaxTextMessage   = 64 << 10
	HeaderSize       = 40
	MaxFrameBytes    = HeaderSize + MaxSeats*MaxFrameSamples*2
	MaxGapSamples    = SampleRate * 60 * 60 * 24 // a day
	frameMagic       = "CSF1"
	crcOffset        = 36
	maxNameLen       = 64
	maxIdentifierLen = 128
)

// Kind of a binary frame.
type Kind uint8

const (
	// KindAudio carries Samples samples for every channel, planar.
	KindAudio Kind = 1
	// KindGap says Samples samples for every channel are missing; it carries no payload.
	KindGap Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindAudio:
		return "audio"
	case KindGap:
		return "gap"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Gap reasons carried in Frame.Reason.
const (
	GapOverflow    uint8 = 1 // the device's input buffer overflowed
	GapAgentDown   uint8 = 2 // the agent was not running (restart after a crash)
	GapSourceError uint8 = 3 // the device failed or vanished
)

// GapReasonText names a gap reason for logs and records.
func GapReasonText(r uint8) string {
	switch r {
	case GapOverflow:
		return "overflow"
	case GapAgentDown:
		return "agent-down"
	case GapSourceError:
		return "source-error"
	}
	return "unknown"
}

// Frame is one binary message.
//
// Layout (little endian), HeaderSize bytes then the payload:
//
//	0  [4]byte  magic "CSF1"
//	4  uint8    kind
//	5  uint8    gap reason (0 for audio)
//	6  uint16   channels
//	8  uint64   seq (starts at 1, +1 per frame of the session)
//	16 int64    first sample index (hearing time)
//	24 uint32   samples per channel
//	28 int64    wall clock of the first sample, Unix nanoseconds (an anchor, not the clock)
//	36 uint32   CRC-32C (Castagnoli) of bytes 0..35 and the payload
//	40 payload  channels × samples int16, planar: all of channel 0, then channel 1, ...
type Frame struct {
	Kind        Kind
	Reason      uint8
	Channels    int
	Seq         uint64
	FirstSample int64
	Samples     int
	WallNanos   int64
	// PCM holds one slice per channel, each Samples long. Nil for gaps.
	PCM [][]int16
}

// End is the sample index just after the frame.
func (f *Frame) End() int64 { return f.FirstSample + int64(f.Samples) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameCRC is the checksum of an encoded frame b (header and payload): CRC-32C of the header's
// bytes before the CRC field and of the payload after the header.
func frameCRC(b []byte) uint32 {
	crc := crc32.Update(0, castagnoli, b[:crcOffset])
	return crc32.Update(crc, castagnoli, b[HeaderSize:])
}

// Errors the decoder returns; they wrap into messages that name the field.
var (
	ErrShortFrame = errors.New("frame shorter than its header")
	ErrMagic      = errors.New("frame magic is not CSF1")
	ErrKind       = errors.New("unknown frame kind")
	ErrChannels   = errors.New("channel count out of range")
	ErrSamples    = errors.New("sample count out of range")
	ErrLength     = errors.New("frame length does not match its header")
	ErrChecksum   = errors.New("frame checksum mismatch")
	ErrSeq        = errors.New("sequence number must start at 1")
	ErrSampleIdx  = errors.New("first sample index is negative")
)

// AppendFrame appends the encoding of f to dst and returns it.
func AppendFrame(dst []byte, f *Frame) ([]byte, error) {
	if err := f.check(); err != nil {
		return dst, err
	}
	start := len(dst)
	var h [HeaderSize]byte
	copy(h[0:4], frameMagic)
	h[4] = byte(f.Kind)
	h[5] = f.Reason
	binary.LittleEndian.PutUint16(h[6:], uint16(f.Channels))
	binary.LittleEndian.PutUint64(h[8:], f.Seq)
	binary.LittleEndian.PutUint64(h[16:], uint64(f.FirstSample))
	binary.LittleEndian.PutUint32(h[24:], uint32(f.Samples))
	binary.LittleEndian.PutUint64(h[28:], uint64(f.WallNanos))
	dst = append(dst, h[:]...)
	if f.Kind == KindAudio {
		for _, ch := range f.PCM {
			for _, s := range ch {
				dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
			}
		}
	}
	binary.LittleEndian.PutUint32(dst[start+crcOffset:], frameCRC(dst[start:]))
	return dst, nil
}

// EncodeFrame returns the encoding of f.
func EncodeFrame(f *Frame) ([]byte, error) {
	return AppendFrame(make([]byte, 0, f.EncodedSize()), f)
}

// EncodedSize is the number of bytes EncodeFrame produces.
func (f *Frame) EncodedSize() int {
	if f.Kind == KindAudio {
		return HeaderSize + f.Channels*f.Samples*2
	}
	return HeaderSize
}

func (f *Frame) check() error {
	if err := f.checkHeader(); err != nil {
		return err
	}
	if f.Kind == KindAudio {
		if len(f.PCM) != f.Channels {
			return fmt.Errorf("%w: %d channel slices for %d channels", ErrLength, len(f.PCM), f.Channels)
		}
		for i, ch := range f.PCM {
			if len(ch) != f.Samples {
				return fmt.Errorf("%w: channel %d has %d samples, header says %d", ErrLength, i, len(ch), f.Samples)
			}
		}
	}
	return nil
}

// checkHeader validates the header fields, for encoding and decoding alike.
func (f *Frame) checkHeader() error {
	switch f.Kind {
	case KindAudio, KindGap:
	default:
		return fmt.Errorf("%w: %d", ErrKind, f.Kind)
	}
	if f.Channels < 1 || f.Channels > MaxSeats {
		return fmt.Errorf("%w: %d (1..%d)", ErrChannels, f.Channels, MaxSeats)
	}
	maxS := MaxFrameSamples
	if f.Kind == KindGap {
		maxS = MaxGapSamples
	}
	if f.Samples < 1 || f.Samples > maxS {
		return fmt.Errorf("%w: %d (1..%d)", ErrSamples, f.Samples, maxS)
	}
	if f.Seq == 0 {
		return ErrSeq
	}
	if f.FirstSample < 0 {
		return ErrSampleIdx
	}
	return nil
}

// DecodeFrame parses one binary message. It never panics; every error names what is wrong.
func DecodeFrame(b []byte) (*Frame, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrShortFrame, len(b))
	}
	if string(b[0:4]) != frameMagic {
		return nil, ErrMagic
	}
	f := &Frame{
		Kind:        Kind(b[4]),
		Reason:      b[5],
		Channels:    int(binary.LittleEndian.Uint16(b[6:])),
		Seq:         binary.LittleEndian.Uint64(b[8:]),
		FirstSample: int64(binary.LittleEndian.Uint64(b[16:])),
		Samples:     int(binary.LittleEndian.Uint32(b[24:])),
		WallNanos:   int64(binary.LittleEndian.Uint64(b[28:])),
	}
	if err := f.checkHeader(); err != nil {
		return nil, err
	}
	want := HeaderSize
	if f.Kind == KindAudio {
		want += f.Channels * f.Samples * 2
	}
	if len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrLength, len(b), want)
	}
	if frameCRC(b) != binary.LittleEndian.Uint32(b[crcOffset:]) {
		return nil, ErrChecksum
	}
	if f.Kind == KindAudio {
		p := b[HeaderSize:]
		all := make([]int16, f.Channels*f.Samples)
		for i := range all {
			all[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
		}
		f.PCM = make([][]int16, f.Channels)
		for c := 0; c < f.Channels; c++ {
			f.PCM[c] = all[c*f.Samples : (c+1)*f.Samples : (c+1)*f.Samples]
		}
	}
	return f, nil
}

// Seat maps a seat name to a 1-based input channel of the agent's device or source.
type Seat struct {
	Name    string `json:"name"`
	Channel int    `json:"channel"`
}

// Format is the audio format on the wire; the server accepts only 16 kHz s16le.
type Format struct {
	SampleRate int    `json:"sample_rate"`
	Encoding   string `json:"encoding"`
	Channels   int    `json:"channels"`
}

// Message types of text messages.
const (
	TypeHello   = "hello"
	TypeWelcome = "welcome"
	TypeAck     = "ack"
	TypeError   = "error"
	TypeLevels  = "levels"
	TypeAlarm   = "alarm"
	TypeEnd     = "end"
)

// Hello is the agent's first message.
type Hello struct {
	Type      string `json:"type"`
	Protocol  int    `json:"protocol"`
	Session   string `json:"session"`
	Courtroom string `json:"courtroom"`
	Hearing   string `json:"hearing,omitempty"`
	Seats     []Seat `json:"seats"`
	Format    Format `json:"format"`
	Agent     string `json:"agent,omitempty"`
}

// Welcome answers a valid Hello. NextSample and LastSeq tell the agent what the server holds
// durably for this session, so it can resume; frames before that are acknowledged again.
type Welcome struct {
	Type       string `json:"type"`
	Hearing    string `json:"hearing"`
	Session    string `json:"session"`
	LastSeq    uint64 `json:"last_seq"`
	NextSample int64  `json:"next_sample"`
}

// Ack acknowledges every frame up to and including Seq: they are durably on disk.
type Ack struct {
	Type string `json:"type"`
	Seq  uint64 `json:"seq"`
}

// Error codes the server sends before closing.
const (
	CodeUnauthorized = "unauthorized"
	CodeBadHello     = "bad_hello"
	CodeVersion      = "unsupported_version"
	CodeFormat       = "unsupported_format"
	CodeSeatMap      = "seat_map_mismatch"
	CodeBadFrame     = "bad_frame"
	CodeOutOfOrder   = "frame_out_of_order"
	CodeTooLarge     = "message_too_large"
	CodeStorage      = "storage_error"
	CodeClosed       = "hearing_closed"
	CodeBusy         = "session_busy"
	// CodeNotOwner: another server replica writes this hearing's audio (its ingest lease runs);
	// the message names it. The agent tries its next --server, or this one again later.
	CodeNotOwner = "not_owner"
)

// Error is the server's explanation before it closes the connection.
type Error struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// SeatLevel is one seat's meter reading over the last interval.
type SeatLevel struct {
	Seat     string  `json:"seat"`
	RMSdBFS  float64 `json:"rms_dbfs"`
	PeakdBFS float64 `json:"peak_dbfs"`
	Clipped  int     `json:"clipped,omitempty"`
}

// Levels is the agent's periodic health report (at least once a second).
type Levels struct {
	Type       string      `json:"type"`
	AtSample   int64       `json:"at_sample"`
	Seats      []SeatLevel `json:"seats"`
	SpoolBytes int64       `json:"spool_bytes"`
	SpoolLimit int64       `json:"spool_limit,omitempty"`
	Unacked    int         `json:"unacked_frames"`
}

// Alarm codes an agent raises.
const (
	AlarmSpoolFull   = "spool_full"
	AlarmSpoolHigh   = "spool_high"
	AlarmOverflow    = "overflow"
	AlarmDeviceError = "device_error"
	AlarmDiskError   = "disk_error"
)

// AlarmCodes are the codes an agent may raise. The server counts any other code as
// AlarmOther: a code is the agent's claim, and a metric label per made-up code is unbounded
// memory.
var AlarmCodes = []string{AlarmSpoolFull, AlarmSpoolHigh, AlarmOverflow, AlarmDeviceError, AlarmDiskError}

// AlarmOther is the label of an alarm code outside AlarmCodes.
const AlarmOther = "other"

// AlarmLabel returns code if it is one of AlarmCodes, else AlarmOther.
func AlarmLabel(code string) string {
	if slices.Contains(AlarmCodes, code) {
		return code
	}
	return AlarmOther
}

// MaxAlarmMessage is how many bytes of an alarm's message the server keeps.
const MaxAlarmMessage = 512

// Alarm is a loud, explicit problem report from the agent.
type Alarm struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Samples int64  `json:"samples,omitempty"`
}

// End says the agent's capture for this session is finished and fully sent.
type End struct {
	Type         string `json:"type"`
	LastSeq      uint64 `json:"last_seq"`
	EndSample    int64  `json:"end_sample"`
	CloseHearing bool   `json:"close_hearing"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ValidSeatName reports whether s is a usable seat name: lower-case letters, digits, '-' and
// '_', at most 64 characters. Seat names become file names in the archive.
func ValidSeatName(s string) bool { return len(s) <= maxNameLen && nameRE.MatchString(s) }

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidID reports whether s is a usable session, hearing or courtroom identifier (it becomes a
// path element): letters, digits, '.', '_' and '-', not starting with a dot, at most 128 bytes.
func ValidID(s string) bool {
	return len(s) <= maxIdentifierLen && idRE.MatchString(s) && !strings.Contains(s, "..")
}

// Validate checks a Hello completely; the error text is meant for the agent's operator.
func (h *Hello) Validate() error {
	if h.Type != TypeHello {
		return fmt.Errorf("first message must be hello, got type %q", h.Type)
	}
	if h.Protocol != ProtocolVersion {
		return &Error{Type: TypeError, Code: CodeVersion, Message: fmt.Sprintf("protocol %d not supported (server speaks %d)", h.Protocol, ProtocolVersion)}
	}
	if !ValidID(h.Session) {
		return fmt.Errorf("session id %q is not a valid identifier", h.Session)
	}
	if !ValidID(h.Courtroom) {
		return fmt.Errorf("courtroom %q is not a valid identifier", h.Courtroom)
	}
	if h.Hearing != "" && !ValidID(h.Hearing) {
		return fmt.Errorf("hearing id %q is not a valid identifier", h.Hearing)
	}
	if h.Format.SampleRate != SampleRate || h.Format.Encoding != Encoding {
		return &Error{Type: TypeError, Code: CodeFormat, Message: fmt.Sprintf("format %d Hz %q not supported: send %d Hz %s", h.Format.SampleRate, h.Format.Encoding, SampleRate, Encoding)}
	}
	if len(h.Seats) < 1 || len(h.Seats) > MaxSeats {
		return fmt.Errorf("need 1..%d seats, got %d", MaxSeats, len(h.Seats))
	}
	if h.Format.Channels != len(h.Seats) {
		return &Error{Type: TypeError, Code: CodeSeatMap, Message: fmt.Sprintf("format says %d channels but %d seats are mapped", h.Format.Channels, len(h.Seats))}
	}
	seen := map[string]bool{}
	chans := map[int]bool{}
	for _, s := range h.Seats {
		if !ValidSeatName(s.Name) {
			return fmt.Errorf("seat name %q is not valid (a-z, 0-9, '-', '_')", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("seat %q mapped twice", s.Name)
		}
		if s.Channel < 1 {
			return fmt.Errorf("seat %q: channel %d must be 1 or more", s.Name, s.Channel)
		}
		if chans[s.Channel] {
			return fmt.Errorf("channel %d mapped to two seats", s.Channel)
		}
		seen[s.Name] = true
		chans[s.Channel] = true
	}
	return nil
}

// SeatNames returns the seat names in frame channel order.
func (h *Hello) SeatNames() []string {
	out := make([]string, len(h.Seats))
	for i, s := range h.Seats {
		out[i] = s.Name
	}
	return out
}

// ParseSeats parses "judge=1,clerk=2" into seats in the given order.
func ParseSeats(s string) ([]Seat, error) {
	var out []Seat
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, ch, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("seat %q: want name=channel", part)
		}
		var n int
		if _, err := fmt.Sscanf(ch, "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(ch) {
			return nil, fmt.Errorf("seat %q: channel %q is not a number", name, ch)
		}
		out = append(out, Seat{Name: strings.TrimSpace(name), Channel: n})
	}
	if len(out) == 0 {
		return nil, errors.New("no seats given")
	}
	h := Hello{Type: TypeHello, Protocol: ProtocolVersion, Session: "x", Courtroom: "x", Seats: out,
		Format: Format{SampleRate: SampleRate, Encoding: Encoding, Channels: len(out)}}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// Envelope reads only the type of a text message.
type Envelope struct {
	Type string `json:"type"`
}

// DecodeText parses a text message strictly: unknown fields are an error. It returns one of
// *Hello, *Welcome, *Ack, *Error, *Levels, *Alarm, *End.
func DecodeText(b []byte) (any, error) {
	if len(b) > MaxTextMessage {
		return nil, fmt.Errorf("text message of %d bytes exceeds %d", len(b), MaxTextMessage)
	}
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("text message is not JSON: %w", err)
	}
	var v any
	switch env.Type {
	case TypeHello:
		v = new(Hello)
	case TypeWelcome:
		v = new(Welcome)
	case TypeAck:
		v = new(Ack)
	case TypeError:
		v = new(Error)
	case TypeLevels:
		v = new(Levels)
	case TypeAlarm:
		v = new(Alarm)
	case TypeEnd:
		v = new(End)
	default:
		return nil, fmt.Errorf("unknown message type %q", env.Type)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, fmt.Errorf("%s message: %w", env.Type, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s message: trailing data", env.Type)
	}
	return v, nil
}
