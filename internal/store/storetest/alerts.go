package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// alertEnv stores environment env_1 for the alert tests.
func alertEnv(t *testing.T, st store.Store) {
	t.Helper()
	update(t, st, func(tx store.Tx) error {
		return tx.InsertEnvironment(api.Environment{Meta: meta("env", 1), Name: "prod", Cloud: "aws", ResourcePrefix: "aw_"})
	})
}

func testAlert(i int, status string, starts time.Time) api.Alert {
	return api.Alert{ID: fmt.Sprintf("alr_%d", i), EnvironmentID: "env_1", Source: api.AlertSourceAlertmanager, Status: status,
		DedupKey: "fp1", Severity: "critical", Summary: "Disk full", Labels: map[string]string{"alertname": "DiskFull"},
		Annotations: map[string]string{}, StartsAt: starts, ReceivedAt: now,
		Routing: []api.AlertRecipient{{Kind: api.RecipientVendor, Chosen: true, DeliveryID: fmt.Sprintf("dlv_%d", i)}}}
}

func testDelivery(i int, due time.Time) api.AlertDelivery {
	return api.AlertDelivery{ID: fmt.Sprintf("dlv_%d", i), AlertID: "alr_1", EnvironmentID: "env_1", Kind: api.RecipientWebhook,
		Target: "https://hooks.example.com/x", Event: api.EventTrigger, Status: api.DeliveryPending, NextAttemptAt: &due,
		CreatedAt: now, UpdatedAt: now, Attempts: []api.AlertAttempt{}}
}

// Alerts round trip whole; a repeat (same key, status and start, within the window) is
// found, another status or start is not; lists filter; the environment's deletion takes them.
func TestAlertsRoundTrip(t *testing.T, open Open) {
	st := open(t)
	alertEnv(t, st)
	a := testAlert(1, api.AlertFiring, now.Add(-time.Minute).Truncate(time.Second))
	write(t, st, func(tx store.Tx) error {
		return errors.Join(tx.InsertAlert(a), tx.InsertAlert(testAlert(2, api.AlertResolved, a.StartsAt)))
	})
	view(t, st, func(tx store.Tx) error {
		got, err := tx.Alert("env_1", "alr_1")
		if err != nil || !reflect.DeepEqual(got, a) {
			return fmt.Errorf("alert read back %+v (%w), want %+v", got, err, a)
		}
		if _, err := tx.Alert("env_2", "alr_1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("an alert read through another environment: %w", err)
		}
		dup, err := tx.DuplicateAlert("env_1", "fp1", api.AlertFiring, a.StartsAt.Add(300*time.Millisecond), now.Add(-time.Minute))
		if err != nil || dup.ID != "alr_1" {
			return fmt.Errorf("the repeat of alr_1 found %q (%w)", dup.ID, err)
		}
		for name, miss := range map[string]func() error{
			"another start": func() error {
				_, err := tx.DuplicateAlert("env_1", "fp1", api.AlertFiring, a.StartsAt.Add(time.Hour), now.Add(-time.Minute))
				return err
			},
			"outside the window": func() error {
				_, err := tx.DuplicateAlert("env_1", "fp1", api.AlertFiring, a.StartsAt, now.Add(time.Second))
				return err
			},
			"another key": func() error {
				_, err := tx.DuplicateAlert("env_1", "fp2", api.AlertFiring, a.StartsAt, now.Add(-time.Minute))
				return err
			},
		} {
			if err := miss(); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s counted as a repeat: %w", name, err)
			}
		}
		if dup, err := tx.DuplicateAlert("env_1", "fp1", api.AlertResolved, time.Time{}, now.Add(-time.Minute)); err != nil || dup.ID != "alr_2" {
			return fmt.Errorf("the repeat of alr_2 without a start found %q (%w)", dup.ID, err)
		}
		if last, err := tx.LastAlert("env_1", "fp1"); err != nil || last.ID != "alr_2" {
			return fmt.Errorf("the last alert with fp1 is %q (%w)", last.ID, err)
		}
		resolved, _, err := tx.Alerts(store.AlertFilter{EnvironmentID: "env_1", Status: api.AlertResolved}, store.Page{})
		if err != nil || len(resolved) != 1 || resolved[0].ID != "alr_2" {
			return fmt.Errorf("resolved alerts %+v (%w)", resolved, err)
		}
		later := now.Add(time.Second)
		if none, _, err := tx.Alerts(store.AlertFilter{Since: &later}, store.Page{}); err != nil || len(none) != 0 {
			return fmt.Errorf("alerts received after they were: %+v (%w)", none, err)
		}
		return nil
	})
	update(t, st, func(tx store.Tx) error { return tx.DeleteEnvironment("env_1") })
	view(t, st, func(tx store.Tx) error {
		if all, _, err := tx.Alerts(store.AlertFilter{}, store.Page{}); err != nil || len(all) != 0 {
			return fmt.Errorf("alerts of a deleted environment: %+v (%w)", all, err)
		}
		return nil
	})
}

