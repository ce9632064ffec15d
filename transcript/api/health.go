package api

import "net/http"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// StatusSource is the live state of the capture side (the ingest server) for the record health
// panel and the technicians' agent list. Implementations must be safe for concurrent use and
// fast (called about once a second per open hearing screen).
type StatusSource interface {
	// HearingHealth returns what the ingest side knows about a hearing's agent; ok is false
	// when no agent ever connected for it since the server started.
	HearingHealth(hearingID string) (h AgentHealth, ok bool)
	// Agents lists every known agent session.
	Agents() []AgentHealth
}

// SeatLevel is one seat's meter reading (as the agent reports it, wire.SeatLevel).
type SeatLevel struct {
	Seat     string  `json:"seat"`
	RMSdBFS  float64 `json:"rms_dbfs"`
	PeakdBFS float64 `json:"peak_dbfs"`
	Clipped  int     `json:"clipped,omitempty"`
}

// SeatActivity mirrors asr/ingest.SeatActivity.
type SeatActivity struct {
	Seat         string    `json:"seat"`
	Since        time.Time `json:"since"`
	LastSpeechAt time.Time `json:"last_speech_at,omitzero"`
	LastSignalAt time.Time `json:"last_signal_at,omitzero"` // any signal at all (not digital zeros)
}

