package server

import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/api"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// ingestStatus adapts the ingest server's live status to the API's record-health panel.
type ingestStatus struct {
	srv    *ingest.Server
	engine string
	system string // whisper.cpp's system info line, "" for other engines
}

func (s ingestStatus) HearingHealth(id string) (api.AgentHealth, bool) {
	for _, h := range s.srv.Status().Hearings {
		if h.Hearing == id {
			return s.convert(h), true
		}
	}
	return api.AgentHealth{Engine: s.engine, EngineSystem: s.system}, false
}

func (s ingestStatus) Agents() []api.AgentHealth {
	st := s.srv.Status()
	out := make([]api.AgentHealth, 0, len(st.Hearings))
	for _, h := range st.Hearings {
		out = append(out, s.convert(h))
	}
	return out
}

func (s ingestStatus) convert(h ingest.HearingStatus) api.AgentHealth {
	a := api.AgentHealth{Hearing: h.Hearing, Courtroom: h.Courtroom, Session: h.Session, Agent: h.Agent, Remote: h.Remote,
		Connected: h.Connected, ConnectedAt: h.ConnectedAt, LastFrameAt: h.LastFrameAt, Seats: h.Seats, LevelsAt: h.LevelsAt,
		SpoolBytes: h.SpoolBytes, SpoolLimit: h.SpoolLimit, Unacked: h.Unacked, Gaps: h.Gaps, Engine: s.engine,
		EngineSystem: s.system}
	for _, l := range h.Levels {
		a.Levels = append(a.Levels, api.SeatLevel{Seat: l.Seat, RMSdBFS: l.RMSdBFS, PeakdBFS: l.PeakdBFS, Clipped: l.Clipped})
	}
	for _, al := range h.Alarms {
		a.Alarms = append(a.Alarms, api.Alarm{At: al.At, Code: al.Code, Message: al.Message})
	}
	for _, ac := range h.Activity {
		a.Activity = append(a.Activity, api.SeatActivity(ac))
	}
	return a
}

var _ api.StatusSource = ingestStatus{}
var _ transcript.Store = (*sqlite.Store)(nil)
