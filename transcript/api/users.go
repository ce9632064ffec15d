package api

import "net/http"
import "strconv"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/auth"

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

// allowedRequest checks that the user may take action a outside any hearing (forbidden:
// "your role may not "+what), then decodes the body into req. It returns the user, or nil
// when it answered the request itself.
func (s *Server) allowedRequest(w http.ResponseWriter, r *http.Request, a transcript.Action, what string, req any) *transcript.User {
	me := userOf(r).user
	if !transcript.Can(me, a, nil) {
		s.forbid(w, what)
		return nil
	}
	if !s.decode(w, r, req) {
		return nil
	}
	return me
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	p := userOf(r)
	// Admins manage users; clerks and admins need the list to fill the bench and clerk fields.
	if p.user.Role != transcript.RoleAdmin {
		s.forbid(w, "list users")
		return
	}
	us, err := s.store.ListUsers(r.Context())
	s.reply(w, r, http.StatusOK, us, err)
}

type createUserReq struct {
	Name        string          `json:"name"`
	Role        transcript.Role `json:"role"`
	Password    string          `json:"password"`
	DisplayName string          `json:"display_name,omitempty"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req createUserReq
	me := s.allowedRequest(w, r, transcript.ActionManageUsers, "manage users", &req)
	if me == nil {
		return
	}
	if !req.Role.Valid() {
		writeError(w, http.StatusBadRequest, "invalid", "unknown role")
		return
	}
	u, err := s.store.CreateUser(r.Context(), me.Name, req.Name, req.Role, req.Password)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if req.DisplayName != "" {
		if err := s.store.SetDisplayName(r.Context(), me.Name, req.Name, req.DisplayName); err != nil {
			s.storeError(w, r, err)
			return
		}
		u.DisplayName = strings.TrimSpace(req.DisplayName)
	}
	writeJSON(w, http.StatusCreated, u)
}

// updateUser changes the name a user is printed as (admins only).
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DisplayName *string `json:"display_name"`
	}
	me := s.allowedRequest(w, r, transcript.ActionManageUsers, "manage users", &req)
	if me == nil {
		return
	}
	if req.DisplayName == nil {
		writeError(w, http.StatusBadRequest, "invalid", "display_name is required")
		return
	}
	name := r.PathValue("name")
	if err := s.store.SetDisplayName(r.Context(), me.Name, name, *req.DisplayName); err != nil {
		s.storeError(w, r, err)
		return
	}
	u, err := s.store.GetUser(r.Context(), name)
	s.reply(w, r, http.StatusOK, u, err)
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
	writeJSON(w, http.StatusOK, orEmpty(out))
}