// Alarm is an alarm raised by the agent or the server.
type Alarm struct {
	At      time.Time `json:"at"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Seat    string    `json:"seat,omitempty"`
}

// AgentHealth is the ingest side's view of one hearing's capture agent. Its fields mirror
// asr/ingest.HearingStatus, so the server's adapter is a field copy.
type AgentHealth struct {
	Hearing     string      `json:"hearing"`
	Courtroom   string      `json:"courtroom"`
	Session     string      `json:"session"`
	Agent       string      `json:"agent,omitempty"`
	Remote      string      `json:"remote,omitempty"`
	Connected   bool        `json:"connected"`
	ConnectedAt time.Time   `json:"connected_at,omitzero"`
	LastFrameAt time.Time   `json:"last_frame_at,omitzero"`
	Seats       []string    `json:"seats"`
	Levels      []SeatLevel `json:"levels"`
	LevelsAt    time.Time   `json:"levels_at,omitzero"`
	SpoolBytes  int64       `json:"spool_bytes"`
	SpoolLimit  int64       `json:"spool_limit,omitempty"`
	Unacked     int         `json:"unacked_frames"`
	Gaps        int         `json:"gaps"`
	Alarms      []Alarm     `json:"alarms"`
	// Activity is, per seat, since when the agent's connection has reported its level and when
	// it last carried speech (gathered by the ingest side from every level report).
	Activity []SeatActivity `json:"activity,omitempty"`
	// Engine describes the transcription engine ("whisper:base", "none: backfill later").
	Engine string `json:"engine,omitempty"`
	// EngineSystem is whisper.cpp's system info line (CPU features, and "CUDA : ARCHS = …" on a
	// CUDA build); empty for other engines.
	EngineSystem string `json:"engine_system,omitempty"`
}

// Health is the record health panel of one hearing.
type Health struct {
	At     time.Time    `json:"at"`
	Known  bool         `json:"agent_known"`
	Agent  *AgentHealth `json:"agent,omitempty"`
	Alarms []Alarm      `json:"alarms"` // current problems, loudest first
	// Panel is Alarms as episodes, with cleared ones still unacknowledged and who
	// acknowledged what (alarmTracker); the UI lists this.
	Panel []AlarmState `json:"panel"`
	// Backlog is how many utterances wait for the engine (pending segments).
	Backlog      int    `json:"backlog"`
	Engine       string `json:"engine,omitempty"`
	EngineSystem string `json:"engine_system,omitempty"`
}

// Thresholds of the server-side alarms.
const (
	deadMicAfter   = 3 * time.Minute // silent this long while another seat spoke → dead mic
	noSignalAfter  = 7 * time.Second // only digital zeros this long → no_signal (shown within 10 s at a 2 s poll)
	staleLevels    = 4 * time.Second // no level report this long from a connected agent (it reports every second)
	spoolHighRatio = 0.5             // spool above this share of its limit
	spoolHighBytes = 64 << 20        // or above this many bytes when no limit is known
)

// assess derives the alarms of a hearing from the agent's report at time now.
func assess(a AgentHealth, now time.Time) []Alarm {
	var out []Alarm
	if !a.Connected {
		out = append(out, Alarm{At: now, Code: "agent_disconnected", Message: "the courtroom agent is not connected; audio is not reaching the server"})
	} else if !a.LevelsAt.IsZero() && now.Sub(a.LevelsAt) > staleLevels {
		out = append(out, Alarm{At: now, Code: "levels_stale", Message: "no level report from the agent for " + now.Sub(a.LevelsAt).Round(time.Second).String()})
	}
	if a.SpoolBytes > 0 && ((a.SpoolLimit > 0 && float64(a.SpoolBytes) > spoolHighRatio*float64(a.SpoolLimit)) ||
		(a.SpoolLimit == 0 && a.SpoolBytes > spoolHighBytes)) {
		out = append(out, Alarm{At: now, Code: "spool_high", Message: "unsent audio is piling up in the agent's spool"})
	}
	if a.Gaps > 0 {
		out = append(out, Alarm{At: now, Code: "audio_gap", Message: "the recording has gaps (see the gap notes in the text)"})
	}
	for _, l := range a.Levels {
		if l.Clipped > 0 || l.PeakdBFS >= -0.1 {
			out = append(out, Alarm{At: now, Code: "clipping", Seat: l.Seat, Message: "the microphone is clipping; lower its gain"})
		}
	}
	out = append(out, noSignal(a, now)...)
	out = append(out, deadMics(a, now)...)
	for _, al := range a.Alarms { // the agent's own alarms of the last minute
		if now.Sub(al.At) < time.Minute {
			out = append(out, al)
		}
	}
	return out
}

// noSignal raises no_signal for a seat that delivered only digital zeros (a dead, unplugged or
// muted-at-the-driver input) for noSignalAfter, whoever else speaks.
func noSignal(a AgentHealth, now time.Time) []Alarm {
	if !a.Connected {
		return nil
	}
	var out []Alarm
	for _, st := range a.Activity {
		last := st.LastSignalAt
		if last.IsZero() {
			last = st.Since
		}
		if now.Sub(last) >= noSignalAfter {
			out = append(out, Alarm{At: now, Code: "no_signal", Seat: st.Seat,
				Message: "no signal at all (digital zeros) for " + now.Sub(last).Round(time.Second).String() + "; the microphone or its cable is dead"})
		}
	}
	return out
}

// deadMics raises dead_mic for a seat silent for deadMicAfter while another seat spoke in the
// last minute, from the seat activity the ingest side gathers from every level report (so the
// alarm is right the moment anyone opens the screen, however long nobody looked).
func deadMics(a AgentHealth, now time.Time) []Alarm {
	if !a.Connected || len(a.Activity) == 0 {
		return nil
	}
	var lastAnyLoud time.Time
	for _, st := range a.Activity {
		if st.LastSpeechAt.After(lastAnyLoud) {
			lastAnyLoud = st.LastSpeechAt
		}
	}
	var out []Alarm
	for _, st := range a.Activity { // in seat-map order, as the ingest side lists them
		quietSince := st.LastSpeechAt
		if quietSince.IsZero() {
			quietSince = st.Since
		}
		// Others spoke recently, this seat has been silent for minutes.
		if now.Sub(quietSince) >= deadMicAfter && now.Sub(lastAnyLoud) < time.Minute && lastAnyLoud.After(quietSince) {
			out = append(out, Alarm{At: now, Code: "dead_mic", Seat: st.Seat,
				Message: "silent for " + now.Sub(quietSince).Round(time.Minute).String() + " while others speak; check the microphone"})
		}
	}
	return out
}

func (s *Server) hearingHealth(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.healthOf(r, h))
}

func (s *Server) healthOf(r *http.Request, h *transcript.Hearing) Health {
	now := s.cfg.Clock()
	out := Health{At: now, Alarms: []Alarm{}}
	if s.status != nil {
		a, ok := s.status.HearingHealth(h.ID)
		out.Engine, out.EngineSystem = a.Engine, a.EngineSystem // the engine is known even before any agent connects
		if ok {
			if a.Levels == nil {
				a.Levels = []SeatLevel{}
			}
			out.Known, out.Agent, out.Engine = true, &a, a.Engine
			if h.Status == transcript.StatusLive || h.Status == transcript.StatusRecess {
				out.Alarms = append(out.Alarms, assess(a, now)...)
			}
		}
	}
	if !out.Known && h.Status == transcript.StatusLive {
		out.Alarms = append(out.Alarms, Alarm{At: now, Code: "agent_disconnected", Message: "no courtroom agent has connected for this hearing"})
	}
	out.Alarms = append(out.Alarms, s.integrityAlarms(h.ID)...)
	out.Panel = s.alarms.observe(h.ID, out.Alarms, now)
	s.nameAcks(r.Context(), out.Panel)
	if p, err := s.store.PendingSegments(r.Context(), h.ID, 1000); err == nil {
		out.Backlog = len(p)
	}
	return out
}

// StatusFuncs adapts two functions to a StatusSource, so the server can wire the ingest
// side's status without either package importing the other. A nil func reports nothing.
type StatusFuncs struct {
	Hearing func(hearingID string) (AgentHealth, bool)
	All     func() []AgentHealth
}

// HearingHealth implements StatusSource.
func (f StatusFuncs) HearingHealth(id string) (AgentHealth, bool) {
	if f.Hearing == nil {
		return AgentHealth{}, false
	}
	return f.Hearing(id)
}

// Agents implements StatusSource.
func (f StatusFuncs) Agents() []AgentHealth {
	if f.All == nil {
		return nil
	}
	return f.All()
}
