package ingest

import "context"
import "errors"
import "fmt"
import "os"
import "path/filepath"
import "slices"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wire"

// helloError builds the wire error for a hello problem.
func helloError(code, format string, args ...any) *wire.Error {
	return &wire.Error{Type: wire.TypeError, Code: code, Message: fmt.Sprintf(format, args...)}
}

// openSession maps a validated, authenticated hello to its open hearing, creating the session
// and the hearing on first contact.
func (s *Server) openSession(ctx context.Context, hello *wire.Hello) (*hearing, *wire.Error) {
	s.closeMu.Lock() // no hearing closes while a session opens
	defer s.closeMu.Unlock()
	data := s.cfg.DataDir
	spath := filepath.Join(data, archive.SessionsDir, hello.Session+".json")
	rec, werr := s.sessionRecord(spath, hello)
	if werr != nil {
		return nil, werr
	}
	id := rec.Hearing
	if werr := s.admit(ctx, hello.Courtroom, id); werr != nil {
		return nil, werr
	}
	s.mu.Lock()
	h := s.hearings[id]
	s.mu.Unlock()
	if h != nil {
		return openHearingFor(h, hello)
	}
	dir := archive.HearingDir(data, id)
	if _, err := os.Stat(filepath.Join(dir, archive.ManifestFile)); err == nil {
		return nil, helloError(wire.CodeClosed, "hearing %s is closed", id)
	}
	info, werr := s.hearingRecord(dir, id, hello)
	if werr != nil {
		return nil, werr
	}
	if _, err := os.Stat(spath); errors.Is(err, os.ErrNotExist) {
		if err := writeJSONAtomic(spath, rec); err != nil {
			s.log.Error("cannot record session", "session", hello.Session, "err", err)
			return nil, helloError(wire.CodeStorage, "cannot record session")
		}
	}
	h, err := s.openHearing(dir, info)
	if err != nil {
		s.log.Error("cannot open hearing", "hearing", id, "err", err)
		return nil, helloError(wire.CodeStorage, "cannot open hearing %s", id)
	}
	return h, nil
}

// sessionRecord is the stored record of the hello's session, checked against the hello, or a
// new one (not stored yet) naming the hearing the session records.
func (s *Server) sessionRecord(spath string, hello *wire.Hello) (SessionRecord, *wire.Error) {
	var rec SessionRecord
	err := archive.ReadJSON(spath, &rec)
	switch {
	case err == nil:
		if rec.Courtroom != hello.Courtroom {
			return rec, helloError(wire.CodeUnauthorized, "session %s belongs to another courtroom", hello.Session)
		}
		if hello.Hearing != "" && hello.Hearing != rec.Hearing {
			return rec, helloError(wire.CodeBadHello, "session %s records hearing %s, not %s", hello.Session, rec.Hearing, hello.Hearing)
		}
		if !slices.Equal(rec.Seats, hello.Seats) {
			return rec, helloError(wire.CodeSeatMap, "session %s was started with seats %s; this hello has %s", hello.Session, seatsText(rec.Seats), seatsText(hello.Seats))
		}
	case errors.Is(err, os.ErrNotExist):
		rec = SessionRecord{Session: hello.Session, Courtroom: hello.Courtroom, Hearing: hello.Hearing, Seats: hello.Seats, Created: s.now().UTC()}
		if rec.Hearing == "" {
			rec.Hearing = s.newHearingID(hello.Courtroom)
		}
	default:
		s.log.Error("session record unreadable", "session", hello.Session, "err", err)
		return rec, helloError(wire.CodeStorage, "session record unreadable")
	}
	return rec, nil
}

// openHearingFor checks that an open hearing belongs to the hello's session and takes audio.
func openHearingFor(h *hearing, hello *wire.Hello) (*hearing, *wire.Error) {
	id := h.info.Hearing
	if h.info.Session != hello.Session {
		return nil, helloError(wire.CodeBadHello, "hearing %s is recorded by session %s; one hearing has one agent session", id, h.info.Session)
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return nil, helloError(wire.CodeClosed, "hearing %s is closed", id)
	}
	return h, nil
}

