package apiserver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the tests may start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// storeEnv selects the store every newTestServer runs on: "postgres" runs the whole API
// suite on PostgreSQL (a fresh database per test); anything else on a fresh SQLite file.
const storeEnv = "WARDEN_TEST_STORE"

func onPostgres() bool { return os.Getenv(storeEnv) == "postgres" }

// testDB is a fresh database for one test on the selected store.
func testDB(t *testing.T) string {
	t.Helper()
	if onPostgres() {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "warden.db")
}

// sqliteOnly skips a test of SQLite's own behaviour (its file, its lock) in the PostgreSQL
// run; the SQLite run covers it.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if onPostgres() {
		t.Skip("about the SQLite file; covered by the SQLite run")
	}
}
