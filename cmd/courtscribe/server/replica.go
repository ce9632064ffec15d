package server

import "context"
import "fmt"
import "log/slog"
import "net"
import "os"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/asr/ingest"
import "github.com/courtscribe/courtscribe/transcript/sqlite"

// Replicas (issue 15, ingest ownership): servers on one PostgreSQL database that share the
// audio archive (one --data directory both mount) let one of them at a time write a hearing's
// audio. The replica an agent connects to takes the hearing's lease in the database
// (sqlite.Store.TakeLease) at the agent's hello and renews it while the agent stays connected;
// another replica refuses the agent (not_owner, naming the owner) until the lease has expired,
// so an agent given several --server URLs lands on the owner, or, when the owner died, on
// the next replica once the lease ran out. A hearing whose agent left is unloaded (files
// synced and closed) and its lease released, so that a replica taking it over later and this
// one reopening it later both start from what the archive holds.

// ReplicaConfig is --replica-name and --ingest-lease; it matters only with --db postgres://.
type ReplicaConfig struct {
	Name  string        // "": HOST:PORT, this host's name and the listen address's port
	Lease time.Duration // how long a hearing's ingest lease lasts without renewal
}

// DefaultReplicaConfig is a 10 s lease under the default name.
func DefaultReplicaConfig() ReplicaConfig { return ReplicaConfig{Lease: 10 * time.Second} }

// leaseAdmission wraps cfg.Admission so that an agent is admitted only on the replica that
// holds its hearing's lease; nil (and cfg untouched) unless the record is on PostgreSQL.
func (rc ReplicaConfig) leaseAdmission(cfg *ingest.Config, rec *Record, listen string) (*leaseAdmission, error) {
	if !sqlite.IsPostgresURL(rec.cfg.DB) {
		return nil, nil
	}
	if rc.Lease < time.Second {
		return nil, fmt.Errorf("--ingest-lease %v: want at least 1s", rc.Lease)
	}
	name := rc.Name
	if name == "" {
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(listen)
		name = host + ":" + port
	}
	la := &leaseAdmission{inner: cfg.Admission, store: rec.store, owner: name, ttl: rc.Lease,
		log: cfg.Logger.With("part", "lease", "replica", name), owned: map[string]bool{}, until: map[string]time.Time{}}
	cfg.Admission = la
	cfg.Fence = la.Fence
	la.log.Info("ingest leases in the database: one replica writes a hearing's audio at a time", "lease", rc.Lease)
	return la, nil
}

// leaseAdmission admits an agent to a hearing only on the replica holding its lease.
type leaseAdmission struct {
	inner ingest.Admission
	store *sqlite.Store
	owner string
	ttl   time.Duration
	log   *slog.Logger

	now func() time.Time // nil: time.Now (monotonic: a stalled process sees the time it lost)

	mu    sync.Mutex
	owned map[string]bool      // hearings whose lease this replica took
	until map[string]time.Time // when each lease ends by this process's clock, less the margin
}

// leaseMargin is how long before its lease ends a replica stops writing a hearing: the other
// replicas judge the lease by their own clocks, which may run that much ahead.
func (a *leaseAdmission) leaseMargin() time.Duration { return a.ttl / 10 }

func (a *leaseAdmission) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// held notes a lease taken or renewed by a call that started at t0: it ends no earlier than
// t0 + ttl (the database stamps it later), so this replica writes until then, less the margin.
func (a *leaseAdmission) held(hearing string, t0 time.Time) {
	a.mu.Lock()
	a.owned[hearing] = true
	a.until[hearing] = t0.Add(a.ttl - a.leaseMargin())
	a.mu.Unlock()
}

