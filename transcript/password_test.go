package transcript

import "errors"
import "testing"
import "unicode/utf8"

// FuzzCheckPasswordStrength: any user and password give nil or an ErrInvalid, never a panic;
// nothing shorter than MinPasswordLen passes, nor the user's own name.
func FuzzCheckPasswordStrength(f *testing.F) {
	f.Add("zhaoliu", "password")
	f.Add("a", "correct-horse-1")
	f.Add("", "\xff\xfe12345678")
	f.Fuzz(func(t *testing.T, user, pw string) {
		err := CheckPasswordStrength(user, pw)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("%q: %v is not ErrInvalid", pw, err)
		}
		if err == nil && (utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 1024) {
			t.Fatalf("%q accepted", pw)
		}
		if err == nil && user != "" && pw == user {
			t.Fatalf("the user name %q accepted as its password", pw)
		}
	})
}
