package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// handOver inserts alert a with n pending deliveries to target in one transaction, leased
// through h, and returns them with the lease they were inserted with.
func (f *fixture) handOver(h *Handover, a api.Alert, target string, n int) ([]api.AlertDelivery, store.Lease) {
	f.t.Helper()
	now := f.clock.Now()
	ds := make([]api.AlertDelivery, n)
	for i := range ds {
		f.seq++
		ds[i] = api.AlertDelivery{ID: fmt.Sprintf("dlv_%d", f.seq), AlertID: a.ID, EnvironmentID: a.EnvironmentID, Kind: api.RecipientWebhook,
			Target: target, Event: api.EventTrigger, Status: api.DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
	}
	var lease store.Lease
	f.update(func(tx store.Tx) error {
		lease = h.Lease(a, ds)
		if err := tx.InsertAlert(a); err != nil {
			return err
		}
		return tx.InsertDeliveries(lease, ds)
	})
	return ds, lease
}

// Deliveries handed over after their commit are sent without a lease from the store (the
// poll interval is an hour here, and nothing notifies); those beyond the dispatcher's room
// are inserted unleased, and the handover's end wakes the dispatcher to lease them.
func TestHandover_sendsWithoutPolling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.Running())
	hook, got := newIDReceiver(t, 10)
	d := f.dispatcher(Config{AllowPrivate: true, PollInterval: time.Hour, Batch: 4, Room: 4})
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Run(ctx)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	h := d.Handover(f.clock.Now())
	handed, lease := f.handOver(h, testAlert("alr_1", api.AlertFiring, f.clock.Now()), hook.URL, 3)
	if lease.Owner != "test-owner" {
		t.Fatalf("3 deliveries with room for 4 inserted with lease %+v; want the dispatcher's", lease)
	}
	beyond, lease := f.handOver(h, testAlert("alr_2", api.AlertFiring, f.clock.Now()), hook.URL, 2)
	if lease.Owner != "" {
		t.Fatalf("2 more deliveries beyond the room inserted with lease %+v; want none", lease)
	}
	h.Done(true)
	want := map[string]bool{}
	for _, dl := range append(handed, beyond...) {
		want[dl.ID] = true
	}
	for n := len(want); n > 0; n-- {
		select {
		case id := <-got:
			if !want[id] {
				t.Errorf("delivered %s, not one of %v (or twice)", id, want)
			}
			delete(want, id)
		case <-time.After(10 * time.Second):
			t.Fatalf("not delivered: %v", want)
		}
	}
	cancel()
	<-stopped
	for _, dl := range append(handed, beyond...) {
		if got := f.delivery(dl.ID); got.Status != api.DeliveryDelivered || len(got.Attempts) != 1 {
			t.Errorf("%s after Run: %s with %d attempts; want delivered with one", dl.ID, got.Status, len(got.Attempts))
		}
	}
}

// A handover is no promise kept in memory alone: deliveries handed to a dispatcher that
// never sends them (its process died) stay leased until the lease ends, then another
// dispatcher sends them. A handover whose transaction did not commit gives its room back.
func TestHandover_leasedUntilSent(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	hook := newReceiver(t, answer(http.StatusOK))
	dead := f.dispatcher(Config{AllowPrivate: true, Batch: 2})
	aborted := dead.Handover(clock.Now())
	if lease := aborted.Lease(testAlert("alr_0", api.AlertFiring, epoch), []api.AlertDelivery{{ID: "dlv_x", Status: api.DeliveryPending}}); lease.Owner == "" {
		t.Fatal("no room in a dispatcher with nothing handed over")
	}
	aborted.Done(false)
	h := dead.Handover(clock.Now())
	ds, lease := f.handOver(h, testAlert("alr_1", api.AlertFiring, epoch), hook.URL, 2)
	if lease.Owner != "test-owner" {
		t.Fatalf("the room an aborted handover took was not given back: lease %+v", lease)
	}
	h.Done(true) // never run: the process died with the deliveries in memory

	other := New(Config{Store: f.st, Now: clock.Now, Owner: "other-owner", AllowPrivate: true, AttemptTimeout: 2 * time.Second})
	runOnce(t, other, 0)
	clock.Advance(dead.cfg.LeaseFor + time.Second)
	runOnce(t, other, 2)
	for _, dl := range ds {
		if got := f.delivery(dl.ID); got.Status != api.DeliveryDelivered || len(got.Attempts) != 1 {
			t.Errorf("%s: %s with %d attempts; want delivered by the other dispatcher", dl.ID, got.Status, len(got.Attempts))
		}
	}
	if n := len(hook.requests()); n != 2 {
		t.Errorf("%d requests; want 2", n)
	}
}

