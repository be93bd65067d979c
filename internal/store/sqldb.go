package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// DB is the Store on database/sql: one pool for writes and one for reads (the same pool
// where the database needs no split), and the dialect.
type DB struct {
	write, read *sql.DB
	d           dialect
	// readOpts begins read transactions: one snapshot for every read inside fn.
	readOpts *sql.TxOptions
	// writeStmts and readStmts keep each pool's statements prepared (SQLite, whose driver
	// otherwise parses every statement anew); nil where the driver caches them itself (pgx).
	writeStmts, readStmts *stmtCache
	// alerting keeps what ingestion reads between write transactions (alerting_cache.go);
	// nil where other writers may change it meanwhile (PostgreSQL).
	alerting *alertingCache
}

var _ Store = (*DB)(nil)

func (s *DB) UpdatePolicy(ctx context.Context, fn func(Tx) error) (Commit, error) {
	var c Commit
	err := s.run(ctx, s.write, s.writeStmts, nil, &sqlTx{write: true, recording: true}, func(t *sqlTx) error {
		err := fn(t)
		c.changes = t.changes
		if err != nil {
			return err
		}
		c.Gen = t.gen
		if len(t.changes) > 0 {
			c.Gen, err = t.bumpGeneration()
		}
		return err
	})
	return c, err
}

func (s *DB) Update(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.write, s.writeStmts, nil, &sqlTx{write: true}, func(t *sqlTx) error { return fn(t) })
}

func (s *DB) View(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.read, s.readStmts, s.readOpts, &sqlTx{}, func(t *sqlTx) error { return fn(t) })
}

// run begins a transaction on db for t and commits it unless fn fails. The statements t
// ran that stmts did not hold yet are prepared afterwards, once the transaction has given
// its connection back.
func (s *DB) run(ctx context.Context, db *sql.DB, stmts *stmtCache, opts *sql.TxOptions, t *sqlTx, fn func(*sqlTx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	t.ctx, t.tx, t.d, t.stmts = ctx, tx, s.d, stmts
	if t.write {
		t.alerting = s.alerting
	}
	defer func() { stmts.prepareLater(db, t.missed) }()
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *DB) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.read.QueryRowContext(ctx, `SELECT gen FROM policy_state WHERE id = 1`).Scan(&g)
	return g, err
}

func (s *DB) Close() error {
	errs := []error{s.writeStmts.close(), s.readStmts.close()}
	if s.read == s.write {
		return errors.Join(append(errs, s.write.Close())...)
	}
	return errors.Join(append(errs, s.read.Close(), s.write.Close())...)
}

// sqlTx implements Tx on one database/sql transaction. Its SQL writers (sql.go) are
// unexported; the Tx methods that change the policy (record.go) call them and record the
// change when recording (UpdatePolicy), and refuse otherwise.
type sqlTx struct {
	ctx   context.Context
	tx    *sql.Tx
	d     dialect
	write bool
	// recording is set in UpdatePolicy: policy writes are allowed and append to changes.
	recording bool
	changes   []func(*access.Policy)
	// gen is the generation last read (Generation), for Commit.Gen.
	gen int64
	// stmts are the pool's prepared statements (nil: none), bound holds those bound to tx
	// so far, and missed the statements run unprepared, for stmts to prepare after tx.
	stmts  *stmtCache
	bound  map[string]*sql.Stmt
	missed []string
	// alerting is the store's alerting cache in a write transaction (nil in reads, and on
	// PostgreSQL); alteredAlerting is set once t wrote what it caches (alerting_cache.go).
	alerting        *alertingCache
	alteredAlerting bool
}

type scanFunc func(dest ...any) error

func (t *sqlTx) exec(query string, args ...any) (sql.Result, error) {
	q := t.d.rebind(query)
	var res sql.Result
	var err error
	if st := t.stmt(q); st != nil {
		res, err = st.ExecContext(t.ctx, args...)
	} else {
		res, err = t.tx.ExecContext(t.ctx, q, args...)
	}
	return res, t.d.mapErr(err)
}

