package ingest

import "crypto/rand"
import "crypto/sha256"
import "crypto/subtle"
import "encoding/base64"
import "encoding/hex"
import "encoding/json"
import "errors"
import "fmt"
import "os"
import "path/filepath"
import "sync"
import "time"

import "github.com/courtscribe/courtscribe/capture/wire"
import "github.com/courtscribe/courtscribe/internal/atomicfile"

// TokenFile is the name of the agent token file inside the data directory.
const TokenFile = "agent-tokens.json"

// TokenRecord is one stored agent token. Only the SHA-256 of the token is kept; the token
// itself is shown once, when it is created.
type TokenRecord struct {
	ID        string     `json:"id"`
	Courtroom string     `json:"courtroom"`
	SHA256    string     `json:"sha256"`
	Created   time.Time  `json:"created"`
	Revoked   *time.Time `json:"revoked,omitempty"`
}

type tokenFile struct {
	Tokens []TokenRecord `json:"tokens"`
}

// Tokens is the agent token store of a data directory (DIR/agent-tokens.json, mode 0600,
// replaced atomically on every change). Authenticate reads the file on every call, so a token
// revoked by another process (courtscribe tokens revoke) is refused at the next handshake.
type Tokens struct {
	path string
	now  func() time.Time
	mu   sync.Mutex // serialises read-modify-write inside this process
}

// OpenTokens returns the token store of dataDir; the file need not exist yet.
func OpenTokens(dataDir string, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{path: filepath.Join(dataDir, TokenFile), now: now}
}

// Path is the token file's path.
func (t *Tokens) Path() string { return t.path }

func (t *Tokens) load() (*tokenFile, error) {
	b, err := os.ReadFile(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return &tokenFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f tokenFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("token file %s: %w", t.path, err)
	}
	return &f, nil
}

func (t *Tokens) save(f *tokenFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(t.path, append(b, '\n'), 0o600)
}

// Add creates a new random token (32 bytes, base64url) for courtroom, stores its hash and
// returns the token and its record.
func (t *Tokens) Add(courtroom string) (string, TokenRecord, error) {
	if !wire.ValidID(courtroom) {
		return "", TokenRecord{}, fmt.Errorf("courtroom %q is not a valid identifier (letters, digits, '.', '_', '-')", courtroom)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f, err := t.load()
	if err != nil {
		return "", TokenRecord{}, err
	}
	var raw [32]byte
	var id [6]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", TokenRecord{}, err
	}
	if _, err := rand.Read(id[:]); err != nil {
		return "", TokenRecord{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	rec := TokenRecord{ID: hex.EncodeToString(id[:]), Courtroom: courtroom, SHA256: hashToken(tok), Created: t.now().UTC()}
	f.Tokens = append(f.Tokens, rec)
	if err := t.save(f); err != nil {
		return "", TokenRecord{}, err
	}
	return tok, rec, nil
}

// List returns every token record, revoked ones included.
func (t *Tokens) List() ([]TokenRecord, error) {
	f, err := t.load()
	if err != nil {
		return nil, err
	}
	return f.Tokens, nil
}

// ErrNoToken is returned by Revoke for an unknown token id.
var ErrNoToken = errors.New("no such token")

// Revoke marks the token with the given id revoked. Revoking twice is not an error.
func (t *Tokens) Revoke(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, err := t.load()
	if err != nil {
		return err
	}
	for i := range f.Tokens {
		if f.Tokens[i].ID == id {
			if f.Tokens[i].Revoked == nil {
				now := t.now().UTC()
				f.Tokens[i].Revoked = &now
			}
			return t.save(f)
		}
	}
	return fmt.Errorf("%w: %q", ErrNoToken, id)
}

// Authenticate reports whether token is a valid, unrevoked token of courtroom. It reads the
// token file afresh and compares hashes in constant time.
func (t *Tokens) Authenticate(token, courtroom string) (bool, error) {
	if token == "" {
		return false, nil
	}
	f, err := t.load()
	if err != nil {
		return false, err
	}
	return f.valid(hashToken(token), courtroom), nil
}

// valid reports whether the token with SHA-256 sum (hex) is an unrevoked token of courtroom.
func (f *tokenFile) valid(sum, courtroom string) bool {
	want := []byte(sum)
	ok := 0
	for _, r := range f.Tokens {
		match := subtle.ConstantTimeCompare([]byte(r.SHA256), want)
		if r.Revoked == nil && r.Courtroom == courtroom {
			ok |= match
		}
	}
	return ok == 1
}

// stamp identifies a version of the token file cheaply (size and modification time; the file
// is replaced by rename, so a change also changes the inode's time).
func (t *Tokens) stamp() (int64, time.Time) {
	st, err := os.Stat(t.path)
	if err != nil {
		return -1, time.Time{}
	}
	return st.Size(), st.ModTime()
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// privateDir makes dir and its missing parents 0700 and tightens dir itself to 0700 whatever the
// umask and whatever an older version left: the archive is the court's record.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// writeFileAtomic makes path's directory (0700) if it is missing and replaces path through
// atomicfile: readers see the old or the new content, never a torn file.
func writeFileAtomic(path string, b []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, perm)
}
