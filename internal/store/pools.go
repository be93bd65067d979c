package store

import "database/sql"

// Pools are the store's database/sql pools by name, for their statistics (connections open,
// in use, waits): SQLite's one-connection writer (sqlite_write) and its readers
// (sqlite_read), or PostgreSQL's one pool (postgres).
func (s *DB) Pools() map[string]*sql.DB {
	if _, ok := s.d.(postgresDialect); ok && s.read == s.write {
		return map[string]*sql.DB{"postgres": s.write}
	}
	if s.read == s.write {
		return map[string]*sql.DB{"sqlite": s.write}
	}
	return map[string]*sql.DB{"sqlite_write": s.write, "sqlite_read": s.read}
}
