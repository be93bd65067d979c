package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver: no cgo in the server
)

// The SQLite store. Writes go through a pool of exactly one
// connection that begins IMMEDIATE transactions, so writers queue in Go instead of failing
// with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, see a consistent snapshot
// without blocking the writer.

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// OpenSQLite opens (creating it if missing) and migrates the SQLite database at path. It
// takes no lock: a server that is its store's only writer takes LockSQLite first (Open does).
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		// FULL: in WAL mode NORMAL syncs only at checkpoints, and a commit (an alert answered
		// 202) could be lost to a power cut; FULL syncs the WAL at each commit.
		q.Add("_pragma", "synchronous(FULL)")
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
	r.SetMaxIdleConns(8) // each keeps its prepared statements
	s := &DB{write: w, read: r, d: sqliteDialect{}, writeStmts: newStmtCache(), readStmts: newStmtCache(), alerting: newAlertingCache()}
	if err := migrateSQLite(ctx, s); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// migrateSQLite applies migrations on the single write connection; SQLite's write lock
// keeps two processes from applying one twice.
func migrateSQLite(ctx context.Context, s *DB) error {
	if err := applyMigrations(ctx, s.write, s.d, sqliteMigrations); err != nil {
		return err
	}
	if err := backfillEmailFold(ctx, s.write, s.d); err != nil {
		return err
	}
	return backfillAlertCredentials(ctx, s.write, s.d)
}
