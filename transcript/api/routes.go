package api

import (
	"context"
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/courtscribe/courtscribe/capture/wire"
	"github.com/courtscribe/courtscribe/transcript"
	"github.com/courtscribe/courtscribe/transcript/auth"
	"github.com/courtscribe/courtscribe/transcript/web"
)

func (s *Server) routes() {
	s.handle("POST /api/login", accessPublic, s.login)
	s.handle("POST /api/logout", accessSession, s.logout)
	s.handle("GET /api/session", accessSession, s.session)
	s.handle("GET /api/users", accessSession, s.listUsers)
	s.handle("POST /api/users", accessSession, s.createUser)
	s.handle("PATCH /api/users/{name}", accessSession, s.updateUser)
	s.handle("GET /api/agents", accessSession, s.agents)

	s.handle("GET /api/hearings", accessSession, s.listHearings)
	s.handle("POST /api/hearings", accessSession, s.createHearing)
	s.handle("GET /api/hearings/{id}", accessSession, s.getHearing)
	s.handle("PATCH /api/hearings/{id}", accessSession, s.updateHearing)
	s.handle("DELETE /api/hearings/{id}", accessSession, s.deleteHearing)
	s.handle("GET /api/hearings/{id}/segments", accessSession, s.listSegments)
	s.handle("GET /api/hearings/{id}/live", accessSession, s.liveFeed)
	s.handle("GET /api/hearings/{id}/health", accessSession, s.hearingHealth)
	s.handle("POST /api/hearings/{id}/alarms/ack", accessSession, s.ackAlarm)
	s.handle("GET /api/hearings/{id}/summary", accessSession, s.summary)
	s.handle("GET /api/hearings/{id}/versions", accessSession, s.versions)
	s.handle("GET /api/hearings/{id}/export", accessSession, s.export)
	s.handle("GET /api/hearings/{id}/verify", accessSession, s.verify)
	s.handle("GET /api/hearings/{id}/audio/{seat}", accessSession, s.audio)
	s.handle("POST /api/hearings/{id}/notes", accessSession, s.addNote)
	s.handle("POST /api/hearings/{id}/start", accessSession, s.lifecycle("start"))
	s.handle("POST /api/hearings/{id}/recess", accessSession, s.lifecycle("recess"))
	s.handle("POST /api/hearings/{id}/resume", accessSession, s.lifecycle("resume"))
	s.handle("POST /api/hearings/{id}/close", accessSession, s.lifecycle("close"))
	s.handle("POST /api/hearings/{id}/finalize", accessSession, s.finalize)
	s.handle("POST /api/hearings/{id}/sign", accessSession, s.sign)
	s.handle("POST /api/hearings/{id}/review", accessSession, s.review)
	s.handle("POST /api/hearings/{id}/correct", accessSession, s.correct)
	s.handle("GET /api/hearings/{id}/corrections/{cid}/file", accessSession, s.correctionFile)
	s.handle("POST /api/hearings/{id}/segments", accessSession, s.insertSegment)
	s.handle("POST /api/hearings/{id}/notes/{nid}/edit", accessSession, s.noteOp("edit"))
	s.handle("POST /api/hearings/{id}/notes/{nid}/delete", accessSession, s.noteOp("delete"))

	s.handle("GET /api/segments/{sid}", accessSession, s.getSegment)
	s.handle("GET /api/segments/{sid}/history", accessSession, s.segmentHistory)
	s.handle("POST /api/segments/{sid}/edit", accessSession, s.segmentOp("edit"))
	s.handle("POST /api/segments/{sid}/relabel", accessSession, s.segmentOp("relabel"))
	s.handle("POST /api/segments/{sid}/split", accessSession, s.segmentOp("split"))
	s.handle("POST /api/segments/{sid}/merge", accessSession, s.segmentOp("merge"))
	s.handle("POST /api/segments/{sid}/delete", accessSession, s.segmentOp("delete"))
	s.importRoutes()

	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such API endpoint")
	})
	if !s.cfg.NoUI {
		s.mux.Handle("/", web.Handler())
	}
}

// ---- sessions and users

