package store_test

import (
	"path/filepath"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/store/storetest"
)

// Every dialect runs the whole conformance suite.

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunAll(t, func(t *testing.T) store.Store {
		st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "warden.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.RunAll(t, func(t *testing.T) store.Store {
		st, err := store.OpenPostgres(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}
