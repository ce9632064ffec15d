package ingest

import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/ingest/ingesttest"
import "github.com/courtscribe/courtscribe/capture/wire"

// TestRevokeEndsLiveConnection: a token revoked by the tokens command (another process, so
// through another store) kept streaming until the agent disconnected (issue 11, item 6). The
// server now closes the connection with unauthorized within a second or two.
func TestRevokeEndsLiveConnection(t *testing.T) {
	r := newRig(t)
	tok, rec, err := OpenTokens(r.dir, nil).Add("room1")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := r.hello(r.agent("s-keep", testPCM(1, 1600, 1)).Hello()) // room1's other token stays
	a := r.agent("s-rev-live", testPCM(1, 1600, 2))
	ws, v := r.helloRaw(tok, mustJSON(a.Hello()))
	if _, ok := v.(*wire.Welcome); !ok {
		t.Fatalf("hello: %v", v)
	}
	send(t, ws, mustFrame(t, a.Frame(0)))
	waitAck(t, ws, 1)
	revoked := time.Now()
	if err := OpenTokens(r.dir, nil).Revoke(rec.ID); err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		v, err := ingesttest.ReadServer(ws)
		if err != nil {
			t.Fatalf("connection ended without unauthorized: %v", err)
		}
		if e, ok := v.(*wire.Error); ok {
			if e.Code != wire.CodeUnauthorized {
				t.Fatalf("got %v, want unauthorized", e)
			}
			break
		}
	}
	t.Logf("revoked token's connection closed %v after the revocation", time.Since(revoked).Round(time.Millisecond))
	if time.Since(revoked) > 3*time.Second {
		t.Fatalf("closed %v after the revocation", time.Since(revoked))
	}
	// The courtroom's other agent, with its own token, keeps streaming.
	b := r.agent("s-keep", testPCM(1, 1600, 1))
	send(t, other, mustFrame(t, b.Frame(0)))
	waitAck(t, other, 1)
}
