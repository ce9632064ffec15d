package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/courtscribe/courtscribe/transcript"
)

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