// The outbox: only due, unleased, pending deliveries are leased, earliest first and at most
// the limit; a finish by the lease holder records the attempt, one by a dispatcher whose
// lease was taken over writes nothing; an expired lease can be taken; a retry frees the
// delivery; pruning keeps alerts with pending deliveries; Outbox counts the backlog.
func TestAlertOutbox(t *testing.T, open Open) {
	st := open(t)
	alertEnv(t, st)
	write(t, st, func(tx store.Tx) error {
		errs := []error{tx.InsertAlert(testAlert(1, api.AlertFiring, now))}
		var ds []api.AlertDelivery
		for i, due := range []time.Time{now.Add(2 * time.Second), now, now.Add(time.Second), now.Add(time.Hour)} {
			ds = append(ds, testDelivery(i+1, due))
		}
		return errors.Join(append(errs, tx.InsertDeliveries(store.Lease{}, ds))...)
	})
	lease := func(owner string, at time.Time, limit int) []string {
		t.Helper()
		var ids []string
		write(t, st, func(tx store.Tx) error {
			ds, err := tx.LeaseDeliveries(owner, at, at.Add(time.Minute), limit)
			for _, d := range ds {
				ids = append(ids, d.ID)
			}
			return err
		})
		return ids
	}
	at := now.Add(3 * time.Second)
	if got := lease("a", at, 2); !reflect.DeepEqual(got, []string{"dlv_2", "dlv_3"}) {
		t.Fatalf("first lease %v, want the two earliest due", got)
	}
	if got := lease("b", at, 10); !reflect.DeepEqual(got, []string{"dlv_1"}) {
		t.Fatalf("second lease %v, want only the due one not leased", got)
	}
	done := testDelivery(2, now)
	delivered := at.Add(time.Second)
	done.Status, done.AttemptCount, done.NextAttemptAt, done.DeliveredAt, done.UpdatedAt = api.DeliveryDelivered, 1, nil, &delivered, delivered
	attempt := api.AlertAttempt{N: 1, At: at, StatusCode: 204, LatencyMS: 12, Outcome: api.AttemptDelivered}
	if lost := finish(t, st, "b", store.Finish{Delivery: done, Attempt: attempt}); !reflect.DeepEqual(lost, []string{"dlv_2"}) {
		t.Fatalf("a finish by a dispatcher not holding the lease: lost %v", lost)
	}
	if lost := finish(t, st, "a", store.Finish{Delivery: done, Attempt: attempt}); len(lost) != 0 {
		t.Fatalf("the lease holder's finish lost %v", lost)
	}
	// dlv_3's lease by a runs out: c takes it, and a's late finish is refused.
	if got := lease("c", at.Add(2*time.Minute), 10); !reflect.DeepEqual(got, []string{"dlv_3", "dlv_1"}) {
		t.Fatalf("lease after expiry %v, want the expired leases", got)
	}
	late := testDelivery(3, now)
	late.Status = api.DeliveryFailed
	if lost := finish(t, st, "a", store.Finish{Delivery: late, Attempt: attempt}); !reflect.DeepEqual(lost, []string{"dlv_3"}) {
		t.Fatalf("a finish after the lease was taken over: lost %v", lost)
	}
	view(t, st, func(tx store.Tx) error {
		got, err := tx.Delivery("env_1", "dlv_2")
		done.Attempts = []api.AlertAttempt{attempt}
		if err != nil || !reflect.DeepEqual(got, done) {
			return fmt.Errorf("finished delivery %+v (%w), want %+v", got, err, done)
		}
		if d, err := tx.Delivery("env_1", "dlv_3"); err != nil || d.Status != api.DeliveryPending || len(d.Attempts) != 0 {
			return fmt.Errorf("a refused finish wrote %+v (%w)", d, err)
		}
		pending, _, err := tx.Deliveries(store.DeliveryFilter{AlertID: "alr_1", Status: api.DeliveryPending}, store.Page{})
		if err != nil || len(pending) != 3 {
			return fmt.Errorf("pending deliveries %+v (%w)", pending, err)
		}
		o, err := tx.Outbox()
		if err != nil || o.Pending != 3 || o.OldestPending == nil || !o.OldestPending.Equal(now) {
			return fmt.Errorf("outbox %+v (%w)", o, err)
		}
		return nil
	})
	// A retry frees a leased delivery at once.
	retry := testDelivery(3, at)
	write(t, st, func(tx store.Tx) error { return tx.UpdateDelivery(retry) })
	if got := lease("d", at, 10); !reflect.DeepEqual(got, []string{"dlv_3"}) {
		t.Fatalf("lease after a retry %v", got)
	}
	// Pruning spares the alert while any delivery is pending.
	write(t, st, func(tx store.Tx) error {
		n, err := tx.PruneAlerts(now.Add(time.Hour))
		if err == nil && n != 0 {
			err = fmt.Errorf("pruned %d alerts with pending deliveries", n)
		}
		return err
	})
	write(t, st, func(tx store.Tx) error {
		for _, id := range []string{"dlv_1", "dlv_3", "dlv_4"} {
			d := testDelivery(0, now)
			d.ID, d.Status, d.NextAttemptAt = id, api.DeliveryFailed, nil
			if err := tx.UpdateDelivery(d); err != nil {
				return err
			}
		}
		n, err := tx.PruneAlerts(now.Add(time.Hour))
		if err == nil && n != 1 {
			err = fmt.Errorf("pruned %d alerts, want 1", n)
		}
		return err
	})
	view(t, st, func(tx store.Tx) error {
		if ds, _, err := tx.Deliveries(store.DeliveryFilter{}, store.Page{}); err != nil || len(ds) != 0 {
			return fmt.Errorf("deliveries of a pruned alert: %+v (%w)", ds, err)
		}
		return nil
	})
}

