package store

import (
	"os"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster the tests may start.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testDB is a fresh database for one test on the store pgtest.EnvStore selects. The
// conformance suite and the migration tests run on both stores regardless.
func testDB(t *testing.T) string { return pgtest.DB(t) }

func requireContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}
