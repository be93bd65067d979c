package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

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
		if txlock == "immediate" {
			// The writer checkpoints only when the WAL outgrows what the background
			// checkpointer (checkpoints) keeps up with: a checkpoint on the commit path
			// copies pages and syncs the database file while every writer waits.
			q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
		}
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
	s := &DB{write: w, read: r, d: sqliteDialect{}, writeStmts: newStmtCache(), readStmts: newStmtCache()}
	if err := migrateSQLite(ctx, s); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.stopCheckpoints = checkpoints(r)
	return s, nil
}

// walBackstopPages is the WAL's size (in pages, 4 KiB each) at which the committing writer
// checkpoints itself, when the background checkpointer has not kept it smaller.
const walBackstopPages = 10000

// checkpointEvery is how often the background checkpointer runs.
const checkpointEvery = 250 * time.Millisecond

// checkpoints copies the WAL into the database file in the background, on a read
// connection: a PASSIVE checkpoint runs beside the writer (it takes no write lock and waits
// for no reader), so that commits, which each wait for the disk already (synchronous=FULL),
// no longer also wait for a checkpoint every 1,000 pages. The returned function stops it.
func checkpoints(db *sql.DB) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failure (the database busy or closing) is retried at the next tick;
				// the writer's own checkpoint at walBackstopPages bounds the WAL meanwhile.
				_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
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