// Dispatchers leasing at the same moment never get the same delivery.
func TestAlertLeasesExclusive(t *testing.T, open Open) {
	st := open(t)
	alertEnv(t, st)
	const n = 200
	write(t, st, func(tx store.Tx) error {
		var ds []api.AlertDelivery
		for i := range n {
			ds = append(ds, testDelivery(i, now))
		}
		return errors.Join(tx.InsertAlert(testAlert(1, api.AlertFiring, now)), tx.InsertDeliveries(store.Lease{}, ds))
	})
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		owner := fmt.Sprintf("owner_%d", w)
		wg.Go(func() {
			for range n {
				var ds []api.AlertDelivery
				if err := st.Update(t.Context(), func(tx store.Tx) error {
					var err error
					ds, err = tx.LeaseDeliveries(owner, now, now.Add(time.Hour), 7)
					return err
				}); err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					if other, ok := seen[d.ID]; ok {
						t.Errorf("%s leased by %s and %s", d.ID, other, owner)
					}
					seen[d.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d deliveries leased", len(seen), n)
	}
}

// Deliveries inserted leased are not leased again until the lease ends; a batch of finishes
// records those whose lease its owner holds (a delivery given twice, once) and names the
// others; the attempts read back in order.
func TestAlertBatches(t *testing.T, open Open) {
	st := open(t)
	alertEnv(t, st)
	const n = 150 // more than one statement's rows
	var ds []api.AlertDelivery
	for i := range n {
		ds = append(ds, testDelivery(i, now))
	}
	write(t, st, func(tx store.Tx) error {
		return errors.Join(tx.InsertAlert(testAlert(1, api.AlertFiring, now)),
			tx.InsertDeliveries(store.Lease{Owner: "a", Until: now.Add(time.Minute)}, ds[:n-1]), tx.InsertDeliveries(store.Lease{}, ds[n-1:]))
	})
	var leased []api.AlertDelivery
	write(t, st, func(tx store.Tx) error {
		var err error
		leased, err = tx.LeaseDeliveries("b", now, now.Add(time.Minute), n)
		return err
	})
	if len(leased) != 1 || leased[0].ID != ds[n-1].ID {
		t.Fatalf("leased %d deliveries besides the ones inserted leased, want only %s", len(leased), ds[n-1].ID)
	}
	var fs []store.Finish
	var want []string // what a loses: b's delivery, and the repeat of dlv_0
	for i, d := range ds {
		d.Status, d.AttemptCount, d.NextAttemptAt, d.LastError, d.UpdatedAt = api.DeliveryFailed, 1, nil, "refused", now.Add(time.Second)
		if i%2 == 1 {
			next := now.Add(time.Duration(i) * time.Second)
			d.Status, d.NextAttemptAt = api.DeliveryPending, &next
		}
		fs = append(fs, store.Finish{Delivery: d, Attempt: api.AlertAttempt{N: 1, At: now, StatusCode: 400 + i%100, LatencyMS: int64(i), Outcome: api.AttemptFailed, Error: "refused"}})
	}
	fs = append(fs, fs[0])
	want = append(want, ds[n-1].ID, ds[0].ID)
	if lost := finish(t, st, "a", fs...); !reflect.DeepEqual(slices.Sorted(slices.Values(lost)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("lost %v, want %v", lost, want)
	}
	view(t, st, func(tx store.Tx) error {
		for i, f := range fs[:n-1] {
			got, err := tx.Delivery("env_1", f.Delivery.ID)
			want := f.Delivery
			want.Attempts = []api.AlertAttempt{f.Attempt}
			if err != nil || !reflect.DeepEqual(got, want) {
				return fmt.Errorf("delivery %d read back %+v (%w), want %+v", i, got, err, want)
			}
		}
		if got, err := tx.Delivery("env_1", ds[n-1].ID); err != nil || got.Status != api.DeliveryPending || len(got.Attempts) != 0 {
			return fmt.Errorf("b's delivery after a's finish: %+v (%w)", got, err)
		}
		return nil
	})
	// Once released, the pending ones are due to anyone.
	write(t, st, func(tx store.Tx) error {
		var err error
		leased, err = tx.LeaseDeliveries("b", now.Add(time.Hour), now.Add(2*time.Hour), n)
		return err
	})
	if len(leased) != n/2 {
		t.Fatalf("leased %d of the %d pending deliveries", len(leased), n/2)
	}
}

// finish runs FinishAttempts for owner in st.Update, failing the test on an error, and
// returns the deliveries it lost.
func finish(t *testing.T, st store.Store, owner string, fs ...store.Finish) []string {
	t.Helper()
	var lost []string
	write(t, st, func(tx store.Tx) error {
		var err error
		lost, err = tx.FinishAttempts(owner, fs)
		return err
	})
	return lost
}

// view runs fn in st.View, failing the test on an error.
func view(t *testing.T, st store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := st.View(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}
