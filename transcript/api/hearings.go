package api

import "context"
import "net/http"
import "strconv"
import "strings"
import "time"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"

// onHearing adapts the handler of a request about a hearing that carries a JSON body of type
// T: the hearing is loaded and action a checked on it (see hearing), then the body decoded
// (see decode), before f runs.
func onHearing[T any](s *Server, a transcript.Action, f func(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := s.hearing(w, r, a)
		if h == nil {
			return
		}
		var req T
		if !s.decode(w, r, &req) {
			return
		}
		f(w, r, h, &req)
	}
}

// hearingItem is hearing, then the id of one of its items from the path value name, a
// positive number ("bad "+what+" id" otherwise). It answers the request itself when it
// returns a nil hearing.
func (s *Server) hearingItem(w http.ResponseWriter, r *http.Request, a transcript.Action, name, what string) (*transcript.Hearing, int64) {
	h := s.hearing(w, r, a)
	if h == nil {
		return nil, 0
	}
	id, ok := pathInt(r, name)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid", "bad "+what+" id")
		return nil, 0
	}
	return h, id
}

// hearing loads the hearing of the request and checks the action on it; it answers the
// request itself when it returns nil.
func (s *Server) hearing(w http.ResponseWriter, r *http.Request, a transcript.Action) *transcript.Hearing {
	id := r.PathValue("id")
	if !wire.ValidID(id) {
		writeError(w, http.StatusBadRequest, "invalid", "bad hearing id")
		return nil
	}
	h, err := s.store.GetHearing(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return nil
	}
	if !transcript.Can(userOf(r).user, a, h) {
		s.forbid(w, actionWords[a]+" this hearing")
		return nil
	}
	return h
}

var actionWords = map[transcript.Action]string{
	transcript.ActionRead: "read", transcript.ActionEdit: "edit", transcript.ActionLifecycle: "recess, resume or close",
	transcript.ActionFinalize: "finalize", transcript.ActionCorrect: "correct", transcript.ActionSign: "sign",
	transcript.ActionManageHearing: "manage",
}