func (t *sqlTx) query(query string, args ...any) (*sql.Rows, error) {
	q := t.d.rebind(query)
	if st := t.stmt(q); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *sqlTx) queryRow(query string, args ...any) *sql.Row {
	q := t.d.rebind(query)
	if st := t.stmt(q); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

// stmt is q prepared and bound to t's transaction, or nil when it is not prepared yet (it
// is then noted, to be prepared after the transaction) or the store keeps no statements.
func (t *sqlTx) stmt(q string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st, ok := t.bound[q]; ok {
		return st
	}
	st, ok := t.stmts.get(q)
	if !ok {
		if t.bound == nil {
			t.bound = map[string]*sql.Stmt{}
		}
		t.bound[q] = nil // noted once per transaction
		t.missed = append(t.missed, q)
		return nil
	}
	// On the transaction's connection, where the statement is prepared already: the write
	// pool's only one, or a read connection that prepares it once on first use.
	txst := t.tx.StmtContext(t.ctx, st)
	if t.bound == nil {
		t.bound = map[string]*sql.Stmt{}
	}
	t.bound[q] = txst
	return txst
}

// execOne runs a write that must touch exactly one row.
func (t *sqlTx) execOne(query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (t *sqlTx) count(query string, args ...any) (int, error) {
	var n int
	err := t.queryRow(query, args...).Scan(&n)
	return n, err
}

func one[T any](row *sql.Row, scan func(scanFunc) (T, error)) (T, error) {
	v, err := scan(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

// list pages through table in seq (creation) order; the cursor is the last seq returned.
func list[T any](t *sqlTx, table, cols, where string, args []any, p Page, scan func(scanFunc) (T, error)) ([]T, string, error) {
	return listOrdered(t, table, cols, where, args, p, false, scan)
}

// listNewest pages through table newest first (descending seq); the cursor is the last seq
// returned, and the next page holds the rows before it.
func listNewest[T any](t *sqlTx, table, cols, where string, args []any, p Page, scan func(scanFunc) (T, error)) ([]T, string, error) {
	return listOrdered(t, table, cols, where, args, p, true, scan)
}

func listOrdered[T any](t *sqlTx, table, cols, where string, args []any, p Page, newest bool, scan func(scanFunc) (T, error)) ([]T, string, error) {
	var after int64
	if p.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		if err != nil {
			return nil, "", ErrInvalidCursor
		}
		if after, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
			return nil, "", ErrInvalidCursor
		}
	}
	q := "SELECT seq, " + cols + " FROM " + table + " WHERE seq > ?"
	order := " ORDER BY seq"
	if newest {
		// No cursor: from the newest row on.
		if p.Cursor == "" {
			after = math.MaxInt64
		}
		q, order = "SELECT seq, "+cols+" FROM "+table+" WHERE seq < ?", " ORDER BY seq DESC"
	}
	args = append([]any{after}, args...)
	if where != "" {
		q += " AND " + where
	}
	q += order
	if p.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, p.Limit+1)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = rows.Close() }()
	out := []T{}
	var seqs []int64
	for rows.Next() {
		var seq int64
		v, err := scan(func(dest ...any) error { return rows.Scan(append([]any{&seq}, dest...)...) })
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(seqs[p.Limit-1], 10)))
	}
	return out, next, nil
}

func fmtTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// The instants time.UnixNano can represent; outside them it overflows (and wraps), which
// would turn a filter such as since=2300-01-01 into one that matches everything.
var (
	minUnixNano = time.Unix(0, math.MinInt64)
	maxUnixNano = time.Unix(0, math.MaxInt64)
)

// unixNano is t.UnixNano saturated at the int64 range, so that an instant beyond it still
// compares on the right side of every stored one.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minUnixNano):
		return math.MinInt64
	case t.After(maxUnixNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// metaCols are the leading columns of every object table.
const metaCols = "id, version, created_at, updated_at"

type metaScan struct {
	m      *api.Meta
	ca, ua string
}

func (ms *metaScan) dest() []any { return []any{&ms.m.ID, &ms.m.Version, &ms.ca, &ms.ua} }
func (ms *metaScan) finish() {
	ms.m.CreatedAt, ms.m.UpdatedAt = parseTime(ms.ca), parseTime(ms.ua)
}

func metaArgs(m api.Meta) []any {
	return []any{m.ID, m.Version, fmtTime(m.CreatedAt), fmtTime(m.UpdatedAt)}
}