type loginReq struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type sessionResp struct {
	Name        string          `json:"name"`
	DisplayName string          `json:"display_name,omitempty"`
	Role        transcript.Role `json:"role"`
	CSRF        string          `json:"csrf"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginReq
	if !s.decode(w, r, &req) {
		return
	}
	source, account := sourceKey(clientIP(r)), strings.ToLower(req.Name)
	if ok, wait := s.logins.Allow(source, account); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many sign-in attempts; wait and try again")
		return
	}
	if req.Name == "" || req.Password == "" || len(req.Name) > 128 || len(req.Password) > 1024 {
		writeError(w, http.StatusBadRequest, "invalid", "name and password are required")
		return
	}
	u, err := s.store.Authenticate(r.Context(), req.Name, req.Password)
	if err != nil {
		s.logins.Failed(source, account)
		s.log.Info("api: sign-in refused", "user", req.Name, "remote", clientIP(r))
		writeError(w, http.StatusUnauthorized, "bad_login", "wrong user name or password")
		return
	}
	s.logins.Succeeded(source, account)
	s.sessions.Destroy(w, r) // no session fixation: a new token on every sign-in
	sess, err := s.sessions.Create(w, r, u.Name, u.DisplayName, string(u.Role))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log.Info("api: signed in", "user", u.Name, "role", u.Role)
	writeJSON(w, http.StatusOK, sessionResp{Name: u.Name, DisplayName: u.DisplayName, Role: u.Role, CSRF: sess.CSRF})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.sessions.Destroy(w, r)
	s.endLive(auth.RequestHash(r))
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	writeJSON(w, http.StatusOK, sessionResp{Name: p.user.Name, DisplayName: p.user.DisplayName, Role: p.user.Role, CSRF: p.sess.CSRF})
}

func (s *Server) forbid(w http.ResponseWriter, what string) {
	writeError(w, http.StatusForbidden, "forbidden", "your role may not "+what)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	// Admins manage users; clerks and admins need the list to fill the bench and clerk fields.
	if p.user.Role != transcript.RoleAdmin {
		s.forbid(w, "list users")
		return
	}
	us, err := s.store.ListUsers(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, us)
}

type createUserReq struct {
	Name        string          `json:"name"`
	Role        transcript.Role `json:"role"`
	Password    string          `json:"password"`
	DisplayName string          `json:"display_name,omitempty"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	if !transcript.Can(p.user, transcript.ActionManageUsers, nil) {
		s.forbid(w, "manage users")
		return
	}
	var req createUserReq
	if !s.decode(w, r, &req) {
		return
	}
	if !req.Role.Valid() {
		writeError(w, http.StatusBadRequest, "invalid", "unknown role")
		return
	}
	u, err := s.store.CreateUser(r.Context(), p.user.Name, req.Name, req.Role, req.Password)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if req.DisplayName != "" {
		if err := s.store.SetDisplayName(r.Context(), p.user.Name, req.Name, req.DisplayName); err != nil {
			s.storeError(w, r, err)
			return
		}
		u.DisplayName = strings.TrimSpace(req.DisplayName)
	}
	writeJSON(w, http.StatusCreated, u)
}

