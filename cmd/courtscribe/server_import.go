package main

import (
	"context"
	"io"
	"slices"

	"github.com/courtscribe/courtscribe/asr/ingest"
	"github.com/courtscribe/courtscribe/capture/audiofile"
	"github.com/courtscribe/courtscribe/cmd/courtscribe/internal/recording"
	"github.com/courtscribe/courtscribe/transcript/api"
)

// serverImporter imports recordings uploaded through the API (POST /api/hearings/{id}/import/…)
// with the running server's ingest archive, diarizer and engine: the same path as the
// courtscribe import command. Utterances the engine does not take stay pending for the
// server's backfill.
type serverImporter struct {
	rec *serverRecord
	ing *ingest.Server
}

func (si serverImporter) Import(ctx context.Context, req api.ImportRequest) (*api.ImportResult, error) {
	var args, seatFiles []string
	if len(req.Files) == 1 && req.Files[0].Seat == "" {
		args = []string{req.Files[0].Path}
	} else {
		for _, f := range req.Files {
			seatFiles = append(seatFiles, f.Seat+"="+f.Path)
		}
	}
	open := func() (*audiofile.Reader, []string, error) {
		return recording.Open(args, slices.Clone(req.Seats), seatFiles, false)
	}
	r, seats, err := open()
	if err != nil {
		return nil, err
	}
	job := importJob{Courtroom: req.Courtroom, Hearing: req.Hearing, Seats: seats, Language: si.rec.flags.language, Actor: req.Actor}
	for i, in := range r.Inputs() {
		job.Files = append(job.Files, importedFile{Seat: req.Files[i].Seat, Name: req.Files[i].Name, Format: in.Format,
			Seconds: in.Seconds(), path: in.Path})
	}
	r.Close()
	job.open = func() (*audiofile.Reader, error) { rr, _, err := open(); return rr, err }
	rep, err := si.rec.importHearing(ctx, si.ing, job, io.Discard)
	if err != nil {
		return nil, err
	}
	return &api.ImportResult{Seconds: rep.Seconds, Segments: rep.Segments, Pending: rep.Pending}, nil
}
