package server

import "bytes"
import "log/slog"
import "strings"
import "testing"

import "github.com/courtscribe/courtscribe/transcript/live"
import "github.com/courtscribe/courtscribe/transcript/sqlite"
import "github.com/courtscribe/courtscribe/transcript/sqlite/sqlitetest"

// The relay takes the stream's speaking signal to the live hub once the API has built it:
// before that it goes nowhere, a refused signal is logged (never a panic or a block), and a
// closed hub is the normal end of the signal, not a warning.
func TestSpeakingRelayReachesTheHub(t *testing.T) {
	store := sqlitetest.Open(t, t.TempDir(), sqlite.Options{})
	hub := live.New(live.DefaultConfig(), store, nil)
	var logs bytes.Buffer
	r := &speakingRelay{log: slog.New(slog.NewTextHandler(&logs, nil))}

	r.speaking("h1", "judge", "speaking", 1) // no hub yet
	r.to(hub)
	if now := hub.SpeakingNow("h1"); len(now) != 0 {
		t.Fatalf("a signal from before the hub was set arrived: %v", now)
	}
	r.speaking("h1", "judge", "tentative", 2)
	r.speaking("h1", "witness", "speaking", 2)
	if now := hub.SpeakingNow("h1"); now["judge"] != live.SeatTentative || now["witness"] != live.SeatSpeaking || len(now) != 2 {
		t.Fatalf("hub state %v", now)
	}
	r.speaking("h1", "judge", "", 3)
	if now := hub.SpeakingNow("h1"); now["judge"] != "" || len(now) != 1 {
		t.Fatalf("hub state after judge off %v", now)
	}
	r.speaking("h1", strings.Repeat("x", live.MaxSeatName+1), "speaking", 4)
	if !strings.Contains(logs.String(), "speaking signal refused") {
		t.Fatalf("a refused signal was not logged: %q", logs.String())
	}
	logs.Reset()
	hub.Close()
	r.speaking("h1", "witness", "", 5)
	if logs.Len() != 0 {
		t.Fatalf("a closed hub was logged as a problem: %q", logs.String())
	}
}
