package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The alerting cache answers write transactions on SQLite with what an earlier one read, and
// never outlives a write of what it holds: a rotated key, a changed routing and a deleted
// environment are seen at once, a rolled-back write leaves nothing of itself behind, and read
// transactions always read.
func TestAlertingCache(t *testing.T) {
	t.Parallel()
	st, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	creds := NewAlertCredentials("env_1", now)
	routing := api.AlertRouting{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: now, UpdatedAt: now}, EnvironmentID: "env_1", VendorRouting: true,
		Destinations: []api.Destination{{Type: "webhook", Target: "https://hooks.example.com/a", MinSeverity: "info"}}}
	if _, err := st.UpdatePolicy(ctx, func(tx Tx) error {
		return errors.Join(tx.InsertEnvironment(api.Environment{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: now, UpdatedAt: now}, Name: "prod", Cloud: "aws"}),
			tx.InsertAlertCredentials(creds), tx.InsertAlertRouting(routing))
	}); err != nil {
		t.Fatal(err)
	}
	read := func(view bool) (env string, r api.AlertRouting, err error) {
		t.Helper()
		run := st.Update
		if view {
			run = st.View
		}
		err = run(ctx, func(tx Tx) error {
			var err error
			if env, err = tx.IngestEnvironment(creds.IngestKey); err != nil {
				return err
			}
			r, err = tx.AlertRouting("env_1")
			return err
		})
		return env, r, err
	}
	// Behind the store's back (no write method): a write transaction still answers from the
	// cache, a read transaction reads.
	if _, _, err := read(false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.write.ExecContext(ctx, `UPDATE alert_routing SET vendor_routing = 0 WHERE environment_id = 'env_1'`); err != nil {
		t.Fatal(err)
	}
	if _, r, err := read(false); err != nil || !r.VendorRouting {
		t.Fatalf("write transaction: vendor_routing %v, %v; want the cached true", r.VendorRouting, err)
	}
	if _, r, err := read(true); err != nil || r.VendorRouting {
		t.Fatalf("read transaction: vendor_routing %v, %v; want the stored false", r.VendorRouting, err)
	}
	// What a caller does to what it got stays its own.
	if err := st.Update(ctx, func(tx Tx) error {
		r, err := tx.AlertRouting("env_1")
		r.Destinations[0].Target = "https://elsewhere.example.com/"
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, r, _ := read(false); r.Destinations[0].Target != "https://hooks.example.com/a" {
		t.Errorf("a caller's change reached the cache: %s", r.Destinations[0].Target)
	}
	// A routing written and rolled back: the cache holds neither it nor what came before.
	routing.VendorRouting, routing.Version = false, 2
	rollback := errors.New("rolled back")
	if err := st.Update(ctx, func(tx Tx) error {
		if err := tx.UpdateAlertRouting(routing); err != nil {
			return err
		}
		if r, err := tx.AlertRouting("env_1"); err != nil || r.VendorRouting {
			t.Errorf("inside the writing transaction: vendor_routing %v, %v; want its own false", r.VendorRouting, err)
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if _, r, err := read(false); err != nil || r.VendorRouting || r.Version != 1 {
		t.Fatalf("after the rollback: %+v, %v; want what is stored (version 1, vendor_routing false)", r, err)
	}
	// A rotated ingest key is refused at once; so is every key of a deleted environment.
	rotated := creds.WithNewIngestKey(now.Add(time.Minute))
	if err := st.Update(ctx, func(tx Tx) error { return tx.UpdateAlertCredentials(rotated) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := read(false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the rotated key: %v; want ErrNotFound", err)
	}
	creds = rotated
	if _, _, err := read(false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdatePolicy(ctx, func(tx Tx) error { return tx.DeleteEnvironment("env_1") }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := read(false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the deleted environment's key: %v; want ErrNotFound", err)
	}
}