// updateUser changes the name a user is printed as (admins only).
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	if !transcript.Can(p.user, transcript.ActionManageUsers, nil) {
		s.forbid(w, "manage users")
		return
	}
	var req struct {
		DisplayName *string `json:"display_name"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	if req.DisplayName == nil {
		writeError(w, http.StatusBadRequest, "invalid", "display_name is required")
		return
	}
	name := r.PathValue("name")
	if err := s.store.SetDisplayName(r.Context(), p.user.Name, name, *req.DisplayName); err != nil {
		s.storeError(w, r, err)
		return
	}
	u, err := s.store.GetUser(r.Context(), name)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) agents(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	if !transcript.Can(p.user, transcript.ActionManageAgents, nil) && p.user.Role != transcript.RoleAdmin {
		s.forbid(w, "manage agents and devices")
		return
	}
	var out []AgentHealth
	if s.status != nil {
		out = s.status.Agents()
	}
	if out == nil {
		out = []AgentHealth{}
	}
	writeJSON(w, http.StatusOK, out)
}

// ---- hearings

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
	if hs == nil {
		hs = []transcript.Hearing{}
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

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) createHearing(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	if !transcript.Can(p.user, transcript.ActionManageHearing, nil) {
		s.forbid(w, "create hearings")
		return
	}
	var b hearingBody
	if !s.decode(w, r, &b) {
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
	h := transcript.Hearing{ID: b.ID, CaseNumber: str(b.CaseNumber), Cause: str(b.Cause), Court: str(b.Court),
		Courtroom: str(b.Courtroom), Title: str(b.Title), Language: str(b.Language), Presiding: str(b.Presiding),
		Clerk: str(b.Clerk)}
	if h.Language == "" {
		h.Language = "zh"
	}
	h.TimeZone = str(b.TimeZone) // "" takes the server's --timezone
	if b.ScheduledAt != nil {
		h.ScheduledAt = *b.ScheduledAt
	}
	if b.Judges != nil {
		h.Judges = *b.Judges
	}
	if b.Parties != nil {
		h.Parties = *b.Parties
	}
	if b.PartyList != nil {
		h.PartyList = *b.PartyList
	}
	if b.NotPublic != nil {
		h.NotPublic = *b.NotPublic
	}
	h.NotPublicReason, h.Reporter, h.ReporterCredential = str(b.NotPublicReason), str(b.Reporter), str(b.ReporterCredential)
	if b.Seats != nil {
		h.Seats = *b.Seats
	}
	if b.Vocabulary != nil {
		h.Vocabulary = *b.Vocabulary
	}
	out, err := s.store.CreateHearing(r.Context(), p.user.Name, h)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
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
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// segmentsResp is a hearing's whole current text. Head is an event id taken before the text
// was read: a live feed opened with ?after=Head misses nothing (events between Head and the
// read arrive again and are applied idempotently by revision).
type segmentsResp struct {
	Head     int64                `json:"head"`
	Hearing  *transcript.Hearing  `json:"hearing"`
	Segments []transcript.Segment `json:"segments"`
	Notes    []transcript.Note    `json:"notes"`
	Versions []transcript.Version `json:"versions"`
	Can      map[string]bool      `json:"can"`
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	ctx := r.Context()
	head, err := s.hub.Head(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	// Re-read the hearing after the head so its status is not older than the head.
	if h, err = s.store.GetHearing(ctx, h.ID); err != nil {
		s.storeError(w, r, err)
		return
	}
	segs, err := s.store.ListSegments(ctx, h.ID, r.URL.Query().Get("deleted") == "1")
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	notes, err := s.store.ListNotes(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	vers, err := s.store.Versions(ctx, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if segs == nil {
		segs = []transcript.Segment{}
	}
	if notes == nil {
		notes = []transcript.Note{}
	}
	if vers == nil {
		vers = []transcript.Version{}
	}
	writeJSON(w, http.StatusOK, segmentsResp{Head: head, Hearing: h, Segments: segs, Notes: notes, Versions: vers,
		Can: s.can(userOf(r).user, h)})
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
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if vs == nil {
		vs = []transcript.Version{}
	}
	writeJSON(w, http.StatusOK, vs)
}

type noteReq struct {
	AtMS      int64  `json:"at_ms"`
	SegmentID int64  `json:"segment_id"`
	Text      string `json:"text"`
	// Kind is annotation (default) or one of the clerk's marks: sworn, examination, exhibit.
	Kind    string `json:"kind,omitempty"`
	Seat    string `json:"seat,omitempty"`
	Witness string `json:"witness,omitempty"`
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionEdit)
	if h == nil {
		return
	}
	var req noteReq
	if !s.decode(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Text) == "" || req.AtMS < 0 {
		writeError(w, http.StatusBadRequest, "invalid", "a note needs text and a time")
		return
	}
	kind := transcript.NoteKind(req.Kind)
	switch kind {
	case "":
		kind = transcript.NoteAnnotation
	case transcript.NoteAnnotation, transcript.NoteSworn, transcript.NoteExamination, transcript.NoteExhibit:
	default:
		writeError(w, http.StatusBadRequest, "invalid", "kind: annotation, sworn, examination or exhibit")
		return
	}
	n, err := s.store.AddNote(r.Context(), userOf(r).user.Name, h.ID,
		transcript.Note{Kind: kind, AtMS: req.AtMS, SegmentID: req.SegmentID, Text: req.Text, Seat: req.Seat, Witness: req.Witness})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

type lifecycleReq struct {
	AtMS   int64  `json:"at_ms"`
	Reason string `json:"reason"`
}

func (s *Server) lifecycle(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := s.hearing(w, r, transcript.ActionLifecycle)
		if h == nil {
			return
		}
		var req lifecycleReq
		if !s.decode(w, r, &req) {
			return
		}
		actor := userOf(r).user.Name
		ctx := r.Context()
		var out *transcript.Hearing
		var err error
		switch op {
		case "start":
			out, err = s.store.Start(ctx, actor, h.ID)
		case "recess", "resume":
			if strings.TrimSpace(req.Reason) == "" {
				writeError(w, http.StatusBadRequest, "invalid", "a reason is required")
				return
			}
			if op == "recess" {
				out, err = s.store.Recess(ctx, actor, h.ID, req.AtMS, req.Reason)
			} else {
				out, err = s.store.Resume(ctx, actor, h.ID, req.AtMS, req.Reason)
			}
		case "close":
			if s.cfg.StopRecording != nil {
				if err := s.cfg.StopRecording(ctx, h.ID); err != nil {
					s.log.Error("stopping the recording before close", "hearing", h.ID, "err", err)
					writeError(w, http.StatusInternalServerError, "storage", "the recording could not be stopped: "+err.Error())
					return
				}
			}
			out, err = s.store.CloseHearing(ctx, actor, h.ID, nil)
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) finalize(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionFinalize)
	if h == nil {
		return
	}
	var req struct{}
	if !s.decode(w, r, &req) {
		return
	}
	v, err := s.store.Finalize(r.Context(), userOf(r).user.Name, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type signReq struct {
	Password string `json:"password"`
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionSign)
	if h == nil {
		return
	}
	var req signReq
	if !s.decode(w, r, &req) {
		return
	}
	if ok, wait := s.limiter.Allow("sign:" + userOf(r).user.Name); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many signing attempts; wait and try again")
		return
	}
	sig, err := s.store.Sign(r.Context(), userOf(r).user.Name, req.Password, h.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sig)
}

type reviewReq struct {
	Party   string `json:"party"`
	Outcome string `json:"outcome"` // confirmed | refused
	Reason  string `json:"reason"`
}

// review records a party's reading of the finalized record (the clerk records it).
func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionFinalize)
	if h == nil {
		return
	}
	var req reviewReq
	if !s.decode(w, r, &req) {
		return
	}
	rv, err := s.store.RecordReview(r.Context(), userOf(r).user.Name, h.ID, transcript.PartyReview{Party: req.Party, Outcome: req.Outcome, Reason: req.Reason})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rv)
}

type correctReq struct {
	SegmentID int64  `json:"segment_id"`
	Text      string `json:"text"`
	Reason    string `json:"reason"`
	// Request is the party's written request this correction answers (optional).
	Request *struct {
		Party      string    `json:"party"`
		Text       string    `json:"text"`
		ReceivedAt time.Time `json:"received_at,omitzero"`
		FileName   string    `json:"file_name,omitempty"`
		FileBase64 string    `json:"file_base64,omitempty"` // the document, within the 1 MiB body
	} `json:"request,omitempty"`
}

func (s *Server) correct(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionCorrect)
	if h == nil {
		return
	}
	var req correctReq
	if !s.decode(w, r, &req) {
		return
	}
	var cr *transcript.CorrectionRequest
	var file []byte
	if q := req.Request; q != nil {
		cr = &transcript.CorrectionRequest{Party: q.Party, Text: q.Text, ReceivedAt: q.ReceivedAt, FileName: q.FileName}
		if q.FileBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(q.FileBase64)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid", "request.file_base64 is not base64")
				return
			}
			file = b
		}
	}
	c, v, err := s.store.CorrectOnRequest(r.Context(), userOf(r).user.Name, h.ID, req.SegmentID, req.Text, req.Reason, cr, file)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"correction": c, "version": v})
}

func (s *Server) correctionFile(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionRead)
	if h == nil {
		return
	}
	cid, ok := pathInt(r, "cid")
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid", "bad correction id")
		return
	}
	name, data, err := s.store.CorrectionFile(r.Context(), h.ID, cid)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Write(data)
}

type insertReq struct {
	Seat    string `json:"seat"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
	Reason  string `json:"reason"`
}