func (s *Server) listHearings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opt := transcript.ListHearingsOptions{Status: transcript.HearingStatus(q.Get("status")), Limit: 500}
	if q.Get("mine") == "1" {
		opt.User = userOf(r).user.Name
	}
	hs, err := s.store.ListHearings(r.Context(), opt)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	type item struct {
		transcript.Hearing
		Connected bool `json:"agent_connected"`
	}
	out := make([]item, len(hs))
	for i, h := range hs {
		out[i].Hearing = h
		if s.status != nil {
			if a, ok := s.status.HearingHealth(h.ID); ok {
				out[i].Connected = a.Connected
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// hearingBody is the editable part of a hearing in create and update requests.
type hearingBody struct {
	ID                 string              `json:"id"`
	CaseNumber         *string             `json:"case_number"`
	Cause              *string             `json:"cause"`
	Court              *string             `json:"court"`
	Courtroom          *string             `json:"courtroom"`
	Title              *string             `json:"title"`
	Language           *string             `json:"language"`
	TimeZone           *string             `json:"time_zone"`
	ScheduledAt        *time.Time          `json:"scheduled_at"`
	Presiding          *string             `json:"presiding"`
	Judges             *[]string           `json:"judges"`
	Clerk              *string             `json:"clerk"`
	Parties            *[]string           `json:"parties"`
	PartyList          *[]transcript.Party `json:"party_list"`
	NotPublic          *bool               `json:"not_public"`
	NotPublicReason    *string             `json:"not_public_reason"`
	Reporter           *string             `json:"reporter"`
	ReporterCredential *string             `json:"reporter_credential"`
	Seats              *[]transcript.Seat  `json:"seats"`
	Vocabulary         *[]string           `json:"vocabulary"`
}

// headerOnly reports whether the body changes only the record header fields a clerk keeps.
func (b *hearingBody) headerOnly() bool {
	return b.ID == "" && b.CaseNumber == nil && b.Cause == nil && b.Court == nil && b.Courtroom == nil && b.Title == nil &&
		b.Language == nil && b.TimeZone == nil && b.ScheduledAt == nil && b.Presiding == nil && b.Judges == nil &&
		b.Clerk == nil && b.Seats == nil && b.Vocabulary == nil
}

func (b *hearingBody) check() string {
	if b.Language != nil && *b.Language != "zh" && *b.Language != "en" {
		return "language must be zh or en"
	}
	if b.TimeZone != nil && transcript.CheckTimeZone(*b.TimeZone) != nil {
		return "time_zone must be an IANA zone name such as Asia/Shanghai or America/Chicago"
	}
	if b.Seats != nil {
		seen := map[string]bool{}
		for _, st := range *b.Seats {
			if !wire.ValidSeatName(st.Seat) {
				return "seat names use a-z, 0-9, - and _: " + st.Seat
			}
			if seen[st.Seat] {
				return "seat listed twice: " + st.Seat
			}
			seen[st.Seat] = true
			if utf8.RuneCountInString(st.Role) > 64 || utf8.RuneCountInString(st.Person) > 128 {
				return "seat role or person too long"
			}
		}
	}
	return ""
}

// val is *p, or T's zero value when p is nil (a field the body leaves out).
func val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// hearing is the new hearing the body describes; a language left out is zh, a time zone left
// out the server's --timezone.
func (b *hearingBody) hearing() transcript.Hearing {
	h := transcript.Hearing{ID: b.ID, CaseNumber: val(b.CaseNumber), Cause: val(b.Cause), Court: val(b.Court),
		Courtroom: val(b.Courtroom), Title: val(b.Title), Language: val(b.Language), TimeZone: val(b.TimeZone),
		ScheduledAt: val(b.ScheduledAt), Presiding: val(b.Presiding), Judges: val(b.Judges), Clerk: val(b.Clerk),
		Parties: val(b.Parties), PartyList: val(b.PartyList), NotPublic: val(b.NotPublic),
		NotPublicReason: val(b.NotPublicReason), Reporter: val(b.Reporter), ReporterCredential: val(b.ReporterCredential),
		Seats: val(b.Seats), Vocabulary: val(b.Vocabulary)}
	if h.Language == "" {
		h.Language = "zh"
	}
	return h
}

func (s *Server) createHearing(w http.ResponseWriter, r *http.Request) {
	var b hearingBody
	me := s.allowedRequest(w, r, transcript.ActionManageHearing, "create hearings", &b)
	if me == nil {
		return
	}
	if !wire.ValidID(b.ID) {
		writeError(w, http.StatusBadRequest, "invalid", "hearing id: letters, digits, '.', '_' and '-'")
		return
	}
	if msg := b.check(); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid", msg)
		return
	}
	out, err := s.store.CreateHearing(r.Context(), me.Name, b.hearing())
	s.reply(w, r, http.StatusCreated, out, err)
}

func (s *Server) getHearing(w http.ResponseWriter, r *http.Request) {
	if h := s.hearing(w, r, transcript.ActionRead); h != nil {
		writeJSON(w, http.StatusOK, h)
	}
}

// updateHearing changes a hearing's case data. The admin may change every field; the
// hearing's clerk only the record's header (the parties and their agents, 公开/不公开 with
// its reason, the reporter's name and credential), which the clerk takes down in court. The
// bench, and with it 合议庭/独任 and who signs, stays the admin's.
func (s *Server) updateHearing(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	me := userOf(r).user
	admin := transcript.Can(me, transcript.ActionManageHearing, h)
	if !admin && !transcript.Can(me, transcript.ActionEdit, h) {
		s.forbid(w, "manage this hearing")
		return
	}
	var b hearingBody
	if !s.decode(w, r, &b) {
		return
	}
	if !admin && !b.headerOnly() {
		s.forbid(w, "change this hearing's case data or bench (the clerk may change the parties, 不公开 and the reporter)")
		return
	}
	if b.ID != "" && b.ID != h.ID {
		writeError(w, http.StatusBadRequest, "invalid", "a hearing's id cannot change")
		return
	}
	if msg := b.check(); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid", msg)
		return
	}
	u := transcript.HearingUpdate{CaseNumber: b.CaseNumber, Cause: b.Cause, Court: b.Court, Courtroom: b.Courtroom,
		Title: b.Title, Language: b.Language, TimeZone: b.TimeZone, ScheduledAt: b.ScheduledAt, Presiding: b.Presiding, Judges: b.Judges,
		Clerk: b.Clerk, Parties: b.Parties, Seats: b.Seats, Vocabulary: b.Vocabulary,
		PartyList: b.PartyList, NotPublic: b.NotPublic, NotPublicReason: b.NotPublicReason, Reporter: b.Reporter, ReporterCredential: b.ReporterCredential}
	out, err := s.store.UpdateHearing(r.Context(), userOf(r).user.Name, h.ID, u)
	s.reply(w, r, http.StatusOK, out, err)
}

// can tells the UI which controls to offer; the server checks again on every request.
func (s *Server) can(u *transcript.User, h *transcript.Hearing) map[string]bool {
	return map[string]bool{
		"edit":      transcript.Can(u, transcript.ActionEdit, h),
		"lifecycle": transcript.Can(u, transcript.ActionLifecycle, h),
		"finalize":  transcript.Can(u, transcript.ActionFinalize, h),
		"correct":   transcript.Can(u, transcript.ActionCorrect, h),
		"sign":      transcript.Can(u, transcript.ActionSign, h),
		"manage":    transcript.Can(u, transcript.ActionManageHearing, h),
	}
}

func (s *Server) liveFeed(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "invalid", "after must be an event id")
			return
		}
		after = n
	}
	ctx, end := context.WithCancelCause(r.Context())
	defer end(nil)
	f := &liveFeed{hash: auth.RequestHash(r), user: userOf(r).user.Name, end: end}
	s.liveMu.Lock()
	s.liveFeeds[f] = struct{}{}
	s.liveMu.Unlock()
	defer func() {
		s.liveMu.Lock()
		delete(s.liveFeeds, f)
		s.liveMu.Unlock()
	}()
	s.hub.Serve(w, r.WithContext(ctx), h.ID, after, s.checkOrigin)
}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	segs, err := s.store.ListSegments(r.Context(), h.ID, false)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summarize(h, segs))
}

