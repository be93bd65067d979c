package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of a dialect's schema. Version is its number in schema_migrations:
// the versions of a list run 1, 2, 3, ... in order (the databases made before migrations
// had names recorded them by position, which is the same number). Never edit or renumber
// one that has shipped; append a new one instead, to each dialect's list.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// migrator is a *sql.DB or a *sql.Conn: where migrations run.
type migrator interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// applyMigrations applies, in order, each migration not yet recorded in schema_migrations,
// each in its own transaction with its record. The caller keeps other processes out (SQLite's
// write lock, PostgreSQL's advisory lock).
func applyMigrations(ctx context.Context, db migrator, d dialect, ms []migration) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range ms {
		err := func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			var n int
			if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
				m.Version, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}