// insertSegment adds an utterance the recording or the diarizer missed.
func (s *Server) insertSegment(w http.ResponseWriter, r *http.Request) {
	h := s.hearing(w, r, transcript.ActionEdit)
	if h == nil {
		return
	}
	var req insertReq
	if !s.decode(w, r, &req) {
		return
	}
	if !wire.ValidSeatName(req.Seat) || utf8.RuneCountInString(req.Text) > maxSegmentText {
		writeError(w, http.StatusBadRequest, "invalid", "seat and text (at most 20000 characters) are required")
		return
	}
	sg, err := s.store.InsertSegment(r.Context(), userOf(r).user.Name, h.ID, transcript.InsertedSegment{
		Seat: req.Seat, StartMS: req.StartMS, EndMS: req.EndMS, Text: req.Text, Reason: req.Reason})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, segmentChange{Segment: sg})
}

type noteChangeReq struct {
	Revision *int64 `json:"revision"`
	Text     string `json:"text,omitempty"`
	Reason   string `json:"reason"`
}

func (s *Server) noteOp(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := s.hearing(w, r, transcript.ActionEdit)
		if h == nil {
			return
		}
		nid, ok := pathInt(r, "nid")
		if !ok {
			writeError(w, http.StatusBadRequest, "invalid", "bad note id")
			return
		}
		var req noteChangeReq
		if !s.decode(w, r, &req) {
			return
		}
		if req.Revision == nil {
			writeError(w, http.StatusBadRequest, "invalid", "revision (the note's revision the change is based on) is required")
			return
		}
		var n *transcript.Note
		var err error
		if op == "edit" {
			n, err = s.store.EditNote(r.Context(), userOf(r).user.Name, h.ID, nid, *req.Revision, req.Text, req.Reason)
		} else {
			n, err = s.store.DeleteNote(r.Context(), userOf(r).user.Name, h.ID, nid, *req.Revision, req.Reason)
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, n)
	}
}

