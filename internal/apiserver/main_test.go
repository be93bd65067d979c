package apiserver

import (
	"os"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the tests may start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testDB is a fresh database for one test on the store pgtest.EnvStore selects: every
// newTestServer runs on it, so "postgres" runs the whole API suite on PostgreSQL.
func testDB(t *testing.T) string { return pgtest.DB(t) }

// sqliteOnly skips a test of SQLite's own behaviour (its file, its lock) in the PostgreSQL
// run; the SQLite run covers it.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if pgtest.OnPostgres() {
		t.Skip("about the SQLite file; covered by the SQLite run")
	}
}