// The room grows to Room while attempts are quick and shrinks towards Batch as they slow, so
// that a handed-over delivery still begins within its lease; until any attempt is timed,
// each is taken to last its whole timeout.
func TestHandover_roomFollowsAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	d := f.dispatcher(Config{Batch: 64, Workers: 16, AttemptTimeout: 10 * time.Second})
	if got := d.roomFor(); got != 64 {
		t.Errorf("room before any attempt: %d; want Batch (64)", got)
	}
	for range 200 {
		d.timed(time.Millisecond)
	}
	if got := d.roomFor(); got != 16*64 {
		t.Errorf("room after quick attempts: %d; want Room (1024)", got)
	}
	for range 200 {
		d.timed(5 * time.Second)
	}
	// (LeaseFor 100s − AttemptTimeout 10s) / 2 = 45s: 9 attempts of 5s for each of 16 workers.
	if got := d.roomFor(); got != 144 {
		t.Errorf("room after 5s attempts: %d; want 144", got)
	}
	for range 200 {
		d.timed(10 * time.Second)
	}
	if got := d.roomFor(); got != 64 {
		t.Errorf("room after attempts that take their whole timeout: %d; want Batch (64)", got)
	}
}

// Only a quarter of the room keeps the deliveries' alerts in memory; the alerts of the others
// are read when they are sent, and every one is sent once, with its own alert.
func TestHandover_alertsBeyondTheKeepAreRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.Running())
	hook, got := newIDReceiver(t, 10)
	d := f.dispatcher(Config{AllowPrivate: true, PollInterval: time.Hour, Batch: 8, Room: 8})
	h := d.Handover(f.clock.Now())
	kept, _ := f.handOver(h, testAlert("alr_1", api.AlertFiring, f.clock.Now()), hook.URL, 2)
	read, lease := f.handOver(h, testAlert("alr_2", api.AlertFiring, f.clock.Now()), hook.URL, 2)
	if lease.Owner != "test-owner" {
		t.Fatalf("deliveries within the room inserted with lease %+v; want the dispatcher's", lease)
	}
	if _, ok := h.alerts["alr_1"]; !ok {
		t.Error("the first alert, within the keep (2 of 8), is not kept")
	}
	if _, ok := h.alerts["alr_2"]; ok {
		t.Error("the second alert, beyond the keep, is kept")
	}
	h.Done(true)
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Run(ctx)
	}()
	defer func() {
		cancel()
		<-stopped
	}()
	want := map[string]string{} // delivery → its alert
	for _, dl := range append(kept, read...) {
		want[dl.ID] = dl.AlertID
	}
	for range want {
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("not all of %v delivered", want)
		}
	}
	for _, r := range hook.requests() {
		var p WebhookPayload
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		id := r.header.Get("webhook-id")
		if alert, ok := want[id]; !ok || p.Data.Alert.ID != alert {
			t.Errorf("delivered %s with alert %s; want each of %v once, with its alert", id, p.Data.Alert.ID, want)
		}
		delete(want, id)
	}
	if d.room.used.Load() != 0 || d.keep.used.Load() != 0 {
		t.Errorf("room %d and keep %d still taken after every delivery was sent", d.room.used.Load(), d.keep.used.Load())
	}
}
