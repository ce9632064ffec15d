package sqlite

import "context"
import "database/sql"
import "strconv"
import "strings"

// The store speaks two SQL dialects through database/sql: SQLite (modernc.org/sqlite) and
// PostgreSQL (github.com/jackc/pgx/v5/stdlib). The queries are written once, in SQLite's
// form with ? placeholders; on PostgreSQL they are rebound to $1, $2 … and Go booleans
// (the integer 0/1 flag columns) are passed as integers. Everything else that differs is
// in this file, postgres.go and the two migration lists.

// dialect says which database the store talks to.
type dialect struct{ pg bool }

// q rebinds a query for the dialect.
func (d dialect) q(query string) string {
	if !d.pg {
		return query
	}
	return rebind(query)
}

// args converts arguments for the dialect: PostgreSQL keeps the flag columns as integers
// (as SQLite does), so booleans become 0 or 1.
func (d dialect) args(a []any) []any {
	if !d.pg {
		return a
	}
	var out []any
	for i, v := range a {
		if b, ok := v.(bool); ok {
			if out == nil {
				out = append([]any(nil), a...)
			}
			out[i] = int64(0)
			if b {
				out[i] = int64(1)
			}
		}
	}
	if out == nil {
		return a
	}
	return out
}

// rebind turns ? placeholders outside quoted strings and identifiers into $1, $2 ….
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(q) && q[i+1] == '-': // a comment runs to the end of the line
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
			continue
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// rdb is the readers' pool with the dialect's rebinding.
type rdb struct {
	*sql.DB
	d dialect
}

// QueryContext runs a query.
func (r *rdb) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.DB.QueryContext(ctx, r.d.q(q), r.d.args(args)...)
}

// QueryRowContext runs a one-row query.
func (r *rdb) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.DB.QueryRowContext(ctx, r.d.q(q), r.d.args(args)...)
}

// ExecContext runs a statement.
func (r *rdb) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.DB.ExecContext(ctx, r.d.q(q), r.d.args(args)...)
}

// BeginRead starts a read transaction that sees one consistent snapshot (SQLite's read
// transactions always do; PostgreSQL needs REPEATABLE READ for it).
func (r *rdb) BeginRead(ctx context.Context) (*rtx, error) {
	var opt *sql.TxOptions
	if r.d.pg {
		opt = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	t, err := r.BeginTx(ctx, opt)
	if err != nil {
		return nil, err
	}
	return &rtx{Tx: t, d: r.d}, nil
}

// rtx is a read transaction with the dialect's rebinding.
type rtx struct {
	*sql.Tx
	d dialect
}

// QueryContext runs a query.
func (r *rtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.Tx.QueryContext(ctx, r.d.q(q), r.d.args(args)...)
}

// QueryRowContext runs a one-row query.
func (r *rtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.Tx.QueryRowContext(ctx, r.d.q(q), r.d.args(args)...)
}
