package pgtest

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvStore selects the store of the tests that run on one (internal/apiserver's whole API
// suite, some of internal/store's): "postgres" runs them on PostgreSQL (a fresh database per
// test); anything else on a fresh SQLite file.
const EnvStore = "WARDEN_TEST_STORE"

// OnPostgres reports whether EnvStore selects PostgreSQL.
func OnPostgres() bool { return os.Getenv(EnvStore) == "postgres" }

// DB returns a fresh database for one test on the store EnvStore selects: a URL from URL, or
// the path of a SQLite file in the test's temp dir.
func DB(t testing.TB) string {
	t.Helper()
	if OnPostgres() {
		return URL(t)
	}
	return filepath.Join(t.TempDir(), "warden.db")
}
