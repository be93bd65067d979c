package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the tests may start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// storeEnv selects the store of the tests that run on one (as internal/apiserver's): "postgres"
// runs them on PostgreSQL (a fresh database per test); anything else on a fresh SQLite file.
// The conformance suite and the migration tests run on both regardless.
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

func requireContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}
