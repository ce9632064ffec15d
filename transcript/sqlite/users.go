package sqlite

import "context"
import "crypto/ed25519"
import "database/sql"
import "errors"
import "fmt"
import "strings"
import "unicode/utf8"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/transcript"

// dummyHash is checked when a user does not exist, so a wrong name costs as much time as a
// wrong password (same argon2 parameters as real hashes).
func (s *Store) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = transcript.HashPassword("courtscribe-dummy", s.argon) })
	return s.dummy
}

func checkPassword(user, pw string) error { return transcript.CheckPasswordStrength(user, pw) }

// CreateUser implements transcript.Users.
func (s *Store) CreateUser(ctx context.Context, actor, name string, role transcript.Role, password string) (*transcript.User, error) {
	if !wire.ValidID(name) {
		return nil, transcript.Invalidf("user name %q: letters, digits, '.', '_', '-' only", name)
	}
	if !role.Valid() {
		return nil, transcript.Invalidf("role %q: one of admin, technician, clerk, judge, viewer", role)
	}
	if err := checkPassword(name, password); err != nil {
		return nil, err
	}
	hash, err := transcript.HashPassword(password, s.argon)
	if err != nil {
		return nil, err
	}
	u := &transcript.User{Name: name, Role: role}
	var sealed transcript.SealedKey
	if role == transcript.RoleJudge || role == transcript.RoleClerk { // clerks sign the record too
		var pub ed25519.PublicKey
		if pub, sealed, err = transcript.NewJudgeKey(password, s.argon); err != nil {
			return nil, err
		}
		u.PublicKey = pub
	}
	err = s.write(ctx, func(t *tx) error {
		var n int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE name=?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("user %s: %w", name, transcript.ErrExists)
		}
		u.CreatedAt = t.now
		if _, err := t.ExecContext(ctx, `INSERT INTO users(name, role, password_hash, public_key, sealed_key, created_at) VALUES(?,?,?,?,?,?)`,
			name, string(role), hash, nullBytes(u.PublicKey), string(sealed), fmtTime(u.CreatedAt)); err != nil {
			return err
		}
		_, err := t.appendEvent(ctx, transcript.Event{Kind: transcript.EventUserCreated, Actor: actor, After: mustJSON(u)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

const userCols = `name, display_name, role, disabled, public_key, created_at`

func scanUser(r scanner) (*transcript.User, error) {
	var u transcript.User
	var role, at string
	if err := r.Scan(&u.Name, &u.DisplayName, &role, &u.Disabled, &u.PublicKey, &at); err != nil {
		return nil, err
	}
	u.Role, u.CreatedAt = transcript.Role(role), parseTime(at)
	return &u, nil
}

func getUser(ctx context.Context, q querier, name string) (*transcript.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name=?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %s: %w", name, transcript.ErrNotFound)
	}
	return u, err
}

// GetUser implements transcript.Users.
func (s *Store) GetUser(ctx context.Context, name string) (*transcript.User, error) {
	return getUser(ctx, s.rdb, name)
}

// ListUsers implements transcript.Users.
func (s *Store) ListUsers(ctx context.Context) ([]transcript.User, error) {
	return queryRows(ctx, s.rdb, scanUser, `SELECT `+userCols+` FROM users ORDER BY name`)
}

// Authenticate implements transcript.Users.
func (s *Store) Authenticate(ctx context.Context, name, password string) (*transcript.User, error) {
	var hash string
	var disabled bool
	err := s.rdb.QueryRowContext(ctx, `SELECT password_hash, disabled FROM users WHERE name=?`, name).Scan(&hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		// The dummy check only spends the time a real one takes, so an unknown name is not
		// told apart by timing; its answer means nothing.
		_, _ = transcript.CheckPassword(s.dummyHash(), password)
		return nil, transcript.ErrAuth
	}
	if err != nil {
		return nil, err
	}
	ok, err := transcript.CheckPassword(hash, password)
	if err != nil || !ok || disabled {
		return nil, transcript.ErrAuth
	}
	return getUser(ctx, s.rdb, name)
}

// SetPassword implements transcript.Users.
func (s *Store) SetPassword(ctx context.Context, actor, name, oldPassword, newPassword string) error {
	if err := checkPassword(name, newPassword); err != nil {
		return err
	}
	var sealed string
	err := s.rdb.QueryRowContext(ctx, `SELECT sealed_key FROM users WHERE name=?`, name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("user %s: %w", name, transcript.ErrNotFound)
	}
	if err != nil {
		return err
	}
	var resealed transcript.SealedKey
	if sealed != "" {
		priv, err := transcript.SealedKey(sealed).Open(oldPassword)
		if err != nil {
			return fmt.Errorf("the signing key of %s needs the old password: %w", name, err)
		}
		if resealed, err = transcript.SealKey(priv, newPassword, s.argon); err != nil {
			return err
		}
	}
	hash, err := transcript.HashPassword(newPassword, s.argon)
	if err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		var cur string
		if err := t.QueryRowContext(ctx, `SELECT sealed_key FROM users WHERE name=?`, name).Scan(&cur); err != nil {
			return err
		}
		if cur != sealed {
			return fmt.Errorf("%w: the key of %s changed meanwhile", transcript.ErrConflict, name)
		}
		if _, err := t.ExecContext(ctx, `UPDATE users SET password_hash=?, sealed_key=? WHERE name=?`, hash, string(resealed), name); err != nil {
			return err
		}
		// A new password ends every web session of the user (a running server drops them from
		// memory at its next session sync).
		if _, err := t.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=?`, name); err != nil {
			return err
		}
		return t.userChanged(ctx, actor, name, "password changed")
	})
}

// SetDisplayName implements transcript.Users.
func (s *Store) SetDisplayName(ctx context.Context, actor, name, display string) error {
	display = strings.TrimSpace(display)
	if len(display) > 128 || !utf8.ValidString(display) || strings.ContainsAny(display, "\n\r\t") {
		return transcript.Invalidf("display name: one line of at most 128 bytes")
	}
	return s.write(ctx, func(t *tx) error {
		if err := t.setUserColumn(ctx, name, "display_name", display); err != nil {
			return err
		}
		return t.userChanged(ctx, actor, name, "display name changed")
	})
}

// SetDisabled implements transcript.Users.
func (s *Store) SetDisabled(ctx context.Context, actor, name string, disabled bool) error {
	return s.write(ctx, func(t *tx) error {
		if err := t.setUserColumn(ctx, name, "disabled", disabled); err != nil {
			return err
		}
		reason := "enabled"
		if disabled {
			reason = "disabled"
			if _, err := t.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=?`, name); err != nil {
				return err
			}
		}
		return t.userChanged(ctx, actor, name, reason)
	})
}

// setUserColumn sets one column (a constant of this package, never input) of user name's row.
func (t *tx) setUserColumn(ctx context.Context, name, column string, v any) error {
	res, err := t.ExecContext(ctx, `UPDATE users SET `+column+`=? WHERE name=?`, v, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", name, transcript.ErrNotFound)
	}
	return nil
}

// userChanged puts user name's row as it now stands on the audit chain, with the reason.
func (t *tx) userChanged(ctx context.Context, actor, name, reason string) error {
	u, err := getUser(ctx, t, name)
	if err != nil {
		return err
	}
	_, err = t.appendEvent(ctx, transcript.Event{Kind: transcript.EventUserChanged, Actor: actor, Reason: reason, After: mustJSON(u)})
	return err
}