// hearingRecord is the stored record of hearing id, checked against the hello, or a new one,
// created in dir with the hearing's audio directory.
func (s *Server) hearingRecord(dir, id string, hello *wire.Hello) (archive.HearingInfo, *wire.Error) {
	stored, err := archive.ReadHearingInfo(s.cfg.DataDir, id)
	switch {
	case err == nil:
		info := *stored
		if info.Session != hello.Session {
			return info, helloError(wire.CodeBadHello, "hearing %s is recorded by session %s; one hearing has one agent session", id, info.Session)
		}
		if info.Courtroom != hello.Courtroom {
			return info, helloError(wire.CodeUnauthorized, "hearing %s belongs to another courtroom", id)
		}
		if !slices.Equal(info.Seats, hello.Seats) {
			return info, helloError(wire.CodeSeatMap, "hearing %s has seats %s; this hello has %s", id, seatsText(info.Seats), seatsText(hello.Seats))
		}
		return info, nil
	case errors.Is(err, os.ErrNotExist):
		info := archive.HearingInfo{Hearing: id, Courtroom: hello.Courtroom, Session: hello.Session, Seats: hello.Seats,
			SampleRate: wire.SampleRate, Created: s.now().UTC()}
		if err := privateDir(filepath.Join(dir, archive.AudioDir)); err != nil {
			s.log.Error("cannot create hearing", "hearing", id, "err", err)
			return info, helloError(wire.CodeStorage, "cannot create hearing %s", id)
		}
		if err := writeJSONAtomic(filepath.Join(dir, archive.HearingFile), info); err != nil {
			s.log.Error("cannot create hearing", "hearing", id, "err", err)
			return info, helloError(wire.CodeStorage, "cannot create hearing %s", id)
		}
		s.log.Info("hearing created", "hearing", id, "courtroom", info.Courtroom, "session", info.Session, "seats", seatsText(info.Seats))
		return info, nil
	default:
		s.log.Error("hearing record unreadable", "hearing", id, "err", err)
		return archive.HearingInfo{}, helloError(wire.CodeStorage, "hearing record of %s unreadable", id)
	}
}

// admit asks the Admission (if any) whether courtroom may record into hearing id.
func (s *Server) admit(ctx context.Context, courtroom, id string) *wire.Error {
	if s.cfg.Admission == nil {
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.cfg.Admission.AdmitHearing(actx, courtroom, id)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrForeignHearing):
		return helloError(wire.CodeUnauthorized, "courtroom %s may not record hearing %s: %v", courtroom, id, err)
	case errors.Is(err, ErrNotRecording):
		return helloError(wire.CodeClosed, "hearing %s takes no audio: %v", id, err)
	case errors.Is(err, ErrNotOwner):
		return helloError(wire.CodeNotOwner, "%v", err)
	default:
		s.log.Error("cannot check the hearing in the record", "hearing", id, "err", err)
		return helloError(wire.CodeStorage, "cannot check hearing %s in the record", id)
	}
}

// newHearingID names a hearing <courtroom>-YYYYMMDD-HHMMSS (UTC), with -2, -3… if taken.
func (s *Server) newHearingID(courtroom string) string {
	base := courtroom + "-" + s.now().UTC().Format("20060102-150405")
	if len(base) > 120 {
		base = base[len(base)-120:]
		base = strings.TrimLeft(base, ".-_")
	}
	id := base
	for i := 2; ; i++ {
		_, err := os.Stat(archive.HearingDir(s.cfg.DataDir, id))
		s.mu.Lock()
		_, open := s.hearings[id]
		s.mu.Unlock()
		if errors.Is(err, os.ErrNotExist) && !open {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, i)
	}
}

func seatsText(seats []wire.Seat) string {
	parts := make([]string, len(seats))
	for i, s := range seats {
		parts[i] = fmt.Sprintf("%s=%d", s.Name, s.Channel)
	}
	return strings.Join(parts, ",")
}
