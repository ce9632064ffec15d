package sqlite

import "context"
import "fmt"
import "strings"

import "github.com/courtscribe/courtscribe/transcript"

// copyTables are the record's tables in an order that keeps references valid. Rows are copied
// as they are, ids included: events name their segments and notes by id, and those ids are in
// the hashed events, so the chains stay the same chains.
var copyTables = []string{"hearings", "users", "segments", "notes", "corrections", "audio_files", "versions", "events", "sessions"}

// serialTables have an id from a sequence (PostgreSQL) that must continue after the copy.
var serialTables = []string{"segments", "notes", "corrections", "events"}

// CopyReport says what CopyRecord copied and that the copy's chains end where the source's do.
type CopyReport struct {
	Rows  map[string]int64                `json:"rows"`  // rows per table
	Heads map[string]transcript.ChainHead `json:"heads"` // chain heads by hearing ("" the users chain)
}

// CopyRecord copies the whole record of the store from into the empty store to (another
// database, either dialect), in one transaction of to: every hearing with its segments, notes,
// corrections, audio list, versions with their signatures and reviews, the event history of
// every chain, users with their keys, and the web sessions. It reads from one snapshot of
// from; nothing must write to it meanwhile (stop the server). Then it checks that every chain
// of the copy ends at the same head as the source's (AuditHearing is the caller's next step).
func CopyRecord(ctx context.Context, from, to *Store) (*CopyReport, error) {
	rtx, err := from.rdb.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	rep := &CopyReport{Rows: map[string]int64{}, Heads: map[string]transcript.ChainHead{}}
	err = to.write(ctx, func(t *tx) error { return copyAll(ctx, rtx, t, rep) })
	if err != nil {
		return nil, err
	}
	// The heads of the source and the copy. (One query at a time: a PostgreSQL connection
	// cannot read two result sets at once.)
	last, err := lastSeqs(ctx, rtx)
	if err != nil {
		return nil, err
	}
	for id, seq := range last {
		h, err := sameHead(ctx, rtx, to, id, seq)
		if err != nil {
			return nil, err
		}
		rep.Heads[id] = h
	}
	return rep, nil
}

// copyAll copies every table into the empty destination and continues its id sequences.
func copyAll(ctx context.Context, src *rtx, t *tx, rep *CopyReport) error {
	for _, table := range []string{"hearings", "users", "events"} {
		var n int64
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return transcript.Statef("the destination already holds a record (%d rows in %s): copy into an empty database", n, table)
		}
	}
	for _, table := range copyTables {
		n, err := copyTable(ctx, src, t, table)
		if err != nil {
			return fmt.Errorf("copying %s: %w", table, err)
		}
		rep.Rows[table] = n
	}
	if !t.s.dl.pg {
		return nil
	}
	for _, table := range serialTables {
		if _, err := t.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`','id'), COALESCE((SELECT MAX(id) FROM `+table+`),0)+1, false)`); err != nil {
			return err
		}
	}
	return nil
}

// lastSeqs is the last seq of every chain of the source.
func lastSeqs(ctx context.Context, src *rtx) (map[string]int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT hearing_id, MAX(seq) FROM events GROUP BY hearing_id ORDER BY hearing_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[string]int64{}
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, err
		}
		last[id] = seq
	}
	return last, rows.Err()
}

// sameHead checks that the copy's chain id ends where the source's does (at seq).
func sameHead(ctx context.Context, src *rtx, to *Store, id string, seq int64) (transcript.ChainHead, error) {
	var h transcript.ChainHead
	if err := src.QueryRowContext(ctx, `SELECT seq, hash FROM events WHERE hearing_id=? AND seq=?`, id, seq).Scan(&h.Seq, &h.Hash); err != nil {
		return h, err
	}
	found, cur, err := to.FindHead(ctx, id, h)
	if err != nil {
		return h, err
	}
	if !found || cur != h {
		return h, fmt.Errorf("chain %q: the copy ends at %s, the source at %s", id, cur, h)
	}
	return h, nil
}

// copyTable copies one table's rows by column name.
func copyTable(ctx context.Context, src *rtx, t *tx, table string) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	q := `INSERT INTO ` + table + `(` + strings.Join(cols, ", ") + `) VALUES(?` + strings.Repeat(",?", len(cols)-1) + `)`
	var n int64
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if _, err := t.ExecContext(ctx, q, vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
