package sqlite

import "context"
import "database/sql"
import "errors"
import "time"

// Ingest ownership leases (issue 15): replicas on one database share the audio archive (a data
// directory both mount), and a hearing's audio must be written by one of them at a time. The
// replica an agent connects to takes the hearing's lease; it renews it while the agent stays
// connected; another replica may take it only once it expired (its owner died or lost the
// agent). Every change is a write transaction, so on PostgreSQL it holds the write lock and
// replicas decide one after the other. The clock is the replicas' wall clock (keep them in
// NTP sync; the lease's length must exceed their skew by far).

// Lease is who writes a hearing's audio, until when.
type Lease struct {
	Hearing string
	Owner   string
	Expires time.Time
}

// TakeLease gives owner the hearing's lease for ttl from now when nobody holds it, owner
// already holds it (a renewal) or the holder's lease expired; otherwise it changes nothing.
// It returns the lease as it stands afterwards: Owner is owner when taken.
func (s *Store) TakeLease(ctx context.Context, hearing, owner string, ttl time.Duration) (Lease, error) {
	var out Lease
	err := s.write(ctx, func(t *tx) error {
		now := time.Now()
		var cur string
		var exp int64
		err := t.QueryRowContext(ctx, `SELECT owner, expires_ns FROM ingest_leases WHERE hearing_id=?`, hearing).Scan(&cur, &exp)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case cur != owner && exp > now.UnixNano():
			out = Lease{Hearing: hearing, Owner: cur, Expires: time.Unix(0, exp)}
			return nil
		}
		out = Lease{Hearing: hearing, Owner: owner, Expires: now.Add(ttl)}
		_, err = t.ExecContext(ctx, `INSERT INTO ingest_leases(hearing_id, owner, expires_ns) VALUES(?,?,?)
			ON CONFLICT(hearing_id) DO UPDATE SET owner=excluded.owner, expires_ns=excluded.expires_ns`, hearing, owner, out.Expires.UnixNano())
		return err
	})
	return out, err
}

// ReleaseLease ends owner's lease of the hearing (the agent finished, the replica drains), so
// another replica need not wait for it to expire. A lease someone else holds is left alone.
func (s *Store) ReleaseLease(ctx context.Context, hearing, owner string) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `DELETE FROM ingest_leases WHERE hearing_id=? AND owner=?`, hearing, owner)
		return err
	})
}
