package api

import "net/http"

import "github.com/courtscribe/courtscribe/transcript"
import "github.com/courtscribe/courtscribe/transcript/web"

// routes is the API's mux table. The handlers live one file per resource: users.go (sign-in,
// sessions, users, agents), hearings.go, lifecycle.go (start to sign and review), notes.go,
// corrections.go, segments.go, export.go (export, verify), audio.go, health.go, alarms.go,
// integrity.go (delete) and import.go. A route wrapped in onHearing names the action its
// request takes on the hearing, checked before the body is decoded.
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
	s.handle("POST /api/hearings/{id}/notes", accessSession, onHearing(s, transcript.ActionEdit, s.addNote))
	s.handle("POST /api/hearings/{id}/start", accessSession, onHearing(s, transcript.ActionLifecycle, s.lifecycle("start")))
	s.handle("POST /api/hearings/{id}/recess", accessSession, onHearing(s, transcript.ActionLifecycle, s.lifecycle("recess")))
	s.handle("POST /api/hearings/{id}/resume", accessSession, onHearing(s, transcript.ActionLifecycle, s.lifecycle("resume")))
	s.handle("POST /api/hearings/{id}/close", accessSession, onHearing(s, transcript.ActionLifecycle, s.lifecycle("close")))
	s.handle("POST /api/hearings/{id}/finalize", accessSession, onHearing(s, transcript.ActionFinalize, s.finalize))
	s.handle("POST /api/hearings/{id}/sign", accessSession, onHearing(s, transcript.ActionSign, s.sign))
	s.handle("POST /api/hearings/{id}/review", accessSession, onHearing(s, transcript.ActionFinalize, s.review))
	s.handle("POST /api/hearings/{id}/correct", accessSession, onHearing(s, transcript.ActionCorrect, s.correct))
	s.handle("GET /api/hearings/{id}/corrections/{cid}/file", accessSession, s.correctionFile)
	s.handle("POST /api/hearings/{id}/segments", accessSession, onHearing(s, transcript.ActionEdit, s.insertSegment))
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
