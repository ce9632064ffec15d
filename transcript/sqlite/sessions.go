package sqlite

import "context"
import "fmt"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript/auth"

// The store keeps the web sessions (auth.Persister), so a server restart does not sign
// anyone out. Session rows are not part of the hearing record and have no audit events.

var _ auth.Persister = (*Store)(nil)

// SaveSession implements auth.Persister.
func (s *Store) SaveSession(ctx context.Context, ss auth.StoredSession) error {
	if len(ss.TokenHash) != 64 {
		return fmt.Errorf("session: token hash of %d characters, want 64", len(ss.TokenHash))
	}
	return s.write(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO sessions(token_sha256, csrf, user_id, name, role, created_at, seen_at)
			VALUES(?,?,?,?,?,?,?) ON CONFLICT(token_sha256) DO UPDATE SET seen_at=excluded.seen_at`,
			ss.TokenHash, ss.CSRF, ss.UserID, ss.Name, ss.Role, ss.Created.UTC().Format(time.RFC3339Nano), ss.Seen.UTC().Format(time.RFC3339Nano))
		return err
	})
}

// TouchSession implements auth.SessionToucher: it updates the last use of a kept session and
// never inserts one.
func (s *Store) TouchSession(ctx context.Context, hash string, seen time.Time) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE sessions SET seen_at=? WHERE token_sha256=?`, seen.UTC().Format(time.RFC3339Nano), hash)
		return err
	})
}

// DeleteSessions implements auth.Persister.
func (s *Store) DeleteSessions(ctx context.Context, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	return s.write(ctx, func(t *tx) error {
		for len(hashes) > 0 {
			n := min(len(hashes), 500)
			args := make([]any, n)
			for i, h := range hashes[:n] {
				args[i] = h
			}
			if _, err := t.ExecContext(ctx, `DELETE FROM sessions WHERE token_sha256 IN (?`+strings.Repeat(",?", n-1)+`)`, args...); err != nil {
				return err
			}
			hashes = hashes[n:]
		}
		return nil
	})
}

// DeleteUserSessions implements auth.Persister.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=?`, userID)
		return err
	})
}

var _ auth.SessionLoader = (*Store)(nil)

// LoadSession implements auth.SessionLoader: replicas find the sessions other replicas created.
func (s *Store) LoadSession(ctx context.Context, hash string) (auth.StoredSession, bool, error) {
	all, err := s.loadSessions(ctx, ` WHERE token_sha256=?`, hash)
	if err != nil || len(all) == 0 {
		return auth.StoredSession{}, false, err
	}
	return all[0], true, nil
}

// LoadSessions implements auth.Persister.
func (s *Store) LoadSessions(ctx context.Context) ([]auth.StoredSession, error) {
	return s.loadSessions(ctx, "")
}

func (s *Store) loadSessions(ctx context.Context, where string, args ...any) ([]auth.StoredSession, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT token_sha256, csrf, user_id, name, role, created_at, seen_at FROM sessions`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.StoredSession
	for rows.Next() {
		var ss auth.StoredSession
		var created, seen string
		if err := rows.Scan(&ss.TokenHash, &ss.CSRF, &ss.UserID, &ss.Name, &ss.Role, &created, &seen); err != nil {
			return nil, err
		}
		if ss.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, fmt.Errorf("session row: created_at %q: %w", created, err)
		}
		if ss.Seen, err = time.Parse(time.RFC3339Nano, seen); err != nil {
			return nil, fmt.Errorf("session row: seen_at %q: %w", seen, err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}
