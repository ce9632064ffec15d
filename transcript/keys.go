package transcript

import "crypto/ed25519"
import "crypto/rand"
import "crypto/sha256"
import "crypto/subtle"
import "encoding/base64"
import "encoding/hex"
import "errors"
import "fmt"
import "strings"
import "time"

import "golang.org/x/crypto/argon2"
import "golang.org/x/crypto/chacha20poly1305"

// Argon2Params are the argon2id parameters for password hashes and key encryption keys.
type Argon2Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 follows RFC 9106's second recommended option (t=3, m=64 MiB, p=4).
var DefaultArgon2 = Argon2Params{Time: 3, Memory: 64 * 1024, Threads: 4}

// sane bounds parameters read from storage, so a damaged hash cannot ask for 4 TiB of memory.
func (p Argon2Params) sane() bool {
	return p.Time >= 1 && p.Time <= 64 && p.Threads >= 1 && p.Memory >= 8*uint32(p.Threads) && p.Memory <= 4<<20
}

// TestArgon2 is a fast setting for tests and benchmarks only.
var TestArgon2 = Argon2Params{Time: 1, Memory: 1024, Threads: 1}

// MinPasswordLen is the shortest accepted password.
const MinPasswordLen = 8

// HashPassword returns an encoded argon2id hash:
// "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" (base64 raw std, PHC string format).
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword compares a password with an encoded argon2id hash in constant time.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("password hash: unsupported version")
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errors.New("password hash: bad parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 || !p.sane() {
		return false, errors.New("password hash: malformed")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// SealedKey is a judge's Ed25519 private key encrypted at rest: XChaCha20-Poly1305 under a
// key derived from the judge's password with argon2id. Encoded as
// "v1$m=M,t=T,p=P$SALT$NONCE$CIPHERTEXT" (base64 raw std).
type SealedKey string

// NewJudgeKey makes a key pair and seals the private key with the password.
func NewJudgeKey(password string, p Argon2Params) (ed25519.PublicKey, SealedKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	sealed, err := SealKey(priv, password, p)
	return pub, sealed, err
}

// SealKey encrypts a private key (its 32-byte seed) with the password.
func SealKey(priv ed25519.PrivateKey, password string, p Argon2Params) (SealedKey, error) {
	salt := make([]byte, 16)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	kek := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, chacha20poly1305.KeySize)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return "", err
	}
	ct := aead.Seal(nil, nonce, priv.Seed(), []byte("courtscribe-judge-key-v1"))
	e := base64.RawStdEncoding.EncodeToString
	return SealedKey(fmt.Sprintf("v1$m=%d,t=%d,p=%d$%s$%s$%s", p.Memory, p.Time, p.Threads, e(salt), e(nonce), e(ct))), nil
}

// Open decrypts the private key. A wrong password gives ErrAuth.
func (k SealedKey) Open(password string) (ed25519.PrivateKey, error) {
	parts := strings.Split(string(k), "$")
	if len(parts) != 5 || parts[0] != "v1" {
		return nil, errors.New("sealed key: malformed")
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || !p.sane() {
		return nil, errors.New("sealed key: bad parameters")
	}
	d := base64.RawStdEncoding.DecodeString
	salt, err1 := d(parts[2])
	nonce, err2 := d(parts[3])
	ct, err3 := d(parts[4])
	if err1 != nil || err2 != nil || err3 != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, errors.New("sealed key: malformed")
	}
	kek := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, chacha20poly1305.KeySize)
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, err
	}
	seed, err := aead.Open(nil, nonce, ct, []byte("courtscribe-judge-key-v1"))
	if err != nil {
		return nil, ErrAuth
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("sealed key: bad seed length")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewSignature signs a version hash of a hearing with the judge's private key.
func NewSignature(priv ed25519.PrivateKey, signer, signerName, hearingID string, version int, versionHash string, at time.Time) (*Signature, error) {
	s := &Signature{
		Algorithm:   "ed25519",
		Signer:      signer,
		SignerName:  signerName,
		HearingID:   hearingID,
		Version:     version,
		VersionHash: versionHash,
		SignedAt:    normTime(at),
		PublicKey:   encodeKey(priv.Public().(ed25519.PublicKey)),
	}
	msg, err := SignedMessage(s)
	if err != nil {
		return nil, err
	}
	s.Value = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))
	return s, nil
}

// NewRoleSignature signs as NewSignature does, naming the signer's role, key fingerprint and
// the hash of the parties' reviews the signer saw.
func NewRoleSignature(priv ed25519.PrivateKey, signer, signerName, role, hearingID string, version int, versionHash, reviewsHash string, at time.Time) (*Signature, error) {
	pub := priv.Public().(ed25519.PublicKey)
	s := &Signature{Algorithm: "ed25519", Signer: signer, SignerName: signerName, Role: role, KeyFingerprint: KeyFingerprint(pub),
		ReviewsHash: reviewsHash, HearingID: hearingID, Version: version, VersionHash: versionHash, SignedAt: normTime(at), PublicKey: encodeKey(pub)}
	msg, err := SignedMessage(s)
	if err != nil {
		return nil, err
	}
	s.Value = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg))
	return s, nil
}

// KeyFingerprint is the hex SHA-256 of an Ed25519 public key.
func KeyFingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

func encodeKey(pub []byte) string { return base64.StdEncoding.EncodeToString(pub) }

// EncodePublicKey returns the base64 form used in signature blocks and --pubkey files.
func EncodePublicKey(pub ed25519.PublicKey) string { return encodeKey(pub) }

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func decodeKey(s string) (ed25519.PublicKey, error) {
	b, err := decodeB64(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key: not a base64 Ed25519 key")
	}
	return ed25519.PublicKey(b), nil
}

// ParsePublicKey reads a public key: base64 of the 32 raw bytes (what `users pubkey` prints),
// with optional surrounding white space.
func ParsePublicKey(s string) (ed25519.PublicKey, error) { return decodeKey(s) }
