package api

import "fmt"
import "io"
import "math"
import "net/http"
import "os"
import "strconv"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/capture/wavfile"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// pcmLayout is where the samples of a 16-bit mono PCM WAV lie.
type pcmLayout struct {
	rate     int
	dataOff  int64
	dataSize int64 // bytes of samples available now (a live file grows)
}

// parseWAV finds the samples of a 16-bit mono PCM archive file with wavfile's Decoder: a plain
// WAV, the archive's RF64 past 4 GiB (sizes from its ds64 chunk), or a file an earlier version
// left past 4 GiB (0xFFFFFFFF or wrapped sizes: to the end of the file). The declared size may
// lag behind a file still being written; then what it declares is served (as before), and a
// header that says 0 is read to the end of the file.
func parseWAV(r io.ReaderAt, fileSize int64) (pcmLayout, error) {
	d, err := wavfile.NewDecoder(io.NewSectionReader(r, 0, fileSize))
	if err != nil {
		return pcmLayout{}, err
	}
	f := d.Format()
	if f.Float || f.Bits != 16 || f.ValidBits != 16 || f.Channels != 1 {
		return pcmLayout{}, fmt.Errorf("unsupported WAV (%s)", f)
	}
	return pcmLayout{rate: f.SampleRate, dataOff: d.DataOffset(), dataSize: d.Frames() * 2}, nil
}

// maxHearingSeconds bounds start and end (a year of hearing time): sample offsets computed from
// them stay far inside int64 (a huge start used to overflow into a 200 with an empty body).
const maxHearingSeconds = 366 * 24 * 3600

func parseSeconds(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0
}

// audio serves GET /api/hearings/{id}/audio/{seat}?start=S&end=E (seconds of hearing time) as
// a small WAV of that range of the seat's archive file DATA/hearings/ID/audio/SEAT.wav.
func (s *Server) audio(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	seat := r.PathValue("seat")
	if !wire.ValidSeatName(seat) {
		writeError(w, http.StatusBadRequest, "invalid", "bad seat name")
		return
	}
	if _, ok := h.SeatByName(seat); !ok && len(h.Seats) > 0 {
		writeError(w, http.StatusNotFound, "not_found", "no such seat in this hearing")
		return
	}
	q := r.URL.Query()
	start, ok1 := parseSeconds(q.Get("start"))
	end, ok2 := parseSeconds(q.Get("end"))
	if !ok1 || !ok2 || end <= start || end > maxHearingSeconds {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("start and end are seconds, 0 ≤ start < end ≤ %d", maxHearingSeconds))
		return
	}
	if end-start > s.cfg.MaxAudioSeconds {
		writeError(w, http.StatusRequestedRangeNotSatisfiable, "too_long",
			fmt.Sprintf("at most %.0f seconds of audio per request", s.cfg.MaxAudioSeconds))
		return
	}
	if s.cfg.DataDir == "" {
		writeError(w, http.StatusNotFound, "not_found", "no audio archive configured")
		return
	}
	// Both path elements were validated as plain names (no separators, no ".."); SeatPath
	// checks again.
	path, err := archive.SeatPath(s.cfg.DataDir, h.ID, seat)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no audio archived for this seat")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no audio archived for this seat")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, "not_found", "no audio archived for this seat")
		return
	}
	l, err := parseWAV(f, st.Size())
	if err != nil {
		s.log.Error("api: archived audio unreadable", "path", path, "err", err)
		writeError(w, http.StatusInternalServerError, "bad_audio", "the archived audio file is unreadable")
		return
	}
	from := int64(start*float64(l.rate)) * 2
	to := int64(math.Ceil(end*float64(l.rate))) * 2
	if to > l.dataSize {
		to = l.dataSize
	}
	if from >= to {
		writeError(w, http.StatusRequestedRangeNotSatisfiable, "out_of_range", "the range lies after the end of the recording")
		return
	}
	n := to - from
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Length", strconv.FormatInt(wavfile.PCMHeaderSize+n, 10))
	w.Header().Set("Cache-Control", "private, max-age=60")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s-%.3f-%.3f.wav"`, h.ID, seat, start, end))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(wavfile.PCMHeader(l.rate, 1, n))
	if err == nil {
		_, err = io.Copy(w, io.NewSectionReader(f, l.dataOff+from, n))
	}
	s.delivered(r, err)
}