// ---- segments

// segment loads the request's segment and checks the action on its hearing.
func (s *Server) segment(w http.ResponseWriter, r *http.Request, a transcript.Action) (*transcript.Segment, *transcript.Hearing) {
	id, ok := pathInt(r, "sid")
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid", "bad segment id")
		return nil, nil
	}
	sg, err := s.store.GetSegment(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return nil, nil
	}
	h, err := s.store.GetHearing(r.Context(), sg.HearingID)
	if err != nil {
		s.storeError(w, r, err)
		return nil, nil
	}
	if !transcript.Can(userOf(r).user, a, h) {
		s.forbid(w, actionWords[a]+" this hearing")
		return nil, nil
	}
	return sg, h
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	if sg, _ := s.segment(w, r, transcript.ActionRead); sg != nil {
		writeJSON(w, http.StatusOK, sg)
	}
}

// HistoryEntry is one revision of a segment as the history view shows it.
type HistoryEntry struct {
	EventID int64                `json:"event_id"`
	Kind    transcript.EventKind `json:"kind"`
	Actor   string               `json:"actor"`
	At      time.Time            `json:"at"`
	Reason  string               `json:"reason,omitempty"`
	Before  rawJSON              `json:"before"`
	After   rawJSON              `json:"after"`
	Hash    string               `json:"hash"`
}

type rawJSON []byte

func (b rawJSON) MarshalJSON() ([]byte, error) {
	if len(b) == 0 {
		return []byte("null"), nil
	}
	return b, nil
}

