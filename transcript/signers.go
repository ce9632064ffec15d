package transcript

import "bufio"
import "bytes"
import "crypto/ed25519"
import "encoding/json"
import "errors"
import "fmt"
import "strings"
import "time"

// Key pinning: a signature names its signer (a user name) and carries its public key; it is
// only worth something if that key is one the signer registered. The users chain (events of
// hearing "") records every user's public key, so it holds each signer's key history: a key
// counts from the event that registered it until the event that replaced it. The same check
// applies to every signer (presiding judge, other judges, a clerk), whatever their role.

// RegisteredKey is one public key registered for a user, in force from From until Until
// (zero: still in force). Keys from a trusted key file have zero From and Until.
type RegisteredKey struct {
	PublicKey ed25519.PublicKey
	From      time.Time
	Until     time.Time
}

// KeyHistory maps a user name to the keys registered for it, oldest first.
type KeyHistory map[string][]RegisteredKey

// ErrUnvouched is wrapped by Vouch when no registered key of the signer made the signature.
var ErrUnvouched = errors.New("signature key not registered for the signer")

// KeyHistoryFromEvents reads the key history from the users chain (events whose After is a
// User, in chain order).
func KeyHistoryFromEvents(evs []Event) KeyHistory {
	k := KeyHistory{}
	for i := range evs {
		var u User
		if len(evs[i].After) == 0 || json.Unmarshal(evs[i].After, &u) != nil || u.Name == "" || len(u.PublicKey) != ed25519.PublicKeySize {
			continue
		}
		ks := k[u.Name]
		if n := len(ks); n > 0 && bytes.Equal(ks[n-1].PublicKey, u.PublicKey) {
			continue
		}
		if n := len(ks); n > 0 {
			ks[n-1].Until = evs[i].At
		}
		k[u.Name] = append(ks, RegisteredKey{PublicKey: ed25519.PublicKey(u.PublicKey), From: evs[i].At})
	}
	return k
}

// Vouch checks that the signature's key is one registered for its signer and in force when
// it was signed. It does not check the signature itself (VerifyPinned does both).
func (k KeyHistory) Vouch(s *Signature) error {
	pub, err := decodeKey(s.PublicKey)
	if err != nil {
		return err
	}
	fp := KeyFingerprint(pub)
	for _, rk := range k[s.Signer] {
		if !bytes.Equal(rk.PublicKey, pub) {
			continue
		}
		if !rk.From.IsZero() && s.SignedAt.Before(rk.From) {
			return fmt.Errorf("%w: key %s of %s was registered at %s, after the signature's time %s", ErrUnvouched, fp, s.Signer, EventTime(rk.From), EventTime(s.SignedAt))
		}
		if !rk.Until.IsZero() && !s.SignedAt.Before(rk.Until) {
			return fmt.Errorf("%w: key %s of %s was replaced at %s, before the signature's time %s", ErrUnvouched, fp, s.Signer, EventTime(rk.Until), EventTime(s.SignedAt))
		}
		return nil
	}
	return fmt.Errorf("%w: the signature's key %s is not a key registered for %s", ErrUnvouched, fp, s.Signer)
}

// VerifyPinned verifies a signature over versionHash with the key the history vouches for.
func VerifyPinned(s *Signature, versionHash string, keys KeyHistory) error {
	if err := keys.Vouch(s); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	pub, _ := decodeKey(s.PublicKey)
	return VerifySignature(s, versionHash, pub)
}

// ParseKeyFile reads a trusted key file: one "NAME BASE64KEY" per line (what
// `courtscribe transcript keys` prints), blank lines and lines starting with # ignored. A
// name may appear several times (a key history).
func ParseKeyFile(b []byte) (KeyHistory, error) {
	k := KeyHistory{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("key file line %d: want NAME KEY", n)
		}
		pub, err := decodeKey(f[1])
		if err != nil {
			return nil, fmt.Errorf("key file line %d: %w", n, err)
		}
		k[f[0]] = append(k[f[0]], RegisteredKey{PublicKey: pub})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return k, nil
}

// ChainHead is a published position of a hash chain: the hash of event Seq.
type ChainHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String is the form `transcript head` prints and `audit --expect-head` reads: SEQ:HASH.
func (h ChainHead) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// ParseChainHead reads SEQ:HASH or a bare HASH (Seq 0: any position).
func ParseChainHead(s string) (ChainHead, error) {
	s = strings.TrimSpace(s)
	var h ChainHead
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if _, err := fmt.Sscanf(s[:i], "%d", &h.Seq); err != nil || h.Seq < 1 {
			return h, fmt.Errorf("chain head %q: want SEQ:HASH", s)
		}
		s = s[i+1:]
	}
	if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return h, fmt.Errorf("chain head: %q is not a hex SHA-256", s)
	}
	h.Hash = s
	return h, nil
}