// Summary lists the open issues a clerk should look at before finalizing.
type Summary struct {
	Status    transcript.HearingStatus `json:"status"`
	Segments  int                      `json:"segments"`
	Pending   []int64                  `json:"pending"`  // not yet transcribed
	Partial   []int64                  `json:"partial"`  // only a partial engine result
	Overlaps  []int64                  `json:"overlaps"` // overlapping speech nobody edited
	Empty     []int64                  `json:"empty"`    // final but no text
	CanFinish bool                     `json:"can_finalize_now"`
}

func summarize(h *transcript.Hearing, segs []transcript.Segment) Summary {
	sum := Summary{Status: h.Status, Pending: []int64{}, Partial: []int64{}, Overlaps: []int64{}, Empty: []int64{}}
	for _, sg := range segs {
		if sg.Deleted {
			continue
		}
		sum.Segments++
		switch sg.Status {
		case transcript.SegmentPending:
			if !sg.Edited {
				sum.Pending = append(sum.Pending, sg.ID)
			}
		case transcript.SegmentPartial:
			if !sg.Edited {
				sum.Partial = append(sum.Partial, sg.ID)
			}
		case transcript.SegmentFinal: // transcribed; an empty one is counted below
		}
		if sg.Overlap && !sg.Edited {
			sum.Overlaps = append(sum.Overlaps, sg.ID)
		}
		if sg.Status == transcript.SegmentFinal && strings.TrimSpace(sg.Text) == "" {
			sum.Empty = append(sum.Empty, sg.ID)
		}
	}
	sum.CanFinish = h.Status == transcript.StatusClosed
	return sum
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	vs, err := s.store.Versions(r.Context(), h.ID)
	s.reply(w, r, http.StatusOK, orEmpty(vs), err)
}
