package sqlite

import "context"
import "crypto/sha256"
import "encoding/hex"
import "math/rand/v2"
import "strings"
import "time"

import "github.com/courtscribe/courtscribe/transcript/auth"

// Sign-in limits shared by replicas: the login guard's token buckets and known desks
// (auth.Buckets) in table login_buckets. Every update is a write transaction, so on
// PostgreSQL it holds the write lock and replicas count one after the other. The rows are not
// part of the hearing record (no events; db migrate does not copy them).

var _ auth.Buckets = (*Store)(nil)

// bucketsKeep is how long an untouched bucket is kept: a sign-in bucket is full again within
// minutes, a known desk counts for 30 days.
const bucketsKeep = 31 * 24 * time.Hour

// LoginBuckets returns the store as the login guard's shared buckets on PostgreSQL, where
// replicas share the database, and nil on SQLite (one process: its memory is enough).
func (s *Store) LoginBuckets() auth.Buckets {
	if s.dl.pg {
		return s
	}
	return nil
}

// UpdateBuckets implements auth.Buckets.
func (s *Store) UpdateBuckets(ctx context.Context, keys []string, fn func(b []auth.Bucket)) error {
	if len(keys) == 0 {
		return nil
	}
	return s.write(ctx, func(t *tx) error {
		// Keys are stored as their SHA-256: a user name typed at the login form may hold bytes
		// PostgreSQL text refuses (NUL, invalid UTF-8), and the guard joins keys with NUL.
		hashed := make([]string, len(keys))
		args := make([]any, len(keys))
		for i, k := range keys {
			h := sha256.Sum256([]byte(k))
			hashed[i] = hex.EncodeToString(h[:])
			args[i] = hashed[i]
		}
		rows, err := t.QueryContext(ctx, `SELECT key, tokens, last_ns FROM login_buckets WHERE key IN (?`+strings.Repeat(",?", len(keys)-1)+`)`, args...)
		if err != nil {
			return err
		}
		got := map[string]auth.Bucket{}
		for rows.Next() {
			var b auth.Bucket
			var ns int64
			if err := rows.Scan(&b.Key, &b.Tokens, &ns); err != nil {
				rows.Close()
				return err
			}
			b.Last, b.Found = time.Unix(0, ns), true
			got[b.Key] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		bs := make([]auth.Bucket, len(keys))
		for i, k := range keys {
			bs[i] = got[hashed[i]]
			bs[i].Key = k
		}
		before := append([]auth.Bucket(nil), bs...)
		fn(bs)
		for i, b := range bs {
			if b.Found == before[i].Found && b.Tokens == before[i].Tokens && b.Last.Equal(before[i].Last) {
				continue
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO login_buckets(key, tokens, last_ns) VALUES(?,?,?)
				ON CONFLICT(key) DO UPDATE SET tokens=excluded.tokens, last_ns=excluded.last_ns`, hashed[i], b.Tokens, b.Last.UnixNano()); err != nil {
				return err
			}
		}
		if rand.IntN(64) == 0 { // now and then, forget buckets untouched for long
			_, err := t.ExecContext(ctx, `DELETE FROM login_buckets WHERE last_ns<?`, t.now.Add(-bucketsKeep).UnixNano())
			return err
		}
		return nil
	})
}
