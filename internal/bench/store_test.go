package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL a WARDEN_TEST_STORE=postgres run starts.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// benchStore names the store the benchmarks run on: WARDEN_TEST_STORE (acctest.StoreEnv),
// as for the tests — "postgres", or SQLite by default.
func benchStore() string {
	if os.Getenv(acctest.StoreEnv) == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// benchDB is a fresh database on that store: a PostgreSQL database, or a SQLite file in dir.
func benchDB(tb testing.TB, dir string) string {
	if benchStore() == "postgres" {
		return pgtest.URL(tb)
	}
	return filepath.Join(dir, "warden.db")
}
