package store

import "context"

// Open opens the store a -db value names: PostgreSQL for a postgres:// URL (shared by
// replicas), else SQLite, locked for this process (LockSQLite) unless shared is asked for
// (tests of replicas on one file). unlock releases the lock.
func Open(ctx context.Context, db string, shared bool) (st *DB, unlock func() error, err error) {
	if IsPostgresURL(db) {
		st, err = OpenPostgres(ctx, db)
		return st, func() error { return nil }, err
	}
	unlock = func() error { return nil }
	if !shared {
		if unlock, err = LockSQLite(db); err != nil {
			return nil, nil, err
		}
	}
	if st, err = OpenSQLite(ctx, db); err != nil {
		_ = unlock()
		return nil, nil, err
	}
	return st, unlock, nil
}
