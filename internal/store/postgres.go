package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// The PostgreSQL store, for several API replicas on one database. Writers run in parallel
// connections; every write transaction starts by locking the policy generation row
// (lockGeneration), which serializes writes across replicas exactly as SQLite's single
// writer does, so the rules decided inside a transaction hold when it commits. Reads run in
// read-only REPEATABLE READ transactions: one snapshot for every read inside one.

// IsPostgresURL reports whether a -db value names a PostgreSQL database.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// migrationLock is the advisory lock key under which replicas starting together migrate one
// at a time (an arbitrary constant: "warden" in ASCII).
const migrationLock = 0x77617264656e

// OpenPostgres connects to and migrates the PostgreSQL database at url.
func OpenPostgres(ctx context.Context, url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	s := &DB{write: db, read: db, d: postgresDialect{},
		readOpts: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}}
	if err := migratePostgres(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// migratePostgres applies the migrations not yet recorded, holding a session advisory lock
// so that replicas starting together apply each exactly once.
func migratePostgres(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock)); uerr != nil && err == nil {
			err = fmt.Errorf("migrate: %w", uerr)
		}
	}()
	if err := applyMigrations(ctx, conn, postgresDialect{}, postgresMigrations); err != nil {
		return err
	}
	if err := backfillEmailFold(ctx, conn, postgresDialect{}); err != nil {
		return err
	}
	return backfillAlertCredentials(ctx, conn, postgresDialect{})
}
