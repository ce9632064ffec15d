package server

import "context"
import "errors"
import "log/slog"
import "path/filepath"
import "testing"
import "time"

import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// TestLeaseFence: a replica writes a hearing only while the lease it took runs by its own
// clock, less a tenth of the lease for the other replicas' clocks; past that (a stalled
// process) the fence answers not_owner until a renewal succeeds. Another replica is refused
// while the lease runs; hearings taken under no lease are not fenced.
func TestLeaseFence(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "record.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	replica := func(name string) *leaseAdmission {
		return &leaseAdmission{store: st, owner: name, ttl: 10 * time.Second, log: slog.New(slog.DiscardHandler),
			owned: map[string]bool{}, until: map[string]time.Time{}, now: func() time.Time { return now }}
	}
	a, b := replica("replica-a"), replica("replica-b")
	if err := a.AdmitHearing(ctx, "room-3", "h1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Fence("h1"); err != nil {
		t.Fatalf("fenced right after taking the lease: %v", err)
	}
	now = now.Add(8900 * time.Millisecond)
	if err := a.Fence("h1"); err != nil {
		t.Fatalf("fenced 8.9 s into a 10 s lease: %v", err)
	}
	now = now.Add(200 * time.Millisecond) // 9.1 s: inside the margin the other replicas' clocks may take
	err = a.Fence("h1")
	if !errors.Is(err, ingest.ErrNotOwner) {
		t.Fatalf("9.1 s into a 10 s lease (stalled): %v, want not_owner", err)
	}
	t.Log(err)
	if err := b.AdmitHearing(ctx, "room-3", "h1"); !errors.Is(err, ingest.ErrNotOwner) {
		t.Fatalf("replica B while A's lease runs in the database: %v", err)
	}
	// A renewal that succeeds (nobody took the hearing meanwhile) lifts the fence.
	if err := a.AdmitHearing(ctx, "room-3", "h1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Fence("h1"); err != nil {
		t.Fatalf("fenced after renewing: %v", err)
	}
	if err := b.Fence("h1"); err != nil {
		t.Fatalf("a hearing replica B never leased is fenced there: %v", err)
	}
}