// Fence implements ingest.Config.Fence: a hearing whose lease this replica took may be written
// only until that lease ends by this process's clock (less the margin). A process that stalled
// (swapped out, SIGSTOP, a long pause) or lost the database past that point finds, when it
// runs again, that another replica may own the hearing: ingest abandons it without touching
// its files, and its agent is sent to the owner. A renewal that succeeds lifts the fence.
func (a *leaseAdmission) Fence(hearing string) error {
	a.mu.Lock()
	until, ok := a.until[hearing]
	a.mu.Unlock()
	if !ok {
		return nil // not a hearing this replica records under a lease
	}
	if now := a.clock(); !now.Before(until) {
		return fmt.Errorf("%w: the ingest lease of hearing %s ended on this replica %v ago (the process stalled or could not renew it); another replica may be writing it",
			ingest.ErrNotOwner, hearing, now.Sub(until).Round(time.Millisecond))
	}
	return nil
}

// AdmitHearing implements ingest.Admission.
func (a *leaseAdmission) AdmitHearing(ctx context.Context, courtroom, hearing string) error {
	if a.inner != nil {
		if err := a.inner.AdmitHearing(ctx, courtroom, hearing); err != nil {
			return err
		}
	}
	t0 := a.clock()
	l, err := a.store.TakeLease(ctx, hearing, a.owner, a.ttl)
	if err != nil {
		return fmt.Errorf("taking the ingest lease: %w", err)
	}
	if l.Owner != a.owner {
		return fmt.Errorf("%w: hearing %s is recorded by replica %s (its lease runs until %s; connect there, or here after that)",
			ingest.ErrNotOwner, hearing, l.Owner, l.Expires.UTC().Format(time.RFC3339))
	}
	a.mu.Lock()
	if !a.owned[hearing] {
		a.log.Info("took the hearing's ingest lease", "hearing", hearing, "until", l.Expires)
	}
	a.mu.Unlock()
	a.held(hearing, t0)
	return nil
}

// start renews the leases of hearings with a connected agent every quarter lease, and unloads
// and releases the others. The returned stop releases every lease still held (the archive is
// synced and closed by then: the ingest server closes before the mounted parts stop).
func (a *leaseAdmission) start(ing *ingest.Server) (stop func()) {
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(a.ttl / 4)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			a.tick(ing)
		}
	}()
	return func() {
		close(quit)
		<-done
		a.mu.Lock()
		held := a.owned
		a.owned = map[string]bool{}
		a.mu.Unlock()
		for h := range held {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := a.store.ReleaseLease(ctx, h, a.owner); err != nil {
				a.log.Warn("releasing an ingest lease at shutdown (it expires by itself)", "hearing", h, "err", err)
			}
			cancel()
		}
	}
}

func (a *leaseAdmission) tick(ing *ingest.Server) {
	connected := map[string]bool{}
	for _, h := range ing.Status().Hearings {
		if h.Connected {
			connected[h.Hearing] = true
			continue
		}
		ing.Unload(h.Hearing) // another replica may take it over: reopen from the archive later
	}
	for h := range connected { // renew (or take again, after a release raced with the attach)
		ctx, cancel := context.WithTimeout(context.Background(), a.ttl/4)
		t0 := a.clock()
		l, err := a.store.TakeLease(ctx, h, a.owner, a.ttl)
		cancel()
		switch {
		case err != nil:
			a.log.Warn("renewing an ingest lease", "hearing", h, "err", err)
		case l.Owner != a.owner:
			// The fence stops this replica writing at once; its agent goes to the owner.
			a.log.Error("another replica holds the ingest lease of a hearing whose agent is connected here; no more writes here", "hearing", h, "owner", l.Owner)
			a.mu.Lock()
			a.until[h] = t0
			a.mu.Unlock()
		default:
			a.held(h, t0)
		}
	}
	a.mu.Lock()
	var left []string
	for h := range a.owned {
		if !connected[h] {
			left = append(left, h)
		}
	}
	a.mu.Unlock()
	for _, h := range left {
		ctx, cancel := context.WithTimeout(context.Background(), a.ttl/4)
		err := a.store.ReleaseLease(ctx, h, a.owner)
		cancel()
		if err != nil {
			a.log.Warn("releasing an ingest lease", "hearing", h, "err", err)
			continue
		}
		a.mu.Lock()
		delete(a.owned, h)
		delete(a.until, h)
		a.mu.Unlock()
		a.log.Info("released the hearing's ingest lease (its agent left)", "hearing", h)
	}
}
