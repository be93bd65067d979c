package alerting

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// backlog is the size of the outbox each benchmark iteration works through.
const backlog = 3200

// The recorder alone: finishing a leased backlog in transactions of Batch (64), on the store
// WARDEN_TEST_STORE selects. SQLite's one writer makes this the dispatcher's ceiling.
func BenchmarkDispatcher_finish(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, testclock.New(epoch))
		f.addMany(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, "https://hooks.example.com/", backlog)
		d := f.dispatcher(Config{})
		var done []finished
		f.update(func(tx store.Tx) error {
			ds, err := tx.LeaseDeliveries(d.cfg.Owner, epoch, epoch.Add(time.Minute), backlog)
			for _, dl := range ds {
				done = append(done, d.next(dl, result{Outcome: api.AttemptDelivered, StatusCode: 200}, epoch, epoch, time.Millisecond))
			}
			return err
		})
		b.StartTimer()
		start := time.Now()
		for batch := range slices.Chunk(done, d.cfg.Batch) {
			if err := d.finish(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(done))/time.Since(start).Seconds(), "finishes/s")
	}
}

// The whole round, lease to record, to a receiver on 127.0.0.1 that answers 204 at once.
func BenchmarkDispatcher_backlog(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, testclock.New(epoch))
		hook := newReceiver(b, answer(http.StatusNoContent))
		f.addMany(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL, backlog)
		d := f.dispatcher(Config{AllowPrivate: true})
		b.StartTimer()
		start, total := time.Now(), 0
		for {
			n, err := d.RunOnce(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			if total += n; n == 0 {
				break
			}
		}
		b.ReportMetric(float64(total)/time.Since(start).Seconds(), "deliveries/s")
		if total != backlog || len(hook.requests()) != backlog {
			b.Fatalf("%d leased, %d sent; want %d", total, len(hook.requests()), backlog)
		}
	}
}

// The ingest writer's statements for alerts routed to three webhooks (the ingest key and
// the routing read once a transaction, each alert checked for a repeat and stored with its
// deliveries), in transactions of batch alerts as the group commit makes them, and then
// the attempts recorded as the dispatcher records them: the store's cost of an alert, on
// the store WARDEN_TEST_STORE selects.
func BenchmarkIngestWrites(b *testing.B) {
	for _, batch := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("batch-%d", batch), func(b *testing.B) {
			f := newFixture(b, testclock.New(epoch))
			hooks := []api.Destination{{Type: api.RecipientWebhook, Target: "http://127.0.0.1:9/a", MinSeverity: "info"},
				{Type: api.RecipientWebhook, Target: "http://127.0.0.1:9/b", MinSeverity: "info"},
				{Type: api.RecipientWebhook, Target: "http://127.0.0.1:9/c", MinSeverity: "info"}}
			f.update(func(tx store.Tx) error {
				return tx.InsertAlertRouting(api.AlertRouting{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: epoch, UpdatedAt: epoch},
					EnvironmentID: "env_1", VendorRouting: false, Destinations: hooks})
			})
			lease := store.Lease{Owner: "bench", Until: epoch.Add(time.Hour)}
			n := 0
			var done []store.Finish
			cpu := cpuTime()
			for b.Loop() {
				f.update(func(tx store.Tx) error {
					if _, err := tx.IngestEnvironment(f.creds.IngestKey); err != nil {
						return err
					}
					if _, err := tx.AlertRouting("env_1"); err != nil {
						return err
					}
					for range batch {
						n++
						a := testAlert(fmt.Sprintf("alr_%012d", n), api.AlertFiring, epoch)
						a.DedupKey = fmt.Sprintf("fp-%d", n)
						if _, err := tx.DuplicateAlert(a.EnvironmentID, a.DedupKey, a.Status, a.StartsAt, epoch.Add(-time.Minute)); !errors.Is(err, store.ErrNotFound) {
							return fmt.Errorf("a repeat of a new alert: %w", err)
						}
						ds := make([]api.AlertDelivery, len(hooks))
						for i, h := range hooks {
							ds[i] = api.AlertDelivery{ID: fmt.Sprintf("dlv_%012d_%d", n, i), AlertID: a.ID, EnvironmentID: a.EnvironmentID, Kind: h.Type,
								Target: h.Target, Event: api.EventTrigger, Status: api.DeliveryPending, NextAttemptAt: &epoch, CreatedAt: epoch, UpdatedAt: epoch}
						}
						if err := tx.InsertAlert(a); err != nil {
							return err
						}
						if err := tx.InsertDeliveries(lease, ds); err != nil {
							return err
						}
						for _, d := range ds {
							d.Status, d.AttemptCount, d.NextAttemptAt, d.DeliveredAt = api.DeliveryDelivered, 1, nil, &epoch
							done = append(done, store.Finish{Delivery: d, Attempt: api.AlertAttempt{N: 1, At: epoch, StatusCode: 204, LatencyMS: 1, Outcome: api.AttemptDelivered}})
						}
					}
					return nil
				})
				// The dispatcher records a few hundred attempts a transaction under load.
				if len(done) >= 600 {
					f.update(func(tx store.Tx) error {
						lost, err := tx.FinishAttempts(lease.Owner, done)
						if err == nil && len(lost) > 0 {
							err = fmt.Errorf("%d leases lost", len(lost))
						}
						return err
					})
					done = done[:0]
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/alert")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(n), "cpu-µs/alert")
		})
	}
}

// cpuTime is the CPU time this process has used (user and system, every thread): the
// store's work without the wait for its disk.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
