package sqlite

import "bufio"
import "context"
import "database/sql"
import "encoding/json"
import "errors"
import "fmt"
import "os"
import "path/filepath"
import "strings"

import "github.com/courtscribe/courtscribe/transcript"

// The head log: after every commit the store appends each advanced chain's head (seq and
// hash) to DATA/heads/<chain>.log, a file beside the database. Someone who rewrites the
// database (a changed event with the chain recomputed, or a deleted tail with the rows to
// match) cannot make the chain agree with what was already published there; AuditHearing
// compares them. It is read before the audit's read transaction starts, so every line in it
// belongs to a commit the audit sees. The lines are not fsynced: after a crash the log may
// lag the database (harmless), never lead it. Exports and `transcript head` publish the head
// farther away.

// HeadsDir is the head log directory inside the data directory. A store on PostgreSQL keeps
// its log in a subdirectory named after the database (pgHeadDir): one data directory may see
// several databases (a migration, tests), and each database's chains are their own.
const HeadsDir = "heads"

// headLine is one line of a head log.
type headLine struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	At   string `json:"at"`
}

// headLogPath names the log of one chain: users.log for the users chain, hearing-<id>.log for
// a hearing (ids are wire.ValidID: no path separators).
func (s *Store) headLogPath(hearing string) string {
	name := "users.log"
	if hearing != "" {
		name = "hearing-" + hearing + ".log"
	}
	return filepath.Join(s.headDir, name)
}

// publishHeads appends the heads a commit advanced. Failures are logged: the commit stands.
func (s *Store) publishHeads(heads map[string]head, at string) {
	if s.headDir == "" || len(heads) == 0 {
		return
	}
	if err := os.MkdirAll(s.headDir, 0o700); err != nil {
		s.log.Error("head log: cannot create its directory", "err", err)
		return
	}
	for id, h := range heads {
		b, _ := json.Marshal(headLine{Seq: h.seq, Hash: h.hash, At: at})
		f, err := os.OpenFile(s.headLogPath(id), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			s.log.Error("head log: cannot publish a chain head", "hearing", id, "seq", h.seq, "err", err)
		}
	}
}

// readHeadLog returns the published heads of a chain (none when there is no log); a torn
// last line (a crash while appending) is skipped.
func (s *Store) readHeadLog(hearing string) ([]headLine, error) {
	if s.headDir == "" {
		return nil, nil
	}
	f, err := os.Open(s.headLogPath(hearing))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []headLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		var l headLine
		if json.Unmarshal([]byte(strings.TrimSpace(sc.Text())), &l) == nil && l.Seq > 0 && len(l.Hash) == 64 {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// checkHeadLog compares a chain with its published heads: the first disagreement is a
// problem.
func checkHeadLog(evs []transcript.Event, published []headLine) *transcript.AuditProblem {
	for _, l := range published {
		if l.Seq > int64(len(evs)) {
			return &transcript.AuditProblem{EventSeq: l.Seq, Message: fmt.Sprintf("the head log beside the database published event seq %d (hash %.16s…, at %s) but the chain ends at seq %d: events were removed (deleted tail) or the database was replaced by an older copy", l.Seq, l.Hash, l.At, len(evs))}
		}
		if e := evs[l.Seq-1]; e.Hash != l.Hash {
			return &transcript.AuditProblem{EventID: e.ID, EventSeq: e.Seq, Message: fmt.Sprintf("the chain at seq %d hashes to %.16s…, the head log beside the database published %.16s… at %s: the chain was rewritten", l.Seq, e.Hash, l.Hash, l.At)}
		}
	}
	return nil
}

// KeyHistory returns every user's registered public keys from the users chain (see
// transcript.KeyHistory); a signature is only vouched for with a key in it.
func (s *Store) KeyHistory(ctx context.Context) (transcript.KeyHistory, error) {
	evs, err := queryEvents(ctx, s.rdb, `hearing_id='' ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return transcript.KeyHistoryFromEvents(evs), nil
}

// FindHead reports whether a chain holds the published head (at its seq, or anywhere when
// h.Seq is 0), and the chain's current head.
func (s *Store) FindHead(ctx context.Context, hearing string, h transcript.ChainHead) (found bool, current transcript.ChainHead, err error) {
	err = s.rdb.QueryRowContext(ctx, `SELECT seq, hash FROM events WHERE hearing_id=? ORDER BY seq DESC LIMIT 1`, hearing).Scan(&current.Seq, &current.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, current, err
	}
	var n int
	q, args := `SELECT COUNT(*) FROM events WHERE hearing_id=? AND hash=?`, []any{hearing, h.Hash}
	if h.Seq > 0 {
		q, args = q+` AND seq=?`, append(args, h.Seq)
	}
	if err := s.rdb.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, current, err
	}
	return n > 0, current, nil
}
