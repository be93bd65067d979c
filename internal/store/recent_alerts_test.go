package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// SQLite's writer answers "no repeat" from the alerts it wrote itself only where the
// database cannot hold one it did not write: alerts from before the store opened, and those
// of generations it dropped, are looked up; its own, rolled back or not, are found; read
// transactions always look.
func TestRecentAlerts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "warden.db")
	ctx := t.Context()
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	open := func() *DB {
		t.Helper()
		st, err := OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	alert := func(key string, received time.Time) api.Alert {
		return api.Alert{ID: "alr_" + key, EnvironmentID: "env_1", Source: api.AlertSourceAlertmanager, Status: api.AlertFiring, DedupKey: key,
			Severity: "critical", Labels: map[string]string{}, Annotations: map[string]string{}, StartsAt: t0, ReceivedAt: received, Routing: []api.AlertRecipient{}}
	}
	insert := func(st *DB, as ...api.Alert) {
		t.Helper()
		if err := st.Update(ctx, func(tx Tx) error {
			for _, a := range as {
				if err := tx.InsertAlert(a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// behind inserts an alert without the store's methods, as no writer of Warden's does.
	behind := func(st *DB, key string, received time.Time) {
		t.Helper()
		if _, err := st.write.ExecContext(ctx, `INSERT INTO alerts (id, environment_id, dedup_key, status, starts_unix, received_unix, body) VALUES (?,?,?,?,?,?,?)`,
			"alr_"+key, "env_1", key, api.AlertFiring, t0.Unix(), received.UnixNano(), jsonText(alert(key, received))); err != nil {
			t.Fatal(err)
		}
	}
	found := func(st *DB, view bool, key string, since time.Time) bool {
		t.Helper()
		run := st.Update
		if view {
			run = st.View
		}
		var err error
		if rerr := run(ctx, func(tx Tx) error {
			_, err = tx.DuplicateAlert("env_1", key, api.AlertFiring, t0, since)
			return nil
		}); rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	st := open()
	if _, err := st.UpdatePolicy(ctx, func(tx Tx) error {
		return tx.InsertEnvironment(api.Environment{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: t0, UpdatedAt: t0}, Name: "prod", Cloud: "aws"})
	}); err != nil {
		t.Fatal(err)
	}
	insert(st, alert("before", t0))
	_ = st.Close()

	st = open()
	if !found(st, false, "before", t0.Add(-time.Minute)) {
		t.Fatal("an alert stored before the store opened is not found")
	}
	insert(st, alert("mine", t0.Add(time.Second)))
	if !found(st, false, "mine", t0.Add(time.Nanosecond)) {
		t.Fatal("an alert the writer stored is not found")
	}
	behind(st, "unseen", t0.Add(2*time.Second))
	if found(st, false, "unseen", t0.Add(time.Nanosecond)) {
		t.Fatal("a write transaction looked up a key the writer never stored, received after the latest stored before")
	}
	if !found(st, false, "unseen", t0) || !found(st, true, "unseen", t0.Add(time.Nanosecond)) {
		t.Fatal("a check reaching back to what was stored before, or in a read transaction, did not look")
	}
	if err := st.Update(ctx, func(tx Tx) error {
		return errors.Join(tx.InsertAlert(alert("rolled-back", t0.Add(3*time.Second))), errors.New("roll back"))
	}); err == nil {
		t.Fatal("no rollback")
	}
	if found(st, false, "rolled-back", t0.Add(time.Nanosecond)) {
		t.Fatal("a rolled-back alert is found")
	}

	// Generations of two: the third and fourth alerts drop the first two's generation.
	st.alerting.recent.mu.Lock()
	st.alerting.recent.perGen = 2
	st.alerting.recent.mu.Unlock()
	t1 := t0.Add(time.Hour)
	insert(st, alert("g1", t1), alert("g2", t1.Add(time.Second)), alert("g3", t1.Add(2*time.Second)), alert("g4", t1.Add(3*time.Second)),
		alert("g5", t1.Add(4*time.Second)))
	behind(st, "late", t1.Add(5*time.Second))
	// The first generation held mine and the rolled-back alert, the second g1 and g2; the
	// third and fourth (g3 and g4, then g5) are kept.
	if !found(st, false, "late", t1.Add(time.Second)) {
		t.Fatal("a check reaching back into a dropped generation did not look")
	}
	if found(st, false, "late", t1.Add(time.Second+time.Nanosecond)) {
		t.Fatal("a check within the kept generations looked")
	}
	for _, key := range []string{"g3", "g4", "g5"} {
		if !found(st, false, key, t1.Add(time.Second+time.Nanosecond)) {
			t.Fatalf("%s, in a kept generation, is not found", key)
		}
	}
}
