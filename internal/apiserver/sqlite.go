package apiserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"modernc.org/sqlite" // also registers the pure-Go "sqlite" driver: no cgo in the server
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite store: everything in one file. Writes go through a pool of exactly one
// connection that begins IMMEDIATE transactions, so writers queue in Go instead of failing
// with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, see a consistent snapshot
// without blocking the writer.

type sqliteDialect struct{}

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) lockGeneration() string { return "" } // the write connection is the lock

// mapErr turns SQLite constraint failures into the store's typed errors.
func (sqliteDialect) mapErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return err
	}
	// The code says which failure; only the message says which column ("UNIQUE constraint
	// failed: table.column"). Only single-column uniqueness on name or email is a field
	// the client can change.
	_, rest, _ := strings.Cut(se.Error(), "UNIQUE constraint failed: ")
	if j := strings.IndexAny(rest, " ,)"); j >= 0 {
		rest = rest[:j]
	}
	_, col, _ := strings.Cut(rest, ".")
	switch col {
	case "name", "email":
	case "email_fold": // e-mails are unique whatever their case
		col = "email"
	default:
		col = ""
	}
	return &ConflictError{Field: col}
}

func openSQLite(ctx context.Context, path string) (*sqlDB, error) {
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", txlock)
		// SQLite reads a file: URI: a '#' or '?' in the path would end it early (and open
		// another file), so they and '%' are escaped.
		return "file:" + uriPath.Replace(path) + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	s := &sqlDB{write: w, read: r, d: sqliteDialect{}}
	if err := migrateSQLite(ctx, s); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// migrateSQLite applies migrations on the single write connection; SQLite's write lock
// keeps two processes from applying one twice.
func migrateSQLite(ctx context.Context, s *sqlDB) error {
	if err := applyMigrations(ctx, s.write, s.d, migrations); err != nil {
		return err
	}
	return backfillEmailFold(ctx, s.write, s.d)
}
