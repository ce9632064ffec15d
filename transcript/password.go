package transcript

import "strings"
import "unicode"
import "unicode/utf8"

// commonPasswords are the stems of the most used passwords (lists of leaked passwords agree
// on them) and the words anyone would try first here. A password whose lower-case form,
// without digits and symbols at its ends, is one of them is refused.
var commonPasswords = wordSet(`password passwort passw0rd p@ssword p@ssw0rd pass qwerty qwertz azerty
	qwertyuiop asdfgh asdfghjkl zxcvbnm letmein welcome admin administrator root user login
	iloveyou monkey dragon football baseball soccer hockey sunshine princess shadow master
	superman batman trustno abc abcd abcdef abcdefg abcdefgh secret changeme default guest
	test testing hello freedom whatever starwars ninja mustang michael charlie jordan
	courtscribe court courtroom judge clerk viewer technician hearing record transcript
	zaq xsw qazwsx qazxsw passport computer internet samsung google`)

// wordSet is the set of the blank-separated words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(s) {
		set[w] = true
	}
	return set
}

// CheckPasswordStrength refuses passwords anyone would guess first: shorter than
// MinPasswordLen, a common password (also with digits or symbols added at either end: "Password1!"),
// the user's own name (so too), one repeated character, or a run of digits, letters or
// keyboard keys ("12345678", "abcdefgh", "1q2w3e4r"). It is an ErrInvalid error naming why.
func CheckPasswordStrength(user, pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return Invalidf("password shorter than %d characters", MinPasswordLen)
	}
	if len(pw) > 1024 {
		return Invalidf("password longer than 1024 bytes")
	}
	low := strings.ToLower(pw)
	stem := strings.TrimFunc(low, func(r rune) bool { return !unicode.IsLetter(r) })
	if commonPasswords[stem] || commonPasswords[low] {
		return Invalidf("password is one of the most common passwords")
	}
	if u := strings.ToLower(user); u != "" && (stem == u || low == u) {
		return Invalidf("password is the user name")
	}
	rs := []rune(low)
	same, up, down := true, true, true
	for i := 1; i < len(rs); i++ {
		same = same && rs[i] == rs[0]
		up = up && rs[i] == rs[i-1]+1
		down = down && rs[i] == rs[i-1]-1
	}
	switch {
	case same:
		return Invalidf("password is one character repeated")
	case up || down || isKeyboardRun(low):
		return Invalidf("password is a run of keys, letters or digits")
	}
	return nil
}

// keyboardRows are runs of neighbouring keys, and the column walk "1q2w3e4r…".
var keyboardRows = []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1q2w3e4r5t6y7u8i9o0p", "1qaz2wsx3edc4rfv5tgb6yhn"}

func isKeyboardRun(s string) bool {
	for _, row := range keyboardRows {
		if strings.Contains(row, s) || strings.Contains(reverse(row), s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
