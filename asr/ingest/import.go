package ingest

import "context"
import "crypto/rand"
import "encoding/hex"
import "errors"
import "fmt"
import "io"
import "os"
import "path/filepath"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"

// ImportSource is a recording being imported: 16 kHz 16-bit seat channels, read in blocks
// (capture/audiofile.Reader is one).
type ImportSource interface {
	Channels() int
	// Read fills up to len(dst[0]) frames of every channel; io.EOF at the end.
	Read(dst [][]int16) (int, error)
}

// ImportOptions name the hearing an existing recording goes into.
type ImportOptions struct {
	Courtroom string
	Hearing   string
	Seats     []wire.Seat // channel i of the source is the seat with Channel i+1
	// Wait, when set, is called before each frame is handed over; it may block (the caller's
	// downstream stages catching up) and its error stops the import.
	Wait func(ctx context.Context) error
}

// ErrImportRefused wraps the reasons a hearing cannot take an imported recording.
var ErrImportRefused = errors.New("import refused")

// ImportFrameSamples is the size of the frames an import hands to the archive: 100 ms, what the
// agent sends.
const ImportFrameSamples = wire.SampleRate / 10

// Import archives an existing recording as a new hearing exactly as if an agent had sent it:
// the same session and hearing records, the same seat files written by the same writer, the
// same listener deliveries (diarizer, transcription), and finally CloseHearing with its
// manifest of SHA-256 hashes. The hearing must not exist in the archive yet: a hearing that
// already has audio, is closed, or belongs to another courtroom is refused (ErrImportRefused).
// If the import stops part-way (a read error, ctx), the hearing keeps the durable part and
// stays open without a manifest; the error says so.
func (s *Server) Import(ctx context.Context, opt ImportOptions, src ImportSource) (*archive.Manifest, error) {
	hello := &wire.Hello{Type: wire.TypeHello, Protocol: wire.ProtocolVersion, Session: "import-" + randomHex(8),
		Courtroom: opt.Courtroom, Hearing: opt.Hearing, Seats: opt.Seats,
		Format: wire.Format{SampleRate: wire.SampleRate, Encoding: wire.Encoding, Channels: len(opt.Seats)}}
	if opt.Hearing == "" {
		return nil, fmt.Errorf("%w: name the hearing to import into", ErrImportRefused)
	}
	if err := hello.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrImportRefused, err)
	}
	if src.Channels() != len(opt.Seats) {
		return nil, fmt.Errorf("%w: the recording has %d channels for %d seats", ErrImportRefused, src.Channels(), len(opt.Seats))
	}
	dir := archive.HearingDir(s.cfg.DataDir, opt.Hearing)
	if _, err := os.Stat(filepath.Join(dir, archive.ManifestFile)); err == nil {
		return nil, fmt.Errorf("%w: hearing %s is closed and has its recording", ErrImportRefused, opt.Hearing)
	}
	var info archive.HearingInfo
	stored, err := archive.ReadHearingInfo(s.cfg.DataDir, opt.Hearing)
	if err == nil {
		info = *stored
	}
	switch {
	case err == nil && info.Courtroom != opt.Courtroom:
		return nil, fmt.Errorf("%w: hearing %s belongs to courtroom %s, not %s", ErrImportRefused, opt.Hearing, info.Courtroom, opt.Courtroom)
	case err == nil:
		return nil, fmt.Errorf("%w: hearing %s already has audio (recorded by session %s)", ErrImportRefused, opt.Hearing, info.Session)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("hearing %s: %w", opt.Hearing, err)
	}
	s.mu.Lock()
	_, open := s.hearings[opt.Hearing]
	closing := s.closing
	s.mu.Unlock()
	if open {
		return nil, fmt.Errorf("%w: hearing %s is being recorded", ErrImportRefused, opt.Hearing)
	}
	if closing {
		return nil, errors.New("ingest: server is shutting down")
	}
	h, werr := s.openSession(ctx, hello)
	if werr != nil {
		return nil, fmt.Errorf("%w: %s", ErrImportRefused, werr.Message)
	}
	s.log.Info("import started", "hearing", opt.Hearing, "courtroom", opt.Courtroom, "session", hello.Session, "seats", seatsText(opt.Seats))
	if err := s.importFrames(ctx, h, opt, src); err != nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		_ = h.flush(fctx) // what was handed over is kept: say how much
		cancel()
		h.mu.Lock()
		durable := h.durable
		h.mu.Unlock()
		return nil, fmt.Errorf("import into hearing %s stopped after %.1f s of audio (kept, without a manifest): %w",
			opt.Hearing, float64(durable)/wire.SampleRate, err)
	}
	return s.CloseHearing(ctx, opt.Hearing)
}

// importFrames hands the recording to the hearing's writer in agent-sized frames, waiting while
// the writer or the listener is behind, so memory stays bounded whatever the length.
func (s *Server) importFrames(ctx context.Context, h *hearing, opt ImportOptions, src ImportSource) error {
	c := &conn{s: s, log: h.log} // acknowledgements go nowhere: the import waits for durability itself
	nch := src.Channels()
	buf := make([][]int16, nch)
	for i := range buf {
		buf[i] = make([]int16, ImportFrameSamples)
	}
	h.mu.Lock()
	next := h.accepted
	h.mu.Unlock()
	for seq := uint64(1); ; seq++ {
		n, err := src.Read(buf)
		if n > 0 {
			pcm := make([][]int16, nch) // the listener may keep the slices
			for i := range pcm {
				pcm[i] = append([]int16(nil), buf[i][:n]...)
			}
			f := &wire.Frame{Kind: wire.KindAudio, Channels: nch, Seq: seq, FirstSample: next, Samples: n, PCM: pcm}
			if ierr := s.importFrame(ctx, h, c, f, opt); ierr != nil {
				return ierr
			}
			next += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return h.flush(ctx)
		}
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
	}
}

// importFrame submits one frame and waits while the writer or the listener is behind.
func (s *Server) importFrame(ctx context.Context, h *hearing, c *conn, f *wire.Frame, opt ImportOptions) error {
	if _, err := h.submit(c, f, s.now()); err != nil {
		return err
	}
	h.waitBacklog(ctx.Done())
	for h.events != nil && len(h.events) > cap(h.events)/2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-h.stopped:
			return errors.New("hearing writer stopped")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if opt.Wait != nil {
		return opt.Wait(ctx)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
