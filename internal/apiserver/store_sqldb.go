package apiserver

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// dialect is what differs between the SQL databases the store runs on; everything else
// (store_sql.go) is shared.
type dialect interface {
	// rebind turns the shared SQL's "?" placeholders into the database's own.
	rebind(query string) string
	// mapErr turns constraint failures into the store's typed errors.
	mapErr(err error) error
	// lockGeneration is appended to the generation read at the start of a write
	// transaction: where writers run in parallel (PostgreSQL), it takes the row lock that
	// serializes every write, so that decisions made in the transaction see a policy no other
	// writer can change before it commits.
	lockGeneration() string
}

// sqlDB is the Store on database/sql: one pool for writes and one for reads (the same pool
// where the database needs no split), and the dialect.
type sqlDB struct {
	write, read *sql.DB
	d           dialect
	// readOpts begins read transactions: one snapshot for every read inside fn.
	readOpts *sql.TxOptions
}

var _ Store = (*sqlDB)(nil)

func (s *sqlDB) Update(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.write, nil, true, fn)
}

func (s *sqlDB) View(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.read, s.readOpts, false, fn)
}

func (s *sqlDB) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, write bool, fn func(Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(&sqlTx{ctx: ctx, tx: tx, d: s.d, write: write}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqlDB) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.read.QueryRowContext(ctx, `SELECT gen FROM policy_state WHERE id = 1`).Scan(&g)
	return g, err
}

func (s *sqlDB) Close() error {
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// sqlTx implements Tx on one database/sql transaction.
type sqlTx struct {
	ctx   context.Context
	tx    *sql.Tx
	d     dialect
	write bool
}

type scanFunc func(dest ...any) error

func (t *sqlTx) exec(query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(t.ctx, t.d.rebind(query), args...)
	return res, t.d.mapErr(err)
}

func (t *sqlTx) query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, t.d.rebind(query), args...)
}

func (t *sqlTx) queryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, t.d.rebind(query), args...)
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

// dollarRebind numbers placeholders as PostgreSQL wants them ($1, $2, ...); the shared SQL
// has no "?" inside literals. Results are cached: the set of queries is small and fixed.
var rebound sync.Map

func dollarRebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		if out, ok := v.(string); ok {
			return out
		}
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	rebound.Store(q, out)
	return out
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
	args = append([]any{after}, args...)
	if where != "" {
		q += " AND " + where
	}
	q += " ORDER BY seq"
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

// migrator is a *sql.DB or a *sql.Conn: where migrations run.
type migrator interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// applyMigrations applies, in order, each migration not yet recorded in schema_migrations,
// each in its own transaction with its record. The caller keeps other processes out (SQLite's
// write lock, PostgreSQL's advisory lock).
func applyMigrations(ctx context.Context, db migrator, d dialect, ms []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for i, m := range ms {
		version := i + 1
		err := func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			var n int
			if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
				version, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migration %d: %w", version, err)
		}
	}
	return nil
}
