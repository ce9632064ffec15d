package stream

import "context"
import "errors"
import "net/http/httptest"
import "os"
import "path/filepath"
import "strings"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/archive"
import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/asr/pool"
import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// Issue 11, item 1: court-a's agent token named a hearing the admin had scheduled for
// court-b and recorded into it (and into a signed hearing). The handshake must check the
// token's courtroom against the hearing's courtroom and status in the record.
func TestAgentCannotRecordIntoAnotherCourtroomsHearing(t *testing.T) {
	data := t.TempDir()
	store := openStore(t, data)
	ctx := context.Background()
	st := startStream(t, store, data, &echoEngine{}, func() pool.Config { c := pool.DefaultConfig(); c.Workers = 1; return c }(), Config{Language: "zh"})

	if _, err := store.CreateHearing(ctx, "admin", transcript.Hearing{ID: "h-b", Courtroom: "court-b", Title: "B", Language: "zh"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateHearing(ctx, "admin", transcript.Hearing{ID: "h-a-done", Courtroom: "court-a", Title: "A done", Language: "zh"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Start(ctx, "clerk1", "h-a-done"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CloseHearing(ctx, "clerk1", "h-a-done", nil); err != nil {
		t.Fatal(err)
	}

	cfg := ingest.DefaultConfig(data)
	cfg.Listener = st
	cfg.Admission = st
	srv, err := ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Close(cctx)
		hs.CloseClientConnections()
		hs.Close()
	})
	tokA, _, err := srv.Tokens().Add("court-a")
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := srv.Tokens().Add("court-b")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + ingest.AgentPath
	seats := []wire.Seat{{Name: "judge", Channel: 1}, {Name: "clerk", Channel: 2}}
	pcm := [][]int16{make([]int16, 16000), make([]int16, 16000)}
	agent := func(tok, room, session, hearing string) *ingesttest.Agent {
		return &ingesttest.Agent{URL: url, Token: tok, Courtroom: room, Session: session, Hearing: hearing,
			Seats: seats, PCM: pcm, FrameSamples: 1600, Window: 8}
	}
	run := func(a *ingesttest.Agent) (ingesttest.Result, error) {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		return a.Run(rctx)
	}
	wantRefused := func(err error, code, text string) {
		t.Helper()
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != code || !strings.Contains(we.Message, text) {
			t.Fatalf("agent got %v, want %s mentioning %q", err, code, text)
		}
	}

	// court-a's token, court-a claimed, hearing of court-b: refused, nothing written.
	_, err = run(agent(tokA, "court-a", "sess-a1", "h-b"))
	wantRefused(err, wire.CodeUnauthorized, "court-b")
	// court-a's token claiming court-b: the token does not fit the claim.
	_, err = run(agent(tokA, "court-b", "sess-a2", "h-b"))
	wantRefused(err, wire.CodeUnauthorized, "court-b")
	if _, err := os.Stat(filepath.Join(data, archive.HearingsDir, "h-b")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an archive for h-b was created by court-a's agent (stat: %v)", err)
	}
	if h, err := store.GetHearing(ctx, "h-b"); err != nil || h.Status != transcript.StatusScheduled {
		t.Fatalf("h-b after court-a's attempt: %+v, %v (want scheduled, untouched)", h, err)
	}

	// A hearing of its own courtroom that is closed (or finalized, signed) takes no audio.
	_, err = run(agent(tokA, "court-a", "sess-a3", "h-a-done"))
	wantRefused(err, wire.CodeClosed, "closed")

	// court-b's own agent still records into h-b.
	res, err := run(agent(tokB, "court-b", "sess-b1", "h-b"))
	if err != nil || res.Hearing != "h-b" {
		t.Fatalf("court-b's agent: %+v, %v", res, err)
	}
	poll(100, 50*time.Millisecond, func() bool {
		h, err := store.GetHearing(ctx, "h-b")
		return err == nil && h.Status == transcript.StatusLive
	})
	if h, _ := store.GetHearing(ctx, "h-b"); h.Status != transcript.StatusLive {
		t.Fatalf("h-b after court-b's agent: status %s, want live", h.Status)
	}

	// An agent without a hearing creates one in its own courtroom only.
	res, err = run(agent(tokA, "court-a", "sess-a4", ""))
	if err != nil {
		t.Fatal(err)
	}
	info, err := archive.ReadHearingInfo(data, res.Hearing)
	if err != nil || info.Courtroom != "court-a" {
		t.Fatalf("hearing created by court-a's agent: %+v, %v", info, err)
	}
}
