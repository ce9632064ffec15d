package api

import "net/http"
import "strconv"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript"

type lifecycleReq struct {
	AtMS   int64  `json:"at_ms"`
	Reason string `json:"reason"`
}

func (s *Server) lifecycle(op string) func(http.ResponseWriter, *http.Request, *transcript.Hearing, *lifecycleReq) {
	return func(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *lifecycleReq) {
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
		s.reply(w, r, http.StatusOK, out, err)
	}
}

// finalize takes an empty JSON object as its body.
func (s *Server) finalize(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, _ *struct{}) {
	v, err := s.store.Finalize(r.Context(), userOf(r).user.Name, h.ID)
	s.reply(w, r, http.StatusOK, v, err)
}

type signReq struct {
	Password string `json:"password"`
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *signReq) {
	if ok, wait := s.limiter.Allow("sign:" + userOf(r).user.Name); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many signing attempts; wait and try again")
		return
	}
	sig, err := s.store.Sign(r.Context(), userOf(r).user.Name, req.Password, h.ID)
	s.reply(w, r, http.StatusOK, sig, err)
}

type reviewReq struct {
	Party   string `json:"party"`
	Outcome string `json:"outcome"` // confirmed | refused
	Reason  string `json:"reason"`
}

// review records a party's reading of the finalized record (the clerk records it).
func (s *Server) review(w http.ResponseWriter, r *http.Request, h *transcript.Hearing, req *reviewReq) {
	rv, err := s.store.RecordReview(r.Context(), userOf(r).user.Name, h.ID, transcript.PartyReview{Party: req.Party, Outcome: req.Outcome, Reason: req.Reason})
	s.reply(w, r, http.StatusOK, rv, err)
}
