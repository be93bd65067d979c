package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
)

// Backup writes a consistent copy of the SQLite database db to the new file to, with
// VACUUM INTO: one read transaction, so the copy is the database as of one commit, even while
// a server writes to it (WAL lets a reader and the writer proceed together). It does not
// take the server's lock file, and opens db read-only: it never migrates, creates or changes
// it. The copy is a complete, compacted database, ready to be used as -db.
//
// It refuses a destination that exists, and a PostgreSQL URL (use pg_dump there).
func Backup(ctx context.Context, db, to string) error {
	if IsPostgresURL(db) {
		return errors.New("backup copies a SQLite file; back up PostgreSQL with pg_dump")
	}
	if db == "" || to == "" {
		return errors.New("backup needs the database (-db) and the destination (-to)")
	}
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("no Warden database at %s: %w", db, err)
	}
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("%s already exists: backup never overwrites; choose a new file name", to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup destination %s: %w", to, err)
	}

	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	conn, err := sql.Open("sqlite", "file:"+db+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("open %s: %w", db, err)
	}
	defer func() { _ = conn.Close() }()
	// A file that is not a Warden database (or not SQLite at all) fails here, before any copy.
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("%s is not a Warden database: %w", db, err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		_ = os.Remove(to)
		return fmt.Errorf("backup %s to %s: %w", db, to, err)
	}
	return nil
}
