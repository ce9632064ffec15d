package api

import "context"
import "net/http"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

// The record health panel's alarms are derived afresh at every poll (assess), so by themselves
// they have no identity an acknowledgement could name. alarmTracker gives them one on the
// server, shared by every browser: an episode is one stretch during which an alarm (a code
// and a seat) stands. It begins when the server first sees the alarm; when the alarm clears,
// the episode stays listed (cleared) until acknowledged; once acknowledged and cleared it is
// forgotten, so the same alarm coming back is a new episode that alarms again. The
// acknowledgements themselves are kept by the store (transcript.AlarmAcks), on the hearing's
// audit chain. Episodes live in memory: after a server restart an alarm that still stands is
// a new episode and must be acknowledged again (the safe side).
type alarmTracker struct {
	mu       sync.Mutex
	hearings map[string]map[string]*alarmEpisode // hearing → alarm key → episode
}

type alarmEpisode struct {
	alarm  Alarm
	since  time.Time
	active bool
	ack    *transcript.AlarmAck
	order  int // first-seen order, for a stable list
}

// AlarmState is one alarm of the panel: the alarm, its episode and its acknowledgement.
type AlarmState struct {
	Alarm
	Key    string               `json:"key"`    // code/seat
	Since  time.Time            `json:"since"`  // when the server first saw this episode
	Active bool                 `json:"active"` // false: cleared, listed until acknowledged
	Ack    *transcript.AlarmAck `json:"ack,omitempty"`
	// AckName is the display name of who acknowledged it (the UI prints names, not logins).
	AckName string `json:"ack_name,omitempty"`
}

// nameAcks fills in the display names of who acknowledged the alarms.
func (s *Server) nameAcks(ctx context.Context, sts []AlarmState) {
	for i := range sts {
		if a := sts[i].Ack; a != nil {
			sts[i].AckName = a.By
			if u, err := s.store.GetUser(ctx, a.By); err == nil && u.DisplayName != "" {
				sts[i].AckName = u.DisplayName
			}
		}
	}
}

func alarmKey(code, seat string) string { return code + "/" + seat }

// maxTrackedHearings bounds the tracker: hearings past it are tracked afresh (their episodes
// begin again), never without bound.
const maxTrackedHearings = 10000

// observe records the alarms standing now and returns the panel's list: standing alarms in
// the order given, then cleared, unacknowledged ones.
func (t *alarmTracker) observe(hid string, cur []Alarm, now time.Time) []AlarmState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hearings == nil {
		t.hearings = map[string]map[string]*alarmEpisode{}
	}
	eps := t.hearings[hid]
	if eps == nil && len(cur) == 0 {
		return []AlarmState{}
	}
	if eps == nil {
		if len(t.hearings) >= maxTrackedHearings {
			clear(t.hearings)
		}
		eps = map[string]*alarmEpisode{}
		t.hearings[hid] = eps
	}
	standing := map[string]bool{}
	out := []AlarmState{}
	next := len(eps)
	for _, a := range cur {
		k := alarmKey(a.Code, a.Seat)
		if standing[k] {
			continue
		}
		standing[k] = true
		ep := eps[k]
		if ep == nil {
			next++
			ep = &alarmEpisode{since: now, order: next}
			eps[k] = ep
		}
		ep.alarm, ep.active = a, true
		out = append(out, ep.state(k))
	}
	var cleared []AlarmState
	for k, ep := range eps {
		if standing[k] {
			continue
		}
		ep.active = false
		if ep.ack != nil {
			delete(eps, k)
			continue
		}
		cleared = append(cleared, ep.state(k))
	}
	sortStates(cleared, eps)
	return append(out, cleared...)
}

func (ep *alarmEpisode) state(k string) AlarmState {
	return AlarmState{Alarm: ep.alarm, Key: k, Since: ep.since, Active: ep.active, Ack: ep.ack}
}

func sortStates(s []AlarmState, eps map[string]*alarmEpisode) {
	for i := 1; i < len(s); i++ { // insertion sort by first-seen order: a handful of alarms
		for j := i; j > 0 && eps[s[j].Key].order < eps[s[j-1].Key].order; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// episode returns the episode of key that began at since, if it is still listed.
func (t *alarmTracker) episode(hid, key string, since time.Time) (*alarmEpisode, bool) {
	ep := t.hearings[hid][key]
	if ep == nil || !ep.since.Equal(since) {
		return nil, false
	}
	return ep, true
}

type ackReq struct {
	Code  string    `json:"code"`
	Seat  string    `json:"seat"`
	Since time.Time `json:"since"`
}

// ackAlarm records that the user acknowledged one episode of an alarm. The hearing's clerk,
// technicians and admins may (those who act on the recording); everyone sees it.
func (s *Server) ackAlarm(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	u := userOf(r).user
	if !transcript.Can(u, transcript.ActionLifecycle, h) && !transcript.Can(u, transcript.ActionManageAgents, nil) && u.Role != transcript.RoleAdmin {
		s.forbid(w, "acknowledge this hearing's alarms")
		return
	}
	store, ok := s.store.(transcript.AlarmAcks)
	if !ok {
		writeError(w, http.StatusNotImplemented, "not_supported", "this store does not keep alarm acknowledgements")
		return
	}
	var req ackReq
	if !s.decode(w, r, &req) {
		return
	}
	key := alarmKey(req.Code, req.Seat)
	s.alarms.mu.Lock()
	_, listed := s.alarms.episode(h.ID, key, req.Since)
	s.alarms.mu.Unlock()
	if !listed {
		writeError(w, http.StatusConflict, "state", "that alarm is no longer listed")
		return
	}
	a, err := store.AckAlarm(r.Context(), u.Name, transcript.AlarmAck{HearingID: h.ID, Code: req.Code, Seat: req.Seat, Since: req.Since})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.alarms.mu.Lock()
	defer s.alarms.mu.Unlock()
	ep, listed := s.alarms.episode(h.ID, key, req.Since)
	if !listed { // cleared and dropped meanwhile: the acknowledgement is recorded all the same
		writeJSON(w, http.StatusOK, AlarmState{Alarm: Alarm{Code: req.Code, Seat: req.Seat}, Key: key, Since: req.Since, Ack: a})
		return
	}
	ep.ack = a
	st := []AlarmState{ep.state(key)}
	if !ep.active {
		delete(s.alarms.hearings[h.ID], key)
	}
	s.nameAcks(r.Context(), st)
	writeJSON(w, http.StatusOK, st[0])
}
