package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/courtscribe/courtscribe/asr/ingest"
	"github.com/courtscribe/courtscribe/transcript/sqlite"
)

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
		log: cfg.Logger.With("part", "lease", "replica", name), owned: map[string]bool{}}
	cfg.Admission = la
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

	mu    sync.Mutex
	owned map[string]bool // hearings whose lease this replica took
}

// AdmitHearing implements ingest.Admission.
func (a *leaseAdmission) AdmitHearing(ctx context.Context, courtroom, hearing string) error {
	if a.inner != nil {
		if err := a.inner.AdmitHearing(ctx, courtroom, hearing); err != nil {
			return err
		}
	}
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
	a.owned[hearing] = true
	a.mu.Unlock()
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
		l, err := a.store.TakeLease(ctx, h, a.owner, a.ttl)
		cancel()
		switch {
		case err != nil:
			a.log.Warn("renewing an ingest lease", "hearing", h, "err", err)
		case l.Owner != a.owner:
			a.log.Error("another replica holds the ingest lease of a hearing whose agent is connected here", "hearing", h, "owner", l.Owner)
		default:
			a.mu.Lock()
			a.owned[h] = true
			a.mu.Unlock()
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
		a.mu.Unlock()
		a.log.Info("released the hearing's ingest lease (its agent left)", "hearing", h)
	}
}
