package sqlite

import "context"
import "errors"
import "testing"

import "github.com/courtscribe/courtscribe/transcript"

// TestWeakPasswordsRefused: "password" was accepted as a password (issue 11, low). Common
// passwords (also with digits or symbols added at the end), the user's own name, one repeated
// character and keyboard or digit runs are refused on create and on change.
func TestWeakPasswordsRefused(t *testing.T) { testWeakPasswordsRefused(t, sqliteDB) }

func testWeakPasswordsRefused(t *testing.T, newDB backend) {
	ctx := context.Background()
	s, _ := openOn(t, newDB)
	for _, pw := range []string{"password", "Password1!", "PASSWORD123", "12345678", "87654321", "qwertyuiop", "iloveyou",
		"aaaaaaaaaa", "zhaoliu123", "ZhaoLiu2026", "courtscribe", "letmein99", "abcdefgh", "1q2w3e4r5t", "short"} {
		if _, err := s.CreateUser(ctx, "admin", "zhaoliu", transcript.RoleClerk, pw); !errors.Is(err, transcript.ErrInvalid) {
			t.Errorf("password %q: %v, want invalid", pw, err)
		}
	}
	must[*transcript.User](t)(s.CreateUser(ctx, "admin", "zhaoliu", transcript.RoleClerk, "correct-horse-1"))
	if err := s.SetPassword(ctx, "zhaoliu", "zhaoliu", "correct-horse-1", "password1"); !errors.Is(err, transcript.ErrInvalid) {
		t.Errorf("changing to password1: %v", err)
	}
	for _, pw := range []string{"demo-clerk", "pw-admin", "judge-password", "法庭记录员二〇二六"} {
		if err := transcript.CheckPasswordStrength("zhaoliu", pw); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
}