func (s *Server) segmentHistory(w http.ResponseWriter, r *http.Request) {
	sg, _ := s.segment(w, r, transcript.ActionRead)
	if sg == nil {
		return
	}
	evs, err := s.store.SegmentHistory(r.Context(), sg.ID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]HistoryEntry, len(evs))
	for i, e := range evs {
		out[i] = HistoryEntry{EventID: e.ID, Kind: e.Kind, Actor: e.Actor, At: e.At, Reason: e.Reason,
			Before: rawJSON(e.Before), After: rawJSON(e.After), Hash: e.Hash}
	}
	writeJSON(w, http.StatusOK, out)
}

// segmentReq is the body of every segment change. Revision is the revision the change was
// based on; the other fields depend on the operation.
type segmentReq struct {
	Revision     int64   `json:"revision"`
	Text         *string `json:"text,omitempty"`          // edit
	Seat         string  `json:"seat,omitempty"`          // relabel
	Offset       *int    `json:"offset,omitempty"`        // split: rune offset in the text
	AtMS         int64   `json:"at_ms,omitempty"`         // split: hearing time (0: proportional)
	NextRevision int64   `json:"next_revision,omitempty"` // merge
	Reason       string  `json:"reason,omitempty"`        // delete
}

// segmentChange is the answer to a segment change: the segment(s) as they are now.
type segmentChange struct {
	Segment *transcript.Segment `json:"segment"`
	Second  *transcript.Segment `json:"second,omitempty"` // split: the new second half
}

const maxSegmentText = 20000 // runes

func (s *Server) segmentOp(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sg, _ := s.segment(w, r, transcript.ActionEdit)
		if sg == nil {
			return
		}
		var req segmentReq
		if !s.decode(w, r, &req) {
			return
		}
		if req.Revision <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", "revision (the revision the change is based on) is required")
			return
		}
		actor := userOf(r).user.Name
		ctx := r.Context()
		var out segmentChange
		var err error
		switch op {
		case "edit":
			if req.Text == nil || !utf8.ValidString(*req.Text) || utf8.RuneCountInString(*req.Text) > maxSegmentText {
				writeError(w, http.StatusBadRequest, "invalid", "text is required (valid UTF-8, at most 20000 characters)")
				return
			}
			out.Segment, err = s.store.EditText(ctx, actor, sg.ID, req.Revision, *req.Text)
		case "relabel":
			if !wire.ValidSeatName(req.Seat) {
				writeError(w, http.StatusBadRequest, "invalid", "seat is required")
				return
			}
			out.Segment, err = s.store.Relabel(ctx, actor, sg.ID, req.Revision, req.Seat)
		case "split":
			if req.Offset == nil {
				writeError(w, http.StatusBadRequest, "invalid", "offset is required")
				return
			}
			at := req.AtMS
			if at == 0 {
				at = splitTime(sg, *req.Offset)
			}
			out.Segment, out.Second, err = s.store.Split(ctx, actor, sg.ID, req.Revision, *req.Offset, at)
		case "merge":
			if req.NextRevision <= 0 {
				writeError(w, http.StatusBadRequest, "invalid", "next_revision (of the following segment) is required")
				return
			}
			out.Segment, err = s.store.Merge(ctx, actor, sg.ID, req.Revision, req.NextRevision)
		case "delete":
			if strings.TrimSpace(req.Reason) == "" {
				writeError(w, http.StatusBadRequest, "invalid", "striking a segment needs a reason")
				return
			}
			out.Segment, err = s.store.Delete(ctx, actor, sg.ID, req.Revision, req.Reason)
		}
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// splitTime places a split proportionally to the character offset, strictly inside the
// segment.
func splitTime(sg *transcript.Segment, offset int) int64 {
	n := utf8.RuneCountInString(sg.Text)
	if n == 0 || sg.EndMS-sg.StartMS < 2 {
		return sg.StartMS + (sg.EndMS-sg.StartMS)/2
	}
	at := sg.StartMS + (sg.EndMS-sg.StartMS)*int64(offset)/int64(n)
	return min(max(at, sg.StartMS+1), sg.EndMS-1)
}
